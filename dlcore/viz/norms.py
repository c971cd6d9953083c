"""Gradient norms per time step, laid out once for panels that change the sequence length.

``GradientNormFigure`` plots ‖∂E/∂h_t‖ (or any positive curve per step) against the step
t = 1 … T on a log scale, for a fixed set of named curves and optional dotted reference
curves. The x axis spans the longest sequence a panel offers, so changing T never changes
the layout; the y axis takes whole powers of 10⁴ around the values shown, so its pixels are
redrawn only when the curves move by orders of magnitude (``dlcore.viz.render``).
"""
from __future__ import annotations

import numpy as np

from .render import BlitFigure
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
        ax.set_yscale("log")
        ax.set_xlim(0, max_length + 1)
        ax.set_xlabel("time step t (the loss is measured after the last step)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=min(4, len(self.curves) + len(self.refs)),
                  fontsize=9, frameon=False)
        self.title = self.dynamic(ax.set_title("Ag", fontsize=10, loc="left"))

    def update(self, curves, references=(), title=""):
        """``curves`` and ``references``: one array of T positive values per name, in order."""
        shown = []
        for line, values in zip(self.curves + self.refs, list(curves) + list(references)):
            v = np.asarray(values, float)
            v = np.where(v > 0, v, np.nan)
            line.set_data(np.arange(1, v.size + 1), v)
            shown.append(v)
        v = np.concatenate(shown)
        v = v[np.isfinite(v)]
        lo = 4 * np.floor(np.log10(v.min()) / 4) if v.size else -1
        hi = 4 * np.ceil(np.log10(v.max()) / 4) if v.size else 1
        self.ax.set_ylim(10.0 ** max(lo, -60), 10.0 ** min(max(hi, lo + 4), 60))
        self.title.set_text(title)
        return self.fig
