"""The playground's figure: decision regions (or a regression surface) with the training and
test points, the train and test loss per epoch, and the regions of the first hidden layer's
units. Axes sit at fixed positions (``REGION_RECT``) so a click on the image maps to data
coordinates without drawing (``Playground.to_data``).
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from .regions import CLASS_COLORS, CLASS_TINTS
from .style import LINE_COLORS

__all__ = ["draw", "REGION_CMAP", "GRID", "DPI", "REGION_RECT"]

GRID = 70                      # decision regions are evaluated on GRID × GRID points
DPI = 80                       # the figure is 10 × 4.4 in: 800 × 352 pixels
REGION_RECT = (0.07, 0.12, 0.343, 0.78)   # the main axes in figure fractions: square on 10 × 4.4 in

# orange (class 0) through white to blue (class 1), the book's class colours
REGION_CMAP = LinearSegmentedColormap.from_list("classes", [CLASS_TINTS[0], "#FFFFFF", CLASS_TINTS[1]])
UNIT_CMAP = LinearSegmentedColormap.from_list("units", [CLASS_COLORS[0], "#FFFFFF", CLASS_COLORS[1]])


def _grid(pg):
    (xa, xb), (ya, yb) = pg.extent()
    gx, gy = np.meshgrid(np.linspace(xa, xb, GRID), np.linspace(ya, yb, GRID))
    return np.column_stack([gx.ravel(), gy.ravel()]), (xa, xb, ya, yb)


def _points(ax, X, y, test, classification):
    if not classification:
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", s=22, edgecolor="white" if test else "black",
                   linewidth=0.8, zorder=4)
        return
    for c, marker in ((0, "o"), (1, "s")):
        sel = y == c
        ax.scatter(X[sel, 0], X[sel, 1], s=24, marker=marker, zorder=4, linewidth=1.0,
                   facecolor="white" if test else CLASS_COLORS[c],
                   edgecolor=CLASS_COLORS[c] if test else "black")


def _regions(fig, pg, pts, box, trace):
    ax = fig.add_axes(REGION_RECT)
    out = trace.a[-1][:, 0].reshape(GRID, GRID)
    classification = pg.problem == "classification"
    if classification:
        ax.imshow(out, origin="lower", extent=box, cmap=REGION_CMAP, vmin=0, vmax=1, aspect="auto")
        if 0 < (out >= 0.5).mean() < 1:
            ax.contour(out, levels=[0.5], extent=box, colors="black", linewidths=1.2)
    else:
        im = ax.imshow(out, origin="lower", extent=box, cmap="viridis", aspect="auto")
        fig.colorbar(im, ax=ax, fraction=0.04, pad=0.01)
    Xtr, ytr, Xte, yte = pg.data()
    _points(ax, Xtr, ytr, False, classification)
    _points(ax, Xte, yte, True, classification)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("$x_1$", labelpad=1)
    ax.set_ylabel("$x_2$", labelpad=1)
    name = "your data" if pg.settings["csv"] is not None else pg.settings["dataset"]
    what = "decision regions" if classification else "regression surface"
    ax.set_title(f"{name}: {what} (filled = train, hollow = test)", fontsize=9)


def _losses(fig, pg):
    ax = fig.add_axes((0.47, 0.52, 0.25, 0.36))
    h = np.array(pg.history, dtype=float).reshape(-1, 3)
    ax.plot(h[:, 0], h[:, 1], color=LINE_COLORS[0], label="train")
    if np.isfinite(h[:, 2]).any():
        ax.plot(h[:, 0], h[:, 2], color=LINE_COLORS[1], ls="--", label="test")
    ax.set_yscale("log")
    ax.set_xlim(0, max(pg.settings["epochs"], 1))
    ax.set_xlabel("epoch", labelpad=1)
    ax.set_title("loss (mean)", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    ax.tick_params(labelsize=8)
    ax.yaxis.set_minor_formatter(NullFormatter())
    last = h[-1]
    s = pg.settings
    shape = "-".join(str(v) for v in [2] + [s["neurons"]] * s["layers"] + [1])
    fig.text(0.47, 0.36, f"epoch {int(last[0])} of {s['epochs']}\ntrain loss {last[1]:.3f}\n"
             f"test loss {last[2]:.3f}\nnetwork {shape}, {s['activation']}\nα = {s['lr']:g}",
             fontsize=8.5, va="top", family="monospace")


def _units(fig, pg, box, trace):
    if pg.settings["layers"] == 0:
        fig.text(0.76, 0.5, "no hidden layer:\nthe output is one\nlogistic unit", fontsize=9)
        return
    a1 = trace.a[1]
    n = min(a1.shape[1], 8)
    fig.text(0.755, 0.93, "first hidden layer: each unit's a", fontsize=9)
    for u in range(n):
        r, c = divmod(u, 2)
        ax = fig.add_axes((0.76 + c * 0.115, 0.70 - r * 0.215, 0.095, 0.17))
        v = a1[:, u].reshape(GRID, GRID)
        m = max(float(np.abs(v).max()), 1e-12)
        ax.imshow(v, origin="lower", extent=box, cmap=UNIT_CMAP, vmin=-m, vmax=m, aspect="auto")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"unit {u + 1}", fontsize=7, pad=1)


def draw(pg):
    """The playground's figure for a trained ``Playground``."""
    fig = Figure(figsize=(10.0, 4.4), dpi=DPI)
    pts, box = _grid(pg)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = pg.net.forward(pts)
    _regions(fig, pg, pts, box, trace)
    _losses(fig, pg)
    _units(fig, pg, box, trace)
    return fig
