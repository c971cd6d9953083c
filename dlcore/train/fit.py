"""``fit``: train a network by gradient descent (Kelleher's Algorithm "backpropagation").

One epoch is one pass over the training data. ``batch_size=None`` is full-batch
training (one update per epoch from the summed or averaged gradient, eq. 29-30),
``batch_size=1`` online (stochastic) training, anything else mini-batch training;
examples are shuffled from ``rng`` before every epoch (Algorithm line 1 and 32).

``history.loss[e]`` is the loss over the whole training set *before* epoch e's
updates, which is what Kelleher's Figure 17 plots (``epoch_loss="full"``, the default).
With ``epoch_loss="running"`` it is instead the mean of the mini-batch losses seen
during epoch e (each batch's loss before its update, weighted by its size), which
costs nothing extra: it is what scikit-learn's ``loss_curve_`` and the usual PyTorch
loop report, whereas "full" spends one more forward pass over the whole set per
epoch. Training stops when that loss
falls below ``tol`` (status ``"converged"``), after ``epochs`` epochs
(``"max_epochs"``), when it becomes non-finite or grows past ``diverge_factor``
times its starting value (``"diverged"``, reported once, with no warnings), or when
the validation loss has not improved for ``patience`` epochs (``"early_stopped"``,
Kelleher et al., Algorithm 1; the best-validation parameters are restored).

Plain ``Dense`` networks train through loops with preallocated buffers:
``fastpath.py`` for full batches (the same equations, equal to rounding) and
``fastpath_minibatch.py`` for mini-batches (the same operations, bit-for-bit equal);
``fastpath.ENABLED = False`` turns both off.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_choice, check_int, check_real
from ..nn.losses import REDUCTIONS
from ..nn.network import Network
from .engines import full_batch as fastpath
from .engines import minibatch as fastpath_minibatch
from .optim import SGD
from .record import Recorder
from .stopping import History, message, stop_reason

__all__ = ["fit", "History"]

EPOCH_LOSSES = ("full", "running")




def fit(network, X, T, lr, epochs=1000, batch_size=None, reduction="sum", tol=None, rng=None,
        *, momentum=0.0, shuffle=True, validation=None, patience=None, restore_best=True,
        recorder=None, diverge_factor=1e6, callback=None, epoch_loss="full") -> History:
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
        Source of the shuffling and of dropout masks; the same seed gives the same run.
    momentum : float
        Momentum μ in [0, 1) for the SGD update.
    validation : (X_val, T_val) or None
        Held-out data whose loss is recorded every epoch in ``history.val_loss``.
    patience : int or None
        Early stopping (Algorithm 1): stop after ``patience`` epochs without a validation
        loss at or below the best so far, and (``restore_best``) restore the best parameters.
    recorder : Recorder or None
        Captures per-layer z, a, δ and ∂E/∂W at the epochs it asks for.
    diverge_factor : float
        Loss growth (relative to the first epoch) treated as divergence.
    callback : callable or None
        ``callback(epoch, network, history)`` after each epoch's losses are recorded;
        returning True stops training (status "early_stopped").
    epoch_loss : "full" or "running"
        What ``history.loss`` records. "full" (the default): the loss on the whole
        training set before every epoch and after the last, ``epochs + 1`` values, one
        extra forward pass over X per epoch. "running": for each epoch e = 1 … ``epochs``
        the loss of its mini-batches, each measured on its batch just before its update,
        summed over the epoch (``"sum"``) or divided by n (``"mean"``, the mean loss per
        example): scikit-learn's ``loss_curve_`` and the running loss of a typical PyTorch
        loop, free to compute. ``tol``, divergence, validation, ``patience`` and
        ``callback`` then act after each epoch, with epochs counted 1 … ``epochs``.
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
    Xv, Tv = _check_validation(network, validation)
    patience = check_int(patience, "patience", minimum=1, allow_none=True)
    if patience is not None and validation is None:
        raise ValueError("patience needs validation data: pass validation=(X_val, T_val)")
    if recorder is not None and not isinstance(recorder, Recorder):
        raise TypeError(f"recorder must be a dlcore Recorder or None, got {type(recorder).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    check_choice(epoch_loss, "epoch_loss", EPOCH_LOSSES)
    running = epoch_loss == "running"
    optimizer = SGD(lr, momentum=momentum)
    rng = as_rng(rng)
    history = History()
    full_batch = batch_size is None or batch_size >= n
    if full_batch and not running and callback is None and fastpath.supports(network):
        # The same loop with every buffer preallocated and the epoch fused (fastpath.py).
        fastpath.train(network, X, T, history, lr=optimizer.lr, epochs=epochs,
                       reduction=reduction, tol=tol, momentum=optimizer.momentum,
                       validation=None if Xv is None else (Xv, Tv), patience=patience,
                       restore_best=restore_best, recorder=recorder, diverge_factor=diverge_factor)
        history.message = message(history, tol)
        return history
    # A full batch of a deterministic network reuses the forward pass that measured the loss.
    reuse = full_batch and not network.stochastic
    plan = None   # mini-batch steps with preallocated buffers (fastpath_minibatch.py)
    if not full_batch and recorder is None and fastpath_minibatch.supports(network):
        plan = fastpath_minibatch.MiniBatchPlan(network, X, T, batch_size, reduction,
                                                optimizer.lr, optimizer.momentum, running)
    best_params = None

    def measured(E, epoch):
        """Record E (and the validation loss) at ``epoch``; the reason to stop, or None."""
        nonlocal best_params
        history.loss.append(E)
        stop = stop_reason(E, history.loss[0], tol, diverge_factor)
        if Xv is not None:
            V = network._loss(network._forward(Xv), Tv, reduction)
            if history.record_validation(V, epoch) and patience is not None:
                best_params = network.get_params()
            if stop is None and history.patience_exhausted(epoch, patience):
                stop = "early_stopped"
        if stop is None and callback is not None and callback(epoch, network, history):
            stop = "early_stopped"
        if stop is None and epoch == epochs:
            stop = "max_epochs"
        if stop is not None:
            history.status, history.epochs = stop, epoch
        return stop

    def train_epoch(epoch, trace):
        """Epoch ``epoch``'s updates (0-based); the summed batch losses when ``running``."""
        record = recorder is not None and recorder.wants(epoch)
        if reuse:   # full batch: one update from the gradient of the whole set
            trace = network._forward(X) if trace is None else trace
            grads = network._backward(trace, T, reduction)
            if record:
                recorder.capture(epoch, trace, grads)
            optimizer.step(network, grads)
            return network._loss(trace, T, "sum") if running else 0.0
        order = rng.permutation(n) if shuffle and not full_batch else np.arange(n)
        if plan is not None:
            return plan.epoch(order)
        size, total = batch_size or n, 0.0
        for start in range(0, n, size):
            idx = order[start:start + size]
            tr = network._forward(X[idx], True, rng)
            if running:
                total += network._loss(tr, T[idx], "sum")
            grads = network._backward(tr, T[idx], reduction)
            if record:
                recorder.capture(epoch, tr, grads)
                record = False
            optimizer.step(network, grads)
        return total

    # Overflow while diverging is detected from the loss below, so numpy's own
    # warnings would only repeat it (and flood a notebook); silence them here.
    E = float("nan")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if running:   # E of epoch e: the losses of its batches before their updates
            for epoch in range(1, epochs + 1):
                E = train_epoch(epoch - 1, None) / (n if reduction == "mean" else 1)
                if measured(E, epoch) is not None:
                    break
        else:         # E before each epoch's updates, on the whole training set
            for epoch in range(epochs + 1):
                trace = network._forward(X)
                E = network._loss(trace, T, reduction)
                if measured(E, epoch) is not None:
                    break
                train_epoch(epoch, trace)
    history.final_loss = E  # == history.loss[-1]
    if best_params is not None and restore_best:
        network.set_params(best_params)  # Algorithm 1, line 17: return θ_best
    history.message = message(history, tol)
    return history


def _check_validation(network, validation):
    if validation is None:
        return None, None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("validation must be a pair (X_val, T_val), got "
                        f"{type(validation).__name__}")
    Xv = network.check_X(validation[0], "validation X")
    return Xv, network.check_T(validation[1], Xv.shape[0], "validation T")




