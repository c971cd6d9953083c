"""Gradient descent on small functions, and the weight path of a training run (chapter 6).

Plain gradient descent takes the step (CMU lecture, slide 13; perceptron lecture, slide 36)

    x_{k+1} = x_k − η ∇f(x_k)

and with momentum μ it follows the rule of ``dlcore.optim.SGD``:

    v_{k+1} = μ v_k − η ∇f(x_k),    x_{k+1} = x_k + v_{k+1},    v_0 = 0.

For the quadratic f(x) = ½ c (x − m)² the error e_k = x_k − m obeys e_{k+1} = (1 − ηc) e_k,
so gradient descent converges iff 0 < η < 2/c and overshoots the minimum (the sign of e_k
alternates) iff η > 1/c: ``step_regime`` names the cases.

Points are rows: a path of k steps in d variables is an array of shape (k + 1, d).
Everything here is numpy only and deterministic; ``line_data`` takes an explicit ``rng``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_rng, check_int, check_real
from ..nn.network import Network
from .fit import fit
from .stopping import History

__all__ = ["DescentPath", "gradient_descent", "Quadratic", "Surface", "step_regime",
           "REGIMES", "bowl", "valley", "two_basins", "inflection", "line_data",
           "linear_sse", "linear_sse_hessian", "least_squares_line", "flat_params",
           "TrainingPath", "training_path"]

REGIMES = ("monotone", "one step", "oscillating", "bouncing", "diverging")


# --------------------------------------------------------------------------- descent
@dataclass(frozen=True)
class DescentPath:
    """The iterates of one gradient-descent run.

    points  (k + 1, d)  x_0 … x_k;     values  (k + 1,)  f(x_0) … f(x_k)
    status  "converged" (‖∇f‖ < tol), "max_steps" or "diverged" (‖x‖ > max_norm or not finite)
    """

    points: np.ndarray
    values: np.ndarray
    status: str
    lr: float
    momentum: float

    @property
    def steps(self) -> int:
        return len(self.points) - 1

    @property
    def final(self) -> np.ndarray:
        return self.points[-1]


def _check_callable(fn, name):
    if not callable(fn):
        raise TypeError(f"{name} must be a function, got {type(fn).__name__}")
    return fn


def _value(f, x):
    v = np.asarray(f(x), dtype=float)
    if v.size != 1:
        raise ValueError(f"f must return one number for a point of shape {x.shape}, got shape {v.shape}")
    return float(v.reshape(()))


def gradient_descent(f, grad, x0, lr, steps=50, *, momentum=0.0, tol=None,
                     max_norm=1e6) -> DescentPath:
    """Minimise f from x0 by (momentum) gradient descent and return every iterate.

    Parameters
    ----------
    f, grad : callables
        f(x) → float and grad(x) → array of shape (d,), for x of shape (d,).
    x0 : float or array of shape (d,)
        The starting point; a number means d = 1.
    lr : float
        The step size η > 0.
    steps : int
        The most steps to take.
    momentum : float
        μ in [0, 1); 0 is plain gradient descent.
    tol : float or None
        Stop ("converged") once ‖∇f(x_k)‖ < tol.
    max_norm : float
        Stop ("diverged") once ‖x_k‖ exceeds this or stops being finite.
    """
    _check_callable(f, "f")
    _check_callable(grad, "grad")
    x = as_float_array(x0, "x0", ndim=(0, 1)).reshape(-1).copy()
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    steps = check_int(steps, "steps", minimum=0)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    tol = check_real(tol, "tol", low=0.0, low_open=True, allow_none=True)
    max_norm = check_real(max_norm, "max_norm", low=0.0, low_open=True)
    points, values, velocity, status = [x.copy()], [_value(f, x)], np.zeros_like(x), "max_steps"
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            g = np.asarray(grad(x), dtype=float).reshape(-1)
            if g.shape != x.shape:
                raise ValueError(f"grad must return an array of shape {x.shape}, got {g.shape}")
            if tol is not None and np.linalg.norm(g) < tol:
                status = "converged"
                break
            velocity = momentum * velocity - lr * g
            x = x + velocity
            points.append(x.copy())
            values.append(_value(f, x) if np.all(np.isfinite(x)) else np.inf)
            if not np.all(np.isfinite(x)) or np.linalg.norm(x) > max_norm:
                status = "diverged"
                break
    return DescentPath(np.array(points), np.array(values), status, lr, momentum)


def step_regime(lr, curvature) -> str:
    """What gradient descent with step η does on a quadratic of curvature c = f''.

    Each step multiplies the distance to the minimum by r = 1 − ηc:

    ============  ===============  ===========================================
    regime        η                behaviour
    ============  ===============  ===========================================
    monotone      0 < η < 1/c      0 < r < 1: approaches without overshooting
    one step      η = 1/c          r = 0: lands on the minimum at once
    oscillating   1/c < η < 2/c    −1 < r < 0: overshoots, but converges
    bouncing      η = 2/c          r = −1: jumps between ±e_0 for ever
    diverging     η > 2/c          r < −1: the overshoot grows every step
    ============  ===============  ===========================================
    """
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    c = check_real(curvature, "curvature", low=0.0, low_open=True)
    r = 1.0 - lr * c
    if np.isclose(r, 0.0, atol=1e-12):
        return "one step"
    if np.isclose(r, -1.0, rtol=0.0, atol=1e-12):
        return "bouncing"
    if r > 0:
        return "monotone"
    return "oscillating" if r > -1 else "diverging"


# --------------------------------------------------------------------------- functions
class Quadratic:
    """f(x) = ½ Σ_i c_i (x_i − m_i)², an axis-aligned bowl (or valley) in d variables.

    ``curvatures`` c (d,) are the second derivatives ∂²f/∂x_i², all > 0 (a convex function);
    ``center`` m (d,) is the minimum, zero by default. ``value`` and ``grad`` accept points
    of shape (..., d) and return shapes (...) and (..., d).
    """

    def __init__(self, curvatures, center=None):
        c = as_float_array(curvatures, "curvatures", ndim=(0, 1)).reshape(-1)
        if np.any(c <= 0):
            raise ValueError(f"curvatures must all be > 0, got {c.tolist()}")
        m = np.zeros_like(c) if center is None else as_float_array(center, "center",
                                                                  ndim=(0, 1)).reshape(-1)
        if m.shape != c.shape:
            raise ValueError(f"center must have shape {c.shape} like curvatures, got {m.shape}")
        self.curvatures, self.center = c, m

    @property
    def dim(self):
        return self.curvatures.size

    def _points(self, P):
        P = np.asarray(P, dtype=float)
        if P.shape[-1:] != (self.dim,):
            raise ValueError(f"points must have shape (..., {self.dim}), got {P.shape}")
        return P

    def value(self, P):
        D = self._points(P) - self.center
        return 0.5 * np.sum(self.curvatures * D * D, axis=-1)

    def grad(self, P):
        return self.curvatures * (self._points(P) - self.center)

    def critical_lrs(self):
        """(1/c_max, 2/c_max): overshooting starts above the first, divergence above the second."""
        c = float(self.curvatures.max())
        return 1.0 / c, 2.0 / c

    def __repr__(self):
        return f"Quadratic(curvatures={self.curvatures.tolist()}, center={self.center.tolist()})"


@dataclass(frozen=True)
class Surface:
    """A named test function with its gradient, a plotting window and its minima.

    ``value(P)`` maps points (..., d) to (...); ``grad(P)`` to (..., d);
    ``extent`` is (x_min, x_max) for d = 1 or (x_min, x_max, y_min, y_max) for d = 2;
    ``minima`` (m, d) are its local minima, global first.
    """

    name: str
    value: object
    grad: object
    extent: tuple
    minima: np.ndarray
    convex: bool


def bowl():
    """The round bowl f = ½(x² + y²): convex, one minimum at the origin."""
    q = Quadratic([1.0, 1.0])
    return Surface("bowl", q.value, q.grad, (-3.0, 3.0, -3.0, 3.0), np.zeros((1, 2)), True)


def valley(ratio=20.0):
    """The elongated valley f = ½(x² + ratio·y²): convex, steep across and flat along."""
    ratio = check_real(ratio, "ratio", low=1.0)
    q = Quadratic([1.0, ratio])
    return Surface("valley", q.value, q.grad, (-3.0, 3.0, -1.5, 1.5), np.zeros((1, 2)), True)


def _two_basins_value(P):
    P = np.asarray(P, dtype=float)
    x, y = P[..., 0], P[..., 1]
    return (x * x - 1.0) ** 2 + 0.3 * x + y * y


def _two_basins_grad(P):
    P = np.asarray(P, dtype=float)
    x, y = P[..., 0], P[..., 1]
    return np.stack([4.0 * x * (x * x - 1.0) + 0.3, 2.0 * y], axis=-1)


def two_basins():
    """f = (x² − 1)² + 0.3x + y²: non-convex, a global minimum near x = −1.04 and a
    local one near x = 0.96, separated by a saddle near x = 0.08."""
    roots = np.roots([4.0, 0.0, -4.0, 0.3])       # ∂f/∂x = 4x³ − 4x + 0.3 = 0
    xs = np.sort(roots.real[np.abs(roots.imag) < 1e-12])
    minima = np.array([[xs[0], 0.0], [xs[2], 0.0]])  # the outer two; the middle is the saddle
    return Surface("two basins", _two_basins_value, _two_basins_grad, (-2.0, 2.0, -1.5, 1.5),
                   minima, False)


def _inflection_value(P):
    x = np.asarray(P, dtype=float)[..., 0]
    return x ** 4 / 4 - x ** 3


def _inflection_grad(P):
    x = np.asarray(P, dtype=float)
    return x * x * (x - 3.0)


def inflection():
    """The one-variable f(x) = x⁴/4 − x³, f'(x) = x²(x − 3): a minimum at x = 3 and a flat
    inflection point at x = 0, where f' = 0 but f keeps falling to the right."""
    return Surface("inflection", _inflection_value, _inflection_grad, (-1.5, 4.0),
                   np.array([[3.0]]), False)


# --------------------------------------------------------------------------- one neuron
def line_data(n=20, slope=1.5, intercept=-0.5, noise=0.3, *, x_range=(-1.0, 1.0), rng):
    """Noisy points on a line: t = slope·x + intercept + noise·ε, ε ~ N(0, 1).

    Returns X (n, 1) with x uniform on ``x_range`` and T (n, 1). ``rng`` (a seed or a
    Generator) is required, so the data are the same every run.
    """
    n = check_int(n, "n", minimum=2)
    slope, intercept = check_real(slope, "slope"), check_real(intercept, "intercept")
    noise = check_real(noise, "noise", low=0.0)
    span = as_float_array(x_range, "x_range", ndim=1)
    if span.shape != (2,) or not span[1] > span[0]:
        raise ValueError(f"x_range must be (low, high) with low < high, got {span.tolist()}")
    lo, hi = span
    rng = as_rng(rng)
    x = rng.uniform(lo, hi, n)
    t = slope * x + intercept + noise * rng.standard_normal(n)
    return x[:, None], t[:, None]


def _xt(X, T):
    X = as_float_array(X, "X", ndim=2)
    T = as_float_array(T, "T", ndim=2)
    if X.shape[1] != 1 or T.shape != X.shape:
        raise ValueError(f"X and T must both have shape (n, 1), got {X.shape} and {T.shape}")
    return X[:, 0], T[:, 0]


def linear_sse(X, T, w, b, reduction="sum"):
    """E(w, b) = ½ Σ_j (w x_j + b − t_j)² of the one-neuron linear model, for arrays of w, b.

    ``w`` and ``b`` broadcast against each other (a ``meshgrid`` gives a loss surface);
    the result has their broadcast shape. ``reduction="mean"`` divides by n.
    """
    x, t = _xt(X, T)
    if reduction not in ("sum", "mean"):
        raise ValueError(f"unknown reduction {reduction!r}; expected one of ['sum', 'mean']")
    w = as_float_array(w, "w", ndim=None)
    b = as_float_array(b, "b", ndim=None)
    n, sx, sxx, st, sxt, stt = len(x), x.sum(), x @ x, t.sum(), x @ t, t @ t
    E = 0.5 * (w * w * sxx + 2 * w * b * sx + n * b * b - 2 * w * sxt - 2 * b * st + stt)
    return E / n if reduction == "mean" else E


def linear_sse_hessian(X, reduction="sum"):
    """The constant Hessian of ``linear_sse`` in (w, b): [[Σx², Σx], [Σx, n]] (÷ n for "mean")."""
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 1:
        raise ValueError(f"X must have shape (n, 1), got {X.shape}")
    if reduction not in ("sum", "mean"):
        raise ValueError(f"unknown reduction {reduction!r}; expected one of ['sum', 'mean']")
    x = X[:, 0]
    H = np.array([[x @ x, x.sum()], [x.sum(), float(len(x))]])
    return H / len(x) if reduction == "mean" else H


def least_squares_line(X, T):
    """The minimum (w*, b*) of ``linear_sse``: the least-squares line through (x, t)."""
    x, t = _xt(X, T)
    A = np.stack([x, np.ones_like(x)], axis=1)
    return np.linalg.lstsq(A, t, rcond=None)[0]


# --------------------------------------------------------------------------- training paths
def flat_params(network):
    """All of ``network``'s parameters, layer by layer (W then b), as one vector."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    return np.concatenate([p.ravel() for _, _, p in network.parameters()])


@dataclass(frozen=True)
class TrainingPath:
    """Where ``fit`` took the parameters.

    points      (u + 1, P)  the parameters before the first update and after each of the u
                            updates (for one linear neuron P = 2: w, b)
    epoch_ends  (e + 1,)    index into ``points`` of the parameters after 0, 1, … e epochs
    history     the ``History`` returned by ``fit``
    """

    points: np.ndarray
    epoch_ends: np.ndarray
    history: History

    @property
    def updates(self) -> int:
        return len(self.points) - 1


class _Recording(Network):
    """A view of a network that notes its parameters each time ``fit`` asks for a gradient."""

    def __init__(self, network, sink):  # shares layers and loss; no re-validation
        self.__dict__.update(network.__dict__)
        self._sink = sink

    def backward(self, trace, T, reduction="sum", **options):
        self._sink.append(flat_params(self))
        return super().backward(trace, T, reduction, **options)


def training_path(network, X, T, lr, epochs, batch_size=None, *, rng, momentum=0.0,
                  reduction="sum", tol=None) -> TrainingPath:
    """Train ``network`` in place with ``dlcore.fit`` and record the parameters after every update.

    The arguments are those of ``fit`` (``rng`` is required so the shuffling is
    reproducible). Each gradient evaluation inside ``fit`` is one update, so the recorded
    points are exactly the ones ``fit`` visits: with n examples an epoch makes 1 (full
    batch), n (``batch_size=1``, online) or ⌈n / k⌉ (mini-batches of k) updates.
    (It watches ``fit``'s reference engine through ``Network.backward`` and a per-epoch
    callback, and raises ``RuntimeError`` if the number of updates it saw does not add up.)
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    if rng is None:
        raise TypeError("rng must be an integer seed or a numpy.random.Generator, not None: "
                        "a recorded path should be reproducible")
    sink, marks = [], []

    def mark(epoch, net, history):
        marks.append(len(sink))
        return False

    history = fit(_Recording(network, sink), X, T, lr=lr, epochs=epochs, batch_size=batch_size,
                  reduction=reduction, tol=tol, rng=rng, momentum=momentum, callback=mark,
                  epoch_loss="full", engine="reference")   # marks at epochs 0, 1, …
    n = np.shape(X)[0]
    per_epoch = 1 if batch_size is None or batch_size >= n else -(-n // batch_size)
    if len(sink) != history.epochs * per_epoch:  # fit must ask Network.backward for every update
        raise RuntimeError(f"recorded {len(sink)} updates but fit made {history.epochs} epochs of "
                           f"{per_epoch}; dlcore.fit no longer computes gradients through "
                           "Network.backward, which training_path relies on")
    points = np.array(sink + [flat_params(network)])
    ends = marks[:history.epochs + 1]
    if len(ends) < history.epochs + 1:
        ends.append(len(points) - 1)
    return TrainingPath(points, np.array(ends), history)
