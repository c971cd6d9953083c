"""The training explorer's figure: loss curves, variance per layer, histograms per layer.

``ExplorerFigure`` draws, in one figure laid out once (``dlcore.viz.render.BlitFigure``):

* top: the training and validation loss per epoch (log scale), the run's status as title;
* bottom left: the variance of z, a and δ in every layer on a log scale, one row per layer
  (the first hidden layer at the top), with eq. 58's prediction for z and δ as dashed
  lines (``dlcore.teaching.variance``): vanishing and exploding signals are points that
  drift left or right from row to row;
* bottom right, on the same rows: a histogram of z, a and δ for each layer, each on its own
  symmetric scale ±m (m from 1, 2, 3, 5 × 10^k, written at the row's right end), so every
  histogram's shape is readable however small or large its values are.

A pinned run is drawn over the current one: hollow markers and dotted lines in the variance
plot, dark grey dashed outlines in the histograms and dark grey loss curves.

Speed: the histogram columns' static layer changes only with the number of rows (each row
is drawn in units of its own m), the loss axes' never (its log axis follows the loss as a
``LiveAxis``, whose ticks and labels are redrawn with the curves); the variance axis spans
1e-16 … 1e4 unless a value falls outside. One figure serves every depth up to
``max_layers`` rows (``set_layers``): its layout is solved once. An update draws only the
curves, markers, outlines and the changing texts (with ``GlyphText``) over the cached
static layer.
"""
from __future__ import annotations

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.transforms import blended_transform_factory
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

from .._validate import check_int
from .render import BlitFigure, LiveAxis, tick_text
from .style import LINE_COLORS

__all__ = ["ExplorerFigure", "layer_values", "nice_limit", "tick_label"]

QUANTITIES = (("z", "weighted sum z"), ("a", "activation a"), ("delta", "δ = ∂E/∂z"))
Q_COLORS = {"z": LINE_COLORS[0], "a": LINE_COLORS[4], "delta": LINE_COLORS[2]}
Q_MARKERS = {"z": "o", "a": "s", "delta": "^"}
RUN_COLORS = (LINE_COLORS[0], "0.2")   # loss curves and outlines: current run blue, pinned dark grey
BINS = 41
MARGIN = 1.08        # each histogram spans ±MARGIN·m
FONT = 9             # points; ≥ 10 px at the 80 dpi the panel is drawn at
DECADES = 8          # at most this many labelled decade lines on the loss axis


def layer_values(snapshot, layers):
    """{quantity: [values of each layer l in ``layers``]} from a ``Snapshot`` (flattened)."""
    return {q: [np.ravel(getattr(snapshot, q)[l]) for l in layers] for q, _ in QUANTITIES}


def nice_limit(arrays):
    """The smallest m in {1, 2, 3, 5} × 10^k (1e-300 ≤ m ≤ 1e300) with |every finite value| ≤ m;
    0 when every value is 0."""
    m = max((float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in arrays if a.size), default=0.0)
    if m == 0:
        return 0.0
    m = min(max(m, 1e-300), 1e300)
    k = np.floor(np.log10(m))
    for step in (1, 2, 3, 5, 10):
        if step * 10.0 ** k >= m * (1 - 1e-12):
            return float(f"{step * 10.0 ** k:.3g}")
    return float(10.0 ** (k + 1))


tick_label = tick_text     # compact numbers: 0, 0.03, 300, 2e−5 (the explorer's name for it)


_PLAIN = FuncFormatter(lambda v, _: tick_label(v))   # "1e−8": plain text draws faster than mathtext


def _decades(values, step=2):
    """Log-axis limits around the positive finite ``values``: powers of ten whose exponents
    are multiples of ``step``, so that nearby settings share the limits (and cached pixels)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return 0.1, 10.0
    lo = step * np.floor(np.log10(v.min() / 1.2) / step)
    hi = step * np.ceil(np.log10(v.max() * 1.2) / step)
    lo, hi = max(lo, -60.0), min(max(hi, lo + step), 60.0)
    return 10.0 ** lo, 10.0 ** hi


def _variance_limits(values, lo=-16, hi=4, step=8):
    """The variance axis: 1e-16 … 1e4, widened in steps of 8 decades when a value falls
    outside. Fixed limits keep a setting's points comparable with the last one's (and the
    axis' pixels cached)."""
    v = np.asarray(values, float)
    v = np.log10(v[np.isfinite(v) & (v > 0)])
    if v.size:
        while v.min() < lo and lo > -300 + step:
            lo -= step
        while v.max() > hi and hi < 300 - step:
            hi += step
    return 10.0 ** lo, 10.0 ** hi


def _steps(fracs, edges, y0):
    """Vertices of a histogram outline drawn from baseline ``y0``: (2 BINS + 2, 2)."""
    x = np.repeat(edges, 2)
    y = np.concatenate([[y0], np.repeat(y0 + fracs, 2), [y0]])
    return np.column_stack([x, y])


def _fractions(values, edges):
    """The fraction of the finite ``values`` in each bin of the evenly spaced ``edges``
    (values beyond them counted in the end bins). Given as a count and a range, numpy bins
    by arithmetic; given the edges, it sorted every row's values (4 of a redraw's 20 ms)."""
    values = values[np.isfinite(values)]
    counts, _ = np.histogram(np.clip(values, edges[0], edges[-1]), bins=len(edges) - 1,
                             range=(edges[0], edges[-1]))
    return counts / max(values.size, 1)


def _variances(run):
    return {q: np.array([np.var(v) if v.size else np.nan for v in run["values"][q]]) for q, _ in QUANTITIES}


class ExplorerFigure(BlitFigure):
    """Loss curves over a variance plot and histograms, one row per layer (see the module
    docstring). ``layer_names`` label the rows (e.g. "hidden 1", …, "output")."""

    def __init__(self, layer_names, *, max_layers=None, width=7.2, height=6.6, dpi=80):
        super().__init__((width, height), dpi, glyph_text=True, max_keys=24)
        self.layer_names = list(layer_names)
        self.max_layers = max(len(self.layer_names),
                              0 if max_layers is None else check_int(max_layers, "max_layers", minimum=1))
        grid = self.fig.add_gridspec(2, 4, height_ratios=[1.0, 3.2], width_ratios=[1.35, 1, 1, 1])
        self.loss_ax = self.fig.add_subplot(grid[0, :3])
        self.legend_ax = self.fig.add_subplot(grid[0, 3])     # the loss curves' legend, beside them
        self.legend_ax.axis("off")
        self.var_ax = self.fig.add_subplot(grid[1, 0])
        self.hist_axes = [self.fig.add_subplot(grid[1, c + 1]) for c in range(3)]
        self._setup_loss()
        self._setup_variance()
        self._setup_histograms()
        self.set_layers(self.layer_names)

    def set_layers(self, layer_names):
        """Show one row per name (at most ``max_layers``): a new depth changes the rows' data
        limits, labels and lines, not the layout, so it costs one redraw of the variance and
        histogram regions' static layers (then cached), not a new figure (≈ 0.6 s)."""
        names = list(layer_names)
        if not 1 <= len(names) <= self.max_layers:
            raise ValueError(f"layer_names: expected 1 to {self.max_layers} names (max_layers), got {len(names)}")
        self.layer_names = names
        L = len(names)
        self.var_ax.set_ylim(-0.25, L)
        self.var_ax.set_yticks([self._row(r) + 0.4 for r in range(L)], names, fontsize=FONT)
        for c, ax in enumerate(self.hist_axes):
            ax.set_ylim(-0.25, L)
            for r in range(self.max_layers):
                self._row_lines[c][r].set_visible(r < L)
                self._scales[r, c].set_visible(r < L)
                if r < L:
                    self._row_lines[c][r].set_ydata([self._row(r)] * 2)
                    self._scales[r, c].set_y(self._row(r) + 0.88)

    # ------------------------------------------------------------------ layout, once
    def _row(self, r):
        """The baseline of row r (row 0, the first layer, at the top)."""
        return float(len(self.layer_names) - 1 - r)

    def _setup_loss(self):
        ax = self.loss_ax
        # The loss axis follows the loss (LiveAxis): however far its range moves from one
        # setting to the next, the axes' cached pixels stay valid.
        self.loss_scale = LiveAxis(self, ax, "y", log=True, nbins=DECADES, fontsize=FONT)
        # and so does the epoch axis: the epochs slider moved its end, and each new end cost
        # the loss axes a redraw of their static layer (≈ 40 ms a position)
        self.epoch_scale = LiveAxis(self, ax, "x", nbins=5, fontsize=FONT)
        ax.set_xlabel("epoch", fontsize=FONT)
        ax.set_ylabel("loss (log scale)", fontsize=FONT)
        ax.tick_params(labelsize=FONT)
        self._lines, self._events = {}, {}
        for run, color in enumerate(RUN_COLORS):
            for split, style in (("train", "-"), ("val", "--")):
                label = f"{'current' if run == 0 else 'pinned'}: {'training' if split == 'train' else 'validation'}"
                self._lines[run, split] = self.dynamic(ax.plot([], [], style, color=color, lw=1.8, label=label)[0])
            self._events[run] = [self.dynamic(a) for a in (
                ax.axvline(0, color=color, ls=":", lw=1.2, visible=False),
                ax.plot([], [], "*", color=color, ms=11, visible=False)[0],
                ax.plot([], [], "X", color=color, ms=10, visible=False)[0])]
        self._legend_state = None
        self.dynamic(ax.title)
        ax.set_title(" ", fontsize=FONT + 1)

    def _setup_variance(self):
        ax = self.var_ax
        ax.set_xscale("log")
        ax.tick_params(axis="x", labelsize=FONT)
        ax.xaxis.set_major_locator(LogLocator(numticks=4))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(_PLAIN)
        ax.set_xlabel("variance (log scale)", fontsize=FONT, labelpad=1)
        ax.grid(True, axis="x", alpha=0.3)
        self._var, self._pred = {}, {}
        for q, _ in QUANTITIES:
            c = Q_COLORS[q]
            self._var[0, q] = self.dynamic(ax.plot([], [], "-", marker=Q_MARKERS[q], color=c, lw=1.4, ms=6)[0])
            self._var[1, q] = self.dynamic(ax.plot([], [], ":", marker=Q_MARKERS[q], color=c, lw=1.0, ms=6,
                                                   mfc="white", mew=1.3)[0])
        for q in ("z", "delta"):
            self._pred[q] = self.dynamic(ax.plot([], [], "--", color=Q_COLORS[q], lw=1.1, alpha=0.8)[0])
        handles = [Line2D([], [], ls="-", marker=Q_MARKERS[q], color=Q_COLORS[q], lw=1.4, ms=6) for q, _ in QUANTITIES]
        handles += [Line2D([], [], ls="--", color="0.3", lw=1.1), Line2D([], [], ls=":", marker="o", mfc="white",
                                                                        color="0.3", lw=1.0, ms=6)]
        # from the figure's left edge: above the layer names there is room for the legend
        ax.legend(handles, ["z", "a", "δ", "eq. 58", "pinned"], loc="lower left", bbox_to_anchor=(0.005, 1.0),
                  bbox_transform=blended_transform_factory(self.fig.transFigure, ax.transAxes), ncols=3, fontsize=FONT, frameon=False, handlelength=1.5, columnspacing=0.8,
                  handletextpad=0.4, borderaxespad=0.2)

    def _setup_histograms(self):
        self._hists, self._scales, self._row_lines = {}, {}, {}
        for c, (q, title) in enumerate(QUANTITIES):
            ax = self.hist_axes[c]
            ax.set_title(title, fontsize=FONT + 1)
            ax.set_xlim(-MARGIN, MARGIN)
            ax.set_xticks([0.0], ["0"], fontsize=FONT)
            ax.set_yticks([])
            ax.grid(True, axis="x", alpha=0.3)
            self._row_lines[c] = [ax.axhline(0.0, color="0.6", lw=0.6) for _ in range(self.max_layers)]
            for r in range(self.max_layers):     # placed by set_layers
                self._scales[r, c] = self.dynamic(ax.text(
                    0.98, 0.0, " ", transform=ax.get_yaxis_transform(),
                    ha="right", va="top", fontsize=FONT - 0.5, color="0.25"))
            for run, color in enumerate(RUN_COLORS):
                patch = PathPatch(Path(np.zeros((1, 2))), facecolor=Q_COLORS[q] if run == 0 else "none",
                                  edgecolor=Q_COLORS[q] if run == 0 else color, lw=1.2,
                                  alpha=0.55 if run == 0 else 1.0, ls="-" if run == 0 else "--")
                self._hists[c, run] = self.dynamic(ax.add_patch(patch))

    def regions(self):
        """Three regions: the loss axes (top), the variance axes and the histogram columns."""
        r = self.fig.canvas.get_renderer()
        W, H = self.fig.bbox.width, self.fig.bbox.height
        top = self.loss_ax.get_tightbbox(r).y0
        bottom = max(ax.get_tightbbox(r).y1 for ax in [self.var_ax] + self.hist_axes)
        split_y = (top + bottom) / 2 if bottom < top else self.loss_ax.bbox.y0 - 2
        split_x = (self.var_ax.bbox.x1 + self.hist_axes[0].bbox.x0) / 2
        return [([self.loss_ax, self.legend_ax], (0.0, split_y, W, H)),
                ([self.var_ax], (0.0, 0.0, split_x, split_y)),
                (self.hist_axes, (split_x, 0.0, W, split_y))]

    def key(self, axes):
        if axes == [self.loss_ax, self.legend_ax]:
            return (self.loss_ax.get_xlim(), self._legend_state)
        if axes == [self.var_ax]:
            return self.var_ax.get_xlim(), tuple(self.layer_names)
        return tuple(self.layer_names)   # the histogram columns' static layer: only its rows

    # ------------------------------------------------------------------ updates
    def update(self, current, pinned=None, *, title="", epochs=None, predicted=None):
        """Show ``current`` (and the ``pinned`` run, if any): dicts with ``history`` (a
        History) and ``values`` (from ``layer_values``). The loss axis spans ``epochs``
        (default: the longest run); ``predicted`` is ``{"z": [...], "delta": [...]}`` (one
        variance per layer, NaN where none is drawn) or None. Returns the Figure."""
        runs = [current] + ([pinned] if pinned is not None else [])
        self._update_loss(runs, title, epochs)
        self._update_variance(runs, predicted)
        self._update_histograms(runs)
        return self.fig

    def _update_loss(self, runs, title, epochs):
        curves, xmax = {}, 1
        for run in range(2):
            h = runs[run]["history"] if run < len(runs) else None
            for split in ("train", "val"):
                y = np.asarray((h.loss if split == "train" else h.val_loss) if h else [], float)
                ok = np.isfinite(y) & (y > 0)
                curves[run, split] = (np.flatnonzero(ok), y[ok])
                xmax = max(xmax, len(y) - 1)
        self.loss_scale.set_limits(*_decades(np.concatenate([y for _, y in curves.values()]), step=1))
        self.epoch_scale.set_limits(0, max(int(epochs or 0), xmax))
        for (run, split), (x, y) in curves.items():
            self._lines[run, split].set_data(self.epoch_scale.map(x), self.loss_scale.map(y))
        for run in range(2):
            self._mark_events(run, runs[run]["history"] if run < len(runs) else None)
        shown = (len(runs) > 1, any(len(r["history"].val_loss) for r in runs))
        if shown != self._legend_state:
            self._legend_state = shown
            lines = [self._lines[run, split] for run in (0, 1) if run == 0 or shown[0]
                     for split in ("train", "val") if split == "train" or shown[1]]
            self.legend_ax.legend(handles=lines, labels=[l.get_label() for l in lines], fontsize=FONT - 0.5,
                                  loc="upper left", frameon=False, borderaxespad=0.0)
        self.loss_ax.set_title(title, fontsize=FONT + 1)

    def _mark_events(self, run, h):
        vline, star, cross = self._events[run]
        stopped = h is not None and h.best_epoch is not None and h.status == "early_stopped"
        if stopped:
            vline.set_xdata(self.epoch_scale.map([h.best_epoch, h.best_epoch]))
            star.set_data(self.epoch_scale.map([h.best_epoch]), self.loss_scale.map([h.best_val_loss]))
        finite = [v for v in h.loss if np.isfinite(v)] if h is not None and h.status == "diverged" else []
        if finite:
            cross.set_data(self.epoch_scale.map([len(finite) - 1]), self.loss_scale.map([finite[-1]]))
        vline.set_visible(stopped)
        star.set_visible(stopped)
        cross.set_visible(bool(finite))

    def _update_variance(self, runs, predicted):
        rows = np.array([self._row(r) + 0.4 for r in range(len(self.layer_names))])
        shown = []
        for run in range(2):
            var = _variances(runs[run]) if run < len(runs) else None
            for q, _ in QUANTITIES:
                line = self._var[run, q]
                if var is None:
                    line.set_visible(False)
                    continue
                v = np.where(var[q] > 0, var[q], np.nan)
                line.set_data(v, rows)
                line.set_visible(True)
                shown.append(v)
        for q, line in self._pred.items():
            v = np.asarray(predicted[q], float) if predicted is not None else np.full(len(rows), np.nan)
            v = np.where(v > 0, v, np.nan)
            line.set_data(v, rows)
            line.set_visible(predicted is not None)
            shown.append(v)
        self.var_ax.set_xlim(*_variance_limits(np.concatenate(shown)))

    def _update_histograms(self, runs):
        L = len(self.layer_names)
        units = np.linspace(-MARGIN, MARGIN, BINS + 1)          # bin edges in units of each row's m
        for c, (q, _) in enumerate(QUANTITIES):
            m = [nice_limit([run["values"][q][r] for run in runs]) for r in range(L)]
            for run in range(2):
                patch = self._hists[c, run]
                patch.set_visible(run < len(runs))
                if run >= len(runs):
                    continue
                paths = []
                for r in range(L):
                    fracs = _fractions(runs[run]["values"][q][r], (m[r] or 1.0) * units)
                    paths.append(Path(_steps(0.85 * fracs / (fracs.max() or 1.0), units, self._row(r))))
                patch.set_path(Path.make_compound_path(*paths))
            for r in range(L):
                self._scales[r, c].set_text(f"±{tick_label(m[r])}" if m[r] else "all 0")
