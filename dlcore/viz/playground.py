"""The playground's figure: decision regions (or a regression surface) with the training and
test points, the train and test loss per epoch, and the regions of the first hidden layer's
units. Axes sit at fixed positions (``REGION_RECT``) so a click on the image maps to data
coordinates without drawing (``Playground.to_data``).

``PlaygroundFigure`` is laid out once per data set and network shape and redrawn by
blitting (``BlitFigure``): a training frame changes the regions, the boundary, the loss
curves, the text and the units' pictures. Drawn as a new figure, a frame took ≈ 0.2 s, and
a 300-epoch run's four frames most of its second. A regression surface (a CSV with
continuous labels) is coloured on the labels' range, so its colour bar stays fixed.
"""
from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LinearSegmentedColormap

from .regions import CLASS_COLORS, CLASS_TINTS, class_boundary
from .render import BlitFigure, LiveAxis
from .style import LINE_COLORS

__all__ = ["draw", "PlaygroundFigure", "REGION_CMAP", "GRID", "DPI", "REGION_RECT"]

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


LOSS_RECT = (0.47, 0.52, 0.25, 0.36)


def _unit_rect(u):
    r, c = divmod(u, 2)
    return (0.76 + c * 0.115, 0.70 - r * 0.215, 0.095, 0.17)


def _title(pg):
    name = "your data" if pg.settings["csv"] is not None else pg.settings["dataset"]
    what = "decision regions" if pg.problem == "classification" else "regression surface"
    return f"{name}: {what} (filled = train, hollow = test)"


def _summary(pg):
    last, s = pg.history[-1], pg.settings
    shape = "-".join(str(v) for v in [2] + [s["neurons"]] * s["layers"] + [1])
    return (f"epoch {int(last[0])} of {s['epochs']}\ntrain loss {last[1]:.3f}\ntest loss {last[2]:.3f}\n"
            f"network {shape}, {s['activation']}\nα = {s['lr']:g}")


def _frame_data(pg):
    """The grid's points, the box, and the network's trace over the grid."""
    pts, box = _grid(pg)
    with np.errstate(over="ignore", invalid="ignore"):
        return box, pg.net.forward(pts)


class PlaygroundFigure(BlitFigure):
    """The figure of one data set and one number of hidden units drawn (``layout_key``),
    laid out once; ``update(pg)`` shows a trained (or training) ``Playground``."""

    def __init__(self, pg, dpi=DPI):
        super().__init__((10.0, 4.4), dpi)
        self.fig.set_layout_engine("none")          # the axes' places are REGION_RECT and friends
        box = _grid(pg)[1]
        ax = self.fig.add_axes(REGION_RECT)
        Xtr, ytr, Xte, yte = pg.data()
        self.classification = pg.problem == "classification"
        lo, hi = (0.0, 1.0) if self.classification else (float(min(ytr.min(), yte.min(initial=np.inf))),
                                                         float(max(ytr.max(), yte.max(initial=-np.inf))))
        self.regions_image = self.dynamic(ax.imshow(np.zeros((GRID, GRID)), origin="lower", extent=box,
                                                    cmap=REGION_CMAP if self.classification else "viridis",
                                                    vmin=lo, vmax=hi, aspect="auto"))
        if not self.classification:       # beside the axes, not taken from them: clicks map by REGION_RECT
            x0, y0, w, h = REGION_RECT
            self.fig.colorbar(self.regions_image, cax=self.fig.add_axes((x0 + w + 0.006, y0, 0.012, h)))
        self.boundary = self.dynamic(ax.add_collection(LineCollection([], colors="black", linewidths=1.2)))
        _points(ax, Xtr, ytr, False, self.classification)
        _points(ax, Xte, yte, True, self.classification)
        for dots in ax.collections[1:]:             # over the changing regions, so changing too
            self.dynamic(dots)
        ax.set(xlim=box[:2], ylim=box[2:])
        ax.set_xlabel("$x_1$", labelpad=1)
        ax.set_ylabel("$x_2$", labelpad=1)
        ax.set_title(_title(pg), fontsize=9)
        self.box = box
        self._setup_losses(pg)
        self._setup_units(pg, box)

    def _setup_losses(self, pg):
        # a regression surface's colour bar takes the room left of the losses: they move right
        x0 = LOSS_RECT[0] + (0 if self.classification else 0.06)
        ax = self.fig.add_axes((x0, LOSS_RECT[1], LOSS_RECT[2] - (x0 - LOSS_RECT[0]), LOSS_RECT[3]))
        self.loss_scale = LiveAxis(self, ax, "y", log=True, nbins=4, fontsize=8, grid=False)
        self.epoch_scale = LiveAxis(self, ax, "x", nbins=5, fontsize=8, grid=False)   # epochs: no new layout
        self.losses = [self.dynamic(ax.plot([], [], color=LINE_COLORS[0], label="train")[0]),
                       self.dynamic(ax.plot([], [], color=LINE_COLORS[1], ls="--", label="test")[0])]
        ax.set_xlabel("epoch")
        ax.set_title("loss (mean)", fontsize=9)
        ax.legend(fontsize=8, frameon=False)
        ax.tick_params(labelsize=8)
        self.summary = self.dynamic(self.fig.text(x0, 0.36, "", fontsize=8.5, va="top", family="monospace"))

    def _setup_units(self, pg, box):
        self.units = []
        if pg.settings["layers"] == 0:
            self.fig.text(0.76, 0.5, "no hidden layer:\nthe output is one\nlogistic unit", fontsize=9)
            return
        self.fig.text(0.755, 0.93, "first hidden layer: each unit's a", fontsize=9)
        for u in range(min(pg.settings["neurons"], 8)):
            ax = self.fig.add_axes(_unit_rect(u))
            self.units.append(self.dynamic(ax.imshow(np.zeros((GRID, GRID)), origin="lower", extent=box,
                                                     cmap=UNIT_CMAP, vmin=-1, vmax=1, aspect="auto")))
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"unit {u + 1}", fontsize=7, pad=1)

    @staticmethod
    def layout_key(pg):
        """What the layout depends on: the points (data, noise, seed, split, clicks, CSV) and
        the number of hidden units drawn."""
        s = pg.settings
        data = repr([s[k] for k in ("dataset", "noise", "seed", "test_fraction", "added", "removed", "csv")])
        return data, s["layers"] == 0, min(s["neurons"], 8)

    def update(self, pg):
        box, trace = _frame_data(pg)
        out = trace.a[-1][:, 0].reshape(GRID, GRID)
        self.regions_image.set_data(out)
        crosses = self.classification and 0 < (out >= 0.5).mean() < 1
        self.boundary.set_segments(class_boundary(out, box[:2], box[2:]) if crosses else [])
        h = np.array(pg.history, dtype=float).reshape(-1, 3)
        shown = np.concatenate([h[:, 1], h[:, 2]])
        shown = shown[np.isfinite(shown) & (shown > 0)]
        lo, hi = (shown.min(), shown.max()) if shown.size else (0.1, 1.0)
        self.loss_scale.set_limits(10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(hi) + 1e-9))
        self.epoch_scale.set_limits(0, max(pg.settings["epochs"], 1))
        for line, y in zip(self.losses, (h[:, 1], h[:, 2])):
            ok = np.isfinite(y) & (y > 0)
            line.set_data(self.epoch_scale.map(h[ok, 0]), self.loss_scale.map(y[ok]))
        self.summary.set_text(_summary(pg))
        for u, image in enumerate(self.units):
            v = trace.a[1][:, u].reshape(GRID, GRID)
            m = max(float(np.abs(v).max()), 1e-12)
            image.set_data(v)
            image.set_clim(-m, m)
        return self.fig


def draw(pg):
    """The playground's figure for a trained ``Playground`` (a new ``PlaygroundFigure``'s Figure)."""
    figure = PlaygroundFigure(pg)
    figure.update(pg)
    return figure.settled()
