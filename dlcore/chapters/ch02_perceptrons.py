"""Chapter 2, perceptrons and linear separability: the perceptron's boundary and errors.

* ``perceptron_plot``: a perceptron after some epoch, its boundary, weight vector and errors
* ``perceptron_run`` / ``perceptron_panel``: step through the epochs of the perceptron rule
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np
from matplotlib.lines import Line2D

from .._validate import check_choice, check_int, check_interval, check_real
from ..nn import perceptron as _perceptron
from ..ui.live import live_panel
from ..ui.static import frames_panel, static_mode
from ..viz.regions import CLASS_COLORS, ERROR_COLOR, class_boundary, class_map
from ..viz.render import BlitFigure
from ..viz.style import LINE_COLORS, PALETTE

__all__ = ["perceptron_plot", "perceptron_run", "perceptron_panel", "PerceptronFigure"]


def _check_history(history):
    if not isinstance(history, _perceptron.PerceptronHistory):
        raise TypeError(f"history must be a PerceptronHistory from dlcore.nn.perceptron.train, "
                        f"got {type(history).__name__}")
    if history.X.shape[1] != 2:
        raise ValueError(f"perceptron_plot draws two-input perceptrons; this one has {history.X.shape[1]}")
    return history


class PerceptronFigure(BlitFigure):
    """A perceptron after some epoch (left: the half-plane where it outputs 1, its boundary
    w_0 + w_1 x_1 + w_2 x_2 = 0, the weight vector (w_1, w_2) and a ring around every
    misclassified point) and the errors per epoch (right); laid out once for runs of
    ``epochs`` epochs on four points."""

    def __init__(self, epochs, lim=(-0.5, 1.5), pyplot=False, dpi=80):
        super().__init__((8.4, 4.3), dpi, pyplot=pyplot)
        self.lim = check_interval(lim, "lim")
        ax, ax2 = self.fig.subplots(1, 2, width_ratios=[1.0, 1.25])
        self.tint, self.line, self.grid = class_map(ax, self.lim, self.lim, resolution=121)
        self.dynamic(self.tint)
        self.dynamic(self.line)
        self.arrow = self.dynamic(ax.annotate("", xy=(1, 1), xytext=(0, 0),
                                              arrowprops=dict(arrowstyle="->", color=PALETTE[0], lw=1.5)))
        self.arrow_label = self.dynamic(ax.text(0, 0, "(w₁, w₂)", fontsize=9, ha="left", va="bottom"))
        self.points = {c: self.dynamic(ax.scatter([], [], s=90, marker=m, color=CLASS_COLORS[c], edgecolor="black",
                                                  linewidth=0.7, zorder=4)) for c, m in ((0, "o"), (1, "s"))}
        self.rings = self.dynamic(ax.scatter([], [], s=400, facecolor="none", edgecolor=ERROR_COLOR,
                                             linewidth=2.2, zorder=5))
        ax.set(xlim=self.lim, ylim=self.lim, aspect="equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        handles = [Line2D([], [], ls="", marker="o", color=CLASS_COLORS[0], mec="black", ms=8),
                   Line2D([], [], ls="", marker="s", color=CLASS_COLORS[1], mec="black", ms=8),
                   Line2D([], [], ls="", marker="o", mfc="none", mec=ERROR_COLOR, mew=2, ms=12)]
        ax.legend(handles, ["class 0", "class 1", "misclassified"], frameon=False, fontsize=9,
                  loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, handletextpad=0.2, columnspacing=0.8)
        self.steps = self.dynamic(ax2.step([], [], where="post", color=LINE_COLORS[0], lw=2)[0])
        self.marker = self.dynamic(ax2.plot([], [], "o", color=ERROR_COLOR, ms=8, zorder=5)[0])
        self.vline = self.dynamic(ax2.axvline(0, color=ERROR_COLOR, lw=1, ls=":"))
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("misclassified examples")
        ax2.set_ylim(-0.2, 4.2)
        ax2.set_yticks(range(5))
        ax2.set_xlim(-0.5, max(epochs, 1) + 0.5)
        ax2.grid(True, alpha=0.3)
        self.titles = self.title_lines(ax, 2) + self.title_lines(ax2, 1)
        self.ax = ax

    def update(self, history, epoch=None):
        """Show ``history`` (a PerceptronHistory) after ``epoch`` (default: the last)."""
        history = _check_history(history)
        epoch = history.epochs if epoch is None else check_int(epoch, "epoch", minimum=0)
        if epoch > history.epochs:
            raise ValueError(f"epoch must be at most {history.epochs} (the run's last epoch), got {epoch}")
        w = history.weights[epoch]
        z = w[0] + self.grid @ w[1:]
        n = int(round(np.sqrt(z.size)))
        self.tint.set_data((z > 0).reshape(n, n).astype(float))
        self.line.set_segments(class_boundary(z.reshape(n, n), self.lim, self.lim, level=0.0)
                               if z.min() < 0 < z.max() else [])
        self._weight_arrow(w)
        wrong = history.misclassified(epoch)
        for c, dots in self.points.items():
            dots.set_offsets(history.X[history.y == c])
        self.rings.set_offsets(history.X[wrong] if wrong.any() else np.empty((0, 2)))
        epochs = np.arange(history.epochs + 1)
        self.steps.set_data(epochs, history.errors)
        self.marker.set_data([epoch], [history.errors[epoch]])
        self.vline.set_xdata([epoch, epoch])
        state = (f"converged at epoch {history.converged_at}" if history.converged
                 else f"no zero-error epoch in {history.epochs}")
        self.titles[0].set_text(f"epoch {epoch}: w = ({w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f})")
        self.titles[1].set_text(f"{int(wrong.sum())} misclassified")
        self.titles[2].set_text(f"{history.rule} rule, η = {history.lr:g}: {state}")
        return self.fig

    def _weight_arrow(self, w):
        """(w_1, w_2) drawn from the boundary point nearest the data's centre, when it fits."""
        norm2 = w[1] ** 2 + w[2] ** 2
        shown = False
        if norm2 > 0:
            centre = np.array([0.5, 0.5])
            foot = centre - (w[0] + w[1:] @ centre) / norm2 * w[1:]
            tip = foot + 0.3 / np.sqrt(norm2) * w[1:]
            ends = np.c_[foot, tip]
            shown = bool(np.all((self.lim[0] <= ends) & (ends <= self.lim[1])))
            if shown:
                self.arrow.xy, self.arrow.xyann = tuple(tip), tuple(foot)
                mid = (self.lim[0] + self.lim[1]) / 2     # the label on the side of the tip facing inwards
                right, top = tip[0] > mid, tip[1] > mid
                self.arrow_label.set_position(tip + np.array([-0.03 if right else 0.03, -0.03 if top else 0.03]))
                self.arrow_label.set_horizontalalignment("right" if right else "left")
                self.arrow_label.set_verticalalignment("top" if top else "bottom")
        self.arrow.set_visible(shown)
        self.arrow_label.set_visible(shown)


def perceptron_plot(history, epoch=None, *, lim=(-0.5, 1.5)):
    """A perceptron after ``epoch`` epochs (default: the last): boundary and errors (a
    ``PerceptronFigure``'s matplotlib Figure)."""
    history = _check_history(history)
    figure = PerceptronFigure(history.epochs, lim, pyplot=True)
    figure.update(history, epoch)
    return figure.settled()


@lru_cache(maxsize=128)
def _cached_run(gate, rule, lr, epochs, seed):
    X, y = _perceptron.truth_table(gate)
    return _perceptron.train(X, y, lr=lr, epochs=epochs, rule=rule, rng=seed, stop=False)


def perceptron_run(gate="xor", rule="online", lr=0.1, epochs=30, seed=0):
    """The perceptron rule on a two-input gate for all ``epochs`` epochs (cached).

    Runs do not stop at convergence (``stop=False``): once every example is right the
    weights simply stop changing, so every epoch up to ``epochs`` can be shown.
    """
    gate = check_choice(gate, "gate", _perceptron.GATES)
    check_choice(rule, "rule", ("online", "batch"))
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    return _cached_run(gate, rule, round(lr, 6), epochs, seed)


def perceptron_panel(gate="xor", rule="online", lr=0.1, epochs=30, seed=0, epoch=None):
    """Gate, rule and seed controls and an epoch slider → the perceptron after that epoch.

    The figure shows the weights, the decision boundary, the misclassified points (ringed)
    and the errors per epoch. ``epoch`` defaults to the first zero-error epoch, or the last.
    """
    h = perceptron_run(gate, rule, lr, epochs, seed)
    if epoch is None:
        epoch = h.converged_at if h.converged else h.epochs
    epoch = check_int(epoch, "epoch", minimum=0)
    if epoch > h.epochs:
        raise ValueError(f"epoch must be at most epochs ({h.epochs}), got {epoch}")
    figure = PerceptronFigure(h.epochs)

    def show(gate, epoch, rule=rule, seed=seed):
        return figure.update(perceptron_run(gate, rule, lr, epochs, seed), epoch)

    def alt(gate, epoch, rule=rule, seed=seed):
        run = perceptron_run(gate, rule, lr, epochs, seed)
        return f"The perceptron rule on {gate.upper()} after epoch {epoch}: {int(run.errors[epoch])} misclassified"

    if static_mode():
        gates = sorted({"and", "xor", gate}, key=_perceptron.GATES.index)
        shown = min(h.epochs, max(8, epoch))
        return frames_panel(show, {"gate": gates, "epoch": list(range(shown + 1))},
                            value={"gate": gate, "epoch": min(epoch, shown)}, alt=alt)
    controls = {
        "gate": W.Dropdown(options=[(x.upper(), x) for x in _perceptron.GATES], value=gate.lower(),
                           description="gate"),
        "seed": W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", layout=W.Layout(width="160px")),
        "rule": W.ToggleButtons(options=["online", "batch"], value=rule, description="rule",
                                style={"button_width": "70px"}),
        "epoch": W.IntSlider(value=epoch, min=0, max=h.epochs, step=1, description="epoch",
                             layout=W.Layout(width="480px")),
    }
    return live_panel(controls, figure, show, alt=alt)
