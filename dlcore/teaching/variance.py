"""What eq. 58 predicts for the variance of z and δ in every layer of a freshly drawn network.

Kelleher et al. (eq. 53-58) show that a weighted sum of n_in inputs with independent,
zero-mean weights has

    var(z) = n_in · var(W) · var(d)                                   (eq. 58)

when the inputs d have zero mean; with inputs of any mean the last factor is E[d²]
(eq. 56 with E[W] = 0). Applied layer by layer, d is the previous layer's activation a, so
for linear units the variance is multiplied by n_in · var(W) at every layer (eq. 59-60);
Xavier's and He's choices of var(W) (eq. 61-64) make that factor 1. The same argument run
backwards gives δ: δ_l = (δ_{l+1} W_{l+1}) ⊙ φ′(z_l), so

    var(δ_l) = n_out · var(W_{l+1}) · var(δ_{l+1}) · E[φ′(z_l)²].

For a non-linear φ, E[φ(z)²] and E[φ′(z)²] are taken over z ~ N(0, var(z)) (a normal
weighted sum, as the central limit theorem suggests for wide layers), by Gauss-Hermite
quadrature; for linear units they are var(z) and 1, and the formulas are eq. 58 exactly.
"""
from __future__ import annotations

import numpy as np

from ..nn.activations import get as get_activation
from ..nn.layers import Dense

__all__ = ["predicted_variances"]

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(64)   # ∫ f(x) e^{−x²/2} dx
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()                         # → E[f(x)], x ~ N(0, 1)


def _gauss_mean(f, variance):
    """E[f(z)] for z ~ N(0, variance), by Gauss-Hermite quadrature."""
    with np.errstate(all="ignore"):
        return float(np.dot(_WEIGHTS, f(np.sqrt(max(variance, 0.0)) * _NODES)))


def predicted_variances(network, X, delta_out_variance):
    """Eq. 58 forwards and backwards through the ``Dense`` layers of ``network``.

    Parameters
    ----------
    network : Network
        Its dense layers' current weights give var(W) and the fan-in/fan-out.
    X : array (n, d)
        The inputs; their mean square E[d²] starts the forward recursion.
    delta_out_variance : float
        var(δ) of the output layer, where the backward recursion starts (it depends on
        the loss and the targets, not on eq. 58).

    Returns ``{"z": [...], "delta": [...]}``: one predicted variance per dense layer, in
    order (the last is the output layer).
    """
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    if not dense:
        raise ValueError("network has no Dense layer to predict variances for")
    X = np.asarray(X, dtype=float)
    second_moment = float(np.mean(X ** 2))                     # E[d²] of the inputs
    z_var, slopes = [], []
    for layer in dense:
        n_out, n_in = layer.W.shape
        q = n_in * float(np.var(layer.W)) * second_moment       # eq. 58
        z_var.append(q)
        phi = get_activation(layer.activation)
        second_moment = _gauss_mean(lambda z: phi(z) ** 2, q)
        slopes.append(_gauss_mean(lambda z: phi.derivative(z) ** 2, q))
    d_var = [float(delta_out_variance)]
    for l in range(len(dense) - 2, -1, -1):                     # backwards to the first layer
        n_out = dense[l + 1].W.shape[0]
        d_var.insert(0, n_out * float(np.var(dense[l + 1].W)) * d_var[0] * slopes[l])
    return {"z": z_var, "delta": d_var}
