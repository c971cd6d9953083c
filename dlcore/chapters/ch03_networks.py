"""Chapter 3, networks as matrix operations: a ring-shaped class and networks of growing depth.

* ``ring_data``: points labelled 1 inside a ring, a class no half-plane can hold
* ``train_depth_network`` / ``depth_figure`` / ``depth_panel``: networks of 1-5 layers on the
  ring and their decision regions
"""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np

from .._validate import as_rng, check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from ..train.fit import fit
from ..ui.live import Ahead, live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.regions import class_boundary, class_map, scatter_classes
from ..viz.render import BlitFigure

__all__ = ["ring_data", "train_depth_network", "depth_figure", "depth_panel", "DepthFigure"]


def ring_data(n=240, seed=7, inner=0.35, outer=0.8):
    """Points uniform in [−1, 1]², labelled 1 inside the ring inner < ‖x‖ < outer.

    Returns ``X`` (n, 2) and ``y`` (n,). A class with a hole: no half-plane and no convex
    region can hold it, so it needs the depth of Kelleher's Figure 10.
    """
    n = check_int(n, "n", minimum=2)
    inner = check_real(inner, "inner", low=0.0)
    outer = check_real(outer, "outer", low=inner, low_open=True)
    X = as_rng(check_int(seed, "seed", minimum=0)).uniform(-1.0, 1.0, (n, 2))
    r = np.hypot(X[:, 0], X[:, 1])
    return X, ((r > inner) & (r < outer)).astype(float)


DEPTH_ACTIVATIONS = ("tanh", "logistic", "relu")


def _network(n_layers, width, activation, seed):
    rng = as_rng(seed)
    sizes = [2] + [width] * (n_layers - 1) + [1]
    return Network([Dense(a, b, activation=activation if i < n_layers - 1 else "logistic", rng=rng)
                    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))], loss="binary_cross_entropy")


FIT = dict(lr=0.2, reduction="mean", momentum=0.9)      # the panel's training (full batch)


def _drawn(net, history):
    """What the panel draws, computed with the training (in the background when ahead)."""
    X, y = ring_data()
    p = net.predict(_GRID)[:, 0].reshape(RESOLUTION, RESOLUTION)
    return net, history, p, float(np.mean((net.predict(X)[:, 0] >= 0.5) == y))


def _train_depth(key, callback=None):
    """One network, trained by ``fit`` (``callback`` as fit's: the panel's progress frames)."""
    n_layers, width, activation, seed, epochs = key
    X, y = ring_data()
    net = _network(n_layers, width, activation, seed)
    return _drawn(net, fit(net, X, y[:, None], epochs=epochs, rng=seed, callback=callback, **FIT))


LIM, RESOLUTION = (-1.0, 1.0), 161
_GRID = np.stack(np.meshgrid(np.linspace(*LIM, RESOLUTION), np.linspace(*LIM, RESOLUTION)), -1).reshape(-1, 2)
_DEPTH_RUNS = Ahead(_train_depth)    # (n_layers, width, activation, seed, epochs) -> (net, history, p, acc)


def _depth_key(n_layers, width, activation, seed, epochs):
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    if n_layers > 5:
        raise ValueError(f"n_layers must be at most 5, got {n_layers}")
    width = check_int(width, "width", minimum=1)
    check_choice(activation, "activation", DEPTH_ACTIVATIONS)
    return (n_layers, width, activation, check_int(seed, "seed", minimum=0), check_int(epochs, "epochs", minimum=1))


def train_depth_network(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """A network of ``n_layers`` weight layers (``width`` hidden neurons each, a logistic
    output) trained on ``ring_data()`` with binary cross-entropy, full batch, α = 0.2,
    momentum 0.9. Returns ``(net, history)``; results are kept."""
    return _DEPTH_RUNS.get(_depth_key(n_layers, width, activation, seed, epochs))[:2]



class DepthFigure(BlitFigure):
    """Decision regions of a trained depth network over the ring data, laid out once."""

    def __init__(self, pyplot=False, dpi=80):
        super().__init__((4.8, 5.0), dpi, pyplot=pyplot)
        ax = self.fig.add_subplot()
        self.tint, self.line, _ = class_map(ax, LIM, LIM, resolution=RESOLUTION)
        self.dynamic(self.tint)
        self.dynamic(self.line)
        X, y = ring_data()
        scatter_classes(ax, X, y, size=18)
        for dots in ax.collections[1:]:      # drawn over the changing regions, so changing too
            self.dynamic(dots)
        ax.set(xlim=LIM, ylim=LIM, aspect="equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        self.titles = self.title_lines(ax, 2)

    push = None    # set by the panel: shows the current picture (frames while a network trains)
    every = 0.25   # seconds between those frames

    def update(self, n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
        key = _depth_key(n_layers, width, activation, seed, epochs)
        if self.push is None:
            _, _, p, acc = _DEPTH_RUNS.get(key)
        else:       # not kept yet: trained here (or awaited from the background for 0.25 s at most)
            _, _, p, acc = _DEPTH_RUNS.get(key, wait=self.every, callback=self._progress(key))
        self._show(key, p, f"training accuracy {acc:.0%}")
        return self.fig

    def _show(self, key, p, second_line):
        n_layers, width, activation = key[:3]
        self.tint.set_data((p >= 0.5).astype(float))
        self.line.set_segments(class_boundary(p, LIM, LIM) if 0 < (p >= 0.5).mean() < 1 else [])
        shape = "-".join(str(s) for s in [2] + [width] * (n_layers - 1) + [1])
        units = f", {activation} hidden units" if n_layers > 1 else ", logistic output only"
        self.titles[0].set_text(f"{n_layers} layer{'s' * (n_layers > 1)} ({shape}{units})")
        self.titles[1].set_text(second_line)

    def _progress(self, key):
        """``fit``'s callback while a network trains in the kernel: every ``every`` seconds the
        regions of the network so far, pushed to the page (a deep network takes up to a
        second; the student watches it learn instead of a frozen figure)."""
        last = [time.perf_counter()]

        def callback(epoch, net, history):
            if time.perf_counter() - last[0] >= self.every:
                p = net.predict(_GRID)[:, 0].reshape(RESOLUTION, RESOLUTION)
                self._show(key, p, f"training … epoch {epoch:,} of {key[4]:,}")
                self.push()
                last[0] = time.perf_counter()
        return callback


def depth_figure(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Decision regions of ``train_depth_network(...)`` over the ring data."""
    figure = DepthFigure(pyplot=True)
    figure.update(n_layers, width, activation, seed, epochs)
    return figure.settled()


def depth_panel(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Layer and width sliders and an activation dropdown → decision regions on the ring.
    Every (layers, width) network for the chosen activation is trained in the background,
    nearest settings first, as soon as the panel appears. A network needed before that is
    trained here, and its regions are shown every quarter of a second while it learns.

    The networks are not stacked as chapter 7's and 13's are: stacking networks of
    different widths means padding them to one shape, and the padded products round
    differently; at 4-5 layers, α = 0.2 and μ = 0.9 training is chaotic enough that this
    rounding changed some final regions completely (5 layers of 5: training loss 0.46
    stacked against 0.32 alone)."""
    _depth_key(n_layers, width, activation, seed, epochs)           # validates
    figure = DepthFigure()
    if static_mode():
        grid = {"n_layers": sorted({1, 2, 3, n_layers}), "width": sorted({2, 5, 8, width})}
        return frames_panel(
            lambda n_layers, width: figure.update(n_layers, width, activation, seed, epochs), grid,
            value={"n_layers": n_layers, "width": width},
            labels={"n_layers": "layers", "width": "neurons per hidden layer"},
            alt=lambda n_layers, width: (f"Decision regions of a {n_layers}-layer network with "
                                         f"{width} {activation} neurons per hidden layer on the ring data"))
    controls = {"n_layers": W.IntSlider(value=n_layers, min=1, max=5, description="layers"),
                "width": W.IntSlider(value=width, min=1, max=8, description="neurons per hidden layer",
                                     style=STYLE),
                "activation": W.Dropdown(options=DEPTH_ACTIVATIONS, value=activation, description="hidden units",
                                         style=STYLE, layout=W.Layout(width="220px"))}

    def ahead(*_):
        c = {k: w.value for k, w in controls.items()}
        combos = sorted(((L, w) for L in range(1, 6) for w in range(1, 9)),
                        key=lambda lw: abs(lw[0] - c["n_layers"]) + abs(lw[1] - c["width"]))
        _DEPTH_RUNS.plan([(L, w, c["activation"], seed, epochs) for L, w in combos])

    def busy(n_layers, width, activation):
        return None if _DEPTH_RUNS.done((n_layers, width, activation, seed, epochs)) else \
            "training this network (once; then it is kept) …"

    def show(n_layers, width, activation):
        controls["width"].disabled = n_layers == 1      # one layer has no hidden neurons
        figure.update(n_layers, width, activation, seed, epochs)

    box = live_panel(controls, figure, show, busy=busy,
                     alt=lambda n_layers, width, activation: (
                         f"Decision regions of a {n_layers}-layer network with {width} {activation} "
                         f"neurons per hidden layer on the ring data"))
    figure.push = lambda: setattr(box.image, "value", figure.png())
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box
