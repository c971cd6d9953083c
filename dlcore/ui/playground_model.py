"""The playground's logic and figure, independent of the widgets (``dlcore.ui.playground``).

``Playground(**settings)`` holds the whole state of the panel in ``settings`` (see
``DEFAULTS``): the data set, its noise and seed, the test share, the network's shape and
activation, the learning rate and epochs, and the points a student added or removed. Data,
initial weights and training are all drawn from the settings, so ``Playground(code=pg.code())``
reproduces a run exactly: same points, same weights, same losses, same figure.

Training is full-batch gradient descent with momentum 0.9 on the mean loss (binary
cross-entropy with a logistic output for 0/1 labels, otherwise the mean squared error with a
linear output: a regression surface), always from the seed's initial weights.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_int, check_real
from ..data import toy
from ..nn.layers import Dense
from ..nn.network import Network
from ..train.fit import fit
from ..viz.playground import DPI, REGION_RECT, draw
from . import share

__all__ = ["Playground", "DEFAULTS", "PREFIX", "ACTIVATIONS", "EXTENT", "DPI", "REGION_RECT"]

PREFIX = "pg1"
ACTIVATIONS = ("tanh", "relu", "logistic", "linear")
DEFAULTS = dict(dataset="circles", noise=0.1, test_fraction=0.3, n=200, seed=0, layers=2,
                neurons=4, activation="tanh", lr=0.3, epochs=300, added=[], removed=[], csv=None)
EXTENT = (-1.6, 1.6)           # the toy data's plotting box, in both coordinates
FRAME_EVERY = 100              # epochs between frames while training


def _validate(s):
    if s["csv"] is None:
        check_choice(s["dataset"], "dataset", toy.DATASETS)
    check_real(s["noise"], "noise", low=0.0, high=1.0)
    check_real(s["test_fraction"], "test_fraction", low=0.0, high=0.9)
    check_int(s["n"], "n", minimum=4)
    check_int(s["seed"], "seed", minimum=0)
    if not 0 <= check_int(s["layers"], "layers", minimum=0) <= 6:
        raise ValueError(f"layers must be between 0 and 6, got {s['layers']}")
    check_int(s["neurons"], "neurons", minimum=1)
    check_choice(s["activation"], "activation", ACTIVATIONS)
    check_real(s["lr"], "lr", low=0.0, low_open=True)
    check_int(s["epochs"], "epochs", minimum=0)
    for p in s["added"]:
        if not (isinstance(p, (list, tuple)) and len(p) == 3):
            raise ValueError(f"added points must be [x1, x2, label], got {p!r}")


class Playground:
    """The playground's state, data, network, training and figure (see the module docstring)."""

    def __init__(self, code=None, **settings):
        base = share.decode(code, defaults=DEFAULTS, prefix=PREFIX) if code is not None else DEFAULTS
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown playground setting(s) {sorted(unknown)}; expected {sorted(DEFAULTS)}")
        self.settings = {**base, **settings}
        self.settings["added"] = [list(p) for p in self.settings["added"]]
        self.settings["removed"] = sorted(int(i) for i in self.settings["removed"])
        _validate(self.settings)
        self.net, self.history = None, []

    # --------------------------------------------------------------------- data
    def base_points(self):
        s = self.settings
        if s["csv"] is not None:
            arr = np.asarray(s["csv"], dtype=float)
            return arr[:, :2], arr[:, 2]
        return toy.make(s["dataset"], s["n"], s["noise"], s["seed"])

    def data(self):
        """(X_train, y_train, X_test, y_test): the base points split by the test share, the
        removed ones left out; added points always join the training set."""
        X, y = self.base_points()
        keep = np.ones(len(X), bool)
        keep[[i for i in self.settings["removed"] if i < len(X)]] = False
        idx = np.random.default_rng(self.settings["seed"] + 1).permutation(len(X))
        n_test = int(round(self.settings["test_fraction"] * len(X)))
        test = np.zeros(len(X), bool)
        test[idx[:n_test]] = True
        added = np.asarray(self.settings["added"], dtype=float).reshape(-1, 3)
        Xtr = np.vstack([X[keep & ~test], added[:, :2]])
        ytr = np.concatenate([y[keep & ~test], added[:, 2]])
        return Xtr, ytr, X[keep & test], y[keep & test]

    @property
    def problem(self):
        _, y = self.base_points()
        return "classification" if np.isin(y, (0.0, 1.0)).all() else "regression"

    def extent(self):
        """(xlim, ylim) of the plot: the toy box, or the CSV data's box with a margin."""
        if self.settings["csv"] is None:
            return EXTENT, EXTENT
        X, _ = self.base_points()
        lo, hi = X.min(axis=0), X.max(axis=0)
        pad = 0.1 * np.maximum(hi - lo, 1e-9)
        return (lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])

    # --------------------------------------------------------------------- edits
    def add(self, x1, x2, label):
        """Add a training point (rounded to 3 decimals, so the code stays short and exact)."""
        self.settings["added"].append([round(float(x1), 3), round(float(x2), 3), float(label)])
        self.net, self.history = None, []

    def remove_near(self, x1, x2):
        """Remove the point nearest to (x1, x2), an added one or one of the base points."""
        X, _ = self.base_points()
        pts = [(float(np.hypot(*(X[i] - (x1, x2)))), "base", i) for i in range(len(X))
               if i not in self.settings["removed"]]
        pts += [(float(np.hypot(p[0] - x1, p[1] - x2)), "added", i) for i, p in enumerate(self.settings["added"])]
        if not pts:
            return False
        _, kind, i = min(pts)
        if kind == "added":
            self.settings["added"].pop(i)
        else:
            self.settings["removed"] = sorted(self.settings["removed"] + [i])
        self.net, self.history = None, []
        return True

    # ----------------------------------------------------------------- training
    def build(self):
        s = self.settings
        rng = np.random.default_rng(s["seed"])
        sizes = [2] + [s["neurons"]] * s["layers"] + [1]
        out = "logistic" if self.problem == "classification" else "linear"
        layers = [Dense(a, b, s["activation"] if i < s["layers"] else out, rng=rng)
                  for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
        return Network(layers, loss="binary_cross_entropy" if out == "logistic" else "mse")

    def train(self, on_frame=None):
        """Train from the seed's weights for ``epochs`` epochs; ``on_frame(self)`` is called at
        epoch 0 and every ``FRAME_EVERY`` epochs (to redraw), and at the end."""
        Xtr, ytr, Xte, yte = self.data()
        self.net, self.history = self.build(), []

        def record(epoch, net, _history=None):
            if self.history and self.history[-1][0] == epoch:     # fit reports epoch 0 too
                return False
            test = net.loss(Xte, yte[:, None], reduction="mean") if len(Xte) else np.nan
            self.history.append((epoch, net.loss(Xtr, ytr[:, None], reduction="mean"), test))
            if on_frame is not None and (epoch % FRAME_EVERY == 0 or epoch == self.settings["epochs"]):
                on_frame(self)
            return False

        record(0, self.net)
        if self.settings["epochs"]:
            with np.errstate(over="ignore", invalid="ignore"):
                fit(self.net, Xtr, ytr[:, None], lr=self.settings["lr"], epochs=self.settings["epochs"],
                    reduction="mean", momentum=0.9, rng=self.settings["seed"], callback=record)
        return self

    def code(self, **changes):
        """The short text code of the whole state (with ``changes``, of that state):
        ``Playground(code=...)`` reproduces it."""
        return share.encode({**self.settings, **changes}, defaults=DEFAULTS, prefix=PREFIX)

    # ------------------------------------------------------------------- figure
    def figure(self):
        """Regions (or regression surface) with the data, the losses and the hidden units."""
        if self.net is None:
            self.train()
        return draw(self)

    def to_data(self, px, py, width, height):
        """The data coordinates of a click at pixel (px, py) of a ``width`` × ``height`` image."""
        x0, y0, w, h = REGION_RECT
        (xa, xb), (ya, yb) = self.extent()
        fx, fy = px / width, 1.0 - py / height
        return xa + (fx - x0) / w * (xb - xa), ya + (fy - y0) / h * (yb - ya)
