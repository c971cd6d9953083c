"""Chapter 4, encoding inputs and outputs: one-hot and binned codes as heat maps, and a panel.

* ``encoding_heatmap``: a code matrix with its rows and columns labelled
* ``binning_figure`` / ``binning_panel``: a continuous target split into bins and one-hot coded
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import as_float_array, check_int
from ..data import datasets
from ..data.preprocessing import one_hot
from ..ui.live import live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure
from ..viz.style import LINE_COLORS, PALETTE, new_axes

__all__ = ["encoding_heatmap", "binning_figure", "binning_panel_figure", "binning_panel", "BinningFigure"]


def _labels(labels, n, name):
    if labels is None:
        return [str(i + 1) for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"{name} must have {n} entries, got {len(labels)}")
    return labels


def encoding_heatmap(codes, row_labels=None, col_labels=None, *, ax=None, title=None,
                     figsize=(4.0, 3.0)):
    """Draw a 0/1 (or any) code matrix (n, k) as a grid, one row per value, with numbers."""
    codes = as_float_array(codes, "codes", ndim=2)
    n, k = codes.shape
    rows, cols = _labels(row_labels, n, "row_labels"), _labels(col_labels, k, "col_labels")
    fig, ax = new_axes(ax, figsize)
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
    _draw_bins(ax0, ax1, values, edges, codes, names, bins, xlabel)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def _draw_bins(ax0, ax1, values, edges, codes, names, bins, xlabel):
    """The number line cut into bins (ax0) and the one-hot codes (ax1); arguments checked."""
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


def _bin_names(k):
    """Three bins are Kelleher's low, medium, high (Table 13); more get numbers, short
    enough to sit side by side over ten narrow bins."""
    if k == 3:
        return ["low", "medium", "high"]
    return [f"bin {j + 1}" for j in range(k)] if k <= 5 else [str(j + 1) for j in range(k)]


EXAMPLES = ["d1", "d2", "d3", "d4"]
XLABEL = "range-normalised electrical output"


def _bins(n_bins):
    """(k, values, edges, codes) for ``n_bins`` equal-width bins of Kelleher's four outputs."""
    k = check_int(n_bins, "n_bins", minimum=2)
    if k > 10:
        raise ValueError(f"n_bins must be at most 10, got {k}")
    values = datasets.power_plant().normalized[:, 2]
    edges = np.linspace(0.0, 1.0, k + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, k - 1)
    return k, values, edges, one_hot(index, k)


def binning_panel_figure(n_bins=3):
    """Kelleher's four range-normalised outputs (Table 3) cut into ``n_bins`` equal-width
    bins of [0, 1], with the one-hot targets that result (Table 13 for n_bins = 3)."""
    k, values, edges, codes = _bins(n_bins)
    return binning_figure(values, edges, codes, example_labels=EXAMPLES, bin_labels=_bin_names(k),
                          xlabel=XLABEL, title=f"{k} equal-width bins", figsize=(8.4, 3.2))


class BinningFigure(BlitFigure):
    """``binning_panel_figure(n_bins)`` as a ``BlitFigure``. With ``like`` (a BinningFigure
    already shown) the axes take its places and no layout is solved, so that another number
    of bins costs one draw (≈ 60 ms) instead of a new layout (≈ 220 ms), and the figure does
    not move in the page when the slider moves. The one-hot values are drawn by ``GlyphText``."""

    def __init__(self, n_bins=3, like=None, dpi=80):
        super().__init__((8.4, 3.2), dpi)
        k, values, edges, codes = _bins(n_bins)
        axes = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [2.2, 1]})
        _draw_bins(*axes, values, edges, codes, EXAMPLES, _bin_names(k), XLABEL)
        for text in axes[1].texts:
            self.dynamic(text)
        self.fig.suptitle(f"{k} equal-width bins", fontsize=11)
        if like is not None:
            self.fig.set_layout_engine("none")
            for ax, place in zip(axes, like.fig.axes):
                ax.set_position(place.get_position())
            self.fig._suptitle.set_position(like.fig._suptitle.get_position())


class _Bins:
    """The binning panel's figures, one per number of bins, each made once."""

    def __init__(self, n_bins):
        self.figures = {n_bins: BinningFigure(n_bins)}
        self.first, self.k = self.figures[n_bins], n_bins

    def update(self, n_bins):
        if n_bins not in self.figures:
            self.first.render()                          # its places are the layout
            self.figures[n_bins] = BinningFigure(n_bins, like=self.first)
        self.k = n_bins

    def png(self):
        return self.figures[self.k].png()


def _bins_alt(n_bins):
    values = datasets.power_plant().normalized[:, 2]
    index = np.clip(np.searchsorted(np.linspace(0, 1, n_bins + 1), values, side="right") - 1,
                    0, n_bins - 1)
    names = _bin_names(n_bins)
    return (f"The four range-normalised outputs cut into {n_bins} equal-width bins: "
            + ", ".join(f"d{j + 1} ({v:g}) in {names[i]}" for j, (v, i) in enumerate(zip(values, index))))


def binning_panel(n_bins=3):
    """A slider for the number of bins → which bin each power-plant output falls in. Each
    number of bins is a ``BinningFigure`` in the places of the first one (no new layout),
    drawn once; going back to it only restores its pixels."""
    plt.close(binning_panel_figure(n_bins))  # validates the arguments before any widget exists
    if static_mode():
        return frames_panel(binning_panel_figure, {"n_bins": sorted({2, 3, 4, 5, 6} | {n_bins})},
                            value={"n_bins": n_bins}, labels={"n_bins": "number of bins"},
                            alt=_bins_alt)
    figures = _Bins(n_bins)
    slider = W.IntSlider(value=n_bins, min=2, max=10, description="number of bins", style=STYLE)
    return live_panel({"n_bins": slider}, figures, figures.update, alt=_bins_alt,
                      busy=lambda n_bins: None if n_bins in figures.figures else "drawing …")
