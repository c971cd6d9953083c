"""Chapter 5, loss functions: each loss and its gradient against the output, and a panel.

* ``loss_figure``: E(a) and ∂E/∂z for a target t, SSE beside cross-entropy (label smoothing optional)
* ``loss_panel``: target, loss and smoothing controls → that figure
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import as_float_array, check_choice, check_real
from ..nn import losses as _losses
from ..nn.activations import get as _get_activation
from ..ui.panel import STYLE, show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.style import LINE_COLORS, LINESTYLES

__all__ = ["LOSS_LABELS", "LOSS_CHOICES", "loss_figure", "loss_panel"]


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


def loss_figure(target=1.0, losses=("sse", "binary_cross_entropy"), *, smoothing=0.0,
                z_range=(-8.0, 8.0), title=None, figsize=(11.0, 3.4)):
    """Three panels for one output a = σ(z) and target t: E(a), ∂E/∂a and δ = ∂E/∂z.

    ``smoothing`` ε moves a 0/1 target inwards as label smoothing does for two classes
    (CMU lecture, slide 52, with K = 2): t' = (1 − 2ε) t + ε, so 1 → 1 − ε and 0 → ε.
    """
    t = check_real(target, "target", low=0.0, high=1.0)
    eps = check_real(smoothing, "smoothing", low=0.0, high=0.5, high_open=True)
    if isinstance(losses, str):
        losses = (losses,)
    losses = tuple(losses)
    for name in losses:
        if name not in LOSS_LABELS:
            raise ValueError(f"unknown loss {name!r}; expected some of {sorted(LOSS_LABELS)}")
    if not losses:
        raise ValueError("losses must name at least one loss")
    zr = as_float_array(z_range, "z_range", ndim=1)
    if zr.shape != (2,) or not zr[1] > zr[0]:
        raise ValueError(f"z_range must be (low, high) with low < high, got {zr.tolist()}")
    ts = (1 - 2 * eps) * t + eps
    a = np.linspace(0.002, 0.998, 499)
    z = np.linspace(zr[0], zr[1], 401)
    fig, axes = plt.subplots(1, 3, figsize=figsize, layout="constrained")
    lows, highs = [], []
    for i, name in enumerate(losses):
        E, dEda, delta = _loss_curves(name, ts, a, z)
        style = dict(color=LINE_COLORS[i], ls=LINESTYLES[i], lw=2, label=LOSS_LABELS[name])
        axes[0].plot(a, E, **style)
        axes[1].plot(a, dEda, **style)
        lows.append(dEda.min())
        highs.append(dEda.max())
        axes[2].plot(z, delta, **style)
    for ax in axes[:2]:
        ax.axvline(ts, color="0.5", ls=":", lw=1)
        ax.set_xlabel("prediction a")
        ax.set_xlim(0, 1)
    axes[0].set_ylim(0, min(4.0, axes[0].get_ylim()[1]))
    axes[0].set_ylabel("loss E")
    lo, hi = max(min(lows), -10.0), min(max(highs), 10.0)   # ±∞ at the ends: show ±10 at most
    pad = 0.05 * (hi - lo or 1.0)
    axes[1].set_ylim(lo - pad, hi + pad)
    axes[1].set_ylabel("∂E/∂a")
    axes[2].set_ylabel("δ = ∂E/∂z,  a = σ(z)")
    axes[2].set_xlabel("weighted sum z")
    z_t = np.log(ts / (1 - ts)) if 0 < ts < 1 else None
    if z_t is not None and zr[0] <= z_t <= zr[1]:
        axes[2].axvline(z_t, color="0.5", ls=":", lw=1)
    for ax in axes[1:]:
        ax.axhline(0, color="0.6", lw=0.8)
    for ax in axes:
        ax.grid(alpha=0.3)
    axes[0].legend(frameon=False, fontsize=9)
    shown = f"t = {t:g}" + (f", smoothed to t' = {ts:.3g}" if eps else "")
    fig.suptitle(title or f"Target {shown} (dotted line)", fontsize=11)
    return fig


LOSS_CHOICES = {"both": ("sse", "binary_cross_entropy"), "sse": ("sse",),
                "binary_cross_entropy": ("binary_cross_entropy",)}


def loss_panel(target=1.0, loss="both", smoothing=0.0):
    """Target, loss and label-smoothing controls → E(a), ∂E/∂a and δ = ∂E/∂z curves."""
    check_choice(loss, "loss", LOSS_CHOICES)
    if check_real(smoothing, "smoothing", low=0.0) > 0.45:
        raise ValueError(f"smoothing must be in [0, 0.45] for the panel, got {smoothing:g}")
    fig = loss_figure(target, LOSS_CHOICES[loss], smoothing=smoothing)  # validates target
    if static_mode():
        plt.close(fig)
        grid = {"target": sorted({0.0, 0.5, 1.0} | {float(target)}),
                "smoothing": sorted({0.0, 0.2} | {float(smoothing)})}
        return frames_panel(
            lambda target, smoothing: loss_figure(target, LOSS_CHOICES[loss], smoothing=smoothing),
            grid, value={"target": float(target), "smoothing": float(smoothing)},
            labels={"target": "target t", "smoothing": "label smoothing ε"},
            alt=lambda target, smoothing: (f"Loss, its derivative and delta for a logistic output "
                                           f"with target {target:g} and label smoothing {smoothing:g} "
                                           f"({', '.join(LOSS_CHOICES[loss])})"))
    t = W.FloatSlider(value=target, min=0.0, max=1.0, step=0.05, description="target t",
                      continuous_update=False, style=STYLE)
    choice = W.Dropdown(options=list(LOSS_CHOICES), value=loss, description="loss")
    eps = W.FloatSlider(value=smoothing, min=0.0, max=0.45, step=0.05,
                        description="label smoothing ε", continuous_update=False, style=STYLE)
    out = W.Output()

    def redraw(*_):
        show_figure(out, loss_figure(t.value, LOSS_CHOICES[choice.value], smoothing=eps.value))

    for control in (t, choice, eps):
        control.observe(redraw, names="value")
    show_figure(out, fig)
    return W.VBox([W.HBox([t, choice, eps]), out])
