"""Chapter 6's panels: the step size on a parabola, and one neuron's path on its loss contours.

Both figures are laid out once (fixed axes) and redrawn by blitting while a slider is
dragged (``dlcore.ui.live``); only the iterates, the curves that follow from them and the
titles change.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np
from matplotlib.lines import Line2D

from ..._validate import check_choice, check_int, check_real
from ...nn.layers import Dense
from ...nn.network import Network
from ...train import descent
from ...ui.live import live_panel, log_slider
from ...ui.panel import STYLE
from ...ui.static import frames_panel, static_mode
from ...viz.render import BlitFigure
from ...viz.style import LINE_COLORS, PALETTE

__all__ = ["BATCH_CHOICES", "StepSizeFigure", "DescentFigure", "step_size_figure", "step_size_panel",
           "descent_panel_figure", "descent_panel"]

BATCH_CHOICES = {"full batch": None, "mini-batches of 5": 5, "online (batch of 1)": 1}
COLOR = LINE_COLORS[0]


def _quadratic(curvature, x0):
    q = descent.Quadratic([check_real(curvature, "curvature", low=0.0, low_open=True)])
    x0 = check_real(x0, "x0")
    if x0 == 0:
        raise ValueError("x0 must not be 0, the minimum itself")
    return q, x0


class StepSizeFigure(BlitFigure):
    """Gradient descent on f(x) = ½ c x² from x0: the iterates on the curve (left) and
    f(x_k) − min f against the step k on a log scale (right), on axes fixed for every η."""

    def __init__(self, curvature=4.0, x0=1.0, steps=20, pyplot=False, dpi=80):
        super().__init__((8.4, 3.8), dpi, pyplot=pyplot)
        self.q, self.x0 = _quadratic(curvature, x0)
        self.steps = check_int(steps, "steps", minimum=1)
        self.reach = 1.6 * abs(self.x0)
        ax0, ax1 = self.fig.subplots(1, 2, width_ratios=[1.5, 1.1])
        xs = np.linspace(-self.reach, self.reach, 400)
        fx = self.q.value(xs[:, None])
        ax0.plot(xs, fx, color=PALETTE[0], lw=1.5)
        ax0.set(xlim=(-self.reach, self.reach), ylim=(-0.08 * fx.max(), 1.08 * fx.max()))
        ax0.set_xlabel("x")
        ax0.set_ylabel("f(x)")
        ax0.grid(alpha=0.3)
        self.zigzag = self.dynamic(ax0.plot([], [], "-", color=COLOR, lw=0.9, alpha=0.7)[0])
        self.dots = self.dynamic(ax0.plot([], [], "o", color=COLOR, ms=4)[0])
        self.start = self.dynamic(ax0.plot([], [], "o", color=COLOR, ms=9, mfc="white", mew=2)[0])
        self.gaps = self.dynamic(ax1.plot([], [], ".-", color=COLOR, lw=1.5)[0])
        top = 10 * self.q.value(np.array([[self.reach]]))[0]
        ax1.set_yscale("log")
        ax1.set(xlim=(-0.5, self.steps + 0.5), ylim=(1e-12, top))
        ax1.set_xlabel("step k")
        ax1.set_ylabel("f(x_k) − min f")
        ax1.grid(alpha=0.3)
        self.titles = self.title_lines(ax0, 2)

    def update(self, lr):
        """Show the iterates for step size ``lr``; returns the DescentPath."""
        path = descent.gradient_descent(self.q.value, self.q.grad, self.x0, lr, self.steps,
                                        max_norm=1e3 * abs(self.x0))
        x = path.points[:, 0]
        inside = np.isfinite(x) & (np.abs(x) <= self.reach)
        y = self.q.value(np.where(inside, x, 0.0)[:, None])
        self.zigzag.set_data(x[inside], y[inside])
        self.dots.set_data(x[inside], y[inside])
        self.start.set_data(x[:1], y[:1])
        gaps = np.maximum(self.q.value(path.points), 1e-12)      # exact zeros cannot be drawn
        ok = np.isfinite(gaps)
        self.gaps.set_data(np.arange(len(gaps))[ok], gaps[ok])
        c = self.q.curvatures[0]
        self.titles[0].set_text(f"η = {path.lr:.3g}: {descent.step_regime(path.lr, c)} "
                                f"(1/c = {1 / c:.3g}, 2/c = {2 / c:.3g})")
        self.titles[1].set_text(f"after {path.steps} steps x = {path.final[0]:.3g}")
        return path


def step_size_figure(lr=0.1, curvature=4.0, x0=1.0, steps=20):
    """Gradient descent on f(x) = ½ c x² from x0 with step η, titled with its regime."""
    figure = StepSizeFigure(curvature, x0, steps, pyplot=True)
    figure.update(lr)
    return figure.settled()


def step_size_panel(lr=0.1, curvature=4.0, x0=1.0, steps=20):
    """A step-size slider for gradient descent on a one-variable quadratic."""
    figure = StepSizeFigure(curvature, x0, steps)   # validates
    lr = check_real(lr, "lr", low=0.0, low_open=True)

    def alt(lr):
        return (f"Gradient descent on a parabola of curvature {curvature:g} with step size "
                f"{lr:g}: {descent.step_regime(lr, curvature)}")

    if static_mode():
        grid = sorted({float(f"{m / curvature:.4g}") for m in (0.2, 0.8, 1.0, 1.6, 2.0, 2.2)}
                      | {float(lr)})   # every regime: monotone … diverging
        def frame(lr):
            figure.update(lr)
            return figure.fig

        return frames_panel(frame, {"lr": grid}, value={"lr": float(lr)}, labels={"lr": "step size η"}, alt=alt)
    hi = max(3.0 / curvature, lr)  # up to 1.5 × the divergence threshold 2/c
    slider = W.FloatSlider(value=lr, min=0.01 * hi, max=hi, step=0.01 * hi, readout_format=".3f",
                           description="step size η", style=STYLE, layout=W.Layout(width="60%"))
    return live_panel({"lr": slider}, figure, figure.update, alt=alt)


def _fresh_neuron():
    return Network([Dense(1, 1, activation="linear", init="zeros")], loss="sse")


@lru_cache(maxsize=512)
def _run(batch_size, lr, momentum, epochs, seed):
    X, T = descent.line_data(20, rng=seed)
    path = descent.training_path(_fresh_neuron(), X, T, lr=lr, epochs=epochs,
                                 batch_size=batch_size, rng=seed, momentum=momentum,
                                 reduction="mean")
    return X, T, path


EXTENT = (-1.0, 3.0, -2.0, 1.5)


class DescentFigure(BlitFigure):
    """The (w, b) path of one linear neuron trained by ``fit`` on 20 noisy points of a line,
    on the contours of its mean loss (fixed for a seed)."""

    def __init__(self, seed=0, pyplot=False, dpi=80):
        super().__init__((6.6, 5.0), dpi, pyplot=pyplot)
        X, T = descent.line_data(20, rng=seed)
        ax = self.fig.add_subplot()
        gx, gy = np.meshgrid(np.linspace(*EXTENT[:2], 161), np.linspace(*EXTENT[2:], 161))
        F = descent.linear_sse(X, T, gx, gy, "mean")
        lo = F.min()
        lv = lo + np.geomspace(max((F.max() - lo) * 1e-4, 1e-9), F.max() - lo, 18)
        ax.contourf(gx, gy, F, levels=np.concatenate([[F.min()], lv]), cmap="Greys_r", alpha=0.35)
        ax.contour(gx, gy, F, levels=lv, colors="0.45", linewidths=0.6)
        best = descent.least_squares_line(X, T)
        self.path = self.dynamic(ax.plot([], [], color=COLOR, lw=1.6)[0])
        self.dots = self.dynamic(ax.plot([], [], ".", color=COLOR, ms=4)[0])
        self.start = self.dynamic(ax.plot([], [], "o", color=COLOR, ms=9, mfc="white", mew=2)[0])
        self.end = self.dynamic(ax.plot([], [], "X", color=COLOR, ms=9, mec="white", mew=0.8)[0])
        ax.plot(*best, "*", color=PALETTE[4], ms=15, mec="black", mew=0.8, zorder=5)
        ax.set(xlim=EXTENT[:2], ylim=EXTENT[2:], aspect="equal")
        ax.set_xlabel("weight w")
        ax.set_ylabel("bias b")
        handles = [Line2D([], [], color=COLOR, lw=1.6, marker=".", ms=4),
                   Line2D([], [], ls="", marker="o", color=COLOR, ms=9, mfc="white", mew=2),
                   Line2D([], [], ls="", marker="X", color=COLOR, ms=9, mec="white"),
                   Line2D([], [], ls="", marker="*", color=PALETTE[4], ms=14, mec="black")]
        ax.legend(handles, ["path of (w, b)", "start", "end", "least-squares line"], ncols=4, fontsize=9,
                  loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False, columnspacing=1.0)
        self.titles = self.title_lines(ax, 2)
        self.seed = seed

    def update(self, batch="mini-batches of 5", lr=0.3, momentum=0.0, epochs=10):
        check_choice(batch, "batch", BATCH_CHOICES)
        lr = check_real(lr, "lr", low=0.0, low_open=True)
        momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
        epochs = check_int(epochs, "epochs", minimum=1)
        _, _, path = _run(BATCH_CHOICES[batch], round(lr, 6), round(momentum, 6), epochs, self.seed)
        pts = path.points[np.all(np.isfinite(path.points), axis=1)]
        p = np.clip(pts, [EXTENT[0], EXTENT[2]], [EXTENT[1], EXTENT[3]])
        self.path.set_data(p[:, 0], p[:, 1])
        self.dots.set_data(p[:, 0], p[:, 1])
        self.start.set_data(p[:1, 0], p[:1, 1])
        self.end.set_data(p[-1:, 0], p[-1:, 1])
        h = path.history
        self.titles[0].set_text(f"{batch}, η = {lr:.3g}, μ = {momentum:g}: {path.updates} updates")
        self.titles[1].set_text(f"diverged at epoch {h.epochs}" if h.status == "diverged"
                                else f"mean SSE {h.final_loss:.4f} after {h.epochs} epochs")
        return self.fig


def descent_panel_figure(batch="mini-batches of 5", lr=0.3, momentum=0.0, epochs=10, seed=0):
    """The (w, b) path of one linear neuron trained by ``fit`` on 20 noisy points of a line
    (``descent.line_data(20, rng=seed)``), drawn on the contours of its loss. Gradients are
    averaged over each batch (``reduction="mean"``), so η is the step of every update."""
    figure = DescentFigure(check_int(seed, "seed", minimum=0), pyplot=True)
    figure.update(batch, lr, momentum, epochs)
    return figure.settled()


def descent_panel(batch="mini-batches of 5", lr=0.3, momentum=0.0, epochs=10, seed=0):
    """Batch size, step size and momentum controls → the weight path on the loss contours."""
    lr = check_real(lr, "lr", low=0.01, high=10 ** 0.5)         # the sliders' ranges
    momentum = check_real(momentum, "momentum", low=0.0, high=0.95)
    figure = DescentFigure(check_int(seed, "seed", minimum=0))
    figure.update(batch, lr, momentum, epochs)                   # validates the rest

    def alt(batch, lr, momentum):
        return (f"Path of (w, b) on the loss contours: {batch}, step size {lr:g}, "
                f"momentum {momentum:g}, {epochs} epochs")

    if static_mode():
        grid = {"batch": list(BATCH_CHOICES), "lr": sorted({0.3, 1.0, 2.0} | {lr})}
        return frames_panel(lambda batch, lr: figure.update(batch, lr, momentum, epochs), grid,
                            value={"batch": batch, "lr": lr}, labels={"batch": "updates", "lr": "step size η"},
                            alt=lambda batch, lr: alt(batch, lr, momentum))
    controls = {"batch": W.Dropdown(options=list(BATCH_CHOICES), value=batch, description="updates"),
                "lr": log_slider(lr, -2, 0.5, 0.05, readout_format=".3g", description="step size η", style=STYLE),
                "momentum": W.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05, description="momentum μ",
                                          style=STYLE)}
    return live_panel(controls, figure, lambda **v: figure.update(**v, epochs=epochs), alt=alt)
