"""Activation functions φ and their derivatives φ'(z).

Each activation is an object with a ``name``; calling it gives a = φ(z) and
``derivative(z)`` gives ∂a/∂z, both elementwise, for arrays of any shape.
``backward(dA, z, a)`` turns ∂E/∂a into δ = ∂E/∂z; for elementwise activations that
is ∂E/∂a ⊙ φ'(z) (Kelleher eq. 21-23), for softmax it is the Jacobian-vector product
(CMU lecture, vector activations).

Names: "threshold", "linear", "logistic" (alias "sigmoid"), "tanh", "relu",
"leaky_relu" (slope α, 0.01 by default as in Kelleher eq. 45), "prelu" (a learnable
slope λ per neuron, Kelleher eq. 47-51) and "softmax".
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_real, from_registry

__all__ = ["Activation", "Threshold", "Linear", "Logistic", "Tanh", "ReLU", "LeakyReLU",
           "PReLU", "Softmax", "get", "names", "softmax", "logistic", "log_softmax",
           "logsumexp"]


# Largest x with e^x finite in each precision: inputs are clipped there before exp.
_EXP_MAX = {np.dtype(np.float32): 88.0, np.dtype(np.float64): 709.0}


def logistic(z, *, check=True):
    """Overflow-free logistic function 1 / (1 + e^(−z)) (Kelleher eq. 15).

    z is clipped below at −709 (−88 in float32) so e^(−z) never overflows; the
    clipped outputs are ~1e-308, already 0 for every practical purpose. ``check=False``
    skips validating z (finite numbers), for callers that have.
    """
    z = as_float_array(z, "z") if check else np.asarray(z)
    if z.dtype not in _EXP_MAX:
        z = z.astype(np.float64)
    t = np.empty_like(z)
    np.maximum(z, -_EXP_MAX[z.dtype], out=t)
    np.negative(t, out=t)
    np.exp(t, out=t)
    t += 1.0
    return np.reciprocal(t, out=t)


def logsumexp(z, axis=-1, keepdims=False, *, check=True):
    """log Σ_k e^(z_k), computed as m + log Σ e^(z_k − m) with m = max_k z_k."""
    if check:
        z = as_float_array(z, "z")
    m = np.max(z, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(_below_max(z, m)), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def _below_max(z, m):
    """z − m ≤ 0. Where the spread exceeds the dtype's range the difference is −inf, whose
    exponential is exactly the 0 it stands for: that overflow is expected, not reported."""
    with np.errstate(over="ignore"):
        return z - m


def softmax(z, axis=-1):
    """Numerically stable softmax P̂_k = e^(z_k) / Σ_j e^(z_j) (Kelleher eq. 65).

    Subtracting max_j z_j first changes nothing mathematically (the factor e^(−m)
    cancels) but keeps every exponent ≤ 0, so nothing overflows (Kaplan, sec. 2).
    """
    return _softmax(as_float_array(z, "z"), axis)


def _softmax(z, axis=-1):   # Softmax.forward and softmax(), on checked arrays
    e = np.exp(_below_max(z, np.max(z, axis=axis, keepdims=True)))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis=-1):
    """log softmax(z), computed as z − logsumexp(z) so it is finite for finite z."""
    z = as_float_array(z, "z")
    return z - logsumexp(z, axis=axis, keepdims=True, check=False)


class Activation:
    """Base class: an elementwise activation φ with derivative φ'.

    ``parametric`` activations (PReLU) take an extra per-neuron parameter array.
    """

    name = "activation"
    parametric = False
    elementwise = True

    def __call__(self, z):
        return self.forward(as_float_array(z, "z", ndim=None))

    def forward(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def derivative(self, z):
        """∂a/∂z evaluated elementwise at z."""
        return self._derivative(as_float_array(z, "z", ndim=None))

    def _derivative(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dA, z, a):
        """δ = ∂E/∂z = ∂E/∂a ⊙ φ'(z) for an elementwise φ."""
        return dA * self._derivative(z)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Threshold(Activation):
    """Step function: 1 if z ≥ 0 else 0. Its derivative is 0 wherever it exists,
    which is why threshold units cannot be trained by gradient descent."""

    name = "threshold"

    def forward(self, z):
        return (z >= 0).astype(z.dtype if np.issubdtype(z.dtype, np.floating) else float)

    def _derivative(self, z):
        return np.zeros_like(z, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else float)


class Linear(Activation):
    """Identity φ(z) = z, φ'(z) = 1."""

    name = "linear"

    def forward(self, z):
        return z

    def _derivative(self, z):
        return np.ones_like(z, dtype=z.dtype if np.issubdtype(z.dtype, np.floating) else float)

    def backward(self, dA, z, a):
        return dA


class Logistic(Activation):
    """φ(z) = 1 / (1 + e^(−z)); φ'(z) = φ(z)(1 − φ(z)) (Kelleher eq. 15-16)."""

    name = "logistic"

    def forward(self, z):
        return logistic(z, check=False)

    def _derivative(self, z):
        s = logistic(z, check=False)
        return s * (1.0 - s)

    def backward(self, dA, z, a):
        return dA * a * (1.0 - a)  # reuse a = φ(z) from the forward pass


class Tanh(Activation):
    """φ(z) = tanh z; φ'(z) = 1 − tanh² z."""

    name = "tanh"

    def forward(self, z):
        return np.tanh(z)

    def _derivative(self, z):
        return 1.0 - np.tanh(z) ** 2

    def backward(self, dA, z, a):
        return dA * (1.0 - a * a)


class LeakyReLU(Activation):
    """φ(z) = z if z > 0 else α z; φ'(z) = 1 if z > 0 else α (Kelleher eq. 45-46).

    With α = 0 this is the rectified linear unit (eq. 42-43); at z = 0 we use the
    subgradient 0 (or α), the convention of the lecture's ``otherwise`` branch.
    """

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01):
        self.alpha = check_real(alpha, "alpha", low=0.0, high=1.0)

    def forward(self, z):
        return np.where(z > 0, z, self.alpha * z)

    def _derivative(self, z):
        dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else float
        return np.where(z > 0, 1.0, self.alpha).astype(dtype, copy=False)

    def backward(self, dA, z, a):
        return np.where(z > 0, dA, self.alpha * dA)

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha:g})"


class ReLU(LeakyReLU):
    """Rectified linear unit max(0, z); derivative 1 if z > 0 else 0 (eq. 42-43)."""

    name = "relu"

    def __init__(self):
        self.alpha = 0.0

    def forward(self, z):
        return np.maximum(z, 0.0)

    def backward(self, dA, z, a):
        return dA * (z > 0)

    def __repr__(self):
        return "ReLU()"


class PReLU(Activation):
    """Parametric ReLU: φ(z_i) = z_i if z_i > 0 else λ_i z_i (Kelleher eq. 47-48).

    λ holds one learnable slope per neuron. ``dlam(dA, z)`` gives ∂E/∂λ_i
    = Σ_examples ∂E/∂a_i × ∂a_i/∂λ_i with ∂a_i/∂λ_i = 0 if z_i > 0 else z_i (eq. 49-50).
    """

    name = "prelu"
    parametric = True

    def __call__(self, z, lam=0.25):
        return self.forward(np.asarray(z), lam)

    def forward(self, z, lam=0.25):
        return np.where(z > 0, z, lam * z)

    def derivative(self, z, lam=0.25):
        z = np.asarray(z)
        dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else float
        return np.where(z > 0, 1.0, lam).astype(dtype, copy=False)

    def backward(self, dA, z, a, lam=0.25):
        return np.where(z > 0, dA, lam * dA)

    def dlam(self, dA, z):
        """∂E/∂λ summed over all axes but the last (eq. 49-50)."""
        g = np.where(z > 0, 0.0, z) * dA
        return g.reshape(-1, g.shape[-1]).sum(axis=0)


class Softmax(Activation):
    """Softmax over the last axis (a vector activation, Kelleher eq. 65).

    Its Jacobian is ∂P̂_i/∂z_j = P̂_i (1[i = j] − P̂_j) (CMU lecture), so
    δ = P̂ ⊙ (∂E/∂P̂ − Σ_j ∂E/∂P̂_j P̂_j). With cross-entropy the network uses the
    simpler δ = P̂ − t instead (Kelleher eq. 81).
    """

    name = "softmax"
    elementwise = False

    def forward(self, z):
        return _softmax(z, -1)

    def derivative(self, z):
        raise TypeError("softmax is a vector activation: it has a Jacobian, not an elementwise "
                        "derivative; use jacobian(z) or backward(dA, z, a)")

    def jacobian(self, z):
        """∂P̂/∂z for each row of z: shape (..., K, K)."""
        p = self.forward(np.asarray(z, dtype=float))
        return p[..., :, None] * (np.eye(p.shape[-1]) - p[..., None, :])

    def backward(self, dA, z, a):
        return a * (dA - np.sum(dA * a, axis=-1, keepdims=True))


_REGISTRY = {
    "threshold": Threshold,
    "linear": Linear,
    "identity": Linear,
    "logistic": Logistic,
    "sigmoid": Logistic,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "softmax": Softmax,
}


def names():
    """The activation names ``get`` understands."""
    return sorted(_REGISTRY)


def get(activation, **kwargs) -> Activation:
    """Look an activation up by name (``get("leaky_relu", alpha=0.2)``) or pass one through."""
    return from_registry(activation, _REGISTRY, Activation, "activation", kwargs)
