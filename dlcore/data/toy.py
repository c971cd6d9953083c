"""Toy 2-D data sets for the playground: two Gaussians, circles, XOR and spirals, plus CSV files.

Every generator returns ``X`` (n, 2), points roughly inside [−1, 1]², and ``y`` (n,) with
labels 0 and 1, drawn from ``seed`` alone (no global random state). ``noise`` is the standard
deviation of Gaussian jitter added to each coordinate, in the same units.

* ``gaussians``: two round clouds around (−0.5, −0.5) and (0.5, 0.5): linearly separable.
* ``circles``: a disc (class 1) inside a ring (class 0): needs a closed boundary.
* ``xor``: the quadrants, class 1 where x₁·x₂ > 0: the XOR pattern of Kelleher et al., Figure 8.
* ``spirals``: two interleaved spirals, the hardest of the four.

``read_csv`` reads a student's own data: two feature columns and a label per row.
"""
from __future__ import annotations

import csv
import io
import math

import numpy as np

from .._validate import as_rng, check_choice, check_int, check_real

__all__ = ["DATASETS", "make", "gaussians", "circles", "xor", "spirals", "split", "read_csv"]

DATASETS = ("gaussians", "circles", "xor", "spirals")


def _labels(n):
    """n labels, half 0 and half 1 (the first n // 2 are 0)."""
    return (np.arange(n) >= n // 2).astype(float)


def gaussians(n, rng):
    y = _labels(n)
    centre = np.where(y[:, None] == 1, 0.5, -0.5)
    return centre + rng.normal(0.0, 0.22, (n, 2)), y


def circles(n, rng):
    y = _labels(n)
    r = np.where(y == 1, rng.uniform(0.0, 0.45, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * math.pi, n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)]), y


def xor(n, rng):
    X = rng.uniform(-1.0, 1.0, (n, 2))
    X += np.sign(X) * 0.05                     # a small gap along the axes
    return np.clip(X, -1.0, 1.0), (X[:, 0] * X[:, 1] > 0).astype(float)


def spirals(n, rng):
    y = _labels(n)
    s = rng.uniform(0.0, 1.0, n)               # position along the arm, centre to rim
    angle = 1.75 * 2 * math.pi * s + np.where(y == 1, math.pi, 0.0)
    r = 0.1 + 0.85 * s
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)]), y


_MAKERS = {"gaussians": gaussians, "circles": circles, "xor": xor, "spirals": spirals}


def make(name, n=200, noise=0.1, seed=0):
    """``X`` (n, 2) and ``y`` (n,) of the data set ``name`` (one of ``DATASETS``)."""
    check_choice(name, "name", DATASETS)
    n = check_int(n, "n", minimum=4)
    noise = check_real(noise, "noise", low=0.0, high=1.0)
    rng = as_rng(check_int(seed, "seed", minimum=0))
    X, y = _MAKERS[name](n, rng)
    order = rng.permutation(n)                 # mix the classes before any split
    X, y = X[order], y[order]
    return (X + rng.normal(0.0, noise, X.shape) if noise > 0 else X), y


def split(X, y, test_fraction=0.5, seed=0):
    """(X_train, y_train, X_test, y_test): a random ``test_fraction`` of the rows for testing."""
    test_fraction = check_real(test_fraction, "test_fraction", low=0.0, high=1.0, high_open=True)
    n = len(X)
    n_test = int(round(test_fraction * n))
    if n - n_test < 2:
        raise ValueError(f"test_fraction {test_fraction:g} leaves {n - n_test} of {n} points for "
                         "training; at least 2 are needed")
    idx = as_rng(check_int(seed, "seed", minimum=0)).permutation(n)
    test, train = idx[:n_test], idx[n_test:]
    return X[train], y[train], X[test], y[test]


def _rows(source):
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"the CSV file is not UTF-8 text ({exc})") from exc
    if not isinstance(source, str):
        raise TypeError(f"the CSV must be text or bytes, got {type(source).__name__}")
    try:
        dialect = csv.Sniffer().sniff(source[:2048], delimiters=",;\t ")
    except csv.Error:
        dialect = csv.excel
    return [r for r in csv.reader(io.StringIO(source), dialect) if any(c.strip() for c in r)]


def _number(text, row, col):
    try:
        v = float(text)
    except ValueError:
        raise ValueError(f"row {row}, column {col}: {text.strip()!r} is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"row {row}, column {col}: {text.strip()!r} is not a finite number")
    return v


def read_csv(source):
    """``X`` (n, 2) and ``y`` (n,) from CSV text or bytes: two feature columns, then the label.

    A first row that is not numeric is taken as a header. Commas, semicolons or tabs
    separate the columns. Raises ``ValueError`` naming the row and column of the first
    problem: a wrong number of columns, a value that is not a finite number, fewer than
    four rows, or a label column with a single value.
    """
    rows = _rows(source)
    if not rows:
        raise ValueError("the CSV file is empty: expected rows of x1, x2, label")
    first = 1
    try:
        [float(c) for c in rows[0]]
    except ValueError:
        rows, first = rows[1:], 2                  # a header
    data = []
    for r, row in enumerate(rows, start=first):
        if len(row) != 3:
            raise ValueError(f"row {r} has {len(row)} column(s); expected 3: x1, x2, label "
                             f"(got {','.join(row)[:60]!r})")
        data.append([_number(c, r, col) for col, c in enumerate(row, start=1)])
    if len(data) < 4:
        raise ValueError(f"the CSV file has {len(data)} data row(s); at least 4 are needed")
    arr = np.array(data)
    if np.unique(arr[:, 2]).size < 2:
        raise ValueError(f"every label is {arr[0, 2]:g}; the label column needs at least two values")
    return arr[:, :2], arr[:, 2]
