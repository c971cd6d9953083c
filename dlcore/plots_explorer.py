"""Figures of the training explorer: loss curves and per-layer histograms.

``ExplorerFigure`` draws, in one figure, the training and validation loss curves (top)
and a grid of histograms of z, a and δ per layer (rows = layers), in the style of
Kelleher et al.'s Figures 23-26. Each column shares its x and y axes so layers compare
at a glance, and every panel states the variance of what it shows. The figure keeps its
artists and only updates their data on ``update``, which is what keeps a panel fast.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator, NullLocator

from .plots import LINE_COLORS

__all__ = ["ExplorerFigure", "layer_values"]

QUANTITIES = (("z", "weighted sum z"), ("a", "activation a"), ("delta", "δ = ∂E/∂z"))
RUN_COLORS = (LINE_COLORS[0], LINE_COLORS[1])   # current run blue, pinned run vermilion
BINS = 41


def layer_values(snapshot, layers):
    """{quantity: [values of each layer l in ``layers``]} from a ``Snapshot`` (flattened)."""
    return {q: [np.ravel(getattr(snapshot, q)[l]) for l in layers] for q, _ in QUANTITIES}


def _edges(arrays):
    """Shared, symmetric bin edges covering every layer's values (at least ±1e-3)."""
    m = max((np.max(np.abs(a)) for a in arrays if a.size), default=1.0)
    m = max(m, 1e-3)
    return np.linspace(-m, m, BINS + 1)


def _fractions(values, edges):
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return counts / max(values.size, 1)


class ExplorerFigure:
    """The loss curves over a grid of histograms: rows = layers, columns = z, a, δ.

    Each column is one axes in which the layers are stacked as rows (a ridgeline plot),
    so every layer of a column shares the same x axis by construction and the figure
    has four axes rather than 3L + 1, which keeps redrawing fast. ``layer_names`` label
    the rows (e.g. "hidden 1", "output"); the first layer is drawn at the top.
    """

    def __init__(self, layer_names, *, width=9.0, row_height=0.62, dpi=80):
        self.layer_names = list(layer_names)
        L = len(self.layer_names)
        self.fig = plt.figure(figsize=(width, 2.9 + row_height * L), dpi=dpi, layout="constrained")
        grid = self.fig.add_gridspec(2, 3, height_ratios=[2.4, max(1.2, row_height * L)])
        self.loss_ax = self.fig.add_subplot(grid[0, :])
        self.hist_axes = [self.fig.add_subplot(grid[1, c]) for c in range(3)]
        self._lines, self._stairs, self._texts, self._markers = {}, {}, {}, []
        self._setup_axes()
        self._layout_frozen = False

    def _baseline(self, r):
        return float(len(self.layer_names) - 1 - r)

    def _setup_axes(self):
        ax = self.loss_ax
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.grid(True, alpha=0.3)
        ax.yaxis.set_minor_locator(NullLocator())  # minor log ticks are costly to lay out
        for run, color in enumerate(RUN_COLORS):
            for split, style in (("train", "-"), ("val", "--")):
                label = f"{'current' if run == 0 else 'pinned'} run, {'training' if split == 'train' else 'validation'}"
                (self._lines[run, split],) = ax.plot([], [], style, color=color, lw=1.8, label=label)
        ax.legend(fontsize=8, ncols=2, loc="upper right", frameon=False)
        L = len(self.layer_names)
        for c, (q, title) in enumerate(QUANTITIES):
            hax = self.hist_axes[c]
            hax.set_title(title, fontsize=9)
            hax.set_ylim(-0.05, L)
            hax.set_yticks([self._baseline(r) + 0.35 for r in range(L)],
                          self.layer_names if c == 0 else [""] * L, fontsize=8)
            hax.tick_params(left=False, labelsize=7)
            hax.xaxis.set_major_locator(MaxNLocator(4, symmetric=True))
            hax.grid(True, axis="x", alpha=0.3)
            for r in range(L):
                y0 = self._baseline(r)
                hax.axhline(y0, color="0.6", lw=0.6)
                for run, color in enumerate(RUN_COLORS):
                    self._stairs[r, c, run] = hax.stairs(
                        np.full(BINS, y0), np.linspace(-1, 1, BINS + 1), baseline=y0, color=color,
                        fill=run == 0, alpha=0.6 if run == 0 else 1.0, lw=1.3, ls="-" if run == 0 else "--")
                self._texts[r, c] = hax.text(0.99, y0 + 0.82, "", transform=hax.get_yaxis_transform(),
                                             ha="right", va="top", fontsize=7)

    def update(self, current, pinned=None, *, title=""):
        """Draw ``current`` (and the ``pinned`` run, if any): each a dict with keys
        ``history`` (a History) and ``values`` (from ``layer_values``)."""
        runs = [current] + ([pinned] if pinned is not None else [])
        for m in self._markers:
            m.remove()
        self._markers = []
        ymin, ymax, xmax = np.inf, 0.0, 1
        for run in range(2):
            for split in ("train", "val"):
                line = self._lines[run, split]
                h = runs[run]["history"] if run < len(runs) else None
                y = np.asarray((h.loss if split == "train" else h.val_loss) if h else [], float)
                ok = np.isfinite(y) & (y > 0)
                line.set_data(np.flatnonzero(ok), y[ok])
                if ok.any():
                    ymin, ymax, xmax = min(ymin, y[ok].min()), max(ymax, y[ok].max()), max(xmax, len(y) - 1)
            if run < len(runs):
                self._mark_events(runs[run]["history"], RUN_COLORS[run])
        if np.isfinite(ymin):
            self.loss_ax.set_ylim(ymin / 1.5, ymax * 1.5)
        self.loss_ax.set_xlim(0, xmax)
        self.loss_ax.set_title(title, fontsize=10)
        for c, (q, _) in enumerate(QUANTITIES):
            edges = _edges([v for run in runs for v in run["values"][q]])
            fracs = [[_fractions(run["values"][q][r], edges) for r in range(len(self.layer_names))]
                     for run in runs]
            top = max(max(f.max() for f in run_fracs) for run_fracs in fracs) or 1.0
            for r in range(len(self.layer_names)):
                y0, texts = self._baseline(r), []
                for run in range(2):
                    heights = 0.85 * fracs[run][r] / top if run < len(runs) else np.zeros(BINS)
                    self._stairs[r, c, run].set_data(y0 + heights, edges, baseline=y0)
                    if run < len(runs):
                        texts.append(f"var {np.var(runs[run]['values'][q][r]):.2g}")
                self._texts[r, c].set_text(" | ".join(texts))
            self.hist_axes[c].set_xlim(edges[0], edges[-1])
        if not self._layout_frozen:
            # constrained layout costs a full extra draw: solve it once, then keep it
            self.fig.canvas.draw()
            self.fig.set_layout_engine("none")
            self._layout_frozen = True
        return self.fig

    def _mark_events(self, h, color):
        if h.best_epoch is not None and h.status == "early_stopped":
            self._markers.append(self.loss_ax.axvline(h.best_epoch, color=color, ls=":", lw=1.2))
            self._markers.append(self.loss_ax.plot(h.best_epoch, h.best_val_loss, "*", color=color, ms=11)[0])
        if h.status == "diverged":
            finite = [v for v in h.loss if np.isfinite(v)]
            if finite:
                self._markers.append(self.loss_ax.plot(len(finite) - 1, finite[-1], "X", color=color, ms=10)[0])

    def close(self):
        plt.close(self.fig)
