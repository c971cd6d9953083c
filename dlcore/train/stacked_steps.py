"""The stacked members of ``fit_stack``: K networks' parameters as one (K, P) array.

Row k of ``theta`` holds member k's weights and biases, layer by layer; ``params`` are
(W (K, n_out, n_in), b (K, 1, n_out)) windows into it, so one numpy call updates, measures
or snapshots every member.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Stack"]


class Stack:
    """The members still training (``alive``: indices into the networks given)."""

    def __init__(self, networks, momentum=0.0):
        self.networks, self.momentum = networks, momentum
        self.first = networks[0]
        self.shapes = [layer.W.shape for layer in self.first.layers]
        self.theta = np.array([np.concatenate([np.r_[l.W.ravel(), l.b] for l in net.layers]) for net in networks])
        self.velocity = np.zeros_like(self.theta) if momentum else None
        self.grad = np.empty_like(self.theta)
        self.saved = self.theta.copy()       # the parameters that last passed the divergence check
        self.alive = np.arange(len(networks))
        self._views()

    @property
    def size(self):
        return self.alive.size

    def _views(self):
        """Rebuild the per-layer views after members left."""
        self.params, self.grads, offset = [], [], 0
        for o, i in self.shapes:
            for flat, out in ((self.theta, self.params), (self.grad, self.grads)):
                out.append((flat[:, offset:offset + o * i].reshape(-1, o, i),
                            flat[:, offset + o * i:offset + o * i + o].reshape(-1, 1, o)))
            offset += o * i + o

    def norms(self):
        """‖θ‖ of each member (all its weights and biases): (K,)."""
        return np.sqrt(np.einsum("kp,kp->k", self.theta, self.theta))

    def forward(self, X):
        """z = a_prev Wᵀ + b and a = φ(z) per layer for every member: lists of (K, n, n_out)."""
        zs, acts = [], [X]
        for layer, (W, b) in zip(self.first.layers, self.params):
            z = np.matmul(acts[-1], W.transpose(0, 2, 1))
            z += b
            zs.append(z)
            acts.append(layer.activation.forward(z))
        return zs, acts

    def losses(self, trace, T):
        """E of every example for every member, (K, n), by the networks' own loss."""
        zs, acts = trace
        return self.first.output_losses(zs[-1], acts[-1], T)

    def step(self, trace, T, lrs, reduction):
        """One update of every member from a forward pass over the rows T belongs to:
        δ back through the layers (eq. 21-23), ∂E/∂W = δᵀ a_prev, ∂E/∂b = Σ δ (eq. 29),
        then v ← μ v − α ∆w, w ← w + v, or w ← w − α ∆w (eq. 30)."""
        zs, acts = trace
        layers = self.first.layers
        dA, delta = self.first.output_gradient(zs[-1], acts[-1], T)
        for l in range(len(layers) - 1, -1, -1):
            if delta is None or l < len(layers) - 1:
                delta = layers[l].activation.backward(dA, zs[l], acts[l + 1])
            gW, gb = self.grads[l]
            np.matmul(delta.transpose(0, 2, 1), acts[l], out=gW)
            gb[...] = delta.sum(axis=1, keepdims=True)
            if l:
                dA = np.matmul(delta, self.params[l][0])
        if reduction == "mean":
            self.grad *= 1.0 / T.shape[0]
        step = lrs[:, None] * self.grad
        if self.velocity is not None:
            self.velocity *= self.momentum
            self.velocity -= step
            self.theta += self.velocity
        else:
            self.theta -= step

    def passed(self, ok):
        """Keep the parameters of the members that passed this epoch's divergence check."""
        self.saved[ok] = self.theta[ok]

    def drop(self, stop, trace):
        """Write the stopping members' parameters into their networks (a diverged one gets
        its last parameters that passed, as ``fit`` restores) and take them out of the
        stack; returns the trace of the members left."""
        if not stop.any():
            return trace
        for i in np.flatnonzero(stop):
            self._write(self.networks[self.alive[i]], self.saved[i])
        keep = ~stop
        self.alive, self.theta, self.saved = self.alive[keep], self.theta[keep], self.saved[keep]
        self.grad = self.grad[keep]
        self.velocity = None if self.velocity is None else self.velocity[keep]
        self._views()
        zs, acts = trace
        return [z[keep] for z in zs], [acts[0]] + [a[keep] for a in acts[1:]]

    def _write(self, net, row):
        offset = 0
        for layer, (o, i) in zip(net.layers, self.shapes):
            layer.W[...] = row[offset:offset + o * i].reshape(o, i)
            layer.b[...] = row[offset + o * i:offset + o * i + o]
            offset += o * i + o
