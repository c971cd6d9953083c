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
    decimals = check_int(decimals, "decimals", minimum=0)
    arr = np.atleast_1d(np.asarray(value, dtype=float))
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
        self.title, self.answer, self.hint = title, answer, hint
        self.decimals = check_int(decimals, "decimals", minimum=0)
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

    The student's function is called once with the whole input array (elementwise
    functions) and must return an array of the same shape.
    """

    def __init__(self, title, inputs, answer, decimals, hint, mistakes=None):
        super().__init__(title, answer, decimals, hint, mistakes)
        self.inputs = as_float_array(inputs, "inputs")

    def check(self, fn) -> Verdict:
        if fn is None:
            return self._verdict(None, "no answer yet: replace None with your function and run the cell again.")
        if not callable(fn):
            return self._verdict(None, f"expected a function, got {type(fn).__name__}.")
        try:
            with np.errstate(all="ignore"):
                out = np.asarray(fn(self.inputs.copy()), dtype=float)
        except Exception as exc:  # report the student's error instead of crashing the cell
            return self._verdict(None, f"your function raised {type(exc).__name__}: {exc}")
        if out.shape != self.inputs.shape:
            return self._verdict(None, f"your function returned shape {out.shape}; expected "
                                       f"{self.inputs.shape}, one value per input.")
        if not np.all(np.isfinite(out)):
            return self._verdict(None, "your function returned NaN or infinity for some inputs.")
        return self._verdict(fingerprint(out, self.decimals))
