"""Weight initialisers: each returns an array of shape (n_out, n_in) drawn from ``rng``.

The variances are exactly those of Kelleher et al.:

=================== ============================ =========================
name                distribution                 var(W)
=================== ============================ =========================
``zeros``           all 0                        0
``constant``        all ``value``                0
``normal``          N(0, σ²)                     σ²
``uniform``         U(−limit, limit)             limit² / 3
``xavier``          N(0, 2 / (n_in + n_out))     eq. 61 (Glorot & Bengio)
``xavier_uniform``  U(±√(6 / (n_in + n_out)))    eq. 61
``lecun``           N(0, 1 / n_in)               eq. 62 (Xavier's fan-in form)
``lecun_uniform``   U(±√(3 / n_in))              eq. 62
``he``              N(0, 2 / n_in)               eq. 63 (He et al., for ReLUs)
``he_uniform``      U(±√(6 / n_in))              eq. 63
=================== ============================ =========================

``glorot`` and ``glorot_uniform`` are aliases of the Xavier names.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_dtype, check_int, check_real

__all__ = ["get", "names", "initialize", "variance"]


def _normal(std):
    return lambda n_in, n_out, rng, dtype: rng.normal(0.0, std(n_in, n_out), (n_out, n_in)).astype(dtype, copy=False)


def _uniform(limit):
    return lambda n_in, n_out, rng, dtype: rng.uniform(-limit(n_in, n_out), limit(n_in, n_out), (n_out, n_in)).astype(dtype, copy=False)


# var(W) for each variance-scaled scheme, as a function of the fan-in and fan-out
_VARIANCE = {
    "xavier": lambda n_in, n_out: 2.0 / (n_in + n_out),
    "lecun": lambda n_in, n_out: 1.0 / n_in,
    "he": lambda n_in, n_out: 2.0 / n_in,
}
_ALIASES = {"glorot": "xavier", "glorot_uniform": "xavier_uniform"}
_SCALED = {}
for _name, _var in _VARIANCE.items():
    _SCALED[_name] = _normal(lambda i, o, v=_var: np.sqrt(v(i, o)))
    # U(−l, l) has variance l²/3, so l = √(3 var) gives the same variance
    _SCALED[_name + "_uniform"] = _uniform(lambda i, o, v=_var: np.sqrt(3.0 * v(i, o)))

_PLAIN = ("zeros", "constant", "normal", "uniform")


def names():
    """The initialiser names ``initialize`` understands."""
    return sorted(set(_PLAIN) | set(_SCALED) | set(_ALIASES))


def variance(name: str, n_in: int, n_out: int, *, sigma: float = 0.01, limit: float = 0.05,
             value: float = 0.0) -> float:
    """The theoretical var(W) of an initialiser (used to check the drawn weights)."""
    name = _canonical(name)
    if name in ("zeros", "constant"):
        return 0.0
    if name == "normal":
        return sigma ** 2
    if name == "uniform":
        return limit ** 2 / 3.0
    return _VARIANCE[name.removesuffix("_uniform")](n_in, n_out)


def _canonical(name):
    if not isinstance(name, str):
        raise TypeError(f"init must be an initialiser name (one of {names()}), got {name!r}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _PLAIN and key not in _SCALED:
        raise ValueError(f"unknown init {name!r}; expected one of {names()}")
    return key


def initialize(name: str, n_in: int, n_out: int, rng=None, *, sigma: float = 0.01,
               limit: float = 0.05, value: float = 0.0, dtype=np.float64) -> np.ndarray:
    """Draw a weight matrix W of shape (n_out, n_in) with the named scheme.

    ``sigma`` is the standard deviation for ``"normal"`` (Kelleher's N(0, σ)),
    ``limit`` the half-width for ``"uniform"`` and ``value`` the fill for ``"constant"``.
    """
    key = _canonical(name)
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    dtype = check_dtype(dtype)
    if key == "zeros":
        return np.zeros((n_out, n_in), dtype=dtype)
    if key == "constant":
        return np.full((n_out, n_in), check_real(value, "value"), dtype=dtype)
    rng = as_rng(rng)
    if key == "normal":
        sigma = check_real(sigma, "sigma", low=0.0)
        return rng.normal(0.0, sigma, (n_out, n_in)).astype(dtype, copy=False)
    if key == "uniform":
        limit = check_real(limit, "limit", low=0.0)
        return rng.uniform(-limit, limit, (n_out, n_in)).astype(dtype, copy=False)
    return _SCALED[key](n_in, n_out, rng, dtype)


def get(name: str):
    """The initialiser as a function ``f(n_in, n_out, rng, **options) -> W``."""
    key = _canonical(name)
    return lambda n_in, n_out, rng=None, **kw: initialize(key, n_in, n_out, rng, **kw)
