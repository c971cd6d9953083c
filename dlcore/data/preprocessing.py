"""Input and target encodings: range normalisation and one-hot vectors."""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_labels, check_int

__all__ = ["range_normalize", "one_hot"]

_MAX_INFERRED = 1_000_000   # classes one_hot infers from the labels without being told


def range_normalize(X, low=None, high=None, *, min=None, max=None):
    """Map each column of X onto [low, high] = [0, 1] (Kelleher, Tables 1-3):

        x' = (x − min) / (max − min)

    ``min`` and ``max`` are per-column arrays (shape (d,)); when omitted they are taken
    from X itself. Pass the training set's values to normalise new data the same way.
    ``low``/``high`` rescale onto another interval, x'' = low + (high − low) x'.
    """
    X = as_float_array(X, "X", ndim=(1, 2))
    lo = np.min(X, axis=0) if min is None else as_float_array(min, "min", ndim=(0, 1))
    hi = np.max(X, axis=0) if max is None else as_float_array(max, "max", ndim=(0, 1))
    d = X.shape[-1] if X.ndim == 2 else 1
    for name, v in (("min", lo), ("max", hi)):
        if v.ndim == 1 and X.ndim == 2 and v.shape != (d,):
            raise ValueError(f"{name} must have shape ({d},), one value per column of X, got {v.shape}")
    span = hi - lo
    if np.any(span <= 0):
        raise ValueError("max must be greater than min in every column; got max - min = "
                         f"{np.round(span, 6).tolist()}")
    out = (X - lo) / span
    if low is not None or high is not None:
        low = 0.0 if low is None else float(low)
        high = 1.0 if high is None else float(high)
        if not high > low:
            raise ValueError(f"high must be greater than low, got low={low}, high={high}")
        out = low + (high - low) * out
    return out


def one_hot(labels, n_classes=None, dtype=np.float64):
    """1-of-k encoding: row j has a 1 in column ``labels[j]`` and 0 elsewhere.

    ``labels`` are integers 0 … n_classes − 1; the result has shape (n, n_classes).
    """
    if n_classes is not None:
        n_classes = check_int(n_classes, "n_classes", minimum=1)
    arr = as_labels(labels, "labels", n_classes, allow_bool=False)
    if n_classes is None:
        n_classes = int(arr.max()) + 1
        if n_classes > _MAX_INFERRED:
            raise ValueError(f"labels go up to {n_classes - 1}, which would make {n_classes:,} "
                             "columns; pass n_classes= if you really mean that many classes")
    out = np.zeros((arr.size, n_classes), dtype=dtype)
    out[np.arange(arr.size), arr] = 1
    return out
