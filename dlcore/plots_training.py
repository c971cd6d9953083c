"""Figures for chapters 4-6: encodings, losses and their gradients, gradient-descent paths.

Pure functions from numbers to a matplotlib ``Figure`` (nothing is trained here), in the
Okabe-Ito colours of ``dlcore.plots``; lines also differ in style so greyscale prints work.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from . import losses as _losses
from ._validate import as_float_array, check_int, check_real
from .activations import get as _get_activation
from .descent import DescentPath
from .plots import LINE_COLORS, LINESTYLES, PALETTE

__all__ = ["encoding_heatmap", "binning_figure", "loss_figure", "LOSS_LABELS",
           "descent_1d", "descent_contour"]

LOSS_LABELS = {"sse": "SSE  ½(t − a)²", "binary_cross_entropy": "cross-entropy"}
_START, _END = "o", "X"
_LOGISTIC = _get_activation("logistic")


def _new_axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _labels(labels, n, name):
    if labels is None:
        return [str(i + 1) for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"{name} must have {n} entries, got {len(labels)}")
    return labels


# --------------------------------------------------------------------------- encodings
def encoding_heatmap(codes, row_labels=None, col_labels=None, *, ax=None, title=None,
                     figsize=(4.0, 3.0)):
    """Draw a 0/1 (or any) code matrix (n, k) as a grid, one row per value, with numbers."""
    codes = as_float_array(codes, "codes", ndim=2)
    n, k = codes.shape
    rows, cols = _labels(row_labels, n, "row_labels"), _labels(col_labels, k, "col_labels")
    fig, ax = _new_axes(ax, figsize)
    ax.imshow(codes, cmap="Blues", vmin=0, vmax=max(1.0, codes.max()) * 1.6, aspect="auto")
    for i in range(n):
        for j in range(k):
            v = codes[i, j]
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=12,
                    weight="bold" if v else "normal", color="black" if v else "0.45")
    ax.set_xticks(range(k), cols)
    ax.set_yticks(range(n), rows)
    ax.xaxis.tick_top()
    ax.tick_params(which="both", length=0)
    ax.set_xticks(np.arange(k + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    for side in ax.spines.values():
        side.set_visible(False)
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def binning_figure(values, edges, codes, *, example_labels=None, bin_labels=None,
                   xlabel="range-normalised value", title=None, figsize=(9.0, 3.2)):
    """Values on a number line cut into bins by ``edges`` (k + 1,), beside their one-hot codes (n, k)."""
    values = as_float_array(values, "values", ndim=1)
    edges = as_float_array(edges, "edges", ndim=1)
    codes = as_float_array(codes, "codes", ndim=2)
    if len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be increasing with at least 2 entries, got {edges.tolist()}")
    if codes.shape != (len(values), len(edges) - 1):
        raise ValueError(f"codes must have shape ({len(values)}, {len(edges) - 1}), one row per "
                         f"value and one column per bin, got {codes.shape}")
    names = _labels(example_labels, len(values), "example_labels")
    bins = _labels(bin_labels, len(edges) - 1, "bin_labels")
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=figsize, layout="constrained",
                                   gridspec_kw={"width_ratios": [2.2, 1]})
    for j, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        ax0.axvspan(lo, hi, color=LINE_COLORS[j % len(LINE_COLORS)], alpha=0.12, lw=0)
        ax0.text((lo + hi) / 2, 1.02, bins[j], ha="center", va="bottom", fontsize=10,
                 transform=ax0.get_xaxis_transform())
    for e in edges:
        ax0.axvline(e, color="0.3", lw=1, ls="--")
    ys = np.linspace(0.8, 0.2, len(values))
    ax0.scatter(values, ys, color=PALETTE[0], zorder=3)
    middle = (edges[0] + edges[-1]) / 2
    for v, y, name in zip(values, ys, names):
        right = v > middle   # label on the inner side so it never crosses the axis
        ax0.annotate(f"{name}: {v:g}", (v, y), textcoords="offset points", fontsize=9,
                     xytext=(-6 if right else 6, 5), ha="right" if right else "left")
    ax0.set_ylim(0, 1)
    ax0.set_yticks([])
    ax0.set_xlim(edges[0] - 0.02 * (edges[-1] - edges[0]), edges[-1] + 0.02 * (edges[-1] - edges[0]))
    ax0.set_xlabel(xlabel)
    encoding_heatmap(codes, names, bins, ax=ax1, title="one-hot target")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


# --------------------------------------------------------------------------- losses
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


# --------------------------------------------------------------------------- descent
def _as_paths(paths):
    if isinstance(paths, (DescentPath, np.ndarray, list)):
        paths = {None: paths}
    if not isinstance(paths, Mapping) or not paths:
        raise TypeError("paths must be a DescentPath, an array of points or a mapping "
                        "label → either")
    out = {}
    for label, p in paths.items():
        pts = p.points if isinstance(p, DescentPath) else np.asarray(p, dtype=float)
        if pts.ndim != 2 or len(pts) < 1:
            raise ValueError(f"path {label!r} must be an array of points (k, d), got shape {pts.shape}")
        out[label] = pts
    return out


def _curve_with_iterates(ax, f, pts, lo, hi, color, label, max_steps_drawn):
    xs = np.linspace(lo, hi, 400)
    fx = f(xs[:, None])
    ax.plot(xs, fx, color=PALETTE[0], lw=1.5)
    span = np.ptp(fx) or 1.0
    ax.set_ylim(fx.min() - 0.08 * span, fx.max() + 0.08 * span)
    x = pts[: max_steps_drawn + 1, 0]
    inside = np.isfinite(x) & (x >= lo) & (x <= hi)
    y = np.where(inside, f(np.where(inside, x, lo)[:, None]), np.nan)
    ax.plot(x[inside], y[inside], "-", color=color, lw=0.9, alpha=0.7)
    ax.plot(x[inside], y[inside], "o", color=color, ms=4, label=label)
    if inside[0]:
        ax.plot(x[0], y[0], _START, color=color, ms=9, mfc="white", mew=2)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)


def descent_1d(f, paths, extent, *, f_min=None, separate=False, title=None, max_steps_drawn=60,
               figsize=None):
    """Gradient descent on a function of one variable: the curve with the iterates on it,
    and f(x_k) against the step k.

    ``f`` maps points (..., 1) to values (...); ``paths`` is a ``DescentPath`` (or points
    (k, 1)) or a mapping label → path; ``extent`` is (x_min, x_max). With ``f_min`` (the
    minimum value) the last panel shows f(x_k) − f_min on a logarithmic axis. With
    ``separate=True`` every path gets its own curve panel (titled with its label).
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    ext = as_float_array(extent, "extent", ndim=1)
    if ext.shape != (2,) or not ext[1] > ext[0]:
        raise ValueError(f"extent must be (x_min, x_max), got {ext.tolist()}")
    lo, hi = ext
    f_min = check_real(f_min, "f_min", allow_none=True)
    max_steps_drawn = check_int(max_steps_drawn, "max_steps_drawn", minimum=1)
    paths = _as_paths(paths)
    n_curves = len(paths) if separate else 1
    if figsize is None:
        figsize = (10.0, 3.6) if not separate else (3.0 * n_curves + 3.4, 3.2)
    fig, axes = plt.subplots(1, n_curves + 1, figsize=figsize, layout="constrained",
                             gridspec_kw={"width_ratios": [1.5 if not separate else 1] * n_curves
                                          + [1.1]})
    ax1 = axes[-1]
    for i, (label, pts) in enumerate(paths.items()):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax0 = axes[i] if separate else axes[0]
        _curve_with_iterates(ax0, f, pts, lo, hi, color, label, max_steps_drawn)
        if separate and label is not None:
            ax0.set_title(str(label), fontsize=10, color=color)
        values = f(pts) - (0.0 if f_min is None else f_min)
        k = np.arange(len(values))
        if f_min is not None:   # exact zeros cannot be drawn; 1e-12 is "at the minimum" here
            values = np.maximum(values, 1e-12)
        ok = np.isfinite(values)
        ax1.plot(k[ok], values[ok], ls=LINESTYLES[i % len(LINESTYLES)], marker=".", color=color,
                 lw=1.5, label=label)
    axes[0].set_ylabel("f(x)")
    ax1.set_xlabel("step k")
    if f_min is None:
        ax1.set_ylabel("f(x_k)")
    else:
        ax1.set_ylabel("f(x_k) − min f")
        ax1.set_yscale("log")
        ax1.yaxis.set_major_locator(LogLocator(numticks=6))
        ax1.yaxis.set_minor_locator(NullLocator())
    ax1.grid(alpha=0.3)
    if any(label is not None for label in paths):
        (ax1 if separate else axes[0]).legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def descent_contour(f, paths, extent, *, levels=18, minima=None, ax=None, title=None,
                    xlabel="x", ylabel="y", log_levels=True, marker_every=1, colors=None,
                    aspect="equal", figsize=(5.6, 4.4)):
    """Contours of a function of two variables with gradient-descent paths drawn on them.

    ``f`` maps points (..., 2) to values (...); ``paths`` is a ``DescentPath`` (or points
    (k, 2)) or a mapping label → path; ``extent`` is (x_min, x_max, y_min, y_max).
    Each path starts at a hollow circle and ends at a cross; ``minima`` (m, 2) are starred.
    ``colors`` overrides the palette's colours, one per path; ``aspect="equal"`` draws both
    axes to the same scale, so round contours look round ("auto" fills the axes).
    """
    if not callable(f):
        raise TypeError(f"f must be a function, got {type(f).__name__}")
    ext = as_float_array(extent, "extent", ndim=1)
    if ext.shape != (4,) or not (ext[1] > ext[0] and ext[3] > ext[2]):
        raise ValueError(f"extent must be (x_min, x_max, y_min, y_max), got {ext.tolist()}")
    levels = check_int(levels, "levels", minimum=2)
    marker_every = check_int(marker_every, "marker_every", minimum=1)
    paths = _as_paths(paths)
    if colors is None:
        colors = [LINE_COLORS[i % len(LINE_COLORS)] for i in range(len(paths))]
    elif isinstance(colors, str) or len(colors) != len(paths):
        raise ValueError(f"colors must list one colour per path ({len(paths)}), got {colors!r}")
    if aspect not in ("equal", "auto"):
        raise ValueError(f"aspect must be 'equal' or 'auto', got {aspect!r}")
    for label, pts in paths.items():
        if pts.shape[1] != 2:
            raise ValueError(f"path {label!r} must have 2 columns, got shape {pts.shape}")
    fig, ax = _new_axes(ax, figsize)
    gx, gy = np.meshgrid(np.linspace(ext[0], ext[1], 161), np.linspace(ext[2], ext[3], 161))
    F = f(np.stack([gx, gy], axis=-1))
    if log_levels:
        lo = F.min()
        lv = lo + np.geomspace(max((F.max() - lo) * 1e-4, 1e-9), F.max() - lo, levels)
    else:
        lv = np.linspace(F.min(), F.max(), levels)
    ax.contourf(gx, gy, F, levels=np.concatenate([[F.min()], lv]), cmap="Greys_r", alpha=0.35)
    ax.contour(gx, gy, F, levels=lv, colors="0.45", linewidths=0.6)
    for i, (label, pts) in enumerate(paths.items()):
        color = colors[i]
        ok = np.all(np.isfinite(pts), axis=1)
        p = np.clip(pts[ok], [ext[0], ext[2]], [ext[1], ext[3]])
        ax.plot(p[:, 0], p[:, 1], color=color, lw=1.6, ls=LINESTYLES[i % len(LINESTYLES)],
                label=label)
        ax.plot(p[::marker_every, 0], p[::marker_every, 1], ".", color=color, ms=4)
        ax.plot(*p[0], _START, color=color, ms=9, mfc="white", mew=2)
        ax.plot(*p[-1], _END, color=color, ms=9, mec="white", mew=0.8)
    if minima is not None:
        m = as_float_array(minima, "minima", ndim=2)
        ax.plot(m[:, 0], m[:, 1], "*", color=PALETTE[4], ms=15, mec="black", mew=0.8, zorder=5)
    ax.set_xlim(ext[0], ext[1])
    ax.set_ylim(ext[2], ext[3])
    ax.set_aspect(aspect)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if any(label is not None for label in paths):
        ax.legend(frameon=True, framealpha=0.85, fontsize=9, loc="best")
    if title:
        ax.set_title(title, fontsize=11)
    return fig
