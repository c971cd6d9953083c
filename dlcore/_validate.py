"""Argument checks shared by every public entry point.

Each helper raises ``TypeError`` or ``ValueError`` with a message that names the
argument, says what was expected and shows what was given, so a student who passes
the wrong thing learns what to change.
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def as_float_array(value, name: str, *, ndim: int | tuple[int, ...] | None = None,
                   dtype=None, allow_empty: bool = False) -> np.ndarray:
    """Convert ``value`` to a finite floating-point array, checking its rank.

    ``dtype`` defaults to float64 unless ``value`` is already float32.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array of numbers, got {_describe(value)}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be an array of numbers, got {_describe(value)}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must hold numbers, got {_describe(arr)}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real-valued, got {_describe(arr)}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    arr = np.asarray(arr, dtype=dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be a {want}-dimensional array, got {_describe(arr)}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got {_describe(arr)}")
    if not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} must contain only finite numbers, got {bad} NaN or infinite "
                         f"value(s) in {_describe(arr)}")
    return arr


def check_int(value, name: str, *, minimum: int | None = None, maximum: int | None = None,
              allow_none: bool = False):
    """Check that ``value`` is an integer (not a bool) in [minimum, maximum]."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def check_real(value, name: str, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False, allow_none: bool = False):
    """Check that ``value`` is a finite real number inside the given interval."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {value:g}")
    return value


def check_choice(value, name: str, choices) -> str:
    """Check that ``value`` is one of the strings in ``choices``."""
    choices = list(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, got {_describe(value)}")
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {choices}")
    return value


def from_registry(value, registry: dict, base: type, kind: str, kwargs: dict):
    """``value`` if it is a ``base`` instance, else a new ``registry[value.lower()](**kwargs)``.

    Used by ``activations.get`` and ``losses.get``; ``kind`` ("activation", "loss") names the
    argument in the errors.
    """
    choices = sorted(registry)
    if isinstance(value, base):
        if kwargs:
            raise TypeError(f"keyword arguments are only accepted with a{'n' if kind[0] in 'aeiou' else ''} "
                            f"{kind} name")
        return value
    if not isinstance(value, str):
        raise TypeError(f"{kind} must be a name (one of {choices}) or a{'n' if base.__name__[0] in 'AEIOU' else ''} "
                        f"{base.__name__}, got {value!r}")
    if value.lower() not in registry:
        raise ValueError(f"unknown {kind} {value!r}; expected one of {choices}")
    try:
        return registry[value.lower()](**kwargs)
    except TypeError as exc:
        raise TypeError(f"{kind} {value!r} does not take {sorted(kwargs)}") from exc


def check_bool(value, name: str) -> bool:
    """Check that ``value`` is True or False (a string such as "no" is not)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return bool(value)


def as_rng(rng, name: str = "rng") -> np.random.Generator:
    """Turn a seed or ``Generator`` into a ``Generator``.

    ``None`` gives a generator seeded from fresh OS entropy (not reproducible); pass an
    integer seed or a ``Generator`` for identical results run after run.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, bool) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"{name} must be an integer seed, a numpy.random.Generator or None, "
                        f"got {_describe(rng)}")
    if rng < 0:
        raise ValueError(f"{name} must be a non-negative seed, got {rng}")
    return np.random.default_rng(int(rng))


def check_dtype(dtype, name: str = "dtype"):
    """Accept float32 or float64 (as a type, a dtype or a string)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{name} must be numpy.float32 or numpy.float64, got {_describe(dtype)}") from exc
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name} must be float32 or float64, got {dt}")
    return dt



def check_interval(zlim, name="zlim"):
    """``(low, high)`` as two floats with low < high (an axis range, an interval of z)."""
    zlim = as_float_array(zlim, name, ndim=1)
    if zlim.shape != (2,) or not zlim[0] < zlim[1]:
        raise ValueError(f"{name} must be (low, high) with low < high, got {zlim.tolist()}")
    return float(zlim[0]), float(zlim[1])


def check_mapping(value, name):
    """A non-empty mapping (label -> values), as figures of several runs take."""
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty mapping of label -> values, got "
                        f"{type(value).__name__}")
    return value


def as_labels(y, name="y", n_classes=None, *, allow_bool=True):
    """``y`` as a 1-D int64 array of class indices in [0, n_classes)."""
    if isinstance(y, (str, bytes)) or y is None:
        raise TypeError(f"{name} must be a 1-D array of class indices, got {_describe(y)}")
    try:
        arr = np.asarray(y)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a 1-D array of class indices, got {_describe(y)}") from exc
    if arr.dtype.kind == "b" and not allow_bool:
        raise TypeError(f"{name} must hold integer class indices, got booleans")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of class labels (1-dimensional: "
                         f"one label per example), got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole-number class labels (whole numbers 0, 1, 2, …), "
                             "got non-integer values")
        if np.abs(arr).max() >= 2 ** 31:
            raise ValueError(f"{name} must hold class indices below 2**31, got {np.abs(arr).max():g}")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n_classes is not None and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must lie in [0, {n_classes - 1}] for {n_classes} classes, got "
                         f"values in [{arr.min()}, {arr.max()}]")
    if arr.min() < 0:
        raise ValueError(f"{name} must be class indices 0, 1, 2, …, got a minimum of {arr.min()}")
    return arr
