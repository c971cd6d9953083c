"""Gradient-descent update rules.

``SGD`` implements w ← w − α ∆w (Kelleher eq. 30) and, with ``momentum=μ > 0``, the
classical momentum rule v ← μ v − α ∆w, w ← w + v. Whether ∆w is a single example's
gradient (online), a mini-batch's or the whole batch's is decided by ``fit``.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_real

__all__ = ["SGD"]


class SGD:
    """Plain or momentum gradient descent over a network's parameters.

    Parameters
    ----------
    lr : float
        The learning rate α > 0.
    momentum : float
        μ in [0, 1); 0 gives plain gradient descent.
    """

    def __init__(self, lr, momentum=0.0):
        self.lr = check_real(lr, "lr", low=0.0, low_open=True)
        self.momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        self._velocity = None

    def step(self, network, grads):
        """Update every parameter of ``network`` in place from ``grads`` (a ``Grads``)."""
        if self.momentum and self._velocity is None:
            self._velocity = [{k: np.zeros_like(v) for k, v in layer.params.items()}
                              for layer in network.layers]
        for l, layer in enumerate(network.layers, start=1):
            g = grads.params[l]
            for name, p in layer.params.items():
                if self.momentum:
                    v = self._velocity[l - 1][name]
                    v *= self.momentum
                    v -= self.lr * g[name]
                    p += v
                else:
                    p -= self.lr * g[name]
