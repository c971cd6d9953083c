"""Recording what happens inside a network during training.

A ``Recorder`` passed to ``fit(..., recorder=rec)`` keeps, at the epochs it is asked
for, every layer's z, a, δ and ∂E/∂W from that epoch's first iteration (the whole batch
in full-batch training, the first mini-batch otherwise): the raw material of Kelleher
et al.'s Figures 23-26. Without a recorder ``fit`` does no extra work.
"""
from __future__ import annotations

from dataclasses import dataclass

from .._validate import as_float_array, as_labels, check_int
from ..nn.metrics import accuracy

__all__ = ["Recorder", "Snapshot", "AccuracyMonitor"]


@dataclass(frozen=True)
class Snapshot:
    """The state of one iteration. Lists are indexed by layer l = 0 … L as in ``Trace``:
    ``z[l]``, ``a[l]`` (a[0] is the input batch), ``delta[l]`` and ``dW[l]`` (None where a
    layer has no weights)."""

    epoch: int
    z: list
    a: list
    delta: list
    dW: list


class Recorder:
    """Choose the epochs to record: ``Recorder(epochs=[0, 50])`` or ``Recorder(every=10)``.

    ``every=k`` records epochs 0, k, 2k, …; with neither argument only epoch 0 (the first
    iteration, as in Kelleher's figures) is recorded.
    """

    def __init__(self, epochs=None, every=None):
        if epochs is not None and every is not None:
            raise ValueError("give either epochs or every, not both")
        if epochs is not None:
            if isinstance(epochs, (str, bytes)) or not hasattr(epochs, "__iter__"):
                raise TypeError(f"epochs must be a list of epoch numbers, got {epochs!r}")
            epochs = {check_int(e, "epochs[i]", minimum=0) for e in epochs}
        self.epochs = epochs if epochs is not None else (None if every else {0})
        self.every = check_int(every, "every", minimum=1, allow_none=True)
        self.snapshots: list[Snapshot] = []

    def wants(self, epoch: int) -> bool:
        """True when ``epoch`` should be recorded."""
        if self.every is not None:
            return epoch % self.every == 0
        return epoch in self.epochs

    def capture(self, epoch, trace, grads):
        """Keep the trace and gradients of one iteration (they are fresh arrays, not copied)."""
        self.snapshots.append(Snapshot(epoch, list(trace.z), list(trace.a),
                                       list(grads.delta), list(grads.dW)))

    def __len__(self):
        return len(self.snapshots)

    def __getitem__(self, i):
        return self.snapshots[i]

    def at(self, epoch):
        """The snapshot recorded at ``epoch``."""
        for s in self.snapshots:
            if s.epoch == epoch:
                return s
        raise KeyError(f"epoch {epoch} was not recorded; recorded: {[s.epoch for s in self.snapshots]}")



class AccuracyMonitor:
    """A ``fit`` callback recording the accuracy on (X, y) after every epoch.

    ``accuracy[e]`` is measured on the same parameters as ``history.loss[e]`` (before
    epoch e's updates), so the last entry belongs to the trained network.
    """

    def __init__(self, X, y):
        self.X = as_float_array(X, "X", ndim=2)
        self.y = as_labels(y, "y")
        if self.X.shape[0] != self.y.size:
            raise ValueError(f"X has {self.X.shape[0]} rows but y has {self.y.size} labels")
        self.accuracy = []

    def __call__(self, epoch, network, history):
        if self.y.max() >= network.n_out:
            raise ValueError(f"y must lie in [0, {network.n_out - 1}] for a network with "
                             f"{network.n_out} outputs, got labels up to {self.y.max()}")
        self.accuracy.append(accuracy(network, self.X, self.y))
        return False
