"""Chapter 5, loss functions: each loss and its gradient against the output, and a panel.

* ``loss_figure``: E(a) and ∂E/∂z for a target t, SSE beside cross-entropy (label smoothing optional)
* ``loss_panel``: target, loss and smoothing controls → that figure
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .._validate import as_float_array, check_choice, check_real
from ..nn import losses as _losses
from ..nn.activations import get as _get_activation
from ..ui.live import live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure, LiveAxis
from ..viz.style import LINE_COLORS, LINESTYLES

__all__ = ["LOSS_LABELS", "LOSS_CHOICES", "loss_figure", "loss_panel", "LossFigure"]


LOSS_LABELS = {"sse": "SSE  ½(t − a)²", "binary_cross_entropy": "cross-entropy"}


_LOGISTIC = _get_activation("logistic")


def _loss_curves(name, t, a, z):
    """E(a), ∂E/∂a and δ = ∂E/∂z (logistic output) for one output and target t."""
    loss = _losses.get(name)
    A, T = a[:, None], np.full((a.size, 1), t)
    E = loss.per_example(A, T)
    dEda = loss.grad(A, T)[:, 0]
    Z = z[:, None]
    delta = loss.delta(_LOGISTIC(Z), np.full_like(Z, t), Z, _LOGISTIC)[:, 0]
    return E, dEda, delta


def _smoothed(target, smoothing):
    t = check_real(target, "target", low=0.0, high=1.0)
    eps = check_real(smoothing, "smoothing", low=0.0, high=0.5, high_open=True)
    return t, eps, (1 - 2 * eps) * t + eps


class LossFigure(BlitFigure):
    """E(a), ∂E/∂a and δ = ∂E/∂z for one output a = σ(z), laid out once for SSE and
    cross-entropy; ``update`` shows some of them for a target (and label smoothing)."""

    def __init__(self, z_range=(-8.0, 8.0), pyplot=False, dpi=80):
        super().__init__((8.4, 3.6), dpi, pyplot=pyplot)
        zr = as_float_array(z_range, "z_range", ndim=1)
        if zr.shape != (2,) or not zr[1] > zr[0]:
            raise ValueError(f"z_range must be (low, high) with low < high, got {zr.tolist()}")
        self.a, self.z = np.linspace(0.002, 0.998, 499), np.linspace(zr[0], zr[1], 401)
        axes = self.axes = self.fig.subplots(1, 3)
        self.curves = {name: [self.dynamic(ax.plot([], [], color=LINE_COLORS[i], ls=LINESTYLES[i], lw=2,
                                                   label=LOSS_LABELS[name])[0]) for ax in axes]
                       for i, name in enumerate(LOSS_LABELS)}
        self.targets = [self.dynamic(ax.axvline(0.5, color="0.5", ls=":", lw=1)) for ax in axes]
        for ax in axes[:2]:
            ax.set_xlabel("prediction a")
            ax.set_xlim(0, 1)
        axes[0].set_ylim(0, 4.0)
        axes[0].set_ylabel("loss E")
        axes[1].set_ylabel("∂E/∂a")
        axes[2].set(xlim=tuple(zr), ylim=(-1.05, 1.05))
        axes[2].set_ylabel("δ = ∂E/∂z,  a = σ(z)")
        axes[2].set_xlabel("weighted sum z")
        axes[2].axhline(0, color="0.6", lw=0.8)
        # ∂E/∂a's range follows the target: its ticks move as dynamic artists (LiveAxis), so
        # a new target redraws no static layer (each new range cost a 70-90 ms full draw)
        self.slope = LiveAxis(self, axes[1], "y", fontsize=10)
        self.zero = self.dynamic(axes[1].axhline(0.5, color="0.6", lw=0.8))
        for ax in axes:
            ax.grid(alpha=0.3, axis="both" if ax is not axes[1] else "x")
        axes[0].legend(frameon=False, fontsize=9)
        self.title = self.dynamic(self.fig.suptitle("Ag", fontsize=11))

    def update(self, target=1.0, losses=("sse", "binary_cross_entropy"), smoothing=0.0, title=None):
        t, eps, ts = _smoothed(target, smoothing)
        losses = (losses,) if isinstance(losses, str) else tuple(losses)
        for name in losses:
            if name not in LOSS_LABELS:
                raise ValueError(f"unknown loss {name!r}; expected some of {sorted(LOSS_LABELS)}")
        if not losses:
            raise ValueError("losses must name at least one loss")
        shown_curves = {name: _loss_curves(name, ts, self.a, self.z) for name in losses}
        lo = max(min(c[1].min() for c in shown_curves.values()), -10.0)   # ±∞ at the ends: ±10 at most
        hi = min(max(c[1].max() for c in shown_curves.values()), 10.0)
        pad = 0.05 * (hi - lo or 1.0)
        self.slope.set_limits(lo - pad, hi + pad)
        self.zero.set_ydata(self.slope.map([0.0, 0.0]))
        for name, lines in self.curves.items():
            for line in lines:
                line.set_visible(name in losses)
            if name in losses:
                E, dEda, delta = shown_curves[name]
                for line, x, y in zip(lines, (self.a, self.a, self.z), (E, self.slope.map(dEda), delta)):
                    line.set_data(x, y)
        z_t = np.log(ts / (1 - ts)) if 0 < ts < 1 else None
        for line, x in zip(self.targets, (ts, ts, z_t)):
            line.set_visible(x is not None and (line is not self.targets[2] or
                                                self.z[0] <= x <= self.z[-1]))
            if x is not None:
                line.set_xdata([x, x])
        shown = f"t = {t:g}" + (f", smoothed to t' = {ts:.3g}" if eps else "")
        self.title.set_text(title or f"Target {shown} (dotted line)")
        return self.fig


def loss_figure(target=1.0, losses=("sse", "binary_cross_entropy"), *, smoothing=0.0,
                z_range=(-8.0, 8.0), title=None):
    """Three panels for one output a = σ(z) and target t: E(a), ∂E/∂a and δ = ∂E/∂z.

    ``smoothing`` ε moves a 0/1 target inwards as label smoothing does for two classes
    (CMU lecture, slide 52, with K = 2): t' = (1 − 2ε) t + ε, so 1 → 1 − ε and 0 → ε.
    """
    figure = LossFigure(z_range, pyplot=True)
    figure.update(target, losses, smoothing, title)
    return figure.settled()


LOSS_CHOICES = {"both": ("sse", "binary_cross_entropy"), "sse": ("sse",),
                "binary_cross_entropy": ("binary_cross_entropy",)}


def loss_panel(target=1.0, loss="both", smoothing=0.0):
    """Target, loss and label-smoothing controls → E(a), ∂E/∂a and δ = ∂E/∂z curves."""
    check_choice(loss, "loss", LOSS_CHOICES)
    if check_real(smoothing, "smoothing", low=0.0) > 0.45:
        raise ValueError(f"smoothing must be in [0, 0.45] for the panel, got {smoothing:g}")
    figure = LossFigure()
    figure.update(target, LOSS_CHOICES[loss], smoothing)         # validates target

    def alt(target, smoothing, loss=loss):
        return (f"Loss, its derivative and delta for a logistic output with target {target:g} and "
                f"label smoothing {smoothing:g} ({', '.join(LOSS_CHOICES[loss])})")

    if static_mode():
        grid = {"target": sorted({0.0, 0.5, 1.0} | {float(target)}),
                "smoothing": sorted({0.0, 0.2} | {float(smoothing)})}
        return frames_panel(lambda target, smoothing: figure.update(target, LOSS_CHOICES[loss], smoothing),
                            grid, value={"target": float(target), "smoothing": float(smoothing)},
                            labels={"target": "target t", "smoothing": "label smoothing ε"}, alt=alt)
    controls = {"target": W.FloatSlider(value=target, min=0.0, max=1.0, step=0.05, description="target t",
                                        style=STYLE),
                "loss": W.Dropdown(options=list(LOSS_CHOICES), value=loss, description="loss"),
                "smoothing": W.FloatSlider(value=smoothing, min=0.0, max=0.45, step=0.05,
                                           description="label smoothing ε", style=STYLE)}
    return live_panel(controls, figure,
                      lambda target, loss, smoothing: figure.update(target, LOSS_CHOICES[loss], smoothing),
                      alt=lambda target, loss, smoothing: alt(target, smoothing, loss))
