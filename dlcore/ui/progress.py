"""A progress bar for long training runs in a notebook (one widget, updated in place).
"""
from __future__ import annotations

import ipywidgets as W

from .._validate import check_int
from ..train.record import AccuracyMonitor

__all__ = ["TrainingProgress"]


class TrainingProgress(AccuracyMonitor):
    """``AccuracyMonitor`` plus a progress bar: ``display(p.widget)`` then ``fit(..., callback=p)``."""

    def __init__(self, epochs, X_val, y_val, description="training"):
        super().__init__(X_val, y_val)
        self.epochs = check_int(epochs, "epochs", minimum=1)
        self.bar = W.IntProgress(value=0, min=0, max=self.epochs, description=description,
                                 bar_style="info", style={"description_width": "initial"})
        self.label = W.Label(value=f"epoch 0 of {self.epochs}")
        self.widget = W.HBox([self.bar, self.label])

    def __call__(self, epoch, network, history):
        super().__call__(epoch, network, history)
        self.bar.value = min(epoch, self.epochs)
        self.label.value = (f"epoch {epoch} of {self.epochs}: training loss {history.loss[-1]:.4f}, "
                            f"validation accuracy {self.accuracy[-1]:.1%}")
        if epoch >= self.epochs:
            self.bar.bar_style = "success"
        return False

    def finish(self, history):
        """Mark the bar with how training ended (call after ``fit`` returns)."""
        if history.status == "diverged":
            self.bar.bar_style = "danger"
            self.label.value = history.message
