"""Figures for chapters 14-16: images, filters and feature maps; gradients through time.

Pure functions from arrays to a matplotlib ``Figure`` (the panels in
``dlcore.widgets_sequences`` call them). Colours follow ``dlcore.plots``: Okabe-Ito lines,
grey scale for images, a blue-white-red diverging map for signed values.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from .activations import get as _get_activation
from .conv import correlate2d, pair
from .plots import LINE_COLORS, LINESTYLES

__all__ = ["image_grid", "receptive_field_figure", "gradient_norm_plot", "unrolled_rnn_figure"]

FIELD = "#E69F00"     # orange outline: the receptive field and the value it produces


def _as_image(a, name):
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (height, width), got shape {arr.shape}")
    return arr


def _annotate(ax, img, fmt, vmax):
    if img.size > 100:
        return
    for (r, c), v in np.ndenumerate(img):
        dark = abs(v) > 0.55 * vmax if vmax else False
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")


def _show(ax, img, title, values, diverging, fmt):
    if diverging:
        lim = float(np.max(np.abs(img))) or 1.0
        ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
    else:
        lim = float(np.max(np.abs(img))) or 1.0
        ax.imshow(img, cmap="gray_r", vmin=min(0.0, float(img.min())), vmax=lim)
    if values:
        _annotate(ax, img, fmt, lim)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def image_grid(images, titles=None, ncols=None, *, values=False, diverging=False, fmt="{:g}",
               suptitle=None, panel_size=1.8):
    """Show a list of 2-D arrays side by side (digits, filters, feature maps).

    ``values=True`` writes each pixel's value on it (for arrays of up to 100 pixels);
    ``diverging=True`` colours signed values blue (negative) to red (positive) around 0.
    """
    images = [_as_image(im, f"images[{i}]") for i, im in enumerate(images)]
    if not images:
        raise ValueError("images must hold at least one 2-D array")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must name each of the {len(images)} images, got {len(titles)}")
    ncols = min(len(images), ncols or 8)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows + 0.4),
                             squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.flat):
        if k < len(images):
            _show(ax, images[k], titles[k] if titles else None, values, diverging, fmt)
        else:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig


def receptive_field_figure(image, kernel, stride=1, padding=0, position=(0, 0), *,
                           activation="relu", title=None):
    """The input (zero padding shaded), the kernel and the feature map it produces.

    The window that produces output ``position`` = (i, j) is outlined on the input and
    the output value it produces is outlined on the feature map.
    """
    x, w = _as_image(image, "image"), _as_image(kernel, "kernel")
    (sh, sw), (ph, pw) = pair(stride, "stride", 1), pair(padding, "padding", 0)
    phi = _get_activation(activation)
    fmap = phi(correlate2d(x, w, (sh, sw), (ph, pw)))
    i, j = position
    if not (0 <= i < fmap.shape[0] and 0 <= j < fmap.shape[1]):
        raise ValueError(f"position must index the {fmap.shape} feature map, got {position}")
    xp = np.pad(x, ((ph, ph), (pw, pw)))
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.6), layout="constrained",
                             gridspec_kw={"width_ratios": [xp.shape[1], max(w.shape[1], 3),
                                                           max(fmap.shape[1], 3)]})
    ax = axes[0]
    vmax = float(np.max(np.abs(xp))) or 1.0
    ax.imshow(xp, cmap="gray_r", vmin=0, vmax=vmax)
    if ph or pw:   # shade the padding ring
        mask = np.ones_like(xp, dtype=bool)
        mask[ph:ph + x.shape[0], pw:pw + x.shape[1]] = False
        ax.imshow(np.where(mask, 1.0, np.nan), cmap="Blues", vmin=0, vmax=4, alpha=0.6)
    _annotate(ax, xp, "{:g}", vmax)
    ax.add_patch(Rectangle((j * sw - 0.5, i * sh - 0.5), w.shape[1], w.shape[0], fill=False,
                           ec=FIELD, lw=3))
    ax.set_title(f"input {x.shape[0]}×{x.shape[1]}" + (f", padding {padding}" if ph or pw else ""),
                 fontsize=9)
    _show(axes[1], w, f"kernel {w.shape[0]}×{w.shape[1]}", True, True, "{:g}")
    _show(axes[2], fmap, f"feature map {fmap.shape[0]}×{fmap.shape[1]} (stride {stride})",
          True, False, "{:g}")
    axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=FIELD, lw=3))
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or f"{activation}(window · kernel) at output ({i}, {j}) = {fmap[i, j]:g}",
                 fontsize=10)
    return fig


def gradient_norm_plot(curves, *, reference=None, title=None, ylabel=r"$\|\partial E/\partial h_t\|$",
                       ax=None, figsize=(6.4, 3.6)):
    """‖∂E/∂h_t‖ against the time step t = 1 … T on a log scale, one line per model.

    ``curves`` maps a label to an array of T norms; ``reference`` maps labels to arrays
    drawn as thin dotted lines (for example the prediction ρ^(T−t)).
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping label -> array of norms")
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    for k, (label, norms) in enumerate(curves.items()):
        norms = np.asarray(norms, dtype=float)
        if norms.ndim != 1:
            raise ValueError(f"curves[{label!r}] must be a 1-D array of norms, got shape {norms.shape}")
        t = np.arange(1, norms.size + 1)
        ax.plot(t, np.where(norms > 0, norms, np.nan), color=LINE_COLORS[k % len(LINE_COLORS)],
                ls=LINESTYLES[k % len(LINESTYLES)], lw=2, marker="o", ms=3, label=label)
    for label, ref in (reference or {}).items():
        ref = np.asarray(ref, dtype=float)
        ax.plot(np.arange(1, ref.size + 1), ref, color="0.45", ls=":", lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("time step t (the loss is measured after the last step)")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def unrolled_rnn_figure(T=3, x=None, h=None, y=None, *, title=None):
    """A simple RNN unrolled through T steps (Kelleher's Figure 38), optionally with values.

    ``x``, ``h`` and ``y`` are lists of T short strings (or numbers) written under x_t,
    in h_t and above y_t.
    """
    T = int(T)
    if not 1 <= T <= 8:
        raise ValueError(f"T must be between 1 and 8 steps to draw, got {T}")
    fig, ax = plt.subplots(figsize=(2.3 * T + 1.6, 3.6), layout="constrained")

    def box(cx, cy, text, fc):
        ax.add_patch(Rectangle((cx - 0.45, cy - 0.3), 0.9, 0.6, fc=fc, ec="black", lw=1.2))
        ax.text(cx, cy, text, ha="center", va="center", fontsize=9)

    def arrow(a, b, label=None, dx=0.0, dy=0.0):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, lw=1.2, color="0.2"))
        if label:
            ax.text((a[0] + b[0]) / 2 + dx, (a[1] + b[1]) / 2 + dy, label, fontsize=8,
                    ha="center", color="#0072B2")

    fmt = lambda v: v if isinstance(v, str) else f"{v:.3g}"  # noqa: E731
    box(0, 1, "$h_0$\n0", "#F5F5F5")
    for t in range(1, T + 1):
        cx = 2.0 * t
        box(cx, 0, f"$x_{t}$" + (f"\n{fmt(x[t - 1])}" if x is not None else ""), "#E8F1F8")
        box(cx, 1, f"$h_{t}$" + (f"\n{fmt(h[t - 1])}" if h is not None else ""), "#F5F5F5")
        box(cx, 2, f"$y_{t}$" + (f"\n{fmt(y[t - 1])}" if y is not None else ""), "#FFF8E1")
        arrow((cx, 0.3), (cx, 0.7), "$W_{hx}$", dx=0.3)
        arrow((cx, 1.3), (cx, 1.7), "$W_{yh}$", dx=0.3)
        arrow((cx - 1.55, 1), (cx - 0.45, 1), "$W_{hh}$", dy=0.08)
    ax.set_xlim(-0.7, 2.0 * T + 0.7)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"A simple RNN unrolled through {T} time steps: every copy shares "
                 "$W_{hh}$, $W_{hx}$, $w_0$", fontsize=10)
    return fig
