"""What every engine shares: the order of the examples in an epoch, and the recorder."""
from __future__ import annotations

import numpy as np

__all__ = ["Engine"]


class Engine:
    """One epoch of updates for ``fit`` (``run`` holds fit's checked arguments).

    ``loss()`` is E over the whole training set at the current parameters (``history.loss``
    in the default ``epoch_loss="full"``); ``epoch(e)`` makes epoch e's updates and returns
    the sum of its batches' losses, each before its update (``epoch_loss="running"``; 0.0
    otherwise). Parameters are updated in the layers' own arrays, so validation, callbacks
    and early stopping always see the current ones.
    """

    def __init__(self, run):
        self.run = run

    def batches(self):
        """This epoch's batches as index arrays: the examples shuffled afresh (the algorithm's
        lines 1 and 32) unless the batch is the whole set."""
        run = self.run
        shuffled = run.shuffle and not run.full_batch
        order = run.rng.permutation(run.n) if shuffled else np.arange(run.n)
        size = run.batch_size or run.n
        return [order[start:start + size] for start in range(0, run.n, size)]

    def wants_record(self, epoch):
        return self.run.recorder is not None and self.run.recorder.wants(epoch)

    def loss(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def epoch(self, epoch):  # pragma: no cover - abstract
        raise NotImplementedError
