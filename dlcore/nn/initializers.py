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

__all__ = ["get", "names", "initialize", "variance", "check_options"]


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


# The options each initialiser uses, with their defaults; any other option is an error.
_OPTIONS = {"normal": {"sigma": 0.01}, "uniform": {"limit": 0.05}, "constant": {"value": 0.0}}


def _options(key, given):
    """``given`` (options passed as None when not given) checked against ``key``'s options."""
    passed = {k: v for k, v in given.items() if v is not None}
    allowed = _OPTIONS.get(key, {})
    unused = sorted(set(passed) - set(allowed))
    if unused:
        where = {o: n for n, opts in _OPTIONS.items() for o in opts}
        hint = "; ".join(f"{o} is for init={where[o]!r}" for o in unused if o in where)
        raise TypeError(f"init {key!r} takes {'no options' if not allowed else sorted(allowed)}, "
                        f"got {unused}" + (f" ({hint})" if hint else ""))
    return {**allowed, **passed}


def variance(name: str, n_in: int, n_out: int, *, sigma: float | None = None,
             limit: float | None = None, value: float | None = None) -> float:
    """The theoretical var(W) of an initialiser (used to check the drawn weights)."""
    name = _canonical(name)
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    opts = _options(name, {"sigma": sigma, "limit": limit, "value": value})
    if name in ("zeros", "constant"):
        return 0.0
    if name == "normal":
        return check_real(opts["sigma"], "sigma", low=0.0) ** 2
    if name == "uniform":
        return check_real(opts["limit"], "limit", low=0.0) ** 2 / 3.0
    return _VARIANCE[name.removesuffix("_uniform")](n_in, n_out)


def _canonical(name):
    if not isinstance(name, str):
        raise TypeError(f"init must be an initialiser name (one of {names()}), got {name!r}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _PLAIN and key not in _SCALED:
        raise ValueError(f"unknown init {name!r}; expected one of {names()}")
    return key


def initialize(name: str, n_in: int, n_out: int, rng=None, *, sigma: float | None = None,
               limit: float | None = None, value: float | None = None,
               dtype=np.float64) -> np.ndarray:
    """Draw a weight matrix W of shape (n_out, n_in) with the named scheme.

    ``sigma`` is the standard deviation for ``"normal"`` (Kelleher's N(0, σ)),
    ``limit`` the half-width for ``"uniform"`` and ``value`` the fill for ``"constant"``.
    """
    key = _canonical(name)
    n_in = check_int(n_in, "n_in", minimum=1)
    n_out = check_int(n_out, "n_out", minimum=1)
    dtype = check_dtype(dtype)
    opts = _options(key, {"sigma": sigma, "limit": limit, "value": value})
    if key == "zeros":
        return np.zeros((n_out, n_in), dtype=dtype)
    if key == "constant":
        return np.full((n_out, n_in), check_real(opts["value"], "value"), dtype=dtype)
    rng = as_rng(rng)
    if key == "normal":
        sigma = check_real(opts["sigma"], "sigma", low=0.0)
        return rng.normal(0.0, sigma, (n_out, n_in)).astype(dtype, copy=False)
    if key == "uniform":
        limit = check_real(opts["limit"], "limit", low=0.0)
        return rng.uniform(-limit, limit, (n_out, n_in)).astype(dtype, copy=False)
    return _SCALED[key](n_in, n_out, rng, dtype)


def check_options(init_kwargs, name="init_kwargs", extra=()):
    """A layer's ``init_kwargs`` as a dict of options an initialiser knows by name
    (``extra``: more names the layer accepts, such as the recurrent weights' ``scale``)."""
    if init_kwargs is None:
        return {}
    if not isinstance(init_kwargs, dict):
        raise TypeError(f"{name} must be a dict such as {{'sigma': 0.2}}, got {init_kwargs!r}")
    unknown = sorted(set(init_kwargs) - {"sigma", "limit", "value", *extra})
    if unknown:
        known = ", ".join([f"{o!r} (init={n!r})" for n, opts in _OPTIONS.items() for o in opts]
                          + [f"{o!r}" for o in extra])
        raise TypeError(f"{name} may hold {known}, got {unknown}")
    return dict(init_kwargs)


def get(name: str):
    """The initialiser as a function ``f(n_in, n_out, rng, **options) -> W``."""
    key = _canonical(name)
    return lambda n_in, n_out, rng=None, **kw: initialize(key, n_in, n_out, rng, **kw)
