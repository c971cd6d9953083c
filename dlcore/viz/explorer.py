"""Figures of the training explorer: loss curves and per-layer histograms.

``ExplorerFigure`` draws, in one figure, the training and validation loss curves (top)
and a grid of histograms of z, a and δ per layer (rows = layers), in the style of
Kelleher et al.'s Figures 23-26. Each column shares its x axis so layers compare at a
glance, and every histogram states the variance of what it shows.

Speed (issue 3): the figure is laid out once. The loss axis only takes whole decades,
and each histogram column is drawn in units of its limit m (a 1-2-3-5 step, shown by the
tick labels "−m", "0", "m"), so the pixels of the axes, ticks, labels, titles and legend
are cached per limit and reused (``dlcore.viz.render.RegionCache``). An update draws only
the curves, the histogram outlines (one path per column and run) and the texts that
change (variances, tick values, title) on top, and ``png()`` encodes the result;
``update`` also leaves the figure complete for ``savefig``.
"""
from __future__ import annotations

import numpy as np
from matplotlib import rcParams as plt_rc
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.ticker import FixedLocator, NullLocator

from .render import RegionCache, encode_png
from .style import LINE_COLORS

__all__ = ["ExplorerFigure", "layer_values", "nice_limit"]

QUANTITIES = (("z", "weighted sum z"), ("a", "activation a"), ("delta", "δ = ∂E/∂z"))
RUN_COLORS = (LINE_COLORS[0], LINE_COLORS[1])   # current run blue, pinned run vermilion
BINS = 41
MARGIN = 1.2         # histogram axes reach ±MARGIN·m so the ±m tick labels stay inside


def layer_values(snapshot, layers):
    """{quantity: [values of each layer l in ``layers``]} from a ``Snapshot`` (flattened)."""
    return {q: [np.ravel(getattr(snapshot, q)[l]) for l in layers] for q, _ in QUANTITIES}


def nice_limit(arrays):
    """The smallest m in {1, 2, 3, 5} × 10^k (1e-3 ≤ m ≤ 1e300) with |every finite value| ≤ m."""
    m = max((np.max(np.abs(a[np.isfinite(a)]), initial=0.0) for a in arrays if a.size), default=0.0)
    m = min(max(m, 1e-3), 1e300)
    k = np.floor(np.log10(m))
    for step in (1, 2, 3, 5, 10):
        if step * 10.0 ** k >= m * (1 - 1e-12):
            return float(f"{step * 10.0 ** k:.3g}")
    return float(10.0 ** (k + 1))


def tick_label(v):
    """Compact tick text: 0, 0.03, 300, 5000, 2e-5, 3e6 (with a proper minus sign)."""
    if v == 0:
        return "0"
    text = f"{v:g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return text.replace("-", "−")


def _decades(values):
    """Log-axis limits: the whole decades around ``values`` (> 0), with a little room."""
    lo, hi = np.log10(np.min(values) / 1.2), np.log10(np.max(values) * 1.2)
    lo, hi = np.floor(lo), np.ceil(hi)
    return 10.0 ** lo, 10.0 ** max(hi, lo + 1)


def _steps(fracs, edges, y0):
    """Vertices of a histogram outline drawn from baseline ``y0``: (2 BINS + 2, 2)."""
    x = np.repeat(edges, 2)
    y = np.concatenate([[y0], np.repeat(y0 + fracs, 2), [y0]])
    return np.column_stack([x, y])


def _fractions(values, edges):
    values = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=edges)
    return counts / max(values.size, 1)


class ExplorerFigure:
    """The loss curves over a grid of histograms: rows = layers, columns = z, a, δ.

    Each column is one axes in which the layers are stacked as rows (a ridgeline plot),
    so every layer of a column shares the same x axis by construction. ``layer_names``
    label the rows (e.g. "hidden 1", "output"); the first layer is drawn at the top.
    """

    def __init__(self, layer_names, *, width=9.0, row_height=0.62, dpi=80):
        self.layer_names = list(layer_names)
        L = len(self.layer_names)
        self.dpi = dpi
        self.fig = Figure(figsize=(width, 2.9 + row_height * L), dpi=dpi, layout="constrained")
        FigureCanvasAgg(self.fig)
        grid = self.fig.add_gridspec(2, 3, height_ratios=[2.4, max(1.2, row_height * L)])
        self.loss_ax = self.fig.add_subplot(grid[0, :])
        self.hist_axes = [self.fig.add_subplot(grid[1, c]) for c in range(3)]
        self._lines, self._hists, self._texts, self._markers, self._ticks = {}, {}, {}, {}, {}
        self._animated = []
        self._setup_axes()
        self._regions = None     # RegionCache, made on the first draw (after the layout)
        self._keys = None

    def _baseline(self, r):
        return float(len(self.layer_names) - 1 - r)

    def _dynamic(self, artist):
        artist.set_animated(True)     # left out of the cached static layer
        self._animated.append(artist)
        return artist

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
                (line,) = ax.plot([], [], style, color=color, lw=1.8, label=label)
                self._lines[run, split] = self._dynamic(line)
            self._markers[run] = [self._dynamic(m) for m in (
                ax.axvline(0, color=color, ls=":", lw=1.2, visible=False),
                ax.plot([], [], "*", color=color, ms=11, visible=False)[0],
                ax.plot([], [], "X", color=color, ms=10, visible=False)[0])]
        self._legend((True, True), (True, True))
        self._dynamic(ax.title)
        L = len(self.layer_names)
        pad = plt_rc["xtick.major.size"] + plt_rc["xtick.major.pad"]
        for c, (q, title) in enumerate(QUANTITIES):
            hax = self.hist_axes[c]
            hax.set_title(title, fontsize=9)
            hax.set_ylim(-0.05, L)
            hax.set_yticks([self._baseline(r) + 0.35 for r in range(L)],
                           self.layer_names if c == 0 else [""] * L)
            hax.tick_params(axis="y", labelsize=8)
            # The histograms are drawn in units of the column's limit m (x = value / m), so
            # the axes, ticks and grid never change; only the labels "−m", "0", "m" do, and
            # they are texts drawn with the changing layer, placed as tick labels would be.
            hax.set_xlim(-MARGIN, MARGIN)
            hax.xaxis.set_major_locator(FixedLocator([-1.0, 0.0, 1.0]))
            hax.tick_params(left=False, labelbottom=False)
            hax.grid(True, axis="x", alpha=0.3)
            trans, va, ha = hax.get_xaxis_text1_transform(pad)
            self._ticks[c] = [self._dynamic(hax.text(u, 0, "", transform=trans, va=va, ha=ha, fontsize=7))
                              for u in (-1.0, 0.0, 1.0)]
            for r in range(L):
                hax.axhline(self._baseline(r), color="0.6", lw=0.6)
                self._texts[r, c] = self._dynamic(hax.text(
                    0.99, self._baseline(r) + 0.82, "", transform=hax.get_yaxis_transform(),
                    ha="right", va="top", fontsize=7))
            for run, color in enumerate(RUN_COLORS):   # one outline path per column and run
                patch = PathPatch(Path(np.zeros((1, 2))), color=color, lw=1.3,
                                  fill=run == 0, alpha=0.6 if run == 0 else 1.0, ls="-" if run == 0 else "--")
                self._hists[c, run] = self._dynamic(hax.add_patch(patch))

    def update(self, current, pinned=None, *, title="", epochs=None):
        """Set the data of ``current`` (and the ``pinned`` run, if any): each a dict with
        keys ``history`` (a History) and ``values`` (from ``layer_values``). The loss axis
        spans ``epochs`` (default: the longest run). Returns the Figure, ready to save."""
        runs = [current] + ([pinned] if pinned is not None else [])
        ys, xmax = [], 1
        for run in range(2):
            h = runs[run]["history"] if run < len(runs) else None
            for split in ("train", "val"):
                y = np.asarray((h.loss if split == "train" else h.val_loss) if h else [], float)
                ok = np.isfinite(y) & (y > 0)
                self._lines[run, split].set_data(np.flatnonzero(ok), y[ok])
                ys.append(y[ok])
                xmax = max(xmax, len(y) - 1)
            self._mark_events(run, h)
        ys = np.concatenate(ys)
        ylim = _decades(ys) if ys.size else (0.1, 10.0)
        xlim = (0, max(int(epochs or 0), xmax))
        shown = ((True, pinned is not None), (True, any(len(r["history"].val_loss) for r in runs)))
        old = self._keys or [None] * 4
        keys = [(xlim, ylim, shown)]
        if keys[0] != old[0]:          # limits and legend cost a few ms: only when they change
            self.loss_ax.set(xlim=xlim, ylim=ylim)
            if old[0] is None or shown != old[0][2]:
                self._legend(*shown)
        self.loss_ax.set_title(title, fontsize=10)
        for c, (q, _) in enumerate(QUANTITIES):
            m = nice_limit([v for run in runs for v in run["values"][q]])
            units = np.linspace(-1.0, 1.0, BINS + 1)        # bin edges in units of m
            fracs = [[_fractions(run["values"][q][r], m * units) for r in range(len(self.layer_names))]
                     for run in runs]
            top = max(max(f.max() for f in run_fracs) for run_fracs in fracs) or 1.0
            for run in range(2):
                if run < len(runs):
                    path = Path.make_compound_path(*(
                        Path(_steps(0.85 * fracs[run][r] / top, units, self._baseline(r)))
                        for r in range(len(self.layer_names))))
                    self._hists[c, run].set_path(path)
                self._hists[c, run].set_visible(run < len(runs))
            for r in range(len(self.layer_names)):
                self._texts[r, c].set_text(" | ".join(
                    f"var {np.var(run['values'][q][r]):.2g}" for run in runs))
            for u, label in zip((-1, 0, 1), self._ticks[c]):
                label.set_text(tick_label(u * m))
            keys.append(None)       # the histogram axes' static layer never changes
        self._keys = keys
        return self.fig

    def _legend(self, runs, splits):
        """A legend for the runs (current, pinned) and splits (training, validation) shown."""
        lines = [self._lines[run, split] for run in (0, 1) if runs[run]
                 for i, split in enumerate(("train", "val")) if splits[i]]
        self.loss_ax.legend(handles=lines, fontsize=8, ncols=2, loc="upper right", frameon=False)

    def _mark_events(self, run, h):
        vline, star, cross = self._markers[run]
        stopped = h is not None and h.best_epoch is not None and h.status == "early_stopped"
        if stopped:
            vline.set_xdata([h.best_epoch, h.best_epoch])
            star.set_data([h.best_epoch], [h.best_val_loss])
        finite = [v for v in h.loss if np.isfinite(v)] if h is not None and h.status == "diverged" else []
        if finite:
            cross.set_data([len(finite) - 1], [finite[-1]])
        vline.set_visible(stopped)
        star.set_visible(stopped)
        cross.set_visible(bool(finite))

    def _layout(self):
        """Solve the constrained layout once, freeze it and split the figure into regions."""
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")
        r = self.fig.canvas.get_renderer()
        W, H = self.fig.bbox.width, self.fig.bbox.height
        top = self.loss_ax.get_tightbbox(r).y0
        bottom = max(ax.get_tightbbox(r).y1 for ax in self.hist_axes)
        split_y = (top + bottom) / 2 if bottom < top else self.loss_ax.bbox.y0 - 2
        xs = [0.0] + [(a.bbox.x1 + b.bbox.x0) / 2 for a, b in zip(self.hist_axes, self.hist_axes[1:])] + [W]
        regions = [(self.loss_ax, (0.0, split_y, W, H))]
        regions += [(ax, (xs[c], 0.0, xs[c + 1], split_y)) for c, ax in enumerate(self.hist_axes)]
        self._regions = RegionCache(self.fig, regions)

    def render(self):
        """The figure's pixels after ``update``: an ``(h, w, 4)`` uint8 RGBA view of the
        canvas, made from the cached static regions plus the changing artists."""
        if self._keys is None:
            raise RuntimeError("call update() before render()")
        if self._regions is None:
            self._layout()
        self._regions.restore(self._keys)
        return self._regions.draw(self._animated)

    def png(self, compress_level=1):
        """``render()`` encoded as PNG bytes."""
        return encode_png(self.render(), compress_level)

    @property
    def region_misses(self):
        """How many times a region of the static layer had to be drawn from scratch."""
        return 0 if self._regions is None else self._regions.misses

    def close(self):
        """Nothing to release: the figure is not registered with pyplot."""
