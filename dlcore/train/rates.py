"""Many small networks trained at once: one stacked gradient descent for a slider's settings.

A slider needs a run for every position it can reach. Trained one by one with ``fit``,
Kelleher's 2-3-2-1 network costs about 60 µs of Python per epoch, so 10⁴ epochs take
≈ 0.6 s per α, and a slider's 61 positions half a minute. Stacked, the K members' weights
are (K, n_out, n_in) arrays and one step is one set of numpy calls for all K: the 61 runs
then cost about three times what one did (``benchmarks/rates_sweep.py``, logistic: 1.1 s
for all 61, against 27 s for one ``fit`` per α and 3.7 s for the same stacked loop in
PyTorch on the CPU). Where the products dominate, stacking saves less: chapter 13's 31
rates of a 64-100-10 classifier take 2.1 s stacked, 3.2 s one by one, 3.6 s in PyTorch
(``--task digits``).

* ``fit_stack(networks, X, T, lr, ...)`` trains K networks of one shape at once (each from
  its own weights, at its own α).
* ``fit_rates(network, X, T, lrs, ...)`` trains a copy of one network at each α in ``lrs``.

Like an engine behind ``fit``, this computes nothing of its own: the activations' forward
and backward, the loss and δ_L are the ``nn`` objects' methods applied to stacked arrays;
only z = a_prev Wᵀ + b, ∂E/∂W = δᵀ a_prev and the momentum rule are written here for a
leading axis of K members. Each member ends as ``fit(network, X, T, lr=α_k, ...)`` would
leave it: the same losses, validation losses, status, epochs and message in its
``History`` (``tests/test_rates.py`` compares them with ``fit``), its parameters trained in
place. It supports what the book's sliders need and refuses the rest, naming ``fit``:
Dense layers with elementwise or softmax activations, full-batch or shuffled mini-batch
steps, ``epoch_loss="full"``, momentum, validation data and its accuracy.
"""
from __future__ import annotations

import copy

import numpy as np

from .._validate import as_labels, as_rng, check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from .fit import _check_validation
from .stopping import History, diverged, message
from .stacked_steps import Stack

__all__ = ["fit_stack", "fit_rates"]


def _check_members(networks):
    if not isinstance(networks, (list, tuple)) or not networks:
        raise TypeError(f"networks must be a non-empty list of dlcore Networks, got {type(networks).__name__}")
    first = networks[0]
    for k, net in enumerate(networks):
        if not isinstance(net, Network):
            raise TypeError(f"networks[{k}] must be a dlcore.Network, got {type(net).__name__}")
        if not all(isinstance(l, Dense) and not l.activation.parametric for l in net.layers):
            raise ValueError(f"fit_stack: networks[{k}] must be Dense layers without learned activation "
                             f"parameters (got {[type(l).__name__ for l in net.layers]}); train it with fit instead")
        same = (len(net.layers) == len(first.layers) and repr(net.loss_fn) == repr(first.loss_fn)
                and all(a.W.shape == b.W.shape and a.activation.name == b.activation.name
                        for a, b in zip(net.layers, first.layers)))
        if not same:
            # Padding narrower networks to one shape would make their products round
            # differently from fit's, and a chaotic run (chapter 3's deep tanh networks) then
            # ends somewhere else: stacked members must have the same shapes.
            raise ValueError(f"fit_stack: networks[{k}] differs from networks[0] in its layers' shapes, "
                             "activations or loss; stack networks of one shape, or train it with fit instead")
        if any(l.W.dtype != np.float64 for l in net.layers):
            raise ValueError(f"fit_stack: networks[{k}] is not float64; train it with fit instead")


def _check_lr(lr, K):
    lrs = np.broadcast_to(np.asarray(lr, dtype=float), (K,)) if np.ndim(lr) == 0 else np.asarray(lr, float)
    if lrs.shape != (K,) or not np.all(np.isfinite(lrs)) or np.any(lrs <= 0):
        raise ValueError(f"lr must be one rate > 0 or one per network ({K}), finite and > 0, got {lr!r}")
    return lrs.copy()


def fit_stack(networks, X, T, lr, epochs=1000, batch_size=None, reduction="sum", tol=None, rng=None, *,
              momentum=0.0, validation=None, accuracy=None, epoch_loss="auto", diverge_factor=1e6):
    """Train every network in ``networks`` (K of one shape) on X (n, n_in), T (n, n_out) at
    once, each at its own rate (``lr``: one α or K of them), in place.

    The arguments mean what they mean for ``fit``. Each epoch e = 0 … ``epochs``: E on the
    whole training set (summed or averaged over its n rows, eq. 18), ``fit``'s stop rules
    (divergence, E < ``tol``, the last epoch), the validation loss; then the epoch's
    updates, one per batch of examples shuffled from ``rng`` (the same order for every
    member, as the same seed gives ``fit``): v ← μ v − α ∆w, w ← w + v (eq. 30 for μ = 0).
    ``accuracy`` (labels (n_val,) of the validation rows) adds each member's validation
    accuracy per epoch, as ``AccuracyMonitor`` records it. Returns the K ``History``
    objects, or (histories, accuracies) with ``accuracy``.
    """
    _check_members(networks)
    K, first = len(networks), networks[0]
    lrs = _check_lr(lr, K)
    X = first.check_X(X)
    T = first.check_T(T, X.shape[0])
    n = X.shape[0]
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    full = batch_size is None or batch_size >= n
    if check_choice(epoch_loss, "epoch_loss", ("auto", "full", "running")) == "running" or \
            (epoch_loss == "auto" and not full):
        raise ValueError("fit_stack records the loss on the whole training set before every epoch: pass "
                         "epoch_loss='full' with mini-batches, or train with fit for the running loss")
    validation = _check_validation(first, validation)
    if accuracy is not None:
        if validation is None:
            raise ValueError("accuracy needs validation data: pass validation=(X_val, T_val)")
        accuracy = as_labels(accuracy, "accuracy", first.n_out)
        if accuracy.size != validation[0].shape[0]:
            raise ValueError(f"accuracy must have one label per validation row ({validation[0].shape[0]}), "
                             f"got {accuracy.size}")
    stack = Stack(networks, check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True))
    run = _Run(stack, X, T, lrs, check_int(epochs, "epochs", minimum=1), batch_size if not full else None,
               check_choice(reduction, "reduction", ("sum", "mean")), check_real(tol, "tol", low=0.0, allow_none=True),
               as_rng(rng), validation, accuracy, check_real(diverge_factor, "diverge_factor", low=1.0, low_open=True))
    return run.train()


class _Run:
    """fit_stack's loop over epochs; ``stack`` holds the members still training. Losses are
    kept in (K, epochs + 1) arrays (NaN where a member recorded nothing) and become each
    ``History``'s lists at the end, so an epoch costs no Python per member."""

    def __init__(self, stack, X, T, lrs, epochs, batch_size, reduction, tol, rng, validation, accuracy, factor):
        self.stack, self.X, self.T, self.lrs = stack, X, T, lrs
        self.epochs, self.batch_size, self.reduction, self.tol, self.rng = epochs, batch_size, reduction, tol, rng
        self.validation, self.labels, self.factor = validation, accuracy, factor
        K = len(lrs)
        self.histories = [History() for _ in range(K)]
        self.E, self.V, self.acc = (np.full((K, epochs + 1), np.nan) for _ in range(3))
        self.limit = factor * np.maximum(stack.norms(), 1.0)
        self.E0 = None

    def mean(self, per):
        """The loss over the rows (last axis of ``per``), summed or averaged as fit does."""
        return per.sum(axis=-1) / (per.shape[-1] if self.reduction == "mean" else 1)

    def train(self):
        stack = self.stack
        with np.errstate(all="ignore"):      # divergence is detected from the loss, as in fit
            for epoch in range(self.epochs + 1):
                trace = stack.forward(self.X)
                stop = self.record(self.mean(stack.losses(trace, self.T)), epoch)
                trace = stack.drop(stop, trace)
                if not stack.size:
                    break
                if self.batch_size is None:
                    stack.step(trace, self.T, self.lrs[stack.alive], self.reduction)
                    continue
                order = self.rng.permutation(self.X.shape[0])
                for start in range(0, self.X.shape[0], self.batch_size):
                    idx = order[start:start + self.batch_size]
                    stack.step(stack.forward(self.X[idx]), self.T[idx], self.lrs[stack.alive], self.reduction)
        return self.finish()

    def record(self, E, epoch):
        """``Monitor.done`` for every member still training: a boolean mask of those that stop
        (their status and epochs set); a diverged member records no validation loss, a
        converged one no accuracy (``fit`` calls no callback then)."""
        stack, alive = self.stack, self.stack.alive
        if self.E0 is None:
            self.E0 = E.copy()
        self.E[alive, epoch] = E
        norms = stack.norms()
        # stopping.diverged's test for every member at once (it names what diverged, below)
        bad = (~np.isfinite(E) | (E > self.factor * np.maximum(self.E0[alive], 1e-12))
               | ~np.isfinite(norms) | (norms > self.limit[alive]))
        converged = ~bad & (E < self.tol) if self.tol is not None else np.zeros_like(bad)
        if self.validation is not None:
            out = stack.forward(self.validation[0])
            self.V[alive[~bad], epoch] = self.mean(stack.losses(out, self.validation[1]))[~bad]
            if self.labels is not None:
                hit = np.mean(out[1][-1].argmax(axis=-1) == self.labels, axis=-1)
                self.acc[alive[~bad & ~converged], epoch] = hit[~bad & ~converged]
        stop = bad | converged | (epoch == self.epochs)
        for i in np.flatnonzero(stop):
            h = self.histories[alive[i]]
            h.status, h.epochs = ("diverged" if bad[i] else "converged" if converged[i] else "max_epochs"), epoch
            if bad[i]:
                h.divergence = diverged(float(E[i]), float(self.E0[alive[i]]), float(norms[i]),
                                        float(self.limit[alive[i]]), self.factor)
        stack.passed(~bad)
        return stop

    def finish(self):
        """Each member's History (and accuracies) from the arrays."""
        accuracies = []
        for k, h in enumerate(self.histories):
            h.loss = [float(v) for v in self.E[k, :h.epochs + 1]]
            h.final_loss = h.loss[-1]
            # every epoch before the last recorded both; the last, as its outcome allows
            last_V, last_acc = h.status != "diverged", h.status == "max_epochs"
            if self.validation is not None:
                for epoch, V in enumerate(self.V[k, :h.epochs + last_V]):
                    h.record_validation(float(V), epoch)      # Algorithm 1's bookkeeping, as fit
            h.message = message(h, self.tol)
            accuracies.append([float(a) for a in self.acc[k, :h.epochs + last_acc]])
        return (self.histories, accuracies) if self.labels is not None else self.histories


def fit_rates(network, X, T, lrs, epochs=1000, tol=None, reduction="sum", diverge_factor=1e6, **kwargs):
    """Train a copy of ``network`` at each learning rate in ``lrs`` (K,) with ``fit_stack``;
    ``network`` itself is not changed. Returns what ``fit_stack`` returns (K ``History``
    objects in the order of ``lrs``, or with ``accuracy=`` also the accuracies)."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D sequence of finite rates > 0, got {lrs!r}")
    copies = [copy.deepcopy(network) for _ in range(lrs.size)]
    return fit_stack(copies, X, T, lrs, epochs, tol=tol, reduction=reduction,
                     diverge_factor=diverge_factor, **kwargs)
