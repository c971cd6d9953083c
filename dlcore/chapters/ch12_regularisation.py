"""Chapter 12, regularisation: early stopping (Kelleher et al., Algorithm 1) and inverted dropout
(Algorithm 2), each on a task that overfits.

* **Early stopping** uses a 1-D regression that a wide network overfits: 12 noisy samples of
  sin(3x) (``datasets.noisy_sine``) and a 1-40-40-1 tanh network. The network is trained once
  for the whole epoch budget, recording the validation loss after every epoch. Early stopping
  with patience p on the same run stops at a prefix of it, so ``algorithm1`` replays the
  stopping rule on the recorded curve and the patience slider redraws without retraining.
  ``fit(..., patience=p)`` gives the same epochs (the chapter and the tests check this).
* **Dropout** uses 200 of the 8x8 handwritten digits and a 64-30-10 ReLU/softmax network
  with inverted dropout of the same rate on the input and on the hidden layer, as in
  Algorithm 2. The slider's *rate* is the probability of dropping a unit, 1 − ρ in the
  lecture's notation, where ρ is the probability of keeping it. Each rate is trained once
  and cached, so revisiting a setting is instant.

Both panels lay their figure out once and redraw it while the slider is dragged
(``dlcore.ui.live``); the dropout panel trains every rate of its slider in the background
as soon as it appears. While the book is built (``dlcore.ui.static.static_mode()``) they
instead precompute a frame for each of a handful of patiences and for every rate the live
slider offers, with the slider linked to the frames in the browser, so they move on the
static site without a kernel.

The layer widths (40 and 30) keep every matrix product below about 5·10⁵ multiply-adds,
where OpenBLAS stays single-threaded: on a busy two-core machine its threaded products were
measured 10-100 times slower, which is the difference between a panel that answers at once
and one that takes seconds.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullLocator

from .._validate import check_int, check_real
from ..data import datasets
from ..nn.layers import Dense, Dropout
from ..nn.network import Network
from ..train.fit import fit
from ..train.stopping import algorithm1
from ..ui.live import Ahead, live_panel
from ..ui.static import frames_panel, static_mode
from ..viz.diagrams import thinned_network_diagram
from ..viz.render import BlitFigure
from ..viz.style import LINE_COLORS

__all__ = ["sine_task", "sine_network", "sine_run", "early_stopping_figure",
           "early_stopping_panel", "digits_task", "digits_network", "dropout_run",
           "dropout_figure", "dropout_panel", "SINE_FIT", "DIGITS_FIT", "EarlyStoppingFigure",
           "DropoutFigure", "FIGURE29_SIZES", "figure29_network", "figure29_masks", "figure29"]

TRAIN, VAL, BEST, TRUE = LINE_COLORS[0], LINE_COLORS[1], LINE_COLORS[2], "0.2"

# The overfitting regression: data, network and training settings.
SINE_DATA = dict(n_train=12, n_val=200, noise=0.3, rng=0)
SINE_FIT = dict(lr=0.1, momentum=0.9, epochs=1500, reduction="mean", rng=0)
GRID = np.linspace(-1.0, 1.0, 201)[:, None]
# The classification task for dropout.
DIGITS_TRAIN = 200
DIGITS_FIT = dict(lr=0.1, momentum=0.9, epochs=250, reduction="mean")
RATES = tuple(round(0.1 * i, 1) for i in range(8))   # 0.0 ... 0.7, the slider's values


def _log_axis(ax):
    """A log-scaled y axis with ticks at 1, 2 and 5 per decade, plain labels, no minor ticks
    (minor log tick labels are what makes a figure slow to lay out)."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_locator(NullLocator())


# ----------------------------------------------------------------------------- early stopping

def sine_task():
    """(X, T, X_val, T_val): 12 training and 200 validation samples of sin(3x) + N(0, 0.3²)."""
    return datasets.noisy_sine(**SINE_DATA)


def sine_network(width=40, depth=2, seed=0):
    """A wide tanh network for the 1-D task: 1 → depth × width (tanh) → 1 (linear), Xavier."""
    width = check_int(width, "width", minimum=1)
    depth = check_int(depth, "depth", minimum=1)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    layers, n_in = [], 1
    for _ in range(depth):
        layers.append(Dense(n_in, width, "tanh", init="xavier", rng=rng))
        n_in = width
    layers.append(Dense(n_in, 1, "linear", init="xavier", rng=rng))
    return Network(layers, loss="sse")


@lru_cache(maxsize=4)
def _sine_run(epochs):
    X, T, Xv, Tv = sine_task()
    net = sine_network()
    fits, best = {}, [np.inf]

    def keep_fit(epoch, network, history):
        # only epochs that set a new best validation loss can be restored by Algorithm 1
        if history.val_loss[-1] <= best[0] or epoch == epochs:
            best[0] = min(best[0], history.val_loss[-1])
            fits[epoch] = network.predict(GRID).ravel()

    history = fit(net, X, T, validation=(Xv, Tv), callback=keep_fit,
                  **{**SINE_FIT, "epochs": epochs})
    return {"history": history, "fits": fits, "data": (X, T, Xv, Tv), "epochs": epochs}


def sine_run(epochs=SINE_FIT["epochs"]):
    """The full-length training run of ``sine_network()`` on ``sine_task()`` (cached).

    Returns a dict: ``history`` (training and validation loss per epoch), ``fits`` (the
    network's predictions on a grid of 201 points in [−1, 1] at every epoch that set a new
    best validation loss, and at the last epoch), ``data`` and ``epochs``.
    """
    return _sine_run(check_int(epochs, "epochs", minimum=1))


class EarlyStoppingFigure(BlitFigure):
    """The recorded run with Algorithm 1's stop and restored epoch marked (left) and the fits
    they give (right); laid out once, a patience only moves what it changes."""

    def __init__(self, epochs=SINE_FIT["epochs"], pyplot=False, dpi=80):
        super().__init__((8.4, 4.6), dpi, pyplot=pyplot)
        self.run = sine_run(epochs)
        h, (X, T, Xv, Tv) = self.run["history"], self.run["data"]
        self.train, self.val = np.asarray(h.loss), np.asarray(h.val_loss)
        self.x = np.arange(len(self.val))
        ax, ax_fit = self.fig.subplots(1, 2, width_ratios=[1.3, 1])
        _log_axis(ax)
        ax.plot(self.x, self.train, color=TRAIN, lw=1.2, alpha=0.3)
        ax.plot(self.x, self.val, "--", color=VAL, lw=1.2, alpha=0.3)
        # a Rectangle in (data x, axes y): axvspan gives a Polygon before matplotlib 3.9
        self.span = self.dynamic(ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.get_xaxis_transform(),
                                                        color="0.85", alpha=0.6, lw=0)))
        self.train_line = self.dynamic(ax.plot([], [], color=TRAIN, lw=1.8)[0])
        self.val_line = self.dynamic(ax.plot([], [], "--", color=VAL, lw=1.8)[0])
        self.stop_line = self.dynamic(ax.axvline(0, color="0.3", ls=":", lw=1.2))
        self.star = self.dynamic(ax.plot([], [], "*", color=BEST, ms=14, mec="k", mew=0.6)[0])
        ax.set_xlim(0, len(self.val) - 1)
        ax.set_xlabel("epoch", fontsize=10)
        ax.set_ylabel("loss (½ mean squared error)", fontsize=10)
        ax.grid(True, alpha=0.3)
        grid = GRID.ravel()
        ax_fit.plot(Xv.ravel(), Tv.ravel(), ".", color="0.75", ms=3)
        ax_fit.plot(grid, np.sin(3 * grid), ":", color=TRUE, lw=1.3)
        ax_fit.plot(grid, self.run["fits"][len(self.val) - 1], "--", color=VAL, lw=1.5)
        self.fit_line = self.dynamic(ax_fit.plot(grid, grid, color=BEST, lw=2.2)[0])
        self.dots = self.dynamic(ax_fit.plot(X.ravel(), T.ravel(), "o", color="k", ms=5)[0])
        ax_fit.set_ylim(-2.3, 2.3)
        ax_fit.set_xlabel("x", fontsize=10)
        ax_fit.set_ylabel("t", fontsize=10)
        handles = [Line2D([], [], color=TRAIN, lw=1.8), Line2D([], [], ls="--", color=VAL, lw=1.8),
                   Line2D([], [], color=TRAIN, lw=1.2, alpha=0.3), Patch(color="0.85"),
                   Line2D([], [], color="0.3", ls=":", lw=1.2),
                   Line2D([], [], ls="", marker="*", color=BEST, ms=12, mec="k", mew=0.6),
                   Line2D([], [], ls="", marker=".", color="0.75"), Line2D([], [], ls=":", color=TRUE, lw=1.3),
                   Line2D([], [], ls="--", color=VAL, lw=1.5), Line2D([], [], color=BEST, lw=2.2),
                   Line2D([], [], ls="", marker="o", color="k", ms=5)]
        self.fig.legend(handles, ["training loss", "validation loss", "never trained (after the stop)",
                                  "patience window", "stop", "restored best epoch", "validation data",
                                  "sin(3x), the truth", f"after all {len(self.val) - 1} epochs", "restored network",
                                  "training data"],
                        loc="outside lower center", ncols=4, fontsize=9, frameon=False, columnspacing=1.2)
        self.titles = self.title_lines(ax, 2)

    def update(self, patience):
        """Show Algorithm 1 with ``patience`` on the recorded run."""
        patience = check_int(patience, "patience", minimum=1)
        stop, best = algorithm1(self.val, patience)
        end = len(self.val) - 1 if stop is None else stop
        self.train_line.set_data(self.x[:end + 1], self.train[:end + 1])
        self.val_line.set_data(self.x[:end + 1], self.val[:end + 1])
        self.span.set_x(best)
        self.span.set_width(end - best)
        self.stop_line.set_xdata([end, end])
        self.stop_line.set_visible(stop is not None)
        self.star.set_data([best], [self.val[best]])
        self.fit_line.set_ydata(self.run["fits"][best])
        status = (f"stopped at epoch {stop}" if stop is not None
                  else f"never ran out of patience in {len(self.val) - 1} epochs")
        self.titles[0].set_text(f"Early stopping, patience {patience}: {status},")
        self.titles[1].set_text(f"restored epoch {best} (validation loss {self.val[best]:.4f})")
        return self.fig


def early_stopping_figure(patience=100, epochs=SINE_FIT["epochs"]):
    """Loss curves with Algorithm 1's stop and restored epochs marked, and the fits they give."""
    patience = check_int(patience, "patience", minimum=1)
    figure = EarlyStoppingFigure(epochs, pyplot=True)
    figure.update(patience)
    return figure.settled()


def _early_stopping_alt(patience, epochs):
    val = sine_run(epochs)["history"].val_loss
    stop, best = algorithm1(val, patience)
    status = f"stops at epoch {stop}" if stop is not None else "never runs out of patience"
    return (f"Training and validation loss of the 1-40-40-1 tanh network on 12 noisy samples "
            f"of sin(3x): early stopping with patience {patience} {status} and restores "
            f"epoch {best} (validation loss {val[best]:.4f}); right, the restored fit")


def early_stopping_panel(patience=100, epochs=SINE_FIT["epochs"]):
    """A patience slider over ``early_stopping_figure``; redraws from the cached run."""
    patience = check_int(patience, "patience", minimum=1)
    figure = EarlyStoppingFigure(epochs)   # validates ``epochs`` and trains once, before any widget
    if static_mode():
        return frames_panel(figure.update, {"patience": sorted({10, 25, 50, 100, 150, 250, 400} | {patience})},
                            value={"patience": patience}, labels={"patience": "patience p"},
                            alt=lambda patience: _early_stopping_alt(patience, epochs))
    slider = W.IntSlider(value=patience, min=1, max=400, step=1, description="patience p",
                         style={"description_width": "initial"}, layout=W.Layout(width="420px"))
    return live_panel({"patience": slider}, figure, figure.update,
                      alt=lambda patience: _early_stopping_alt(patience, epochs))


# ------------------------------------------------------------------------------------ dropout

def digits_task(n_train=DIGITS_TRAIN, seed=0):
    """(X, T, X_val, T_val, y_val): the first ``n_train`` training digits and the validation split."""
    d = datasets.digits(seed=check_int(seed, "seed", minimum=0))
    n_train = check_int(n_train, "n_train", minimum=10)
    return d.X_train[:n_train], d.T_train[:n_train], d.X_val, d.T_val, d.y_val


def digits_network(rate, width=30, seed=0):
    """64 inputs → ``width`` ReLUs (He) → 10 softmax outputs (Xavier), cross-entropy, with
    ``Dropout(rate)`` on the input and on the hidden layer (none when rate is 0).

    ``rate`` is the drop probability 1 − ρ (Algorithm 2 keeps a unit with probability ρ).
    """
    rate = check_real(rate, "rate", low=0.0, high=1.0, high_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    layers = [Dropout(rate)] if rate > 0 else []
    layers.append(Dense(64, check_int(width, "width", minimum=1), "relu", init="he", rng=rng))
    if rate > 0:
        layers.append(Dropout(rate))
    layers.append(Dense(width, 10, "softmax", init="xavier", rng=rng))
    return Network(layers, loss="cross_entropy")


def _train_dropout(key):
    rate, epochs, seed = key
    X, T, Xv, Tv, yv = digits_task()
    net = digits_network(rate, seed=seed)
    history = fit(net, X, T, validation=(Xv, Tv), rng=seed + 1, **{**DIGITS_FIT, "epochs": epochs})
    accuracy = float(np.mean(net.predict(Xv).argmax(axis=1) == yv))
    return history, accuracy


_DROPOUT_RUNS = Ahead(_train_dropout)     # (rate, epochs, seed) -> (History, accuracy)


def dropout_run(rate, epochs=DIGITS_FIT["epochs"], seed=0):
    """Train ``digits_network(rate)`` (kept per setting); returns (history, validation accuracy).

    Every rate starts from the same initial weights (``seed``) and draws its masks from
    ``seed + 1``; ``history.loss`` is measured without dropout, as at inference.
    """
    rate = round(check_real(rate, "rate", low=0.0, high=1.0, high_open=True), 2)
    return _DROPOUT_RUNS.get((rate, check_int(epochs, "epochs", minimum=1), check_int(seed, "seed", minimum=0)))


class DropoutFigure(BlitFigure):
    """Training and validation loss for one dropout rate (colour) against the same network
    without dropout (grey), on axes fixed for every rate."""

    def __init__(self, epochs=DIGITS_FIT["epochs"], pyplot=False, dpi=80):
        super().__init__((8.4, 4.2), dpi, pyplot=pyplot)
        self.epochs = epochs
        ref, self.ref_accuracy = dropout_run(0.0, epochs)
        self.ref = ref
        ax = self.ax = self.fig.add_subplot()
        _log_axis(ax)
        ax.plot(ref.loss, color="0.45", lw=1.1, alpha=0.8)
        ax.plot(ref.val_loss, "--", color="0.45", lw=1.1, alpha=0.8)
        self.train = self.dynamic(ax.plot([], [], color=TRAIN, lw=1.8)[0])
        self.val = self.dynamic(ax.plot([], [], "--", color=VAL, lw=1.8)[0])
        low = min(np.min(ref.loss), np.min(ref.val_loss))
        ax.set_ylim(low / 1.5, 1.5 * max(ref.loss[0], ref.val_loss[0]))
        ax.set_xlim(0, epochs)
        ax.set_xlabel("epoch", fontsize=10)
        ax.set_ylabel("cross-entropy (mean over examples)", fontsize=10)
        ax.grid(True, alpha=0.3)
        handles = [Line2D([], [], color=TRAIN, lw=1.8), Line2D([], [], ls="--", color=VAL, lw=1.8),
                   Line2D([], [], color="0.45", lw=1.1), Line2D([], [], ls="--", color="0.45", lw=1.1)]
        ax.legend(handles, ["training, this rate", "validation, this rate", "training, no dropout",
                            "validation, no dropout"], loc="upper center", bbox_to_anchor=(0.5, -0.13),
                  ncols=4, fontsize=9, frameon=False, columnspacing=1.2)
        self.titles = self.title_lines(ax, 2)

    def update(self, rate):
        """Show the run with dropout ``rate`` (trained once, then kept)."""
        rate = round(check_real(rate, "rate", low=0.0, high=1.0, high_open=True), 2)
        h, acc = dropout_run(rate, self.epochs)
        self.train.set_data(np.arange(len(h.loss)), h.loss)
        self.val.set_data(np.arange(len(h.val_loss)), h.val_loss)
        self.titles[0].set_text(f"Dropout rate {rate:g} (keep probability ρ = {1 - rate:g}): validation "
                                f"accuracy {acc:.1%}, without dropout {self.ref_accuracy:.1%}")
        self.titles[1].set_text(f"loss after {len(h.loss) - 1} epochs: training {h.loss[-1]:.3f}, validation "
                                f"{h.val_loss[-1]:.3f} (without dropout {self.ref.loss[-1]:.3f} and "
                                f"{self.ref.val_loss[-1]:.3f})")
        return self.fig


def dropout_figure(rate=0.2, epochs=DIGITS_FIT["epochs"]):
    """Training and validation loss with dropout ``rate`` against the same network without it."""
    rate = check_real(rate, "rate", low=0.0, high=1.0, high_open=True)
    figure = DropoutFigure(check_int(epochs, "epochs", minimum=1), pyplot=True)
    figure.update(rate)
    return figure.settled()


def _dropout_alt(rate, epochs):
    h, acc = dropout_run(rate, epochs)
    return (f"Training and validation cross-entropy of the 64-30-10 digits network with "
            f"dropout rate {rate:g} (keep probability {1 - rate:g}) against no dropout: "
            f"after {len(h.loss) - 1} epochs training loss {h.loss[-1]:.3f}, validation "
            f"loss {h.val_loss[-1]:.3f}, validation accuracy {acc:.1%}")


def dropout_panel(rate=0.2, epochs=DIGITS_FIT["epochs"]):
    """A dropout-rate slider over ``dropout_figure``; each rate trains once, then is kept
    (all of the slider's rates are trained in the background when the panel appears)."""
    rate = check_real(rate, "rate", low=0.0, high=0.7)
    epochs = check_int(epochs, "epochs", minimum=1)
    figure = DropoutFigure(epochs)
    if static_mode():
        return frames_panel(figure.update, {"rate": sorted(set(RATES) | {round(rate, 2)})},
                            value={"rate": round(rate, 2)},
                            labels={"rate": "dropout rate (drop probability 1 − ρ)"},
                            alt=lambda rate: _dropout_alt(rate, epochs))
    slider = W.FloatSlider(value=rate, min=0.0, max=0.7, step=0.1, readout_format=".1f",
                           description="dropout rate (drop probability 1 − ρ)",
                           style={"description_width": "initial"})
    _DROPOUT_RUNS.plan([(r, epochs, 0) for r in sorted(RATES, key=lambda r: abs(r - rate))])
    return live_panel({"rate": slider}, figure, figure.update,
                      busy=lambda rate: None if _DROPOUT_RUNS.done((round(rate, 2), epochs, 0)) else
                      f"training with dropout rate {rate:.1f} (once; then it is kept) …",
                      alt=lambda rate: _dropout_alt(rate, epochs))


# ------------------------------------------------------------- Figure 29: thinned networks

FIGURE29_SIZES = (4, 5, 5, 2)     # inputs, two hidden layers, outputs: small enough to draw


def figure29_network(rate=0.5, seed=0):
    """A 4-5-5-2 network with ``Dropout(rate)`` after the input and after each hidden layer
    (Algorithm 2: "each input or hidden layer"). Its weights are drawn from U(0.5, 1.5) and
    its units are linear, so for positive inputs every kept unit is positive and every
    dropped one exactly 0: the trace of a training pass shows the masks."""
    rate = check_real(rate, "rate", low=0.0, high=1.0, low_open=True, high_open=True)
    rng = np.random.default_rng(check_int(seed, "seed", minimum=0))
    layers, sizes = [], FIGURE29_SIZES
    for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Dropout(rate))
        layers.append(Dense(n_in, n_out, "linear", rng=rng,
                            init=lambda n_in, n_out, rng: rng.uniform(0.5, 1.5, (n_out, n_in))))
    return Network(layers, loss="sse")


def figure29_masks(net, X, rng):
    """One training pass of ``figure29_network`` on positive inputs X (one row per example);
    returns (trace, masks) with masks[j] the list of 0/1 keep vectors of example j, one per
    layer of units (None for the output layer, which has no dropout)."""
    trace = net.forward(X, training=True, rng=rng)
    dropout_layers = [l for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Dropout)]
    masks = [[(trace.a[l][j] != 0).astype(int) for l in dropout_layers] + [None]
             for j in range(X.shape[0])]
    return trace, masks


def figure29(masks, *, title=None):
    """The full network beside the thinned network of each example (Kelleher et al., Figure 29)."""
    panels = [None] + list(masks)
    fig, axes = plt.subplots(1, len(panels), figsize=(2.6 * len(panels), 3.0), layout="constrained")
    for j, (ax, m) in enumerate(zip(np.atleast_1d(axes), panels)):
        kept = "" if m is None else f": {sum(int(v.sum()) for v in m[:-1])} of {sum(FIGURE29_SIZES[:-1])} kept"
        thinned_network_diagram(FIGURE29_SIZES, m, ax=ax,
                                title="the full network" if m is None else f"example {j}{kept}")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
