"""Check cells: print the book's number beside the lecture's and assert they agree.

Used by every chapter where a lecture prints a number. ``check`` rounds the book's
value to the number of decimals the lecture printed, shows both in a small table and
raises ``AssertionError`` (failing the notebook under nbval) when a digit differs.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int

__all__ = ["check", "Verdict"]


class Verdict:
    """The outcome of a check that has already printed its message: true or false like a
    ``bool`` (``assert check(...)``, ``if ex.check(x):``), but shown as nothing when it is
    the last value of a notebook cell, so the cell shows the message only, not a stray
    ``True`` or ``False`` under it (IPython calls ``_ipython_display_`` instead of printing
    the value's repr)."""

    __slots__ = ("ok",)

    def __init__(self, ok):
        self.ok = bool(ok)

    def __bool__(self):
        return self.ok

    def __eq__(self, other):
        return self.ok == other

    def __hash__(self):
        return hash(self.ok)

    def __repr__(self):
        return repr(self.ok)

    def _ipython_display_(self):
        """Display nothing: the check printed its own message."""


def _fmt(v, decimals):
    return f"{v:.{decimals}f}"


def check(title, lecture, book, decimals, labels=None, *, note=None):
    """Assert ``round(book, decimals) == lecture`` elementwise, printing a comparison.

    Parameters
    ----------
    title : str
        What is compared, with its source ("Table 4 predictions").
    lecture : float or array
        The values as the lecture prints them.
    book : float or array
        The values computed by ``dlcore`` (same shape), before rounding.
    decimals : int
        How many decimals the lecture prints.
    labels : list of str, optional
        A name for each value ("d1", "δ8", ...).
    note : str, optional
        Printed under the table (for example where the lecture rounds differently).

    Returns a true ``Verdict`` (shown as nothing in a notebook) when every value agrees.
    """
    decimals = check_int(decimals, "decimals", minimum=0, maximum=15)   # float64 holds ~16 digits
    lec = np.atleast_1d(as_float_array(lecture, "lecture", allow_empty=False))
    ours = np.atleast_1d(as_float_array(book, "book", allow_empty=False))
    if lec.shape != ours.shape:
        raise ValueError(f"lecture and book must have the same shape, got {lec.shape} and {ours.shape}")
    lec, ours = lec.ravel(), ours.ravel()
    labels = [str(i + 1) for i in range(lec.size)] if labels is None else [str(x) for x in labels]
    if len(labels) != lec.size:
        raise ValueError(f"labels must name each of the {lec.size} values, got {len(labels)}")
    rounded = np.round(ours, decimals)
    # compare the printed strings, which is exactly "agree to the printed precision"
    same = np.array([_fmt(a, decimals) == _fmt(b, decimals) for a, b in zip(rounded, lec)])
    width = max(len(x) for x in labels + ["value"])
    print(title)
    print(f"  {'value':<{width}}  {'lecture':>14}  {'book':>14}  {'book, unrounded':>20}")
    for lab, a, b, c, ok in zip(labels, lec, rounded, ours, same):
        mark = "ok" if ok else "DIFFERS"
        print(f"  {lab:<{width}}  {_fmt(a, decimals):>14}  {_fmt(b, decimals):>14}  {c:>20.10g}  {mark}")
    if note:
        print("  note:", note)
    if not same.all():
        bad = [lab for lab, ok in zip(labels, same) if not ok]
        raise AssertionError(f"{title}: the book's value differs from the lecture's at {decimals} "
                             f"decimals for {', '.join(bad)}")
    return Verdict(True)
