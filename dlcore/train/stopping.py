"""When training stops, and its record: ``History``, the stop rules and Algorithm 1.

Training stops when the loss falls below ``tol`` (status ``"converged"``), after the last
epoch (``"max_epochs"``), when it becomes non-finite or grows past ``diverge_factor`` times
its starting value (``"diverged"``), or when the validation loss has not improved for
``patience`` epochs (``"early_stopped"``, Kelleher et al., Algorithm 1).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["History", "STATUSES", "stop_reason", "message"]


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


def stop_reason(E, E0, tol, diverge_factor):
    if not np.isfinite(E) or E > diverge_factor * max(E0, 1e-12):
        return "diverged"
    if tol is not None and E < tol:
        return "converged"
    return None


def message(h, tol):
    if h.status == "converged":
        return f"converged at epoch {h.epochs}: loss {h.final_loss:.6g} < tol {tol:g}"
    if h.status == "diverged":
        return (f"diverged at epoch {h.epochs}: the loss became {h.final_loss:.3g}; "
                "try a smaller learning rate")
    if h.status == "early_stopped" and h.best_epoch is not None:
        return (f"stopped early at epoch {h.epochs}, best validation loss "
                f"{h.best_val_loss:.4g} at epoch {h.best_epoch} (parameters restored)")
    if h.status == "early_stopped":
        return f"stopped early at epoch {h.epochs}, loss {h.final_loss:.6g}"
    return f"reached the maximum of {h.epochs} epochs, loss {h.final_loss:.6g}"
