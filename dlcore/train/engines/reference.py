"""The reference engine: ``Network.forward``, ``Network.backward`` and ``SGD.step``, batch by batch.

It trains every network ``dlcore`` can build; any faster engine must give its numbers.
"""
from __future__ import annotations

from ..optim import SGD
from .base import Engine

__all__ = ["ReferenceEngine"]


class ReferenceEngine(Engine):
    """Epochs computed with the network's own forward and backward passes (``fit``'s loop)."""

    def __init__(self, run):
        super().__init__(run)
        self.optimizer = SGD(run.lr, momentum=run.momentum)
        self._trace = None     # the last forward pass over the whole set, for a full-batch step

    def loss(self):
        run = self.run
        self._trace = run.network.forward(run.X, check=False)
        E = run.network.trace_loss(self._trace, run.T, run.reduction, check=False)
        return E + run.weight_decay * run.network.penalty() if run.weight_decay else E

    def epoch(self, epoch):
        run, net = self.run, self.run.network
        record = self.wants_record(epoch)
        if run.full_batch and not net.stochastic:
            # one update from the gradient of the whole set (eq. 29-30), reusing the forward
            # pass that measured the loss
            trace = net.forward(run.X, check=False) if self._trace is None else self._trace
            self._trace = None
            return self._step(epoch, trace, run.T, record)
        total = 0.0
        for idx in self.batches():
            trace = net.forward(run.X[idx], True, run.rng, check=False)
            total += self._step(epoch, trace, run.T[idx], record)
            record = False          # the recorder keeps each epoch's first batch
        return total

    def _step(self, epoch, trace, T, record):
        """One update from one batch's trace; its loss (summed) when the loss is running."""
        run, net = self.run, self.run.network
        E = net.trace_loss(trace, T, "sum", check=False) if run.running else 0.0
        grads = net.backward(trace, T, run.reduction, weight_decay=run.weight_decay, check=False)
        if record:
            run.recorder.capture(epoch, trace, grads)
        self.optimizer.step(net, grads)
        return E
