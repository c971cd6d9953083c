"""``fit``: train a network by gradient descent (Kelleher's Algorithm "backpropagation").

One epoch is one pass over the training data. ``batch_size=None`` is full-batch
training (one update per epoch from the summed or averaged gradient, eq. 29-30),
``batch_size=1`` online (stochastic) training, anything else mini-batch training;
examples are shuffled from ``rng`` before every epoch (Algorithm line 1 and 32).

``history.loss[e]`` is the loss over the whole training set *before* epoch e's
updates, which is what Kelleher's Figure 17 plots. Training stops when that loss
falls below ``tol`` (status ``"converged"``), after ``epochs`` epochs
(``"max_epochs"``), or when it becomes non-finite or grows past ``diverge_factor``
times its starting value (``"diverged"``, reported once, with no warnings).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import as_rng, check_choice, check_int, check_real
from .losses import REDUCTIONS
from .network import Network
from .optim import SGD

__all__ = ["fit", "History"]

STATUSES = ("converged", "max_epochs", "diverged", "early_stopped")


@dataclass
class History:
    """The record of one call to ``fit``.

    ``loss[e]`` is the loss before epoch e's updates, for e = 0 … ``epochs``, so the last
    entry (also ``final_loss``) is the loss after the last update; ``epochs`` is the number
    of epochs of updates made;
    ``status`` one of "converged", "max_epochs", "diverged", "early_stopped".
    """

    loss: list = field(default_factory=list)
    status: str = "max_epochs"
    epochs: int = 0
    final_loss: float = float("nan")
    message: str = ""

    def __repr__(self):
        return (f"History(status={self.status!r}, epochs={self.epochs}, "
                f"final_loss={self.final_loss:.6g})")


def fit(network, X, T, lr, epochs=1000, batch_size=None, reduction="sum", tol=None, rng=None,
        *, momentum=0.0, shuffle=True, diverge_factor=1e6, callback=None) -> History:
    """Train ``network`` on inputs X (n, n_in) and targets T (n, n_out) in place.

    Parameters
    ----------
    lr : float
        Learning rate α > 0.
    epochs : int
        The most epochs to run.
    batch_size : int or None
        None for full batch, 1 for online (stochastic), k for mini-batches of k examples.
    reduction : "sum" or "mean"
        How a batch's per-example gradients combine: summed (Kelleher eq. 29) or
        averaged (Kaplan). ``history.loss`` uses the same reduction over the whole set.
    tol : float or None
        Stop as soon as the loss before an epoch is below ``tol``.
    rng : int, Generator or None
        Source of the shuffling (and of dropout masks); the same seed gives the same run.
    momentum : float
        Momentum μ in [0, 1) for the SGD update.
    diverge_factor : float
        Loss growth (relative to the first epoch) treated as divergence.
    callback : callable or None
        ``callback(epoch, network, history)`` after each epoch's loss is recorded;
        returning True stops training (status "early_stopped").
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    X = network.check_X(X)
    T = network.check_T(T, X.shape[0])
    n = X.shape[0]
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
    if batch_size is not None and batch_size > n:
        raise ValueError(f"batch_size must be at most the number of examples ({n}), got {batch_size}")
    check_choice(reduction, "reduction", REDUCTIONS)
    tol = check_real(tol, "tol", low=0.0, allow_none=True)
    diverge_factor = check_real(diverge_factor, "diverge_factor", low=1.0, low_open=True)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    optimizer = SGD(lr, momentum=momentum)
    rng = as_rng(rng)
    history = History()
    full_batch = batch_size is None or batch_size >= n
    # A full batch of a deterministic network reuses the forward pass that measured the loss.
    reuse = full_batch and not network.stochastic

    # Overflow while diverging is detected from the loss below, so numpy's own
    # warnings would only repeat it (and flood a notebook); silence them here.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        for epoch in range(epochs + 1):
            trace = network._forward(X)
            E = network._loss(trace, T, reduction)
            history.loss.append(E)
            stop = _stop_reason(E, history.loss[0], tol, diverge_factor)
            if stop is None and callback is not None and callback(epoch, network, history):
                stop = "early_stopped"
            if stop is None and epoch == epochs:
                stop = "max_epochs"
            if stop is not None:
                history.status, history.epochs = stop, epoch
                break
            if reuse:
                optimizer.step(network, network._backward(trace, T, reduction))
                continue
            order = rng.permutation(n) if shuffle and not full_batch else np.arange(n)
            batch_size = batch_size or n
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                tr = network._forward(X[idx], True, rng)
                optimizer.step(network, network._backward(tr, T[idx], reduction))
    history.final_loss = E  # == history.loss[-1], the loss after ``epochs`` epochs of updates
    history.message = _message(history, tol)
    return history


def _stop_reason(E, E0, tol, diverge_factor):
    if not np.isfinite(E) or E > diverge_factor * max(E0, 1e-12):
        return "diverged"
    if tol is not None and E < tol:
        return "converged"
    return None


def _message(h, tol):
    if h.status == "converged":
        return f"converged at epoch {h.epochs}: loss {h.final_loss:.6g} < tol {tol:g}"
    if h.status == "diverged":
        return (f"diverged at epoch {h.epochs}: the loss became {h.final_loss:.3g}; "
                "try a smaller learning rate")
    if h.status == "early_stopped":
        return f"stopped early at epoch {h.epochs}, loss {h.final_loss:.6g}"
    return f"reached the maximum of {h.epochs} epochs, loss {h.final_loss:.6g}"
