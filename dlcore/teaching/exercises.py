"""Exercises that check themselves without giving the answer away.

A chapter stores only a *fingerprint* of the answer, a SHA-256 hash of the value rounded
to a few decimals, so reading the notebook does not reveal it. A student's number, or a
student's function evaluated on the exercise's test inputs, is rounded the same way,
hashed and compared. Known mistakes can be fingerprinted too, to give a targeted hint.

Writing an exercise (the author computes the fingerprints once)::

    >>> fingerprint(-0.11675, decimals=4)              # doctest: +SKIP
    'c0ffee…'
    ex = NumberExercise("δ8 for d1", "c0ffee…", decimals=4,
                        hint="δ8 = ∂E/∂a8 × a8(1 − a8), with ∂E/∂a8 = −(t − a8).")
    ex.check(my_answer)          # prints ✓ or ✗ with the hint; returns a true/false Verdict

    ex = FunctionExercise("derivative of tanh", inputs=np.linspace(-3, 3, 13),
                          answer=fingerprint(1 - np.tanh(np.linspace(-3, 3, 13))**2, 6),
                          decimals=6, hint="Differentiate sinh/cosh with the quotient rule.",
                          mistakes={fingerprint(np.tanh(np.linspace(-3, 3, 13)), 6):
                                    "That is tanh itself, not its derivative."})

A function of several arguments (a layer's forward or backward pass) gets them through
``args``, passed after the input array, and ``shape`` when its result is not shaped like
the input::

    ex = FunctionExercise("inverted dropout, forward", inputs=a, args=(mask, 0.8), ...)
    ex.check(lambda a, mask, rho: a * mask / rho)   # called as fn(a, mask, 0.8)
"""
from __future__ import annotations

import hashlib

import numpy as np

from .._validate import as_float_array, check_int
from .checks import Verdict

__all__ = ["fingerprint", "NumberExercise", "FunctionExercise"]


def fingerprint(value, decimals: int) -> str:
    """SHA-256 of ``value`` (a number or array) rounded to ``decimals`` decimals.

    −0.0 and 0.0 hash alike, and the array's shape is part of the fingerprint.
    """
    decimals = check_int(decimals, "decimals", minimum=0, maximum=15)
    arr = np.atleast_1d(as_float_array(value, "value", ndim=None))
    rounded = np.round(arr, decimals) + 0.0  # + 0.0 turns −0.0 into 0.0
    text = f"{arr.shape}|" + ",".join(f"{x:.{decimals}f}" for x in rounded.ravel())
    return hashlib.sha256(text.encode()).hexdigest()


class _Exercise:
    def __init__(self, title, answer, decimals, hint, mistakes=None):
        if not isinstance(title, str) or not title:
            raise TypeError(f"title must be a non-empty string, got {title!r}")
        if not (isinstance(answer, str) and len(answer) == 64):
            raise ValueError("answer must be a 64-character fingerprint from fingerprint(), "
                             f"got {answer!r}")
        if not isinstance(hint, str):
            raise TypeError(f"hint must be a string, got {hint!r}")
        if mistakes is not None and not isinstance(mistakes, dict):
            raise TypeError(f"mistakes must be a dict of fingerprint -> message, got {mistakes!r}")
        self.title, self.answer, self.hint = title, answer, hint
        self.decimals = check_int(decimals, "decimals", minimum=0, maximum=15)
        self.mistakes = dict(mistakes or {})

    def _verdict(self, digest, problem=None):
        if problem is None and digest == self.answer:
            print(f"✓ {self.title}: correct.")
            return Verdict(True)
        if problem is None:
            problem = self.mistakes.get(digest, f"not yet. Hint: {self.hint}")
        print(f"✗ {self.title}: {problem}")
        return Verdict(False)


class NumberExercise(_Exercise):
    """An exercise whose answer is a number (or a small array), checked to ``decimals``."""

    def check(self, value) -> Verdict:
        if value is None:
            return self._verdict(None, "no answer yet: replace None with your value and run the cell again.")
        try:
            arr = as_float_array(value, "your answer", ndim=None)
        except (TypeError, ValueError) as exc:
            return self._verdict(None, f"{exc}.")
        return self._verdict(fingerprint(arr if arr.ndim else float(arr), self.decimals))


class FunctionExercise(_Exercise):
    """An exercise whose answer is a function, checked on the exercise's ``inputs``.

    The student's function is called once as ``fn(inputs, *args)`` (so an elementwise
    function sees the whole input array at once) and must return an array of ``shape``,
    by default the shape of ``inputs``. Every argument is passed as a fresh copy, so a
    function that modifies its arguments in place cannot spoil the next check.
    """

    def __init__(self, title, inputs, answer, decimals, hint, mistakes=None, *, args=(), shape=None):
        super().__init__(title, answer, decimals, hint, mistakes)
        self.inputs = as_float_array(inputs, "inputs")
        if not isinstance(args, (tuple, list)):
            raise TypeError(f"args must be a tuple of extra arguments, got {type(args).__name__}")
        self.args = tuple(args)
        if shape is not None and not isinstance(shape, (tuple, list)):
            raise TypeError(f"shape must be a tuple of sizes, got {shape!r}")
        self.shape = self.inputs.shape if shape is None else tuple(
            check_int(n, "shape", minimum=0) for n in shape)

    def _call(self, fn):
        copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in self.args]
        with np.errstate(all="ignore"):
            out = fn(self.inputs.copy(), *copies)
            return None if out is None else np.asarray(out, dtype=float)

    def check(self, fn) -> Verdict:
        if fn is None:
            return self._verdict(None, "no answer yet: replace None with your function and run the cell again.")
        if not callable(fn):
            return self._verdict(None, f"expected a function, got {type(fn).__name__}.")
        try:
            out = self._call(fn)
        except Exception as exc:  # report the student's error instead of crashing the cell
            return self._verdict(None, f"your function raised {type(exc).__name__}: {exc}")
        if out is None:
            return self._verdict(None, "your function returned None: end it with `return` and the result.")
        if out.shape != self.shape:
            return self._verdict(None, f"your function returned shape {out.shape}; expected "
                                       f"{self.shape}.")
        if not np.all(np.isfinite(out)):
            return self._verdict(None, "your function returned NaN or infinity for some inputs.")
        return self._verdict(fingerprint(out, self.decimals))
