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

Both panels draw their default setting when they are created (``show_figure``). While the
book is built (``dlcore.ui.static.static_mode()``) they instead precompute a frame for each of
a handful of patiences and for every rate the live slider offers, with the slider linked to
the frames in the browser, so they move on the static site without a kernel.

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
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullLocator

from .._validate import check_int, check_real
from ..data import datasets
from ..nn.layers import Dense, Dropout
from ..nn.network import Network
from ..train.fit import fit
from ..train.stopping import algorithm1
from ..ui.panel import slider_panel
from ..ui.static import frames_panel, static_mode
from ..viz.diagrams import thinned_network_diagram
from ..viz.style import LINE_COLORS

__all__ = ["sine_task", "sine_network", "sine_run", "early_stopping_figure",
           "early_stopping_panel", "digits_task", "digits_network", "dropout_run",
           "dropout_figure", "dropout_panel", "SINE_FIT", "DIGITS_FIT", "FIGURE29_SIZES",
           "figure29_network", "figure29_masks", "figure29"]

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


def early_stopping_figure(patience=100, epochs=SINE_FIT["epochs"]):
    """Loss curves with Algorithm 1's stop and restored epochs marked, and the fits they give."""
    patience = check_int(patience, "patience", minimum=1)
    run = sine_run(epochs)
    h, fits = run["history"], run["fits"]
    X, T, Xv, Tv = run["data"]
    train, val = np.asarray(h.loss), np.asarray(h.val_loss)
    stop, best = algorithm1(val, patience)
    end = len(val) - 1 if stop is None else stop
    epochs_axis = np.arange(len(val))

    fig, (ax, ax_fit) = plt.subplots(1, 2, figsize=(10.5, 4.0), width_ratios=[1.35, 1])
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.12, top=0.91, wspace=0.16)
    _log_axis(ax)
    ax.plot(epochs_axis[:end + 1], train[:end + 1], color=TRAIN, lw=1.8, label="training loss")
    ax.plot(epochs_axis[:end + 1], val[:end + 1], "--", color=VAL, lw=1.8, label="validation loss")
    ax.plot(epochs_axis[end:], train[end:], color=TRAIN, lw=1.2, alpha=0.3)
    ax.plot(epochs_axis[end:], val[end:], "--", color=VAL, lw=1.2, alpha=0.3,
            label="without early stopping")
    ax.axvspan(best, end, color="0.85", alpha=0.6, lw=0, label=f"patience window ({patience} epochs)")
    if stop is not None:
        ax.axvline(stop, color="0.3", ls=":", lw=1.2)
        ax.annotate(f"stop: epoch {stop}", (stop, 0.02), xycoords=("data", "axes fraction"),
                    ha="left", va="bottom", fontsize=8, xytext=(3, 0), textcoords="offset points")
    ax.plot(best, val[best], "*", color=BEST, ms=14, mec="k", mew=0.6,
            label=f"restored best: epoch {best}")
    ax.set_xlim(0, len(val) - 1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (½ mean squared error)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right", frameon=False)

    x = GRID.ravel()
    ax_fit.plot(Xv.ravel(), Tv.ravel(), ".", color="0.75", ms=3, label="validation data")
    ax_fit.plot(x, np.sin(3 * x), ":", color=TRUE, lw=1.3, label="sin(3x), the truth")
    ax_fit.plot(x, fits[len(val) - 1], "--", color=VAL, lw=1.5,
                label=f"after all {len(val) - 1} epochs")
    ax_fit.plot(x, fits[best], color=BEST, lw=2.2, label=f"restored (epoch {best})")
    ax_fit.plot(X.ravel(), T.ravel(), "o", color="k", ms=5, label="training data")
    ax_fit.set_ylim(-2.3, 2.3)
    ax_fit.set_xlabel("x")
    ax_fit.set_ylabel("t")
    ax_fit.legend(fontsize=7.5, loc="lower right", frameon=False, ncols=2)
    status = (f"stopped at epoch {stop}" if stop is not None
              else f"never ran out of patience in {len(val) - 1} epochs")
    ax.set_title(f"Early stopping, patience {patience}: {status}, restored epoch {best} "
                 f"(validation loss {val[best]:.4f})", fontsize=10, loc="left")
    return fig


def early_stopping_panel(patience=100, epochs=SINE_FIT["epochs"]):
    """A patience slider over ``early_stopping_figure``; redraws from the cached run."""
    patience = check_int(patience, "patience", minimum=1)
    sine_run(epochs)  # validates ``epochs`` and trains once, before any widget exists
    if static_mode():
        def alt(patience):
            val = sine_run(epochs)["history"].val_loss
            stop, best = algorithm1(val, patience)
            status = f"stops at epoch {stop}" if stop is not None else "never runs out of patience"
            return (f"Training and validation loss of the 1-40-40-1 tanh network on 12 noisy samples "
                    f"of sin(3x): early stopping with patience {patience} {status} and restores "
                    f"epoch {best} (validation loss {val[best]:.4f}); right, the restored fit")
        return frames_panel(lambda patience: early_stopping_figure(patience, epochs),
                            {"patience": sorted({10, 25, 50, 100, 150, 250, 400} | {patience})},
                            value={"patience": patience}, labels={"patience": "patience p"}, alt=alt)
    slider = W.IntSlider(value=patience, min=1, max=400, step=1, description="patience p",
                         continuous_update=False, style={"description_width": "initial"},
                         layout=W.Layout(width="420px"))
    return slider_panel(slider, lambda p: early_stopping_figure(p, epochs), dpi=90)


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


@lru_cache(maxsize=32)
def _dropout_run(rate, epochs, seed):
    X, T, Xv, Tv, yv = digits_task()
    net = digits_network(rate, seed=seed)
    history = fit(net, X, T, validation=(Xv, Tv), rng=seed + 1, **{**DIGITS_FIT, "epochs": epochs})
    accuracy = float(np.mean(net.predict(Xv).argmax(axis=1) == yv))
    return history, accuracy


def dropout_run(rate, epochs=DIGITS_FIT["epochs"], seed=0):
    """Train ``digits_network(rate)`` (cached per setting); returns (history, validation accuracy).

    Every rate starts from the same initial weights (``seed``) and draws its masks from
    ``seed + 1``; ``history.loss`` is measured without dropout, as at inference.
    """
    rate = round(check_real(rate, "rate", low=0.0, high=1.0, high_open=True), 2)
    return _dropout_run(rate, check_int(epochs, "epochs", minimum=1), check_int(seed, "seed", minimum=0))


def dropout_figure(rate=0.2, epochs=DIGITS_FIT["epochs"]):
    """Training and validation loss with dropout ``rate`` against the same network without it."""
    rate = round(check_real(rate, "rate", low=0.0, high=1.0, high_open=True), 2)
    runs = [(0.0, *dropout_run(0.0, epochs))]
    if rate > 0:
        runs.insert(0, (rate, *dropout_run(rate, epochs)))
    fig, ax = plt.subplots(figsize=(8.0, 4.0))
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.86)
    _log_axis(ax)
    for i, (r, h, acc) in enumerate(runs):
        color, width, alpha = (TRAIN, 1.8, 1.0) if i == 0 else ("0.45", 1.1, 0.8)
        name = f"rate {r:g}" if r > 0 else "no dropout"
        ax.plot(h.loss, color=color, lw=width, alpha=alpha, label=f"{name}: training")
        ax.plot(h.val_loss, "--", color=VAL if i == 0 else color, lw=width, alpha=alpha,
                label=f"{name}: validation (accuracy {acc:.1%})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy (mean over examples)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    h, ref = runs[0][1], runs[-1][1]
    summary = f"training {h.loss[-1]:.3f}, validation {h.val_loss[-1]:.3f}"
    if rate > 0:
        summary += f" (without dropout {ref.loss[-1]:.3f} and {ref.val_loss[-1]:.3f})"
    ax.set_title(f"Dropout rate {rate:g}, keep probability ρ = {1 - rate:g}\n"
                 f"loss after {len(h.loss) - 1} epochs: {summary}", fontsize=10, loc="left")
    return fig


def dropout_panel(rate=0.2, epochs=DIGITS_FIT["epochs"]):
    """A dropout-rate slider over ``dropout_figure``; each rate trains once, then is cached."""
    rate = check_real(rate, "rate", low=0.0, high=0.7)
    epochs = check_int(epochs, "epochs", minimum=1)
    if static_mode():
        def alt(rate):
            h, acc = dropout_run(rate, epochs)
            return (f"Training and validation cross-entropy of the 64-30-10 digits network with "
                    f"dropout rate {rate:g} (keep probability {1 - rate:g}) against no dropout: "
                    f"after {len(h.loss) - 1} epochs training loss {h.loss[-1]:.3f}, validation "
                    f"loss {h.val_loss[-1]:.3f}, validation accuracy {acc:.1%}")
        return frames_panel(lambda rate: dropout_figure(rate, epochs),
                            {"rate": sorted(set(RATES) | {round(rate, 2)})},
                            value={"rate": round(rate, 2)},
                            labels={"rate": "dropout rate (drop probability 1 − ρ)"}, alt=alt)
    slider = W.FloatSlider(value=rate, min=0.0, max=0.7, step=0.1, readout_format=".1f",
                           description="dropout rate (drop probability 1 − ρ)",
                           continuous_update=False, style={"description_width": "initial"},
                           layout=W.Layout(width="460px"))
    return slider_panel(slider, lambda r: dropout_figure(r, epochs), dpi=90)


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
