"""Chapter 9, ReLU networks and their variants: the ReLU family, dead units, PReLU's slopes.

* ``relu_family_figure``, ``subgradient_figure``, ``lambda_figure``
* ``sse_curves``, ``unit_activity``, ``activity_bars``, ``relu_training_figure``
* ``relu_network`` / ``relu_figure`` / ``relu_panel``: Kelleher's network with ReLU-type units,
  the learning rate as a slider, and how many neurons ended up dead
"""
from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .._validate import (
    as_float_array,
    check_choice,
    check_int,
    check_mapping,
    check_real,
)
from ..data import datasets
from ..nn import activations as _act
from ..nn.network import Network
from ..train.fit import fit
from ..train.stopping import History
from ..ui.live import Ahead, live_panel, log_slider, log_values
from ..ui.static import frames_panel, static_mode
from ..viz.diagrams import neuron_numbers
from ..viz.render import BlitFigure
from ..viz.style import LINE_COLORS, LINESTYLES, NEGATIVE, POSITIVE

__all__ = ["relu_family_figure", "subgradient_figure", "sse_curves", "unit_activity",
           "activity_bars", "relu_training_figure", "lambda_figure", "RELU_ACTIVATIONS",
           "relu_network", "relu_figure", "relu_panel"]


def relu_family_figure(alpha=0.1, lam=0.25, *, z_range=(-3.0, 3.0), figsize=(9.0, 3.4)):
    """ReLU, leaky ReLU (slope ``alpha``) and PReLU (slope ``lam``): values and derivatives.

    Kelleher eq. 42-48; the derivative panel marks the jump at z = 0 with open circles.
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    lam = check_real(lam, "lam")
    if not isinstance(z_range, (tuple, list)) or len(z_range) != 2:
        raise TypeError(f"z_range must be a pair (low, high), got {z_range!r}")
    lo, hi = (check_real(v, "z_range") for v in z_range)
    if not lo < 0 < hi:
        raise ValueError(f"z_range must contain 0 strictly inside, got {z_range}")
    z = np.linspace(lo, hi, 601)
    acts = {"ReLU": (_act.get("relu"), {}),
            f"leaky ReLU, α = {alpha:g}": (_act.get("leaky_relu", alpha=alpha), {}),
            f"PReLU, λ = {lam:g}": (_act.get("prelu"), {"lam": lam})}
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for i, (label, (f, kw)) in enumerate(acts.items()):
        style = dict(color=LINE_COLORS[i], ls=LINESTYLES[i], lw=2)
        ax0.plot(z, f(z, **kw), label=label, **style)
        for side in (z < 0, z > 0):
            ax1.plot(z[side], f.derivative(z[side], **kw), **style)
        ax1.plot([0, 0], [f.derivative(-1.0, **kw), 1.0], "o", mfc="white",
                 color=LINE_COLORS[i], ms=5)
    ax0.set_title("activation a = φ(z)")
    ax1.set_title("derivative ∂a/∂z (undefined at z = 0)")
    for ax in (ax0, ax1):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
    ax0.legend(frameon=False, fontsize=9)
    return fig


def subgradient_figure(slopes=(0.0, 0.25, 0.5, 0.75, 1.0), *, figsize=(5.2, 3.6)):
    """ReLU near its kink with one supporting line through the origin per slope in ``slopes``.

    Every slope g in [0, 1] gives a line g·z that stays below max(0, z): each is a
    subgradient at 0 (CMU lecture, slides 146-148).
    """
    slopes = as_float_array(slopes, "slopes", ndim=1)
    if np.any(slopes < 0) or np.any(slopes > 1):
        raise ValueError(f"slopes must lie in [0, 1] (the subgradients of ReLU at 0), got {slopes}")
    z = np.linspace(-1.5, 1.5, 301)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for g in slopes:
        ax.plot(z, g * z, color=NEGATIVE, lw=1, ls="--", alpha=0.8)
        ax.annotate(f"g = {g:g}", (1.5, 1.5 * g), textcoords="offset points", xytext=(3, 0),
                    va="center", fontsize=8, color=NEGATIVE)
    ax.plot(z, np.maximum(z, 0), color="black", lw=2.5, label="ReLU(z) = max(0, z)")
    ax.plot(0, 0, "o", color="black", ms=5)
    ax.set_xlim(-1.5, 2.05)
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlabel("z")
    ax.set_title("Lines g·z with 0 ≤ g ≤ 1 stay under ReLU")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, loc="upper left", fontsize=9)
    return fig


def _outcome(h):
    return {"converged": f"converged at epoch {h.epochs}", "diverged": f"diverged at epoch {h.epochs}",
            "early_stopped": f"stopped at epoch {h.epochs}"}.get(h.status, f"not converged in {h.epochs}")


def sse_curves(runs, ax=None, *, tol=None, title=None, figsize=(6.4, 3.6)):
    """Loss against epoch for several runs (``runs``: label → History), log scale.

    Like ``plots.loss_curve`` but each run's outcome goes into its legend entry instead of
    an annotation at the end of the curve, so runs that stop close together stay legible.
    """
    runs = check_mapping(runs, "runs")
    for label, h in runs.items():
        if not isinstance(h, History):
            raise TypeError(f"runs[{label!r}] must be a History from dlcore.fit, got {type(h).__name__}")
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    for i, (label, h) in enumerate(runs.items()):
        loss = np.asarray(h.loss, dtype=float)
        ok = np.isfinite(loss)
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax.plot(np.arange(len(loss))[ok], loss[ok], color=color, ls=LINESTYLES[i % len(LINESTYLES)],
                lw=2, label=f"{label}: {_outcome(h)}")
        if ok.any():
            last = np.flatnonzero(ok)[-1]
            ax.plot(last, loss[last], "o", color=color, ms=5)
    if tol is not None:
        ax.axhline(tol, color="0.5", lw=1, ls=":", label=f"tolerance {tol:g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("SSE")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize=8.5)
    if title:
        ax.set_title(title)
    return fig


def unit_activity(net, X):
    """For each hidden and output neuron, on how many rows of X its z is > 0.

    Returns a list, one integer array per layer (layers 1 … L). A neuron with count 0 is
    inactive on every example; for a ReLU that means a = 0 and a zero gradient everywhere
    ("dead" on this data).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a dlcore.Network, got {type(net).__name__}")
    trace = net.forward(X)
    return [np.count_nonzero(trace.z[l] > 0, axis=0) for l in range(1, len(net.layers) + 1)]


def activity_bars(net, X, ax=None, *, title=None, zero_label="dead", figsize=(4.2, 3.4)):
    """Bar per neuron (Kelleher numbering): how many examples make z > 0.

    Neurons with z ≤ 0 on every example are marked ``zero_label`` in vermilion ("dead" for
    ReLU units, whose gradient is then zero; "off" suits leaky and parametric units).
    """
    counts = unit_activity(net, X)
    names = [n for ids in neuron_numbers(net)[1:] for n in ids]
    values = np.concatenate(counts)
    n_examples = np.asarray(X).shape[0]
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    colors = [NEGATIVE if v == 0 else POSITIVE for v in values]
    ax.bar([str(n) for n in names], values, color=colors)
    for x, v in enumerate(values):
        ax.text(x, v + 0.05 * n_examples, zero_label if v == 0 else str(v), ha="center", fontsize=8,
                color=NEGATIVE if v == 0 else "black")
    ax.set_ylim(0, n_examples * 1.2)
    ax.set_xlabel("neuron")
    ax.set_ylabel("examples with z > 0")
    ax.set_title(title or f"z ≤ 0 on every example: {int(np.sum(values == 0))} neuron(s)",
                 fontsize=10)
    return fig


def relu_training_figure(histories, net, X, *, tol=1e-4, title=None, zero_label="dead",
                         figsize=(10.0, 3.8)):
    """SSE curves of one or more runs (left) and the unit activity of ``net`` (right)."""
    if not isinstance(histories, (History, Mapping)):
        raise TypeError(f"histories must be a History or a mapping of them, got "
                        f"{type(histories).__name__}")
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=figsize, layout="constrained",
                                   gridspec_kw={"width_ratios": [2.2, 1]})
    sse_curves(histories if isinstance(histories, Mapping) else {"run": histories}, ax=ax0,
               tol=tol, title=title)
    activity_bars(net, X, ax=ax1, zero_label=zero_label)
    return fig


def lambda_figure(lams, labels, *, figsize=(6.4, 3.4), title=None):
    """λ of each PReLU neuron against epoch (``lams``: array (epochs + 1, neurons))."""
    lams = as_float_array(lams, "lams", ndim=2)
    labels = [str(x) for x in labels]
    if len(labels) != lams.shape[1]:
        raise ValueError(f"labels must name each of the {lams.shape[1]} neurons, got {len(labels)}")
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for i, label in enumerate(labels):
        ax.plot(lams[:, i], color=LINE_COLORS[i % len(LINE_COLORS)],
                ls=LINESTYLES[i % len(LINESTYLES)], lw=2, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("λ")
    ax.grid(True, alpha=0.3)
    ax.set_title(title or "PReLU slopes λ during training")
    ax.legend(frameon=False, fontsize=9, ncol=2)
    return fig


RELU_ACTIVATIONS = ("relu", "leaky_relu", "prelu")


_DATA = datasets.power_plant()


def relu_network(activation="relu", alpha=0.01):
    """Kelleher's network with every neuron ``activation`` (leaky slope ``alpha``)."""
    check_choice(activation, "activation", RELU_ACTIVATIONS)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    if activation == "leaky_relu":
        return datasets.kelleher_network(_act.get("leaky_relu", alpha=alpha))
    return datasets.kelleher_network(activation)


def _train_relu(key):
    activation, alpha, lr, epochs, tol = key
    net = relu_network(activation, alpha)
    h = fit(net, _DATA.X, _DATA.T, lr=lr, epochs=epochs, tol=tol, reduction="sum", rng=0)
    return net, h, unit_activity(net, _DATA.X)


_RELU_RUNS = Ahead(_train_relu)     # (activation, α, lr, epochs, tol) -> (net, history, activity)


def _relu_key(lr, activation, alpha, epochs, tol):
    return (activation, round(alpha, 6) if activation == "leaky_relu" else 0.01, round(lr, 6), epochs, tol)


def _relu_run(activation, alpha, lr, epochs, tol):
    return _RELU_RUNS.get((activation, alpha, lr, epochs, tol))[:2]


class ReluFigure(BlitFigure):
    """SSE against epoch on fixed axes (this run, the lecture's ReLU run at α = 0.2, the
    tolerance) and, per neuron, on how many examples z > 0 after training."""

    def __init__(self, epochs=2000, tol=1e-4, pyplot=False, dpi=80):
        super().__init__((8.4, 4.0), dpi, pyplot=pyplot)
        ax0, ax1 = self.fig.subplots(1, 2, width_ratios=[2.2, 1])
        ax0.set_yscale("log")
        ax0.set(xlim=(0, epochs), ylim=(1e-5, 10.0))
        self.lecture = self.dynamic(ax0.plot([], [], "--", color="0.45", lw=1.8)[0])
        self.line = self.dynamic(ax0.plot([], [], color=LINE_COLORS[0], lw=2)[0])
        self.end = self.dynamic(ax0.plot([], [], "o", color=LINE_COLORS[0], ms=5)[0])
        if tol is not None:
            ax0.axhline(tol, color="0.5", lw=1, ls=":")
        ax0.set_xlabel("epoch")
        ax0.set_ylabel("SSE (log scale)")
        ax0.grid(True, alpha=0.3)
        handles = [Line2D([], [], color=LINE_COLORS[0], lw=2), Line2D([], [], ls="--", color="0.45", lw=1.8)]
        labels = ["this run", "lecture: lr = 0.2, ReLU"]
        if tol is not None:
            handles.append(Line2D([], [], ls=":", color="0.5", lw=1))
            labels.append(f"tolerance {tol:g}")
        ax0.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3, fontsize=9,
                   frameon=False)
        names = [n for ids in neuron_numbers(relu_network())[1:] for n in ids]
        n = _DATA.X.shape[0]
        x = np.arange(len(names))
        self.bars = [self.dynamic(b) for b in ax1.bar(x, np.zeros(x.size), color=POSITIVE)]
        self.counts = [self.dynamic(ax1.text(k, 0, "", ha="center", fontsize=9)) for k in x]
        ax1.set_xticks(x, [str(k) for k in names])
        ax1.set_ylim(0, n * 1.25)
        ax1.set_yticks(range(n + 1))
        ax1.set_xlabel("neuron")
        ax1.set_ylabel("examples with z > 0")
        self.titles = self.title_lines(ax0, 2) + self.title_lines(ax1, 1)
        self.epochs, self.tol, self.n = epochs, tol, n

    def update(self, lr=0.2, activation="relu", alpha=0.01):
        """Show the run of (lr, activation, α); returns ``(history, dead)``."""
        _, h, activity = _RELU_RUNS.get(_relu_key(lr, activation, alpha, self.epochs, self.tol))
        loss = np.asarray(h.loss, float)
        ok = np.flatnonzero(np.isfinite(loss))
        self.line.set_data(ok, np.clip(loss[ok], 1e-5, 10.0))
        self.end.set_data(ok[-1:], np.clip(loss[ok[-1:]], 1e-5, 10.0))
        lecture = (activation, round(lr, 6)) == ("relu", 0.2)
        if not lecture:
            ref = _RELU_RUNS.get(("relu", 0.01, 0.2, self.epochs, self.tol))[1].loss
            self.lecture.set_data(np.arange(len(ref)), ref)
        self.lecture.set_visible(not lecture)
        values = np.concatenate(activity)
        for bar, text, k, v in zip(self.bars, self.counts, range(values.size), values):
            bar.set_height(v)
            bar.set_color(NEGATIVE if v == 0 else POSITIVE)
            text.set_position((k, v + 0.05 * self.n))
            text.set_text(str(v))
            text.set_color(NEGATIVE if v == 0 else "black")
        dead = int(np.sum(values == 0))
        label = {"relu": "ReLU", "leaky_relu": f"leaky ReLU (α = {alpha:g})", "prelu": "PReLU"}[activation]
        what = "dead neuron(s)" if activation == "relu" else "neuron(s) off on every example (still learning)"
        self.titles[0].set_text(f"{label}, learning rate {lr:.3g}: {dead} {what}")
        self.titles[1].set_text(f"this run: {_outcome(h)}")
        self.titles[2].set_text(f"z ≤ 0 on all examples: {dead} (red)")
        return h, dead


def relu_figure(lr=0.2, activation="relu", alpha=0.01, epochs=2000, tol=1e-4):
    """SSE curve of Kelleher's network with (lr, activation), beside the lecture's ReLU run at
    α = 0.2, and a bar chart of how many examples switch each neuron on after training.

    Returns ``(fig, history, dead)`` where ``dead`` counts neurons with z ≤ 0 on all examples
    (dead for ReLU; leaky and parametric units still pass a gradient there).
    """
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(activation, "activation", RELU_ACTIVATIONS)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    epochs = check_int(epochs, "epochs", minimum=1)
    tol = check_real(tol, "tol", low=0.0, allow_none=True)
    figure = ReluFigure(epochs, tol, pyplot=True)
    h, dead = figure.update(lr, activation, alpha)
    return figure.settled(), h, dead


def relu_panel(lr=0.2, activation="relu", alpha=0.01, epochs=2000, tol=1e-4):
    """Learning-rate slider, activation dropdown and leaky slope α → ``relu_figure``; the
    learning rates of the slider are trained in the background when the panel appears."""
    plt.close(relu_figure(lr, activation, alpha, epochs, tol)[0])  # validates, warms the cache
    if static_mode():
        return _relu_frames(float(lr), activation, float(alpha), epochs, tol)
    figure = ReluFigure(epochs, tol)
    controls = {
        "lr": log_slider(lr, -2, 0.5, 0.05, description="learning rate", readout_format=".3g",
                         style={"description_width": "initial"}),
        "activation": W.Dropdown(options=RELU_ACTIVATIONS, value=activation, description="activation"),
        "alpha": W.FloatSlider(value=alpha, min=0.0, max=0.5, step=0.01, description="leaky α",
                               readout_format=".2f", disabled=activation != "leaky_relu")}

    def show(lr, activation, alpha):
        controls["alpha"].disabled = activation != "leaky_relu"
        figure.update(lr, activation, alpha)

    rates = log_values(lr, -2, 0.5, 0.05)                      # the slider's positions

    def ahead(*_):
        v = {k: w.value for k, w in controls.items()}
        order = sorted(rates, key=lambda r: abs(np.log10(r / v["lr"])))
        _RELU_RUNS.plan([_relu_key(r, v["activation"], v["alpha"], epochs, tol) for r in order])

    def busy(lr, activation, alpha):
        return None if _RELU_RUNS.done(_relu_key(lr, activation, alpha, epochs, tol)) else \
            "training this setting (once; then it is kept) …"

    box = live_panel(controls, figure, show, busy=busy,
                     alt=lambda lr, activation, alpha: _relu_alt(lr, activation, alpha, epochs, tol))
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box


def _relu_alt(lr, activation, alpha, epochs, tol):
    net, h = _relu_run(*_relu_key(lr, activation, alpha, epochs, tol))
    dead = sum(int(np.sum(c == 0)) for c in unit_activity(net, _DATA.X))
    return (f"SSE per epoch of Kelleher's network ({activation}) at learning rate {lr:g}: "
            f"{h.message}; {dead} neuron(s) switched off on every example after training")


def _relu_frames(lr, activation, alpha, epochs, tol):
    """Learning rates around the lecture's 0.2 × ReLU, leaky ReLU at two or three leaks, PReLU."""
    leaks = sorted({0.01, 0.3} | ({alpha} if activation == "leaky_relu" else set()))
    choices = {"ReLU": ("relu", alpha),
               **{f"leaky ReLU, α = {a:g}": ("leaky_relu", a) for a in leaks}, "PReLU": ("prelu", alpha)}
    start = next(k for k, (act, a) in choices.items() if act == activation
                 and (a == alpha or act != "leaky_relu"))

    figure = ReluFigure(epochs, tol)

    def frame(lr, units):
        figure.update(lr, *choices[units])
        return figure.fig

    return frames_panel(frame,
                        {"lr": sorted({0.2, 0.3, 0.45, 0.5} | {lr}), "units": list(choices)},
                        value={"lr": lr, "units": start},
                        labels={"lr": "learning rate", "units": "activation"},
                        alt=lambda lr, units: _relu_alt(lr, *choices[units], epochs, tol).replace(
                            f"({choices[units][0]})", f"({units})"))
