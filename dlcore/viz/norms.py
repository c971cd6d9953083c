"""Gradient norms per time step, laid out once for panels that change the sequence length.

``GradientNormFigure`` plots ‖∂E/∂h_t‖ (or any positive curve per step) against the step
t = 1 … T on a log scale, for a fixed set of named curves and optional dotted reference
curves. The x axis spans the longest sequence a panel offers, so changing T never changes
the layout; the log y axis follows the values shown (``LiveAxis``: its ticks are redrawn with
the curves), so the axes' pixels are never drawn again (``dlcore.viz.render``).
"""
from __future__ import annotations

import numpy as np

from .render import BlitFigure, LiveAxis
from .style import LINE_COLORS, LINESTYLES

__all__ = ["GradientNormFigure"]


class GradientNormFigure(BlitFigure):
    """Curves per time step on a log axis (see the module docstring).

    ``names`` are the legend labels of the curves, ``references`` those of the dotted
    reference curves; ``max_length`` is the longest T shown.
    """

    def __init__(self, names, references=(), *, max_length=80, ylabel="‖∂E/∂h_t‖",
                 figsize=(7.6, 3.9), pyplot=False, dpi=80):
        super().__init__(figsize, dpi, pyplot=pyplot)
        ax = self.ax = self.fig.add_subplot()
        self.curves = [self.dynamic(ax.plot([], [], color=LINE_COLORS[k % len(LINE_COLORS)],
                                            ls=LINESTYLES[k % len(LINESTYLES)], lw=2, marker="o", ms=3,
                                            label=name)[0])
                       for k, name in enumerate(names)]
        self.refs = [self.dynamic(ax.plot([], [], color="0.45", ls=":", lw=1.2, label=name)[0])
                     for name in references]
        self.scale = LiveAxis(self, ax, "y", log=True, nbins=7)
        ax.set_xlim(0, max_length + 1)
        ax.set_xlabel("time step t (the loss is measured after the last step)")
        ax.set_ylabel(ylabel)
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=min(4, len(self.curves) + len(self.refs)),
                  fontsize=9, frameon=False)
        self.title = self.dynamic(ax.set_title("Ag", fontsize=10, loc="left"))

    def update(self, curves, references=(), title=""):
        """``curves`` and ``references``: one array of T positive values per name, in order."""
        arrays = [np.asarray(v, float) for v in list(curves) + list(references)]
        arrays = [np.where(v > 0, v, np.nan) for v in arrays]
        v = np.concatenate(arrays)
        v = v[np.isfinite(v)]
        lo = np.floor(np.log10(v.min())) if v.size else -1.0
        hi = np.ceil(np.log10(v.max())) if v.size else 1.0
        self.scale.set_limits(10.0 ** max(lo, -60), 10.0 ** min(max(hi, lo + 1), 60))
        for line, values in zip(self.curves + self.refs, arrays):
            line.set_data(np.arange(1, values.size + 1), self.scale.map(values))
        self.title.set_text(title)
        return self.fig
