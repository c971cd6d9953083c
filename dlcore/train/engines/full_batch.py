"""The fused full-batch training loop that ``fit`` uses when it can.

Why a second implementation of the same equations? The networks of the lectures are
tiny (Kelleher's 2-3-2-1 network trains on four examples), so numpy spends almost all
its time *calling*, not computing: each call (parse the arguments, pick the loop,
allocate the result) costs roughly half a microsecond whatever the size of the arrays.
An epoch of ``Network._forward``/``_backward`` plus ``SGD.step`` makes ~70 such calls
and builds lists, dicts and dataclasses besides, so the speed of training is set by
the number of calls per epoch, not by the arithmetic.

This module computes exactly the equations of ``Network._forward``, ``_loss``,
``_backward`` and ``SGD.step`` (the same activation formulas, δ recursion and update
rule), organised so that an epoch makes as few numpy calls as possible:

1. **Bias folded into the weights**, as in Kelleher's algorithm: examples are columns,
   the input of a layer is stored as [1; A] (a row of ones on top) and its weights as
   [b | W], so z = [b | W] [1; a] is one matrix product instead of a product and an
   addition, and δ [1; a]ᵀ gives ∂E/∂b = Σ δ and ∂E/∂W in one product too.
2. **One flat parameter vector θ and one flat gradient g**: every [b | W] is a view
   into θ and its gradient a view into g, so the update θ ← θ − α g is two numpy calls
   for the whole network (four with momentum), however many layers it has.
3. **Every buffer allocated once**: z, a, δ and scratch arrays exist before the first
   epoch, every call writes into one (``out=``), and constants such as 1 and α are 0-d
   arrays of the network's dtype, which numpy need not convert on every call.
4. **An epoch is a list of calls**, worked out once (which activation, which loss) as
   ``(function, arguments)`` pairs and replayed every epoch: print
   ``Plan(net, X, T).forward`` to read an epoch's forward pass call by call.
5. **−θ for networks of logistic units**: the logistic function needs e^(−z), so when
   every layer is logistic (and the loss SSE or MSE) θ holds −[b | W]: the product
   then gives −z directly and each layer saves a negation. The signs are exact
   (negating a factor negates every product and sum): ∂E/∂a arrives negated from −W,
   which δ = ∂E/∂a · a · (1 − a) undoes by using (a − 1) instead, and the update
   becomes −θ ← −θ + α g.

Results agree with the generic loop to rounding: a matrix product may add its terms in
another order (the bias is now one of them, and Σ δ comes out of the same product), and
so may the final sum of the loss: a unit in the last place here and there
(``tests/test_fastpath.py`` checks that histories and final weights agree to 1e-12 in
float64). One step is left out on purpose: ``activations.logistic`` clips z at −709
(−88 in float32) so that e^(−z) cannot overflow; here e^(−z) may overflow to inf (the
loop runs with numpy's warnings off) and a = 1 / (1 + inf) = 0 where the clipped value
is 1 / (1 + e^709) ≈ 1e-308 (float32: ≈ 6e-39), a difference below the smallest normal
number, which saves a call per logistic layer.

The layers' own ``W`` and ``b`` arrays receive the final values when the loop ends,
also when it is interrupted. ``dlcore.fastpath.ENABLED = False`` makes ``fit`` use its
generic loop only.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from ...nn import activations as _act
from ...nn import losses as _losses
from ...nn.layers import Dense
from ...nn.network import Network
from ..stopping import stop_reason

__all__ = ["ENABLED", "supports", "Plan", "train"]

ENABLED = True

# Elementwise activations this loop knows how to reproduce, and the output
# activations each loss may be combined with here.
_ELEMENTWISE = (_act.Logistic, _act.Tanh, _act.ReLU, _act.LeakyReLU, _act.Linear, _act.Threshold)
_OUTPUTS = {_losses.SSE: _ELEMENTWISE, _losses.MSE: _ELEMENTWISE,
            _losses.BinaryCrossEntropy: (_act.Logistic,),   # fused δ_L = a − t
            _losses.CrossEntropy: (_act.Softmax,)}          # fused δ_L = P̂ − t'
_INF = float("inf")


def supports(network) -> bool:
    """True when ``network`` is a plain stack of ``Dense`` layers this loop reproduces:
    elementwise activations (softmax or logistic only as the fused output of
    cross-entropy / binary cross-entropy), one float dtype, no parameter shared."""
    if not ENABLED or type(network) is not Network:
        return False
    layers = network.layers
    if any(type(layer) is not Dense for layer in layers) or len(set(map(id, layers))) < len(layers):
        return False
    if any(type(layer.activation) not in _ELEMENTWISE for layer in layers[:-1]):
        return False
    if type(layers[-1].activation) not in _OUTPUTS.get(type(network.loss_fn), ()):
        return False
    dtype = layers[0].W.dtype
    if dtype not in _act._EXP_MAX:
        return False
    params = [p for layer in layers for p in (layer.W, layer.b)]
    for layer in layers:
        if layer.W.shape != (layer.n_out, layer.n_in) or layer.b.shape != (layer.n_out,):
            return False
    if any(type(p) is not np.ndarray or p.dtype != dtype for p in params):
        return False
    return not any(np.may_share_memory(p, q) for i, p in enumerate(params) for q in params[:i])


class _Consts:
    """The constants of the equations as 0-d arrays of the network's dtype."""

    def __init__(self, dtype):
        def c(v):
            return np.array(v, dtype=dtype)
        self.zero, self.one, self.two = c(0.0), c(1.0), c(2.0)


def _maximum(out):
    """np.maximum writing into ``out`` (it takes ``out`` only as a keyword, unlike other ufuncs)."""
    return partial(np.maximum, out=out)


def _forward_calls(act, Z, A, S, M, k, negated=False):
    """Calls that write a = φ(z) into A, operation for operation as ``activations`` does
    (``negated``: Z holds −z)."""
    kind = type(act)
    if kind is _act.Logistic:        # 1 / (1 + e^(−z)), see the module docstring on overflow
        first = [(np.exp, (Z, S))] if negated else [(np.negative, (Z, S)), (np.exp, (S, S))]
        return first + [(np.add, (S, k.one, S)), (np.reciprocal, (S, A))]
    if kind is _act.Tanh:
        return [(np.tanh, (Z, A))]
    if kind is _act.ReLU:            # max(z, 0)
        return [(_maximum(A), (Z, k.zero))]
    if kind is _act.LeakyReLU:       # where(z > 0, z, α z), with the mask kept for backward
        alpha = np.array(act.alpha, dtype=Z.dtype)
        return [(np.greater, (Z, k.zero, M)), (np.multiply, (Z, alpha, A)),
                (np.copyto, (A, Z, "same_kind", M))]
    if kind is _act.Threshold:       # 1.0 where z ≥ 0
        return [(np.greater_equal, (Z, k.zero, A))]
    if kind is _act.Linear:
        return [] if A is Z else [(np.copyto, (A, Z))]
    # softmax over each column: e = exp(z − max z); P̂ = e / Σ e.  M keeps max z and S keeps
    # Σ e, which the loss reuses
    return [(np.maximum.reduce, (Z, 0, None, M, True)), (np.subtract, (Z, M, A)),
            (np.exp, (A, A)), (np.add.reduce, (A, 0, None, S, True)), (np.divide, (A, S, A))]


def _backward_calls(act, dA, Z, A, S, M, D, k, negated=False):
    """Calls that write δ = ∂E/∂a ⊙ φ'(z) into D, as ``Activation.backward`` computes it
    (``negated``: dA holds −∂E/∂a)."""
    kind = type(act)
    if kind is _act.Logistic and negated:   # (−dA · a) · (a − 1), the same numbers
        return [(np.multiply, (dA, A, D)), (np.subtract, (A, k.one, S)), (np.multiply, (D, S, D))]
    if kind is _act.Logistic:        # dA · a · (1 − a)
        return [(np.multiply, (dA, A, D)), (np.subtract, (k.one, A, S)), (np.multiply, (D, S, D))]
    if kind is _act.Tanh:            # dA · (1 − a·a)
        return [(np.multiply, (A, A, S)), (np.subtract, (k.one, S, S)), (np.multiply, (dA, S, D))]
    if kind is _act.ReLU:            # dA · (z > 0)
        return [(np.greater, (Z, k.zero, M)), (np.multiply, (dA, M, D))]
    if kind is _act.LeakyReLU:       # where(z > 0, dA, α dA), mask M from the forward pass
        alpha = np.array(act.alpha, dtype=Z.dtype)
        return [(np.multiply, (dA, alpha, D)), (np.copyto, (D, dA, "same_kind", M))]
    if kind is _act.Threshold:       # dA · 0
        return [(np.multiply, (dA, k.zero, D))]
    return []                        # linear: δ = dA, D is dA itself


class Plan:
    """θ, g and the buffers and calls of one epoch of full-batch training on (X, T).

    Inside this loop examples are *columns*, as in Kelleher's algorithm: the input of
    layer l is stored as the (n_in + 1, n) matrix [1; A] (a row of ones above the
    activations of layer l − 1, one column per example) and its weights as
    ``Wb[l] = [b | W]``, so ``Z = [b | W] @ [1; A]`` is zᵀ of ``Network._forward``.
    Every activation matrix is then a contiguous block of rows, and numpy's elementwise
    loops are about twice as fast on contiguous memory as on strided columns.

    ``theta`` and ``grad`` are the flat parameter and gradient vectors; ``Wb[l]`` and
    ``G[l] = [∂E/∂b | ∂E/∂W]`` are views of layer l + 1 into them. ``forward`` is the
    list of calls computing every z and a and the loss terms, after which ``loss()``
    returns E as ``Network._loss`` defines it; ``backward`` (if asked for) computes every
    δ and the gradient g (divided by n for ``"mean"``). ``validation(Xv, Tv)`` gives a
    forward-only Plan for other data that shares θ. ``negated`` says θ holds −[b | W]
    (a network of logistic units, point 5 of the module docstring).
    """

    def __init__(self, network, X, T, reduction="sum", *, backward=True, theta=None):
        layers, self.network = network.layers, network
        dtype = layers[0].W.dtype
        k = self.k = _Consts(dtype)
        sizes = [(layer.n_in, layer.n_out) for layer in layers]
        if theta is None:   # one flat vector θ for every [b | W]
            theta = np.empty(sum(o * (i + 1) for i, o in sizes), dtype=dtype)
        self.theta, self.grad = theta, np.zeros_like(theta)
        self.Wb, self.G, start = [], [], 0
        for i, o in sizes:
            stop = start + o * (i + 1)
            self.Wb.append(theta[start:stop].reshape(o, i + 1))
            self.G.append(self.grad[start:stop].reshape(o, i + 1))
            start = stop
        n, L = X.shape[0], len(layers)
        self.n, self.X, self.reduction = n, X, reduction
        self.negated = neg = (type(network.loss_fn) in (_losses.SSE, _losses.MSE) and
                              all(type(layer.activation) is _act.Logistic for layer in layers))
        self.In = [np.ones((i + 1, n), dtype=dtype) for i, _ in sizes]   # [1; A] per layer
        self.In[0][1:] = X.T
        self.Z = [np.empty((o, n), dtype=dtype) for _, o in sizes]
        out_act = layers[-1].activation
        A_L = self.Z[-1] if type(out_act) is _act.Linear else np.empty_like(self.Z[-1])
        self.A = [self.In[l + 1][1:] for l in range(L - 1)] + [A_L]   # a_l: rows 1… of [1; A]
        self.S = [np.empty((o, n), dtype=dtype) for _, o in sizes]   # scratch
        self.M = [np.empty((o, n), dtype=bool) for _, o in sizes]    # masks
        if type(out_act) is _act.Softmax:                             # max z and Σ e per example
            self.M[-1], self.S[-1] = np.empty((1, n), dtype=dtype), np.empty((1, n), dtype=dtype)
        self.forward = []
        for l, layer in enumerate(layers):                            # z = [b | W] [1; a]
            self.forward.append((self.Wb[l].dot, (self.In[l], self.Z[l])))
            self.forward += _forward_calls(layer.activation, self.Z[l], self.A[l],
                                           self.S[l], self.M[l], k, neg)
        self._loss_calls(network.loss_fn, np.ascontiguousarray(T.T, dtype=dtype))
        self.backward = self._backward_calls(layers) if backward else None

    # ------------------------------------------------------------------ the loss
    def _loss_calls(self, loss_fn, T):
        """Append to ``forward`` the calls that leave E = c · (u · v) / m, as ``Network._loss``."""
        K, n = T.shape
        Z, A, dtype = self.Z[-1], self.A[-1], T.dtype
        m = n if self.reduction == "mean" else 1
        kind = type(loss_fn)
        if kind in (_losses.SSE, _losses.MSE):        # a − t, kept for δ_L as well
            self.diff = np.empty_like(A)
            self.forward.append((np.subtract, (A, T, self.diff)))
            u = v = self.diff.reshape(-1)
            c, m = (0.5, m) if kind is _losses.SSE else (1.0, m * K)  # ½Σ(a−t)² or Σ(a−t)²/K
        elif kind is _losses.BinaryCrossEntropy:     # Σ max(z, 0) − t z + log(1 + e^(−|z|))
            B, C = np.empty_like(Z), np.empty_like(Z)
            self.forward += [(_maximum(B), (Z, self.k.zero)), (np.multiply, (T, Z, C)),
                             (np.subtract, (B, C, B)), (np.absolute, (Z, C)),
                             (np.negative, (C, C)), (np.exp, (C, C)), (np.log1p, (C, C)),
                             (np.add, (B, C, B))]
            u, v, c = B.reshape(-1), np.ones(n * K, dtype=dtype), 1.0
        else:                                         # −Σ t' log P̂, log P̂ = z − (max z + log Σ e)
            T = np.ascontiguousarray(loss_fn.smooth(T.T).T, dtype=dtype)
            lse, logp = np.empty((1, n), dtype=dtype), np.empty_like(Z)
            self.forward += [(np.log, (self.S[-1], lse)), (np.add, (self.M[-1], lse, lse)),
                             (np.subtract, (Z, lse, logp))]
            u, v, c = T.reshape(-1), logp.reshape(-1), -1.0
        self.T, self._dot, self._v, self._c, self._m = T, u.dot, v, c, m

    def loss(self):
        """E after the ``forward`` calls have run (a Python float)."""
        return float(self._dot(self._v)) * self._c / self._m

    # ------------------------------------------------------------------ backward
    def _backward_calls(self, layers):
        k, L = self.k, len(self.Z)
        D = [np.empty_like(Z) for Z in self.Z]                         # δ_l
        dA = [np.empty((Z.shape[0] + 1, self.n), dtype=Z.dtype)[1:] for Z in self.Z]  # ∂E/∂a_l
        loss_kind = type(self.network.loss_fn)
        calls = []
        if loss_kind in (_losses.BinaryCrossEntropy, _losses.CrossEntropy):
            calls.append((np.subtract, (self.A[-1], self.T, D[-1])))   # fused δ_L = a − t
        else:
            dA[-1] = self.diff                                        # SSE: ∂E/∂a = a − t
            if loss_kind is _losses.MSE:                              # MSE: 2 (a − t) / K
                dA[-1] = np.empty_like(self.diff)
                K = np.array(self.diff.shape[0], dtype=self.diff.dtype)
                calls += [(np.multiply, (self.diff, k.two, dA[-1])),
                          (np.divide, (dA[-1], K, dA[-1]))]
        for l in reversed(range(L)):
            act = layers[l].activation
            if type(act) is _act.Linear:
                D[l] = dA[l]                                          # δ = ∂E/∂a
            if l < L - 1 or loss_kind in (_losses.SSE, _losses.MSE):
                calls += _backward_calls(act, dA[l], self.Z[l], self.A[l], self.S[l],
                                         self.M[l], D[l], k, self.negated and l < L - 1)
            calls.append((D[l].dot, (self.In[l].T, self.G[l])))       # [∂E/∂b | ∂E/∂W] = δ [1; a]ᵀ
            if l > 0:   # [·; ∂E/∂a_{l−1}] = [b | W]ᵀ δ (row 0, b δ, is not needed)
                calls.append((self.Wb[l].T.dot, (D[l], dA[l - 1].base)))
        if self.reduction == "mean":
            calls.append((np.multiply, (self.grad, np.array(1.0 / self.n, dtype=self.grad.dtype),
                                        self.grad)))
        self.D = D
        return calls

    def update_calls(self, lr, momentum=0.0):
        """θ ← θ − α g, or with momentum v ← μ v − α g, θ ← θ + v (``SGD.step``).

        With ``negated`` θ and v hold −θ and −v, so α g is added instead of subtracted.
        """
        theta, g, dtype = self.theta, self.grad, self.theta.dtype
        lr, tmp = np.array(lr, dtype=dtype), np.empty_like(theta)
        step = np.add if self.negated else np.subtract
        if not momentum:
            return [(np.multiply, (g, lr, tmp)), (step, (theta, tmp, theta))]
        v, mu = np.zeros_like(theta), np.array(momentum, dtype=dtype)
        return [(np.multiply, (v, mu, v)), (np.multiply, (g, lr, tmp)),
                (step, (v, tmp, v)), (np.add, (theta, v, theta))]

    def validation(self, Xv, Tv):
        """A forward-only Plan for other data, sharing this plan's θ."""
        return Plan(self.network, Xv, Tv, self.reduction, backward=False, theta=self.theta)

    # ------------------------------------------------------------------ θ <-> layers
    def load(self):
        """Copy every layer's b and W into θ (negated if ``negated``)."""
        for layer, Wb in zip(self.network.layers, self.Wb):
            Wb[:, 0], Wb[:, 1:] = layer.b, layer.W
        if self.negated:
            np.negative(self.theta, out=self.theta)

    def store(self, theta=None):
        """Copy θ (or a saved copy of it) back into the layers' own W and b arrays."""
        theta = self.theta if theta is None else theta
        start = 0
        for layer in self.network.layers:
            o, i = layer.W.shape
            Wb = theta[start:start + o * (i + 1)].reshape(o, i + 1)
            layer.b[...], layer.W[...] = Wb[:, 0], Wb[:, 1:]
            if self.negated:
                np.negative(layer.b, out=layer.b)
                np.negative(layer.W, out=layer.W)
            start += o * (i + 1)


def train(network, X, T, history, *, lr, epochs, reduction="sum", tol=None, momentum=0.0,
          validation=None, patience=None, restore_best=True, recorder=None,
          diverge_factor=1e6):
    """Run ``fit``'s epoch loop with a ``Plan``, filling ``history`` as ``fit`` does.

    The arguments have been checked by ``fit``; ``validation`` is (Xv, Tv) or None.
    Per epoch: forward and loss, the stopping rules of ``stopping.stop_reason`` (and
    Algorithm 1's early stopping), then backward and update, exactly the order of
    ``fit``'s generic loop, so ``history.loss[e]`` is again the loss before epoch e's
    update. At the epochs a ``recorder`` asks for, the layers receive θ and the
    recorder gets ``Network._forward``/``_backward``'s own trace and gradients.
    """

    plan = Plan(network, X, T, reduction)
    plan.load()
    val = None if validation is None else plan.validation(*validation)
    step, forward = plan.backward + plan.update_calls(lr, momentum), plan.forward
    dot, v, c, m = plan._dot, plan._v, plan._c, plan._m      # E = c (u · v) / m, as in loss()
    wants = None if recorder is None else recorder.wants
    losses, low = history.loss, -_INF if tol is None else tol
    limit, best, E = _INF, None, float("nan")
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            for epoch in range(epochs + 1):
                for f, args in forward:
                    f(*args)
                E = float(dot(v)) * c / m
                losses.append(E)
                if epoch == 0:
                    limit = diverge_factor * max(E, 1e-12)
                stop = None
                if not -_INF < E < _INF or E > limit or E < low:   # only then can it stop
                    stop = stop_reason(E, losses[0], tol, diverge_factor)
                if val is not None:
                    for f, args in val.forward:
                        f(*args)
                    if history.record_validation(val.loss(), epoch) and patience is not None:
                        best = plan.theta.copy()
                    if stop is None and history.patience_exhausted(epoch, patience):
                        stop = "early_stopped"
                if stop is None and epoch == epochs:
                    stop = "max_epochs"
                if stop is not None:
                    history.status, history.epochs = stop, epoch
                    break
                if wants is not None and wants(epoch):   # record what Network computes
                    plan.store()
                    trace = network._forward(X)
                    recorder.capture(epoch, trace, network._backward(trace, T, reduction))
                for f, args in step:
                    f(*args)
    finally:
        plan.store()   # the layers hold the final parameters, even after an interrupt
    history.final_loss = E
    if best is not None and restore_best:
        plan.store(best)   # Algorithm 1, line 17: return θ_best
    return history
