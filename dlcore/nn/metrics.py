"""How well a trained network does: the fraction of examples it classifies correctly.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_labels
from .network import Network

__all__ = ["accuracy"]


def accuracy(network, X, y):
    """Fraction of rows of X whose largest output is the label in y."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    y = as_labels(y, "y", network.n_out)
    X = network.check_X(X)
    if X.shape[0] != y.size:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.size} labels")
    return float(np.mean(network.predict(X).argmax(axis=1) == y))
