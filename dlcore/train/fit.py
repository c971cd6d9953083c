"""``fit``: train a network by gradient descent (Kelleher's Algorithm "backpropagation").

One epoch is one pass over the training data. ``batch_size=None`` is full-batch
training (one update per epoch from the summed or averaged gradient, eq. 29-30),
``batch_size=1`` online (stochastic) training, anything else mini-batch training;
examples are shuffled from ``rng`` before every epoch (Algorithm line 1 and 32).

In full-batch training ``history.loss[e]`` is the loss over the whole training set
*before* epoch e's updates, which is what Kelleher's Figure 17 plots (``epoch_loss="full"``);
it costs nothing, as the update needs that forward pass anyway. In mini-batch training it is
by default the mean of the batch losses seen during epoch e (each batch's loss before its
update, weighted by its size: ``epoch_loss="running"``), what scikit-learn's ``loss_curve_``
and the usual PyTorch loop report, also free; ``epoch_loss="full"`` then costs one more
forward pass over the whole set per epoch.
When training stops, and Algorithm 1's early stopping, are ``train/stopping.py``.

``Training.advance`` holds the training loop: ``fit`` runs it to the end (``fit_stack`` in
``rates.py`` runs K networks of one shape side by side and is tested against it). How one
epoch of updates is computed is an *engine* (``train/engines/``); the reference engine runs
``Network.forward``/``backward`` and ``SGD.step`` batch by batch, and ``"auto"`` picks the
fastest engine that applies (today the reference engine: see ``train/engines/__init__.py``
for why there is no other).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, replace

import numpy as np

from .._validate import as_rng, check_bool, check_choice, check_int, check_real
from ..nn.losses import REDUCTIONS
from ..nn.network import Network
from . import engines
from .record import Recorder
from .stopping import History, Monitor, message

__all__ = ["fit", "Training", "History"]

EPOCH_LOSSES = ("auto", "full", "running")


def fit(network, X, T, lr, epochs=1000, batch_size=None, reduction="sum", tol=None, rng=None,
        *, momentum=0.0, shuffle=True, validation=None, patience=None, restore_best=True,
        recorder=None, diverge_factor=1e6, callback=None, epoch_loss="auto",
        weight_decay=0.0, engine="auto") -> History:
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
    epoch_loss : "auto", "full" or "running"
        What ``history.loss`` records. "auto" (the default): "full" for full-batch training,
        "running" for mini-batches, whichever costs nothing. "full": the loss on the whole
        training set before every epoch and after the last, ``epochs + 1`` values, one
        extra forward pass over X per epoch. "running": for each epoch e = 1 … ``epochs``
        the loss of its mini-batches, each measured on its batch just before its update,
        summed over the epoch (``"sum"``) or divided by n (``"mean"``, the mean loss per
        example): scikit-learn's ``loss_curve_`` and the running loss of a typical PyTorch
        loop, free to compute. ``tol``, divergence, validation, ``patience`` and
        ``callback`` then act after each epoch, with epochs counted 1 … ``epochs``.
    weight_decay : float
        λ ≥ 0 of the L2 penalty λ R(W) = λ · ½ Σ‖W‖² on the weights, not the biases (the
        backprop lecture's J = (1/N) Σ L + λ R). Every update adds λ W to the weights'
        gradient, whatever the batch, and ``history.loss`` reports E + λ R(W) (the
        validation loss stays E alone). λ acts on the scale of the loss: with
        ``reduction="mean"`` E is a mean per example, so λ ≈ 1e-4 … 1e-2 is usual; with
        ``"sum"`` E grows with the number of examples in a batch, and λ must grow with it.
    engine : "auto" or "reference"
        How each epoch's updates are computed (see above).
    """
    training = Training(network, X, T, lr, epochs, batch_size, reduction, tol, rng,
                        momentum=momentum, shuffle=shuffle, validation=validation,
                        patience=patience, restore_best=restore_best, recorder=recorder,
                        diverge_factor=diverge_factor, callback=callback, epoch_loss=epoch_loss,
                        weight_decay=weight_decay, engine=engine)
    return training.advance()


class Training:
    """``fit``'s loop, resumable: ``advance(until)`` runs epochs up to epoch ``until`` and
    pauses; ``advance()`` runs to the end and returns the History (as ``fit`` does).

    Arguments as for ``fit``. While paused after epoch e, ``ended_here()`` gives what
    ``fit`` with ``epochs=e`` (and the same everything else) would have returned, and
    ``history_until(k)`` the History of ``fit`` with ``epochs=k`` for any k ≤ e: the loop
    runs the same computations in the same order whatever the budget, until the last epoch's
    stop check. A panel uses this to follow an epochs slider without training from scratch.
    """

    def __init__(self, network, X, T, lr, epochs=1000, batch_size=None, reduction="sum",
                 tol=None, rng=None, **options):
        self.run = Run.checked(network, X, T, lr=lr, epochs=epochs, batch_size=batch_size,
                               reduction=reduction, tol=tol, rng=rng, **{**_OPTIONS, **options})
        self.steps = engines.build(self.run)
        self.history = History()
        self.monitor = Monitor(self.history, self.run)
        self.epoch = 0 if self.run.running else -1    # the last epoch whose stop check ran
        self.E = float("nan")
        self.stopped = False

    def advance(self, until=None):
        """Run up to and including epoch ``until``'s stop check (None: to the end). Returns
        the History once training has stopped, else None."""
        run, steps = self.run, self.steps
        until = run.epochs if until is None else min(check_int(until, "until", minimum=0), run.epochs)
        # Overflow while diverging is detected from the loss, so numpy's own warnings would
        # only repeat it (and flood a notebook); silence them here.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            while not self.stopped and self.epoch < until:
                epoch = self.epoch + 1
                if run.running:   # E of epoch e: the losses of its batches, each before its update
                    E = steps.epoch(epoch - 1) / (run.n if run.reduction == "mean" else 1)
                    E += run.weight_decay * run.network.penalty() if run.weight_decay else 0.0
                else:             # the updates of the epoch before, then E on the whole training set
                    if epoch > 0:
                        steps.epoch(epoch - 1)
                    E = steps.loss()
                self.epoch, self.E = epoch, E
                if self.monitor.done(E, epoch):
                    self.stopped = True
                    self.monitor.finish(E)
        return self.history if self.stopped else None

    def ended_here(self):
        """``(history, params)``: the History and the parameters (``Network.get_params()``)
        that ``fit`` with ``epochs`` = the epochs run so far would have given."""
        if self.stopped:
            return self.history, self.run.network.get_params()
        if self.epoch < 1:
            raise ValueError("no epoch has run yet: call advance(until) with until ≥ 1 first")
        h = self.history_until(self.epoch)
        best = self.monitor.best_params if self.run.restore_best else None
        return h, (best if best is not None else self.run.network.get_params())

    def history_until(self, epochs):
        """The History of ``fit`` with ``epochs`` as its budget, for ``epochs`` ≤ the epochs
        run so far (or any budget past the epoch where this training stopped)."""
        h = self.history
        if self.stopped and h.epochs <= epochs:
            return replace(h, loss=list(h.loss), val_loss=list(h.val_loss))
        if not 1 <= epochs <= self.epoch:
            raise ValueError(f"epochs must be between 1 and the epochs run so far ({self.epoch}), "
                             f"got {epochs}")
        first = 1 if self.run.running else 0          # the epoch of loss[0]
        out = History(loss=h.loss[:epochs + 1 - first], epochs=epochs, status="max_epochs")
        out.final_loss = out.loss[-1]
        for epoch, V in enumerate(h.val_loss[:epochs + 1 - first], start=first):
            out.record_validation(V, epoch)             # Algorithm 1's best, as fit kept it
        out.message = message(out, self.run.tol)
        return out


# fit's keyword-only options and their defaults, the one place they are written
_OPTIONS = {k: p.default for k, p in inspect.signature(fit).parameters.items()
            if p.kind is p.KEYWORD_ONLY}


@dataclass(frozen=True)
class Run:
    """fit's arguments, checked once: what the loop, the engines and the stop rules read."""

    network: Network
    X: np.ndarray
    T: np.ndarray
    lr: float
    epochs: int
    batch_size: int | None
    reduction: str
    tol: float | None
    rng: np.random.Generator
    momentum: float
    shuffle: bool
    validation: tuple | None
    patience: int | None
    restore_best: bool
    recorder: Recorder | None
    diverge_factor: float
    callback: object
    running: bool
    weight_decay: float
    engine: str

    @property
    def n(self):
        return self.X.shape[0]

    @property
    def full_batch(self):
        return self.batch_size is None or self.batch_size >= self.n

    @classmethod
    def checked(cls, network, X, T, *, lr, epochs, batch_size, reduction, tol, rng, momentum,
                shuffle, validation, patience, restore_best, recorder, diverge_factor, callback,
                epoch_loss, weight_decay, engine):
        """Check every argument (a ``ValueError``/``TypeError`` naming the one that is wrong)."""
        if not isinstance(network, Network):
            raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
        X = network.check_X(X)
        T = network.check_T(T, X.shape[0])
        batch_size = check_int(batch_size, "batch_size", minimum=1, allow_none=True)
        if batch_size is not None and batch_size > X.shape[0]:
            raise ValueError(f"batch_size must be at most the number of examples "
                             f"({X.shape[0]}), got {batch_size}")
        patience = check_int(patience, "patience", minimum=1, allow_none=True)
        if patience is not None and validation is None:
            raise ValueError("patience needs validation data: pass validation=(X_val, T_val)")
        if recorder is not None and not isinstance(recorder, Recorder):
            raise TypeError(f"recorder must be a dlcore Recorder or None, got {type(recorder).__name__}")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, got {callback!r}")
        return cls(
            network, X, T, check_real(lr, "lr", low=0.0, low_open=True),
            check_int(epochs, "epochs", minimum=1), batch_size,
            check_choice(reduction, "reduction", REDUCTIONS),
            check_real(tol, "tol", low=0.0, allow_none=True), as_rng(rng),
            check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True),
            check_bool(shuffle, "shuffle"), _check_validation(network, validation), patience,
            check_bool(restore_best, "restore_best"), recorder,
            check_real(diverge_factor, "diverge_factor", low=1.0, low_open=True), callback,
            _running(check_choice(epoch_loss, "epoch_loss", EPOCH_LOSSES), batch_size, X.shape[0]),
            check_real(weight_decay, "weight_decay", low=0.0),
            check_choice(engine, "engine", engines.NAMES))


def _running(epoch_loss, batch_size, n):
    """True when history.loss is the running loss: asked for, or "auto" with mini-batches."""
    mini_batches = batch_size is not None and batch_size < n
    return epoch_loss == "running" or (epoch_loss == "auto" and mini_batches)


def _check_validation(network, validation):
    if validation is None:
        return None
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("validation must be a pair (X_val, T_val), got "
                        f"{type(validation).__name__}")
    Xv = network.check_X(validation[0], "validation X")
    return Xv, network.check_T(validation[1], Xv.shape[0], "validation T")
