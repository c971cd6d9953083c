"""Data and networks that ship with the book (no downloads).

``power_plant()`` is the four-example combined-cycle power plant sample of Kelleher
et al. (Tables 1-3) and ``kelleher_network()`` the 2-3-2-1 network of their Figure 4
with the weights of ``lectures/README.md``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._validate import as_rng, check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from .mnist import mnist, read_idx  # noqa: F401  (dl.datasets.mnist is public)
from .preprocessing import range_normalize
from .splits import ImageSplits

__all__ = ["power_plant", "PowerPlant", "kelleher_network", "KELLEHER_WEIGHTS", "digits", "Digits", "long_range_task",
           "noisy_sine", "xor_blobs"]


@dataclass(frozen=True)
class PowerPlant:
    """Kelleher's Tables 1-3.

    raw        (4, 3)  Table 1: ambient temperature (°C), relative humidity (%), output (MW)
    min, max   (3,)    Table 2: the features' minima and maxima over the full data set
    normalized (4, 3)  Table 3: range-normalised values rounded to two decimals, as printed
    X          (4, 2)  the network's inputs (Table 3's first two columns)
    T          (4, 1)  the network's targets (Table 3's last column)
    """

    columns: tuple
    raw: np.ndarray
    min: np.ndarray
    max: np.ndarray
    normalized: np.ndarray

    @property
    def X(self):
        return self.normalized[:, :2].copy()

    @property
    def T(self):
        return self.normalized[:, 2:].copy()


def power_plant() -> PowerPlant:
    """Kelleher's Tables 1 (raw), 2 (min/max) and 3 (range-normalised, 2 d.p.)."""
    raw = np.array([[3.21, 86.34, 491.35],
                    [31.41, 68.50, 430.37],
                    [19.31, 30.59, 463.00],
                    [20.64, 99.97, 447.14]])
    lo = np.array([1.81, 25.56, 420.26])
    hi = np.array([37.11, 100.16, 495.76])
    # Table 3 is Table 1 normalised with Table 2's extremes, printed to two decimals;
    # the worked example feeds exactly these printed values to the network.
    normalized = np.round(range_normalize(raw, min=lo, max=hi), 2)
    for a in (raw, lo, hi, normalized):
        a.setflags(write=False)
    return PowerPlant(("ambient temperature", "relative humidity", "electrical output"),
                      raw, lo, hi, normalized)


# (bias w_i,0, weights) of neurons 3-8, layer by layer, from lectures/README.md
KELLEHER_WEIGHTS = (
    (np.array([0.10, -0.23, 0.04]),            # neurons 3, 4, 5
     np.array([[-0.20, 0.11], [0.11, -0.09], [0.11, -0.02]])),
    (np.array([0.15, 0.12]),                   # neurons 6, 7
     np.array([[-0.04, 0.10, 0.06], [0.20, 0.14, -0.09]])),
    (np.array([0.10]),                         # neuron 8
     np.array([[0.12, -0.50]])),
)


def kelleher_network(activation="logistic", dtype=np.float64) -> Network:
    """The 2-3-2-1 regression network of Kelleher's Figure 4 with its printed weights.

    Every neuron uses ``activation`` ("logistic" for the worked example of Tables 4-9,
    "relu" for Tables 10-12, or "leaky_relu"/"prelu"/"tanh"/"linear"); the loss is
    SSE = ½ Σ (t − a)². ``net.layers[0].W[i, k]`` is w_{i+3, k+1}.
    """
    check_choice(activation if isinstance(activation, str) else getattr(activation, "name", ""),
                 "activation", ["logistic", "sigmoid", "relu", "leaky_relu", "prelu", "tanh", "linear"])
    layers = []
    for b, W in KELLEHER_WEIGHTS:
        layer = Dense(W.shape[1], W.shape[0], activation=activation, init="zeros", dtype=dtype)
        layer.W[...] = W
        layer.b[...] = b
        layers.append(layer)
    return Network(layers, loss="sse")


@dataclass(frozen=True)
class Digits(ImageSplits):
    """Handwritten digits split into training, validation and test sets.

    ``X_*`` are (n, 64) rows of pixel intensities scaled to [0, 1]; ``images(X)`` reshapes
    them to (n, 1, 8, 8) for convolutional layers; ``y_*`` are the labels 0-9 and
    ``T_*`` their one-hot encodings (n, 10).
    """

    side: ClassVar[int] = 8


def digits(seed=0, val_fraction=0.15, test_fraction=0.2) -> Digits:
    """The 1,797 8x8 handwritten digits that ship with scikit-learn (no download).

    The examples are shuffled with ``seed`` and split into training, validation and test
    sets of the given fractions; intensities 0-16 are divided by 16.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # scikit-learn is an optional dependency of the core
        raise ImportError("digits() needs scikit-learn: pip install 'dlcore[data]'") from exc
    val_fraction = check_real(val_fraction, "val_fraction", low=0.0, high=1.0, high_open=True)
    test_fraction = check_real(test_fraction, "test_fraction", low=0.0, high=1.0, low_open=True,
                               high_open=True)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError("val_fraction + test_fraction must be below 1, got "
                         f"{val_fraction + test_fraction:g}")
    raw = load_digits()
    X, y = raw.data / 16.0, raw.target.astype(np.int64)
    order = as_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    n_val = int(round(val_fraction * len(y)))
    test, val, train = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    return Digits(X[train], y[train], X[val], y[val], X[test], y[test])


def noisy_sine(n_train=30, n_val=200, noise=0.3, rng=0):
    """A 1-D regression task that a wide network overfits: t = sin(3x) + N(0, noise²).

    Returns ``(X, T, X_val, T_val)`` with X of shape (n, 1) drawn uniformly from [−1, 1].
    """
    n_train = check_int(n_train, "n_train", minimum=2)
    n_val = check_int(n_val, "n_val", minimum=1)
    noise = check_real(noise, "noise", low=0.0)
    rng = as_rng(rng)
    X = rng.uniform(-1, 1, (n_train + n_val, 1))
    T = np.sin(3 * X) + rng.normal(0, noise, X.shape)
    return X[:n_train], T[:n_train], X[n_train:], T[n_train:]


def xor_blobs(n_train=200, n_val=200, spread=0.35, rng=0):
    """A 2-D binary task no linear model solves: four Gaussian blobs at (±1, ±1),
    labelled 1 where the coordinates share a sign. Returns ``(X, T, X_val, T_val)``
    with T of shape (n, 1) in {0, 1}.
    """
    n_train = check_int(n_train, "n_train", minimum=4)
    n_val = check_int(n_val, "n_val", minimum=1)
    spread = check_real(spread, "spread", low=0.0, low_open=True)
    rng = as_rng(rng)
    centres = rng.choice([-1.0, 1.0], size=(n_train + n_val, 2))
    X = centres + rng.normal(0, spread, centres.shape)
    T = (centres[:, :1] * centres[:, 1:] > 0).astype(float)
    return X[:n_train], T[:n_train], X[n_train:], T[n_train:]



def long_range_task(n, length, rng=None, noise=0.5):
    """A task with a long-range dependency: remember the first value of a sequence.

    Each sequence has two features per step: a value (uniform in [−1, 1] at t = 1,
    Gaussian noise of standard deviation ``noise`` afterwards) and a marker that is 1 at
    t = 1 and 0 afterwards. The target is the first value, so the error at the end
    depends on the input ``length − 1`` steps back. Returns X (n, length, 2), T (n, 1).
    """
    n = check_int(n, "n", minimum=1)
    length = check_int(length, "length", minimum=1)
    noise = check_real(noise, "noise", low=0.0)
    rng = as_rng(rng)
    X = np.zeros((n, length, 2))
    X[:, :, 0] = rng.normal(0.0, noise, (n, length))
    X[:, 0, 0] = rng.uniform(-1.0, 1.0, n)
    X[:, 0, 1] = 1.0
    return X, X[:, 0, :1].copy()
