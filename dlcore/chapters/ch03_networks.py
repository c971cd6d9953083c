"""Chapter 3, networks as matrix operations: a ring-shaped class and networks of growing depth.

* ``ring_data``: points labelled 1 inside a ring, a class no half-plane can hold
* ``train_depth_network`` / ``depth_figure`` / ``depth_panel``: networks of 1-4 layers on the
  ring and their decision regions
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np

from .._validate import as_rng, check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from ..train.fit import fit
from ..ui.panel import STYLE, show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.regions import decision_regions

__all__ = ["ring_data", "train_depth_network", "depth_figure", "depth_panel"]


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


@lru_cache(maxsize=64)
def _cached_depth(n_layers, width, activation, seed, epochs):
    X, y = ring_data()
    rng = as_rng(seed)
    sizes = [2] + [width] * (n_layers - 1) + [1]
    layers = [Dense(a, b, activation=activation if i < n_layers - 1 else "logistic", rng=rng)
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    net = Network(layers, loss="binary_cross_entropy")
    history = fit(net, X, y[:, None], lr=0.2, epochs=epochs, reduction="mean", momentum=0.9, rng=seed)
    return net, history


def train_depth_network(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """A network of ``n_layers`` weight layers (``width`` hidden neurons each, a logistic
    output) trained on ``ring_data()`` with binary cross-entropy, full batch, α = 0.2,
    momentum 0.9. Returns ``(net, history)``; results are cached."""
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    if n_layers > 5:
        raise ValueError(f"n_layers must be at most 5, got {n_layers}")
    width = check_int(width, "width", minimum=1)
    check_choice(activation, "activation", DEPTH_ACTIVATIONS)
    return _cached_depth(n_layers, width, activation, check_int(seed, "seed", minimum=0),
                         check_int(epochs, "epochs", minimum=1))


def depth_figure(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Decision regions of ``train_depth_network(...)`` over the ring data."""
    net, _ = train_depth_network(n_layers, width, activation, seed, epochs)
    X, y = ring_data()
    acc = float(np.mean((net.predict(X)[:, 0] >= 0.5) == y))
    shape = "-".join(str(s) for s in [2] + [width] * (n_layers - 1) + [1])
    units = f", {activation} hidden units" if n_layers > 1 else ", logistic output only"
    return decision_regions(net.predict, X, y, figsize=(4.6, 4.6),
                            title=f"{n_layers} layer{'s' * (n_layers > 1)} ({shape}{units})\n"
                                  f"training accuracy {acc:.0%}")


def depth_panel(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Layer and width sliders and an activation dropdown → decision regions on the ring."""
    train_depth_network(n_layers, width, activation, seed, epochs)   # validates, warms the cache
    if static_mode():
        grid = {"n_layers": sorted({1, 2, 3, n_layers}), "width": sorted({2, 5, 8, width})}
        return frames_panel(
            lambda n_layers, width: depth_figure(n_layers, width, activation, seed, epochs), grid,
            value={"n_layers": n_layers, "width": width},
            labels={"n_layers": "layers", "width": "neurons per hidden layer"},
            alt=lambda n_layers, width: (f"Decision regions of a {n_layers}-layer network with "
                                         f"{width} {activation} neurons per hidden layer on the ring data"))
    layers = W.IntSlider(value=n_layers, min=1, max=5, description="layers",
                         continuous_update=False)
    wide = W.IntSlider(value=width, min=1, max=8, description="neurons per hidden layer",
                       continuous_update=False, style=STYLE)
    act = W.Dropdown(options=DEPTH_ACTIVATIONS, value=activation, description="hidden units")
    out = W.Output()

    def redraw(*_):
        show_figure(out, depth_figure(layers.value, wide.value, act.value, seed, epochs))

    for control in (layers, wide, act):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([layers, wide]), act, out])
