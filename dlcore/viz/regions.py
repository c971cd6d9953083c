"""Decision regions of a 2-D classifier: where it says class 0 or 1, with the data on top.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, check_int, check_interval
from .style import PALETTE, new_axes

__all__ = ["decision_regions", "scatter_classes", "check_points", "class_map", "class_boundary", "CLASS_COLORS",
           "CLASS_TINTS", "ERROR_COLOR"]


CLASS_COLORS = (PALETTE[1], PALETTE[5])                  # class 0 orange, class 1 blue
CLASS_TINTS = ("#FBE7BF", "#CFE3F1")                    # light versions for the regions
ERROR_COLOR = PALETTE[6]


def check_points(X, y):
    """X as (n, 2) points in the plane and y as one label per point."""
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2): points in the plane, got {X.shape}")
    y = as_float_array(y, "y", ndim=(1, 2)).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got {y.shape[0]}")
    return X, y


def scatter_classes(ax, X, y, wrong=None, size=60):
    """Class 0 as orange circles, class 1 as blue squares; ``wrong`` points ringed."""
    for c, marker in ((0, "o"), (1, "s")):
        sel = y == c
        ax.scatter(X[sel, 0], X[sel, 1], s=size, marker=marker, color=CLASS_COLORS[c],
                   edgecolor="black", linewidth=0.7, zorder=4, label=f"class {c}")
    if wrong is not None and np.any(wrong):
        ax.scatter(X[wrong, 0], X[wrong, 1], s=size * 4.5, facecolor="none",
                   edgecolor=ERROR_COLOR, linewidth=2.2, zorder=5, label="misclassified")


def decision_regions(predict, X=None, y=None, ax=None, *, xlim=(-1.0, 1.0), ylim=None,
                     resolution=200, title=None, threshold=0.5, point_size=18,
                     figsize=(4.0, 4.0)):
    """Shade where ``predict`` says class 1 (blue) or class 0 (orange) over a grid.

    ``predict`` maps an (N, 2) array of points to N outputs (probabilities or 0/1), for
    example ``net.predict``; points with output ≥ ``threshold`` count as class 1. The
    boundary is drawn in black and the data ``X`` (n, 2), ``y`` (n,) on top.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of an (N, 2) array, got {type(predict).__name__}")
    xlim = check_interval(xlim, "xlim")
    ylim = xlim if ylim is None else check_interval(ylim, "ylim")
    resolution = check_int(resolution, "resolution", minimum=10)
    if X is not None:
        X, y = check_points(X, y)
    fig, ax = new_axes(ax, figsize)
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    out = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float)
    if out.size != gx.size:
        raise ValueError(f"predict must return one value per point ({gx.size}), got shape {out.shape}")
    cls = (out.reshape(gx.shape) >= threshold).astype(float)
    ax.contourf(gx, gy, cls, levels=[-0.5, 0.5, 1.5], colors=CLASS_TINTS)
    if 0 < cls.mean() < 1:
        ax.contour(gx, gy, cls, levels=[0.5], colors="black", linewidths=1.4)
    if X is not None:
        scatter_classes(ax, X, y, size=point_size)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def class_map(ax, xlim, ylim, resolution=161):
    """A changing picture of which class a model gives each point of the box ``xlim`` ×
    ``ylim``: an image in the two class tints (``im.set_data(cls)`` with an array of 0/1 of
    shape (resolution, resolution), rows along y) and the boundary as line segments
    (``boundary.set_segments(class_boundary(...))``). Returns ``(image, boundary, grid)``,
    ``grid`` the (resolution², 2) points to evaluate the model on."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import ListedColormap

    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    image = ax.imshow(np.zeros(gx.shape), origin="lower", extent=(*xlim, *ylim), vmin=0, vmax=1,
                      cmap=ListedColormap(CLASS_TINTS), interpolation="nearest", aspect="auto")
    boundary = ax.add_collection(LineCollection([], colors="black", linewidths=1.6, zorder=3))
    return image, boundary, np.column_stack([gx.ravel(), gy.ravel()])


def class_boundary(values, xlim, ylim, level=0.5):
    """Segments of the curve where the model's output crosses ``level``, from its values on
    ``class_map``'s grid (a square array, rows along y), by contourpy (matplotlib's own)."""
    import contourpy

    n = values.shape[0]
    xs, ys = np.linspace(*xlim, n), np.linspace(*ylim, n)
    return contourpy.contour_generator(xs, ys, values, line_type="Separate").lines(level)
