"""Chapter 7, backpropagation by hand: Kelleher's network trained from the lecture's weights.

* ``backprop_figure``: the SSE curve for a learning rate and activation, beside the lecture's run
* ``backprop_panel``: a learning-rate slider and an activation dropdown → that figure
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt

from .._validate import check_choice, check_int, check_real
from ..data import datasets
from ..train.fit import fit
from ..ui.panel import show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.curves import loss_curve

__all__ = ["PANEL_ACTIVATIONS", "STATIC_GRID", "backprop_figure", "backprop_panel"]


PANEL_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "linear")
# what the static site precomputes (the chapter's text names these values)
STATIC_GRID = {"activation": ("logistic", "tanh", "relu"), "lr": (0.05, 0.2, 1.0, 2.0, 5.0)}


@lru_cache(maxsize=256)
def _kelleher_run(activation, lr, epochs, tol):
    data = datasets.power_plant()
    net = datasets.kelleher_network(activation)
    return fit(net, data.X, data.T, lr=lr, epochs=epochs, tol=tol, reduction="sum")


def backprop_figure(lr=0.2, activation="logistic", epochs=10_000, tol=1e-4):
    """The SSE curve of Kelleher's network trained with (lr, activation), beside the lecture's run."""
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(activation, "activation", PANEL_ACTIVATIONS)
    epochs = check_int(epochs, "epochs", minimum=1)
    runs = {f"α = {lr:.3g}, {activation}": _kelleher_run(activation, round(lr, 6), epochs, tol)}
    if (activation, round(lr, 6)) != ("logistic", 0.2):
        runs["lecture: α = 0.2, logistic"] = _kelleher_run("logistic", 0.2, epochs, tol)
    h = next(iter(runs.values()))
    fig = loss_curve(runs, tol=tol, title=h.message, figsize=(6.4, 3.4))
    return fig, h


def backprop_panel(lr=0.2, activation="logistic", epochs=10_000, tol=1e-4):
    """Learning-rate slider and activation dropdown → SSE curve of Kelleher's network.

    The network starts from the lecture's weights every time, so each curve differs from
    the lecture's (drawn dashed for reference) only by the setting you changed. On the
    static site (``static_mode()``) the panel is a grid of precomputed frames instead.
    """
    plt.close(backprop_figure(lr, activation, epochs, tol)[0])  # validates, warms the cache
    if static_mode():
        grid = {name: list(values) for name, values in STATIC_GRID.items()}
        grid["activation"] = sorted(set(grid["activation"]) | {activation}, key=PANEL_ACTIVATIONS.index)
        grid["lr"] = sorted(set(grid["lr"]) | {lr})
        return frames_panel(
            lambda activation, lr: backprop_figure(lr, activation, epochs, tol)[0], grid,
            value={"activation": activation, "lr": lr}, labels={"lr": "learning rate α"},
            alt=lambda activation, lr: (f"SSE against epoch for Kelleher's network with {activation} "
                                        f"units trained at learning rate {lr:g}: "
                                        f"{_kelleher_run(activation, round(lr, 6), epochs, tol).message}"))
    lr_slider = W.FloatLogSlider(value=lr, base=10, min=-2, max=1, step=0.05,
                                 description="learning rate α", readout_format=".3g",
                                 continuous_update=False, style={"description_width": "initial"})
    act = W.Dropdown(options=PANEL_ACTIVATIONS, value=activation, description="activation")
    out = W.Output()

    def redraw(*_):
        fig, _h = backprop_figure(lr_slider.value, act.value, epochs, tol)
        show_figure(out, fig)

    lr_slider.observe(redraw, names="value")
    act.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([lr_slider, act]), out])
