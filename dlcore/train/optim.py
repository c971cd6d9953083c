"""Gradient-descent update rules.

``SGD`` implements w ← w − α ∆w (Kelleher eq. 30) and, with ``momentum=μ > 0``, the
classical momentum rule v ← μ v − α ∆w, w ← w + v. Whether ∆w is a single example's
gradient (online), a mini-batch's or the whole batch's is decided by ``fit``.
``sgd_update`` is the rule for one parameter array; ``SGD.step`` applies it to every
parameter.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_real

__all__ = ["SGD", "sgd_update"]


def sgd_update(w, grad, lr, velocity=None, momentum=0.0):
    """One step for the parameter array ``w``, in place: w ← w − α ∆w (eq. 30), or with
    momentum μ > 0 and its ``velocity`` array v: v ← μ v − α ∆w, w ← w + v."""
    step = lr * grad     # α ∆w
    if momentum:
        velocity *= momentum
        velocity -= step
        w += velocity
    else:
        w -= step


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

    def velocity(self, network):
        """v for every parameter of ``network`` (zeros at the first step), by layer and name."""
        if self._velocity is None:
            self._velocity = [{k: np.zeros_like(v) for k, v in layer.params.items()}
                              for layer in network.layers]
        return self._velocity

    def step(self, network, grads):
        """Update every parameter of ``network`` in place from ``grads`` (a ``Grads``)."""
        velocity = self.velocity(network) if self.momentum else None
        for l, layer in enumerate(network.layers, start=1):
            for name, w in layer.params.items():
                v = velocity[l - 1][name] if velocity else None
                sgd_update(w, grads.params[l][name], self.lr, v, self.momentum)
