"""Gradient checking: backpropagation against central finite differences.

For every parameter θ the numerical derivative is

    ∂E/∂θ ≈ (E(θ + ε) − E(θ − ε)) / (2ε)

whose truncation error is O(ε²) and whose rounding error is O(1e-16 / ε); ε = 1e-5
balances the two in float64. The two gradients of each parameter array are compared by the
relative error ‖g_backprop − g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖), which is
≈ 1e-10 for correct float64 code and ≈ 1 for a wrong formula.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_real
from .losses import REDUCTIONS
from .network import Network

__all__ = ["gradcheck", "numerical_gradients"]


def numerical_gradients(network, X, T, eps=1e-5, reduction="sum", *, weight_decay=0.0):
    """Central-difference gradients of the loss (plus λ R(W) with ``weight_decay`` λ), one
    dict per layer like ``Grads.params``."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    eps = check_real(eps, "eps", low=0.0, low_open=True)
    check_choice(reduction, "reduction", REDUCTIONS)
    X = network.check_X(X)
    T = network.check_T(T, X.shape[0])
    weight_decay = check_real(weight_decay, "weight_decay", low=0.0)

    def E():
        return network.loss(X, T, reduction, weight_decay=weight_decay, check=False)

    out = [None]
    for layer in network.layers:
        g = {}
        for name, p in layer.params.items():
            num = np.zeros_like(p, dtype=np.float64)
            flat, num_flat = p.reshape(-1), num.reshape(-1)
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + eps
                e_plus = E()
                flat[i] = old - eps
                e_minus = E()
                flat[i] = old
                num_flat[i] = (e_plus - e_minus) / (2 * eps)
            g[name] = num
        out.append(g)
    return out


def gradcheck(network, X, T, eps=1e-5, reduction="sum", details=False, *, weight_decay=0.0):
    """Largest relative error between backprop and central differences over all parameters.

    With ``details=True`` also returns a dict ``{(l, name): relative error}``.
    The network must be deterministic (dropout off), as the check calls ``forward``
    many times.
    """
    numeric = numerical_gradients(network, X, T, eps, reduction, weight_decay=weight_decay)
    X = network.check_X(X)
    T = network.check_T(T, X.shape[0])
    grads = network.backward(network.forward(X, check=False), T, reduction,
                             weight_decay=weight_decay, check=False)
    errors = {}
    for l, layer in enumerate(network.layers, start=1):
        for name in layer.params:
            a, b = grads.params[l][name], numeric[l][name]
            denom = np.linalg.norm(a) + np.linalg.norm(b)
            errors[(l, name)] = 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)
    worst = max(errors.values(), default=0.0)
    return (worst, errors) if details else worst
