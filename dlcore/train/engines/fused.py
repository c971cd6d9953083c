"""The fused engine: the reference epoch on buffers allocated once, for plain ``Dense`` stacks.

Why a second engine? The lecture's networks are tiny (Kelleher's 2-3-2-1 network trains on
four examples) and Kaplan's digits network multiplies small batches, so numpy spends much
of its time *calling*: allocating z, a, δ and gradient arrays for every batch, building the
``Trace`` and ``Grads`` records, looking parameters up by name. This engine calls the very
same functions as the reference path — ``Dense.forward``/``backward``/``input_grad``,
``Network.output_loss``/``output_gradient``, ``sgd_update`` — in the same order, but hands
each of them an ``out`` buffer that exists before the first epoch: batches are gathered
into one (``np.take(..., out=)``), and every z, a, δ, ∂E/∂a, ∂E/∂W and ∂E/∂b has its own.
So the numbers are the reference engine's, bit for bit (``tests/test_engines.py``).

It applies to networks of ``Dense`` layers with activations that take an ``out`` buffer
(every activation but PReLU), all in one dtype, each layer appearing once;
``unsupported(network)`` says why another network is left to the reference engine.
"""
from __future__ import annotations

import numpy as np

from ...nn import activations, losses
from ...nn.layers import Dense
from ...nn.network import Network
from ..optim import sgd_update
from .base import Engine

__all__ = ["FusedEngine", "unsupported"]

# dlcore's own activations and losses, whose forward/backward/grad/delta all take ``out``
_ACTIVATIONS = (activations.Threshold, activations.Linear, activations.Logistic, activations.Tanh,
                activations.ReLU, activations.LeakyReLU, activations.Softmax)
_LOSSES = (losses.SSE, losses.MSE, losses.BinaryCrossEntropy, losses.CrossEntropy)


def unsupported(network) -> str:
    """Why the fused engine cannot train ``network`` ("" when it can)."""
    if type(network) is not Network:
        return f"it is a {type(network).__name__}, not a plain dlcore.Network"
    layers = network.layers
    if any(type(layer) is not Dense for layer in layers):
        kinds = sorted({type(layer).__name__ for layer in layers if type(layer) is not Dense})
        return f"it has {', '.join(kinds)} layers (the fused engine trains Dense layers only)"
    if any(layer.activation.parametric for layer in layers):
        return "a PReLU layer learns its slopes λ, which the fused engine does not update"
    own = [type(layer.activation).__name__ for layer in layers
           if type(layer.activation) not in _ACTIVATIONS]
    if own or type(network.loss_fn) not in _LOSSES:
        return (f"it uses an activation or loss of its own ({', '.join(own) or type(network.loss_fn).__name__}), "
                "whose functions need not take the out= buffers the fused engine passes")
    if len({p.dtype for layer in layers for p in (layer.W, layer.b)}) > 1:
        return "its layers mix dtypes"
    return ""


class _Buffers:
    """z, a, δ and ∂E/∂a of every layer for batches of ``m`` rows (examples are rows)."""

    def __init__(self, layers, m, dtype):
        self.Z = [np.empty((m, layer.n_out), dtype) for layer in layers]
        self.A = [Z if layer.activation.name == "linear" else np.empty_like(Z)   # linear: a is z
                  for Z, layer in zip(self.Z, layers)]
        self.D = [np.empty_like(Z) for Z in self.Z]
        self.dA = [np.empty_like(Z) for Z in self.Z]


class FusedEngine(Engine):
    """Epochs of the reference engine with every array allocated once (see the module doc)."""

    def __init__(self, run):
        super().__init__(run)
        self.net, self.layers = run.network, run.network.layers
        dtype = self.net.dtype
        self.dtype, self._by_rows, self._full_ready = dtype, {}, False
        size = run.n if run.full_batch else run.batch_size
        self.Xb = np.empty((size, run.X.shape[1]), dtype)
        self.Tb = np.empty((size, run.T.shape[1]), dtype)
        self.GW = [np.empty_like(layer.W) for layer in self.layers]    # ∂E/∂W of each layer
        self.Gb = [np.empty_like(layer.b) for layer in self.layers]    # ∂E/∂b
        self.scratch = [(np.empty_like(layer.W), np.empty_like(layer.b)) for layer in self.layers]
        self.velocity = ([(np.zeros_like(layer.W), np.zeros_like(layer.b)) for layer in self.layers]
                         if run.momentum else None)

    def buffers(self, m):
        if m not in self._by_rows:
            self._by_rows[m] = _Buffers(self.layers, m, self.dtype)
        return self._by_rows[m]

    # ------------------------------------------------------------------ the engine
    def loss(self):
        run = self.run
        buf = self.forward(run.X)
        self._full_ready = True     # a full-batch epoch may reuse this forward pass
        E = self.net.output_loss(buf.Z[-1], buf.A[-1], run.T, run.reduction)
        return E + run.weight_decay * self.net.penalty() if run.weight_decay else E

    def epoch(self, epoch):
        run = self.run
        if run.full_batch:          # one update from the whole set (eq. 29-30)
            buf = self.buffers(run.n) if self._full_ready else self.forward(run.X)
            self._full_ready = False
            return self.step(epoch, buf, run.X, run.T, self.wants_record(epoch))
        total, record = 0.0, self.wants_record(epoch)
        for idx in self.batches():
            m = len(idx)
            Xb, Tb = self.Xb[:m], self.Tb[:m]
            np.take(run.X, idx, axis=0, out=Xb, mode="clip")   # X[idx] without a temporary
            np.take(run.T, idx, axis=0, out=Tb, mode="clip")
            total += self.step(epoch, self.forward(Xb), Xb, Tb, record)
            record = False
        return total

    # ------------------------------------------------------------------ one batch
    def forward(self, X):
        """Network.forward on the buffers: z = a_prev Wᵀ + b, a = φ(z), layer by layer."""
        buf, a = self.buffers(X.shape[0]), X
        for layer, Z, A in zip(self.layers, buf.Z, buf.A):
            _, a, _ = layer.forward(a, out=(Z, A))
        return buf

    def step(self, epoch, buf, X, T, record):
        """Loss (when running), backward pass and update for one batch, as ``ReferenceEngine``."""
        run, net, L = self.run, self.net, len(self.layers)
        E = net.output_loss(buf.Z[-1], buf.A[-1], T, "sum") if run.running else 0.0
        if record:     # the recorder gets the reference engine's own trace and gradients
            trace = net.forward(X.copy(), check=False)   # (X may be the reused batch buffer)
            run.recorder.capture(epoch, trace, net.backward(trace, T, run.reduction,
                                                            weight_decay=run.weight_decay, check=False))
        a_prev = [X] + buf.A[:-1]
        dA, delta = net.output_gradient(buf.Z[-1], buf.A[-1], T, out=buf.dA[-1])
        for l in range(L - 1, -1, -1):               # Network.backward, output layer first
            layer = self.layers[l]
            d, _ = layer.backward(dA, buf.Z[l], buf.A[l], a_prev[l], None,
                                  delta if l == L - 1 else None,
                                  out=(buf.D[l], self.GW[l], self.Gb[l]))
            if l > 0:
                dA = layer.input_grad(d, None, out=buf.dA[l - 1])
        if run.reduction == "mean":                  # Kaplan's 1/m, as Network.backward
            scale = 1.0 / T.shape[0]
            for G in self.GW + self.Gb:
                G *= scale
        if run.weight_decay:                         # + λ W, as Network.backward
            net.decay([{"W": GW, "b": Gb} for GW, Gb in zip(self.GW, self.Gb)], run.weight_decay)
        self.update()
        return E

    def update(self):
        """SGD.step: sgd_update on every W and b, in the layers' own arrays."""
        run = self.run
        for l, layer in enumerate(self.layers):
            vW, vb = self.velocity[l] if self.velocity else (None, None)
            sW, sb = self.scratch[l]
            sgd_update(layer.W, self.GW[l], run.lr, vW, run.momentum, sW)
            sgd_update(layer.b, self.Gb[l], run.lr, vb, run.momentum, sb)
