"""The mini-batch epoch of ``fit`` with every buffer allocated once.

``fit``'s generic inner loop gathers each shuffled batch with fancy indexing
(``X[idx]``), lets every layer allocate fresh z, a, δ, ∂E/∂W and ∂E/∂b arrays, builds
``Trace``/``Grads`` dataclasses and dicts per step, and allocates two temporaries per
parameter in ``SGD.step``. For Kaplan's 784-100-10 network at batch 64 the matrix
products take a few hundred µs per step, and that bookkeeping a large share on top.
This module replays the *same numpy operations in the same order* as
``Network._forward``, ``Network._backward`` and ``SGD.step`` (the same activation
formulas, the fused δ_L = P̂ − t' of softmax + cross-entropy and a − t of logistic +
binary cross-entropy, ∂E/∂W = δᵀ a_{l−1}, then · 1/m for ``"mean"``, then
W ← W − α ∂E/∂W), so the weights it produces are bit-for-bit those of the generic loop
(``tests/test_fastpath_minibatch.py`` asserts equality), but with

1. **preallocated buffers** for the batch (``Xb`` (B, n_in), ``Tb`` (B, K)) and for every
   layer's z, a, δ, ∂E/∂a (B, n_out) and ∂E/∂W (n_out, n_in), ∂E/∂b (n_out,); every
   numpy call writes into one of them (``out=``) and scales them in place;
2. **the batch gathered by** ``np.take(X, idx, axis=0, out=Xb, mode="clip")``, one call
   without the temporary copy that ``mode="raise"`` (and fancy indexing) makes;
3. **the calls of one step worked out once** per batch size (the last batch may be
   smaller) as ``(function, arguments)`` pairs and replayed, as in ``fastpath.Plan``.

The layers' own ``W`` and ``b`` arrays are updated in place after every step, so
validation, callbacks and early stopping in ``fit`` see the current parameters.

With ``running=True`` each step also adds the batch's loss (summed over its examples,
before its update) to a running total, from which ``fit(..., epoch_loss="running")``
records the epoch's loss; a few calls on (m, K) arrays per step, computed from the
softmax's max z and Σ e (log-sum-exp) rather than by ``Loss.value_from_logits``, so
it agrees with the generic loop's value to rounding (≈ 1e-15 relative).
"""
from __future__ import annotations

import numpy as np

from ...nn import activations as _act
from ...nn import losses as _losses
from . import full_batch as fastpath
from .full_batch import _backward_calls, _Consts, _forward_calls, _maximum

__all__ = ["supports", "MiniBatchPlan"]


def supports(network) -> bool:
    """The networks ``fastpath`` reproduces (plain ``Dense`` stacks, elementwise hidden
    activations, fused or elementwise outputs); ``fastpath.ENABLED = False`` turns both
    fast paths off. Anything else (dropout, PReLU, convolutions) uses the generic loop."""
    return fastpath.supports(network)


class MiniBatchPlan:
    """Buffers and calls for mini-batch steps of ``batch_size`` rows on (X, T).

    Examples are rows, as everywhere in ``dlcore``: for a batch of m examples layer l
    computes Z[l] = A[l−1] Wᵀ + b, A[l] = φ(Z[l]) (both (m, n_out)), then backwards
    D[l] = δ_l (m, n_out), GW[l] = D[l]ᵀ A[l−1] (n_out, n_in), Gb[l] = Σ_rows D[l]
    (n_out,), both · 1/m for ``"mean"``, and dA[l−1] = D[l] W (m, n_in); finally
    W ← W − α GW, b ← b − α Gb (or the momentum rule). ``epoch(order)`` runs one
    epoch of steps over the examples in ``order`` (a permutation of 0 … n−1) and returns
    the sum of the batch losses (each summed over its examples, before its update) when
    ``running``.
    """

    def __init__(self, network, X, T, batch_size, reduction, lr, momentum=0.0, running=False):
        layers, self.network = network.layers, network
        dtype = layers[0].W.dtype
        self.k = _Consts(dtype)
        self.X = np.ascontiguousarray(X, dtype=dtype)
        loss_fn = network.loss_fn
        if type(loss_fn) is _losses.CrossEntropy:        # t' = (1 − ε) t + ε/K, once
            T = loss_fn.smooth(T)
        self.T = np.ascontiguousarray(T, dtype=dtype)
        self.B, self.reduction, self.running = batch_size, reduction, running
        self.lr, self.momentum = float(lr), float(momentum)
        B, K = batch_size, self.T.shape[1]
        self.Xb = np.empty((B, self.X.shape[1]), dtype=dtype)
        self.Tb = np.empty((B, K), dtype=dtype)
        self.Z = [np.empty((B, layer.n_out), dtype=dtype) for layer in layers]
        self.A = [Z if type(layer.activation) is _act.Linear else np.empty_like(Z)
                  for Z, layer in zip(self.Z, layers)]
        self.D = [np.empty_like(Z) for Z in self.Z]      # δ_l
        self.dA = [np.empty_like(Z) for Z in self.Z]     # ∂E/∂a_l
        self.S = [np.empty_like(Z) for Z in self.Z]      # scratch
        self.M = [np.empty(Z.shape, dtype=bool) for Z in self.Z]   # masks
        if type(layers[-1].activation) is _act.Softmax:  # max z and Σ e per example
            self.M[-1], self.S[-1] = np.empty((B, 1), dtype), np.empty((B, 1), dtype)
        self.GW = [np.empty_like(layer.W) for layer in layers]
        self.Gb = [np.empty_like(layer.b) for layer in layers]
        if self.momentum:
            self.VW = [np.zeros_like(layer.W) for layer in layers]
            self.Vb = [np.zeros_like(layer.b) for layer in layers]
        self._plans = {}

    # ------------------------------------------------------------------ one epoch
    def epoch(self, order):
        """Steps over ``order`` in batches of B (the last one may be smaller); returns the
        summed batch losses (``running``) or 0.0."""
        take_X, take_T, Xb, Tb, B = self.X.take, self.T.take, self.Xb, self.Tb, self.B
        total = 0.0
        for start in range(0, len(order), B):
            idx = order[start:start + B]
            m = len(idx)
            calls, loss = self._plans.get(m) or self._plan(m)
            take_X(idx, 0, Xb[:m], "clip")      # np.take(X, idx, axis=0, out=Xb[:m], mode="clip")
            take_T(idx, 0, Tb[:m], "clip")
            for f, args in calls[0]:
                f(*args)
            if loss is not None:
                total += loss()
            for f, args in calls[1]:
                f(*args)
        return total

    # ------------------------------------------------------------------ the calls
    def _plan(self, m):
        """(forward calls, backward + update calls) and the loss function for m rows."""
        k, layers, L = self.k, self.network.layers, len(self.Z)
        Z, D, dA, S, M = ([b[:m] for b in bufs]
                          for bufs in (self.Z, self.D, self.dA, self.S, self.M))
        A = [z if a is full else a[:m] for z, a, full in zip(Z, self.A, self.Z)]   # linear: a is z
        Xb, Tb = self.Xb[:m], self.Tb[:m]
        a_prev = [Xb] + A[:-1]
        forward = []
        for l, layer in enumerate(layers):               # z = a_prev Wᵀ + b, a = φ(z)
            forward += [(np.matmul, (a_prev[l], layer.W.T, Z[l])), (np.add, (Z[l], layer.b, Z[l]))]
            forward += _row_forward(layer.activation, Z[l], A[l], S[l], M[l], k)
        loss_kind, out_act = type(self.network.loss_fn), layers[-1].activation
        if loss_kind in (_losses.SSE, _losses.MSE):                    # a − t, for E and δ_L
            forward.append((np.subtract, (A[-1], Tb, dA[-1])))
        dtype = Xb.dtype
        backward = []
        if loss_kind in (_losses.CrossEntropy, _losses.BinaryCrossEntropy):
            backward.append((np.subtract, (A[-1], Tb, D[-1])))       # δ_L = a − t (fused)
        else:                                                # ∂E/∂a = a − t, or 2 (a − t)/K
            if loss_kind is _losses.MSE:
                K = np.array(Tb.shape[1], dtype=dtype)
                backward += [(np.multiply, (dA[-1], k.two, dA[-1])),
                             (np.divide, (dA[-1], K, dA[-1]))]
            if type(out_act) is _act.Linear:
                D[-1] = dA[-1]
            backward += _backward_calls(out_act, dA[-1], Z[-1], A[-1], S[-1], M[-1], D[-1], k)
        scale = np.array(1.0 / m, dtype=dtype) if self.reduction == "mean" else None
        for l in reversed(range(L)):
            layer = layers[l]
            if l < L - 1:
                if type(layer.activation) is _act.Linear:
                    D[l] = dA[l]
                backward += _backward_calls(layer.activation, dA[l], Z[l], A[l], S[l], M[l],
                                            D[l], k)
            backward += [(np.matmul, (D[l].T, a_prev[l], self.GW[l])),  # ∂E/∂W = δᵀ a_prev
                         (np.add.reduce, (D[l], 0, None, self.Gb[l]))]  # ∂E/∂b = Σ_rows δ
            if scale is not None:                                     # "mean": · 1/m
                backward += [(np.multiply, (G, scale, G)) for G in (self.GW[l], self.Gb[l])]
            if l > 0:                                                 # ∂E/∂a_prev = δ W
                backward.append((np.matmul, (D[l], layer.W, dA[l - 1])))
        backward += self._update_calls()
        loss = self._loss_fn(Z[-1], A[-1], Tb, S[-1], M[-1], dA[-1]) if self.running else None
        self._plans[m] = plan = ((forward, backward), loss)
        return plan

    def _update_calls(self):
        """W ← W − α G, or v ← μ v − α G, W ← W + v (``SGD.step``, the same operations)."""
        calls = []
        dtype = self.Xb.dtype
        lr, mu = np.array(self.lr, dtype=dtype), np.array(self.momentum, dtype=dtype)
        for l, layer in enumerate(self.network.layers):
            for p, g, v in ((layer.W, self.GW[l], self.momentum and self.VW[l]),
                            (layer.b, self.Gb[l], self.momentum and self.Vb[l])):
                calls.append((np.multiply, (g, lr, g)))               # α ∂E/∂W, in place
                if self.momentum:
                    calls += [(np.multiply, (v, mu, v)), (np.subtract, (v, g, v)),
                              (np.add, (p, v, p))]
                else:
                    calls.append((np.subtract, (p, g, p)))
        return calls

    def _loss_fn(self, Z, A, Tb, S, M, dA):
        """A function returning the batch's loss summed over its m examples (before the
        update; it runs between the forward and the backward calls)."""
        kind, dot = type(self.network.loss_fn), np.dot
        t, m = Tb.reshape(-1), Z.shape[0]
        if kind in (_losses.SSE, _losses.MSE):             # ½ Σ (a − t)² or Σ (a − t)²/K
            d, scale = dA.reshape(-1), (0.5 if kind is _losses.SSE else 1.0 / Tb.shape[1])

            def loss():
                return float(dot(d, d)) * scale
            return loss
        if kind is _losses.CrossEntropy:                   # −Σ t' (z − max z − log Σ e)
            lse, logp = np.empty((m, 1), Z.dtype), np.empty_like(Z)
            v = logp.reshape(-1)

            def loss():
                np.log(S, out=lse)
                np.add(lse, M, out=lse)
                np.subtract(Z, lse, out=logp)
                return -float(dot(t, v))
            return loss
        P, Q = np.empty_like(Z), np.empty_like(Z)          # Σ max(z, 0) − t z + log(1 + e^−|z|)
        zero = self.k.zero

        def loss():
            np.maximum(Z, zero, out=P)
            np.multiply(Tb, Z, out=Q)
            np.subtract(P, Q, out=P)
            np.absolute(Z, out=Q)
            np.negative(Q, out=Q)
            np.exp(Q, out=Q)
            np.log1p(Q, out=Q)
            np.add(P, Q, out=P)
            return float(np.add.reduce(P, axis=None))
        return loss


def _row_forward(act, Z, A, S, M, k):
    """a = φ(z) for examples in rows: ``fastpath._forward_calls`` (which works on columns)
    for elementwise φ, softmax over each row, and the logistic clipped as ``activations``
    does."""
    kind = type(act)
    if kind is _act.Softmax:   # e = exp(z − max z); P̂ = e / Σ e; M keeps max z, S keeps Σ e
        return [(np.maximum.reduce, (Z, 1, None, M, True)), (np.subtract, (Z, M, A)),
                (np.exp, (A, A)), (np.add.reduce, (A, 1, None, S, True)), (np.divide, (A, S, A))]
    if kind is _act.Logistic:  # 1 / (1 + e^(−max(z, −709)))
        lo = np.array(-_act._EXP_MAX[Z.dtype], dtype=Z.dtype)
        return [(_maximum(S), (Z, lo)), (np.negative, (S, S)), (np.exp, (S, S)),
                (np.add, (S, k.one, S)), (np.reciprocal, (S, A))]
    return _forward_calls(act, Z, A, S, M, k)
