"""Chapter 7, backpropagation by hand: Kelleher's network trained from the lecture's weights.

* ``backprop_figure``: the SSE curve for a learning rate and activation, beside the lecture's run
* ``backprop_panel``: a learning-rate slider and an activation dropdown → that figure

The panel's figure is laid out once (fixed axes: epochs 0 … 10,000, SSE 10⁻⁵ … 10 on a log
scale) and redrawn by blitting while the slider is dragged. Every (activation, α) run is
trained once and kept: all 61 positions of the slider at once per activation
(``dlcore.train.rates.fit_rates``: ≈ 1.2 s, where one α alone takes ≈ 0.4 s), the first
activation's while the panel is made, the others' in the background, so within seconds
dragging and switching only redraw. A setting needed before its batch is done is trained
on its own, with a busy message.
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .._validate import check_choice, check_int, check_real
from ..data import datasets
from ..train.fit import fit
from ..train.rates import fit_rates
from ..ui.live import Ahead, live_panel, log_slider, log_values
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure
from ..viz.style import GREY, LINE_COLORS

__all__ = ["PANEL_ACTIVATIONS", "STATIC_GRID", "backprop_figure", "backprop_panel", "BackpropFigure"]

PANEL_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "linear")
# what the static site precomputes (the chapter's text names these values)
STATIC_GRID = {"activation": ("logistic", "tanh", "relu"), "lr": (0.05, 0.2, 1.0, 2.0, 5.0)}
LECTURE = ("logistic", 0.2)
SSE_RANGE = (1e-5, 10.0)


def _train(key):
    activation, lr, epochs, tol = key
    data = datasets.power_plant()
    net = datasets.kelleher_network(activation)
    return fit(net, data.X, data.T, lr=lr, epochs=epochs, tol=tol, reduction="sum")


_RUNS = Ahead(_train)      # (activation, α, epochs, tol) -> History, kept for the session
RATES = log_values(LECTURE[1], -2, 1, 0.05)    # the panel's α slider: 61 rates ≈ 0.01 … 10, 0.2 among them


def _train_rates(key):
    activation, epochs, tol = key
    data = datasets.power_plant()
    runs = fit_rates(datasets.kelleher_network(activation), data.X, data.T, RATES, epochs=epochs, tol=tol)
    return dict(zip(RATES, runs))


_BATCHES = Ahead(_train_rates, max_items=16)   # (activation, epochs, tol) -> {α: History}


def _in_batch(activation, lr, epochs, tol):
    return round(lr, 6) in RATES and _BATCHES.done((activation, epochs, tol))


def _kelleher_run(activation, lr, epochs, tol):
    """The History of (activation, α): from the slider's batch once trained, else on its own."""
    if _in_batch(activation, lr, epochs, tol):
        return _BATCHES.get((activation, epochs, tol))[round(lr, 6)]
    return _RUNS.get((activation, round(lr, 6), epochs, tol))


def _trained(activation, lr, epochs, tol):
    return _in_batch(activation, lr, epochs, tol) or _RUNS.done((activation, round(lr, 6), epochs, tol))


class BackpropFigure(BlitFigure):
    """SSE against epoch on fixed axes: the chosen run (blue), the lecture's run (grey,
    dashed), the tolerance (dotted) and the run's outcome as the title."""

    def __init__(self, epochs=10_000, tol=1e-4, dpi=80, pyplot=False):
        super().__init__((8.2, 3.5), dpi, pyplot=pyplot)
        ax = self.ax = self.fig.add_subplot()
        ax.set_yscale("log")
        ax.set_xlim(0, epochs)
        ax.set_ylim(*SSE_RANGE)
        ax.set_xlabel("epoch", fontsize=10)
        ax.set_ylabel("SSE (log scale)", fontsize=10)
        ax.tick_params(labelsize=9.5)
        ax.grid(True, alpha=0.3)
        ax.axhline(tol, color="0.45", lw=1, ls=":", label=f"tolerance {tol:g}")
        self.lecture = self.dynamic(ax.plot([], [], "--", color=GREY, lw=1.8,
                                            label="lecture: α = 0.2, logistic")[0])
        self.line = self.dynamic(ax.plot([], [], "-", color=LINE_COLORS[0], lw=2, label="this run")[0])
        self.end = self.dynamic(ax.plot([], [], "o", color=LINE_COLORS[0], ms=6)[0])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False)
        self.title = self.dynamic(ax.set_title(" ", fontsize=10, loc="left"))
        self.epochs, self.tol = epochs, tol

    def update(self, lr, activation):
        """Show the run of (``lr``, ``activation``); returns its History."""
        h = _kelleher_run(activation, lr, self.epochs, self.tol)
        y = np.asarray(h.loss, float)
        x = np.flatnonzero(np.isfinite(y))
        self.line.set_data(x, np.clip(y[x], *SSE_RANGE))
        self.end.set_data(x[-1:], np.clip(y[x[-1:]], *SSE_RANGE))
        same = (activation, round(lr, 6)) == LECTURE
        if not same:
            ref = np.asarray(_kelleher_run(*LECTURE, self.epochs, self.tol).loss, float)
            self.lecture.set_data(np.arange(ref.size), ref)
        self.lecture.set_visible(not same)
        self.title.set_text(f"α = {lr:.3g}, {activation}: {h.message}")
        return h


def backprop_figure(lr=0.2, activation="logistic", epochs=10_000, tol=1e-4):
    """``(figure, history)``: the SSE curve of Kelleher's network trained with (lr,
    activation) beside the lecture's run (a ``BackpropFigure``'s matplotlib Figure)."""
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(activation, "activation", PANEL_ACTIVATIONS)
    epochs = check_int(epochs, "epochs", minimum=1)
    figure = BackpropFigure(epochs, tol, pyplot=True)
    h = figure.update(lr, activation)
    return figure.settled(), h


def _alt(activation, lr, epochs, tol):
    return (f"SSE against epoch for Kelleher's network with {activation} units trained at learning "
            f"rate {lr:g}, beside the lecture's run: {_kelleher_run(activation, lr, epochs, tol).message}")


def backprop_panel(lr=0.2, activation="logistic", epochs=10_000, tol=1e-4):
    """Learning-rate slider and activation dropdown → SSE curve of Kelleher's network.

    The network starts from the lecture's weights every time, so each curve differs from
    the lecture's (drawn dashed for reference) only by the setting you changed. On the
    static site (``static_mode()``) the panel is a grid of precomputed frames instead.
    """
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(activation, "activation", PANEL_ACTIVATIONS)
    epochs = check_int(epochs, "epochs", minimum=1)
    figure = BackpropFigure(epochs, tol)
    if static_mode():
        grid = {name: list(values) for name, values in STATIC_GRID.items()}
        grid["activation"] = sorted(set(grid["activation"]) | {activation}, key=PANEL_ACTIVATIONS.index)
        grid["lr"] = sorted(set(grid["lr"]) | {lr})

        def frame(activation, lr):
            figure.update(lr, activation)
            return figure.fig

        return frames_panel(frame, grid, value={"activation": activation, "lr": lr},
                            labels={"lr": "learning rate α"},
                            alt=lambda activation, lr: _alt(activation, lr, epochs, tol))
    rate = log_slider(lr, -2, 1, 0.05, description="learning rate α", readout_format=".3g",
                      style={"description_width": "initial"})
    act = W.Dropdown(options=PANEL_ACTIVATIONS, value=activation, description="activation")

    def ahead(*_):   # every α of the slider, this activation's first
        _BATCHES.plan([(a, epochs, tol) for a in sorted(PANEL_ACTIVATIONS, key=lambda a: a != act.value)])

    def busy(lr, activation):
        return None if _trained(activation, lr, epochs, tol) else \
            f"training α = {lr:.3g}, {activation} (once; then it is kept) …"

    _BATCHES.get((activation, epochs, tol))   # every α of the first activation, here (≈ 1.2 s)
    box = live_panel({"lr": rate, "activation": act}, figure, figure.update, busy=busy,
                     alt=lambda lr, activation: _alt(activation, lr, epochs, tol))
    act.observe(ahead, names="value")
    ahead()
    return box
