"""Chapter 6, gradient descent: paths on curves and surfaces, step sizes, batch sizes.

* ``descent_1d`` / ``descent_contour``: gradient-descent iterates on a curve or a contour map
* ``step_size_figure`` / ``step_size_panel``: one quadratic, the step size as a slider
* ``descent_panel_figure`` / ``descent_panel``: full batch, mini-batch or online training of
  one linear neuron, with momentum
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import LogLocator, NullLocator

from ..._validate import as_float_array, check_int, check_real
from ...train.descent import DescentPath
from ...viz.style import LINE_COLORS, LINESTYLES, PALETTE, new_axes

__all__ = ["descent_1d", "descent_contour", "step_size_figure", "step_size_panel",
           "descent_panel_figure", "descent_panel", "BATCH_CHOICES"]

_START, _END = "o", "X"   # markers of a path's first and last iterate


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
    if any(label is not None for label in paths):   # below the axes, clear of every curve
        (ax1 if separate else axes[0]).legend(frameon=False, fontsize=8.5, loc="upper center",
                                              bbox_to_anchor=(0.5, -0.2), ncols=2)
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
    fig, ax = new_axes(ax, figsize)
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


# The two panels (step size on a parabola; a neuron's path on its loss contours) live in
# panels.py; their names are re-exported here, where the chapter imports them.
from .panels import (  # noqa: E402
    BATCH_CHOICES,
    descent_panel,
    descent_panel_figure,
    step_size_figure,
    step_size_panel,
)
