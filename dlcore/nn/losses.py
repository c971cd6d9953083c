"""Loss functions E(a, t) with their gradients (CMU lecture's "divergences").

Every loss is a sum over the outputs k of one example; ``value(A, T, reduction)``
then combines the examples (rows) by ``"sum"`` (Kelleher eq. 29-30) or ``"mean"``
(Kaplan's 1/m). ``grad(A, T)`` is ∂E_j/∂a for each example j, with the same shape as A.

=====================  =======================================  ===================
name                   E for one example                        ∂E/∂a_k
=====================  =======================================  ===================
``sse``                ½ Σ_k (t_k − a_k)²                       a_k − t_k
``mse``                (1/K) Σ_k (t_k − a_k)²                   2 (a_k − t_k) / K
``binary_cross_entropy``  −Σ_k [t_k log a_k + (1−t_k) log(1−a_k)]  (a_k−t_k)/(a_k(1−a_k))
``cross_entropy``      −Σ_k t'_k log P̂_k,  t' = (1−ε) t + ε/K   −t'_k / P̂_k
=====================  =======================================  ===================

ε is the label-smoothing amount (CMU lecture). Logs are taken of probabilities
clipped to [ε_d, 1 − ε_d] (ε_d = 1e-12 in float64 and the float32 machine epsilon
≈ 1.2e-7 in float32, whose 1 − 1e-12 would round to 1), or computed from the logits z with
log-sum-exp when the network hands them over, so no value is ever infinite. Loss values
are summed in float64, so a float32 network's loss cannot overflow where the true value
fits. Called directly, every method checks its arrays (same shapes, finite, targets and
outputs in range); ``Network`` passes ``check=False`` for arrays it has checked already.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_choice, check_real, from_registry
from .activations import Activation, logsumexp

__all__ = ["Loss", "SSE", "MSE", "BinaryCrossEntropy", "CrossEntropy", "get", "names",
           "EPS"]

EPS = 1e-12  # smallest probability a log is taken of
REDUCTIONS = ("sum", "mean")


def _reduce(per_example, reduction):
    if reduction == "sum":
        return float(per_example.sum())
    if reduction == "mean":
        return float(per_example.mean())
    check_choice(reduction, "reduction", REDUCTIONS)   # raises, naming the choices


def _clip(p):
    """p clipped to [ε, 1 − ε] with ε the smallest step its dtype resolves near 1 (≥ 1e-12)."""
    eps = max(EPS, float(np.finfo(p.dtype).eps)) if p.dtype.kind == "f" else EPS
    return np.clip(p, eps, 1.0 - eps)


def _as64(*arrays):
    return tuple(np.asarray(a, dtype=np.float64) for a in arrays)


class Loss:
    """Base class. Subclasses implement ``per_example(A, T)`` (E of each row) and
    ``_grad(A, T)`` (∂E/∂a), both on arrays already checked."""

    name = "loss"

    def __call__(self, A, T, reduction="sum"):
        return self.value(A, T, reduction)

    def value(self, A, T, reduction="sum", *, check=True):
        """E combined over the rows of A and T (both shaped (n, K)), in float64."""
        if check:
            A, T = self.checked(A, T, reduction)
        return _reduce(self.per_example(*_as64(A, T)), reduction)

    def value_from_logits(self, Z, T, activation: Activation, reduction="sum", *, check=True):
        """E for outputs a = activation(Z); overridden where logits allow a stabler form."""
        if check:
            Z, T = self.checked(Z, T, reduction, outputs=False)
        return self.value(activation.forward(Z), T, reduction, check=check)

    def per_example_from_logits(self, Z, T, activation: Activation):
        """E of each example (Z's shape without its last axis) for outputs a = activation(Z),
        unchecked; the stabler form from the logits where ``value_from_logits`` has one."""
        return self.per_example(*_as64(activation.forward(Z), T))

    def grad(self, A, T, *, check=True):
        """∂E/∂a for each example, shaped like A."""
        if check:
            A, T = self.checked(A, T)
        return self._grad(A, T)

    def delta(self, A, T, Z, activation: Activation, *, check=True):
        """δ_L = ∂E/∂z_L for each example: ∂E/∂a pushed back through the output activation."""
        if check:
            A, T = self.checked(A, T)
            Z = as_float_array(Z, "Z")
        return activation.backward(self._grad(A, T), Z, A)

    def checked(self, A, T, reduction=None, *, outputs=True):
        """A and T as finite float arrays of one shape, T a valid target (and, with
        ``outputs``, A a valid output) for this loss; a clear error otherwise."""
        A, T = as_float_array(A, "A", allow_empty=False), as_float_array(T, "T")
        if A.shape != T.shape:
            raise ValueError(f"A and T must have the same shape (one row per example, one column "
                             f"per output), got A {A.shape} and T {T.shape}")
        if reduction is not None:
            check_choice(reduction, "reduction", REDUCTIONS)
        self.check_targets(T)
        if outputs:
            self.check_outputs(A)
        return A, T

    def check_targets(self, T):
        """Raise ``ValueError`` when T cannot be a target for this loss."""

    def check_outputs(self, A):
        """Raise ``ValueError`` when A cannot be this loss's network output."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class SSE(Loss):
    """Kelleher's L2 error E = ½ Σ_k (t_k − a_k)² (eq. 18), the "SSE" of Table 4."""

    name = "sse"

    def per_example(self, A, T):
        d = A - T
        return ((0.5 * d) * d).sum(axis=-1)    # halve first: ½d² fits wherever d² would not

    def _grad(self, A, T):
        return A - T  # ∂E/∂a = −(t − a), Table 4's "Error × −1"


class MSE(Loss):
    """Mean squared error over the K outputs: E = (1/K) Σ_k (t_k − a_k)²."""

    name = "mse"

    def per_example(self, A, T):
        d = A - T
        return ((d / d.shape[-1]) * d).sum(axis=-1)   # divide first, so d²/K fits where d² would not

    def _grad(self, A, T):
        return 2.0 * (A - T) / A.shape[-1]


class BinaryCrossEntropy(Loss):
    """E = −Σ_k [t log a + (1 − t) log(1 − a)] for outputs in (0, 1), targets in [0, 1].

    With a logistic output the δ is a − t (backprop lecture's binary-classification
    derivation), computed directly rather than as a ratio that could be 0/0.
    """

    name = "binary_cross_entropy"

    def per_example(self, A, T):
        A = _clip(A)
        return -np.sum(T * np.log(A) + (1.0 - T) * np.log1p(-A), axis=-1)

    def value_from_logits(self, Z, T, activation, reduction="sum", *, check=True):
        if activation.name != "logistic":
            return super().value_from_logits(Z, T, activation, reduction, check=check)
        if check:
            Z, T = self.checked(Z, T, reduction, outputs=False)
        return _reduce(self.per_example_from_logits(Z, T, activation), reduction)

    def per_example_from_logits(self, Z, T, activation):
        if activation.name != "logistic":
            return super().per_example_from_logits(Z, T, activation)
        Z, T = _as64(Z, T)
        # −[t log σ(z) + (1−t) log(1−σ(z))] = max(z, 0) − t z + log(1 + e^(−|z|))
        return np.sum(np.maximum(Z, 0) - T * Z + np.log1p(np.exp(-np.abs(Z))), axis=-1)

    def _grad(self, A, T):
        A = _clip(A)
        return (A - T) / (A * (1.0 - A))

    def delta(self, A, T, Z, activation, *, check=True):
        if activation.name != "logistic":
            return super().delta(A, T, Z, activation, check=check)
        if check:
            A, T = self.checked(A, T)
        return A - T

    def check_targets(self, T):
        if np.any(T < 0) or np.any(T > 1):
            raise ValueError("T must lie in [0, 1] for binary_cross_entropy, got values in "
                             f"[{T.min():g}, {T.max():g}]")

    def check_outputs(self, A):
        _check_probabilities(A, self.name)


class CrossEntropy(Loss):
    """Multi-class cross-entropy E = −Σ_k t_k log P̂_k (Kelleher eq. 66), for one-hot T.

    ``label_smoothing=ε`` replaces the one-hot target t by t' = (1 − ε) t + ε/K
    (CMU lecture), so the model is never pushed towards probabilities of exactly 0 or 1.
    With a softmax output δ_k = P̂_k − t'_k (Kelleher eq. 69-81).
    """

    name = "cross_entropy"

    def __init__(self, label_smoothing: float = 0.0):
        self.label_smoothing = check_real(label_smoothing, "label_smoothing", low=0.0,
                                          high=1.0, high_open=True)

    def smooth(self, T):
        """The targets actually used: t' = (1 − ε) t + ε / K."""
        eps = self.label_smoothing
        if eps == 0.0:
            return T
        return (1.0 - eps) * T + eps / T.shape[-1]

    def per_example(self, A, T):
        return -np.sum(self.smooth(T) * np.log(_clip(A)), axis=-1)

    def value_from_logits(self, Z, T, activation, reduction="sum", *, check=True):
        if activation.name != "softmax":
            return super().value_from_logits(Z, T, activation, reduction, check=check)
        if check:
            Z, T = self.checked(Z, T, reduction, outputs=False)
        return _reduce(self.per_example_from_logits(Z, T, activation), reduction)

    def per_example_from_logits(self, Z, T, activation):
        if activation.name != "softmax":
            return super().per_example_from_logits(Z, T, activation)
        Z, T = _as64(Z, T)
        log_p = Z - logsumexp(Z, axis=-1, keepdims=True, check=False)  # log softmax, finite for finite Z
        return -np.sum(self.smooth(T) * log_p, axis=-1)

    def _grad(self, A, T):
        return -self.smooth(T) / _clip(A)

    def delta(self, A, T, Z, activation, *, check=True):
        if activation.name != "softmax":
            return super().delta(A, T, Z, activation, check=check)
        if check:
            A, T = self.checked(A, T)
        return A - self.smooth(T)

    def check_outputs(self, A):
        _check_probabilities(A, self.name)

    def check_targets(self, T):
        if np.any(T < 0):
            raise ValueError(f"T must be non-negative for cross_entropy, got minimum {T.min():g}")
        sums = T.sum(axis=-1)
        if not np.allclose(sums, 1.0, atol=1e-6):
            worst = int(np.argmax(np.abs(sums - 1.0)))
            raise ValueError("each row of T must sum to 1 for cross_entropy (one-hot or a "
                             f"distribution); row {worst} sums to {sums[worst]:g}")

    def __repr__(self):
        return f"CrossEntropy(label_smoothing={self.label_smoothing:g})"


def _check_probabilities(A, name):
    if np.any(A < 0) or np.any(A > 1):
        raise ValueError(f"A must hold probabilities in [0, 1] for {name} (a logistic or softmax "
                         f"output), got values in [{A.min():g}, {A.max():g}]")


_REGISTRY = {
    "sse": SSE,
    "mse": MSE,
    "binary_cross_entropy": BinaryCrossEntropy,
    "bce": BinaryCrossEntropy,
    "cross_entropy": CrossEntropy,
}


def names():
    """The loss names ``get`` understands."""
    return sorted(_REGISTRY)


def get(loss, **kwargs) -> Loss:
    """Look a loss up by name (``get("cross_entropy", label_smoothing=0.1)``) or pass one through."""
    return from_registry(loss, _REGISTRY, Loss, "loss", kwargs)
