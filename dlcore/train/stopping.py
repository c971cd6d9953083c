"""When training stops, and its record: ``History``, the stop rules and Algorithm 1.

Training stops when the loss falls below ``tol`` (status ``"converged"``), after the last
epoch (``"max_epochs"``), when it diverges (``"diverged"``: the loss or a parameter becomes
non-finite, or the loss or the parameters' norm grows past ``diverge_factor`` times its
starting value; the network then gets back the last parameters that passed this check), or
when the validation loss has not improved for ``patience`` epochs (``"early_stopped"``,
Kelleher et al., Algorithm 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import check_int

__all__ = ["History", "STATUSES", "Monitor", "Divergence", "diverged", "message", "algorithm1",
           "parameter_norm"]


STATUSES = ("converged", "max_epochs", "diverged", "early_stopped")


@dataclass
class History:
    """The record of one call to ``fit``.

    With ``fit(..., epoch_loss="full")`` ``loss[e]`` is the training loss before epoch e's
    updates, for e = 0 … ``epochs``, so the last entry (also ``final_loss``) is the loss
    after the last update. With ``epoch_loss="running"`` there is one entry per epoch of
    updates: ``loss[e − 1]`` is the running loss of epoch e = 1 … ``epochs`` (the batch
    losses during the epoch), and ``val_loss`` and callbacks follow the same count, after
    each epoch. ``epochs`` is the number of epochs of updates made; ``status`` one of
    "converged", "max_epochs", "diverged", "early_stopped". With validation data ``val_loss`` runs alongside
    ``loss``, and ``best_epoch``/``best_val_loss`` say where the validation loss was lowest
    (the parameters restored by early stopping).
    """

    loss: list = field(default_factory=list)
    status: str = "max_epochs"
    epochs: int = 0
    final_loss: float = float("nan")
    message: str = ""
    val_loss: list = field(default_factory=list)
    best_epoch: int | None = None
    best_val_loss: float | None = None
    divergence: str = ""     # what diverged, when status is "diverged"

    def record_validation(self, V, epoch):
        """Algorithm 1, lines 8-15: keep V; True when it is the best so far (save θ then).

        Ties count as improvements (line 9 uses ≥), and the patience count is simply
        ``epoch - best_epoch``.
        """
        self.val_loss.append(V)
        if self.best_val_loss is None or V <= self.best_val_loss:
            self.best_val_loss, self.best_epoch = V, epoch
            return True
        return False

    def patience_exhausted(self, epoch, patience):
        """True once ``patience`` epochs have passed without a new best validation loss."""
        return patience is not None and self.best_epoch is not None and epoch - self.best_epoch >= patience

    def __repr__(self):
        return (f"History(status={self.status!r}, epochs={self.epochs}, "
                f"final_loss={self.final_loss:.6g})")


def parameter_norm(network):
    """‖θ‖: the Euclidean norm of all of a network's parameters together."""
    return float(np.sqrt(sum(float(np.vdot(p, p)) for _, _, p in network.parameters())))


class Divergence:
    """Divergence detected by what it is, once per epoch, cheaply.

    ``check(E, E0)`` names what diverged, or returns "": a loss E that is not finite or
    exceeds ``factor`` × the first loss E0, or parameters that are not finite or whose norm
    exceeds ``factor`` × max(their first norm, 1) (a bounded loss, such as a saturated
    softmax's, can stay finite while the weights run away). Each epoch that passes, the
    parameters are copied into one snapshot, which ``restore()`` puts back.
    """

    def __init__(self, network, factor):
        self.network, self.factor = network, factor
        self.saved = network.get_params()
        # (live array, its snapshot): training updates the layers' own arrays in place
        self.pairs = [(p, self.saved[l][name]) for l, layer in enumerate(network.layers)
                      for name, p in layer.params.items()]
        self.limit = factor * max(parameter_norm(network), 1.0)

    def check(self, E, E0):
        norm = np.sqrt(sum(float(np.vdot(p, p)) for p, _ in self.pairs))
        what = diverged(E, E0, norm, self.limit, self.factor)
        if not what:
            for p, saved in self.pairs:
                np.copyto(saved, p)
        return what

    def restore(self):
        self.network.set_params(self.saved)


def diverged(E, E0, norm, limit, factor):
    """What diverged, or "": the loss E not finite or above ``factor`` × the first loss E0,
    else the parameters' norm not finite or above ``limit``."""
    if not np.isfinite(E) or E > factor * max(E0, 1e-12):
        return f"the loss became {E:.3g}"
    if not np.isfinite(norm):
        return "a weight became infinite or NaN"
    if norm > limit:
        return f"the weights' norm grew to {norm:.3g}"
    return ""


def message(h, tol):
    """One sentence saying how training ended, for ``history.message``."""
    if h.status == "converged":
        return f"converged at epoch {h.epochs}: loss {h.final_loss:.6g} < tol {tol:g}"
    if h.status == "diverged":
        return (f"diverged at epoch {h.epochs}: {h.divergence or 'the loss grew without bound'}; "
                "the network keeps its last parameters before that. Try a smaller learning rate")
    if h.status == "early_stopped" and h.best_epoch is not None:
        return (f"stopped early at epoch {h.epochs}, best validation loss "
                f"{h.best_val_loss:.4g} at epoch {h.best_epoch} (parameters restored)")
    if h.status == "early_stopped":
        return f"stopped early at epoch {h.epochs}, loss {h.final_loss:.6g}"
    return f"reached the maximum of {h.epochs} epochs, loss {h.final_loss:.6g}"


def algorithm1(val_loss, patience):
    """Replay Kelleher et al.'s Algorithm 1 on a recorded validation curve.

    ``val_loss[e]`` is the validation error after e epochs. The same bookkeeping as during
    training (``History.record_validation``: ties count as improvements, line 9 uses ≥;
    ``History.patience_exhausted``) decides where early stopping with ``patience`` would
    stop. Returns ``(stop_epoch, best_epoch)``; ``stop_epoch`` is None when the curve ends first.
    """
    patience = check_int(patience, "patience", minimum=1)
    val_loss = np.asarray(val_loss, dtype=float)
    if val_loss.ndim != 1 or val_loss.size == 0:
        raise ValueError(f"val_loss must be a non-empty 1-D sequence, got shape {val_loss.shape}")
    replay = History()
    for epoch, value in enumerate(val_loss):
        replay.record_validation(value, epoch)
        if replay.patience_exhausted(epoch, patience):
            return epoch, replay.best_epoch
    return None, replay.best_epoch


class Monitor:
    """The stop rules and Algorithm 1, applied by ``fit`` after each measured loss.

    ``run`` holds fit's checked arguments (network, tol, diverge_factor, epochs, validation,
    patience, restore_best, callback, reduction). ``done(E, epoch)`` records the loss E of
    ``epoch`` in ``history`` (and the validation loss, saving the parameters at a new best:
    Algorithm 1, lines 8-15) and says whether training stops; ``finish(E)`` restores the best
    parameters (line 17) and writes the message.
    """

    def __init__(self, history, run):
        self.history, self.run, self.best_params = history, run, None
        self.divergence = Divergence(run.network, run.diverge_factor)

    def done(self, E, epoch):
        h, run = self.history, self.run
        h.loss.append(E)
        h.divergence = self.divergence.check(E, h.loss[0])
        if h.divergence:
            self.divergence.restore()
            h.status, h.epochs = "diverged", epoch
            return True
        stop = "converged" if run.tol is not None and E < run.tol else None
        if run.validation is not None:
            V = run.network.loss(*run.validation, run.reduction, check=False)
            if h.record_validation(V, epoch) and run.patience is not None:
                self.best_params = run.network.get_params()
            if stop is None and h.patience_exhausted(epoch, run.patience):
                stop = "early_stopped"
        if stop is None and run.callback is not None and run.callback(epoch, run.network, h):
            stop = "early_stopped"
        if stop is None and epoch == run.epochs:
            stop = "max_epochs"
        if stop is not None:
            h.status, h.epochs = stop, epoch
        return stop is not None

    def finish(self, E):
        h = self.history
        h.final_loss = E  # == h.loss[-1]
        if self.best_params is not None and self.run.restore_best:
            self.run.network.set_params(self.best_params)   # Algorithm 1, line 17: θ_best
        h.message = message(h, self.run.tol)
