"""``ImageSplits``: a labelled image data set split into training, validation and test sets."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .preprocessing import one_hot

__all__ = ["ImageSplits"]


@dataclass(frozen=True)
class ImageSplits:
    """``X_*`` are (n, side·side) rows of pixels; ``images(X)`` reshapes them to
    (n, 1, side, side) for convolutional layers; ``y_*`` are the labels 0 … n_classes − 1
    and ``T_*`` their one-hot encodings (n, n_classes)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    side: ClassVar[int] = 28
    n_classes: ClassVar[int] = 10

    @classmethod
    def images(cls, X):
        return np.asarray(X).reshape(-1, 1, cls.side, cls.side)

    @property
    def T_train(self):
        return one_hot(self.y_train, self.n_classes)

    @property
    def T_val(self):
        return one_hot(self.y_val, self.n_classes)

    @property
    def T_test(self):
        return one_hot(self.y_test, self.n_classes)
