"""What makes a figure hard to read, found from its artists' extents (issue 14, item 5).

``problems(fig)`` lays the figure out (a draw on its own canvas, changing artists included)
and returns a sentence per problem:

* two texts overlap (titles, axis labels, tick labels, annotations, legend entries);
* a legend covers a plotted curve (a ``Line2D`` of the same axes with more than two points,
  followed segment by segment, inside the axes);
* a text placed in data coordinates crosses the axes' frame (half inside, half outside);
* a text runs off the figure (it would be cut);
* with ``min_px``: a text is smaller than ``min_px`` pixels at the figure's own dpi (frames
  are shown at their natural size, see ``dlcore.ui.static.figure_html``).

Boxes count as overlapping when they share more than ``slack`` pixels both ways, so glyphs
that merely touch are not reported.
"""
from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from matplotlib.text import Text

SLACK = 1.0


def _draw(fig):
    """Lay ``fig`` out as it is shown (constrained layout settles over two draws: a notebook
    shows a figure with a draw of its own after the one made here; ``figure_html`` draws
    before saving) and return a renderer; changing (animated) artists count too."""
    fig.canvas.draw()
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _tick_labels(ax):
    """The tick labels matplotlib draws: visible, non-empty, at a tick inside the view."""
    out = []
    if not ax.axison:
        return out
    for axis, lo_hi in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if not axis.get_visible():
            continue
        scale = axis.get_transform()                     # compare in the axis' own scale (log: log10)
        lo, hi = sorted(scale.transform(np.asarray(lo_hi, float)))
        for tick in axis.get_major_ticks():
            at = scale.transform(np.asarray([tick.get_loc()], float))[0]
            if np.isfinite(at) and lo - 1e-9 * (hi - lo) <= at <= hi + 1e-9 * (hi - lo):
                out += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return out


def texts(fig):
    """Every visible, non-empty text of ``fig`` that is drawn, with a short name."""
    found = []
    if fig._suptitle is not None:
        found.append(fig._suptitle)
    found += list(fig.texts)
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title]
        found += [a.label for a in (ax.xaxis, ax.yaxis) if ax.axison and a.get_visible()]
        found += list(ax.texts) + _tick_labels(ax)
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [t for t in legend.get_texts() if t.get_visible()]
    for legend in fig.legends:
        found += list(legend.get_texts())
    unique = list({id(t): t for t in found}.values())       # the suptitle is in fig.texts too
    return [t for t in unique if isinstance(t, Text) and t.get_visible() and t.get_text().strip()
            and t.get_alpha() != 0 and to_rgba(t.get_color())[3] > 0]


def _overlap(a, b, slack=SLACK):
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > slack) and (min(a.y1, b.y1) - max(a.y0, b.y0) > slack)


def _name(t):
    return repr(t.get_text()[:40])


def _curve_points(line, ax, per_segment=12):
    """Display points along a curve's segments, inside the axes (where it is drawn)."""
    xy = np.asarray(line.get_xydata(), float)
    if xy.ndim != 2 or len(xy) <= 2:
        return np.empty((0, 2))
    pts = line.get_transform().transform(xy)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    if len(pts) < 2:
        return np.empty((0, 2))
    if len(pts) > 2000:                                   # long curves: their vertices are dense
        dense = pts
    else:
        t = np.linspace(0, 1, per_segment, endpoint=False)[:, None, None]
        dense = (pts[:-1] + t * (pts[1:] - pts[:-1])).reshape(-1, 2)
    box = ax.bbox
    inside = (dense[:, 0] >= box.x0) & (dense[:, 0] <= box.x1) & (dense[:, 1] >= box.y0) & (dense[:, 1] <= box.y1)
    return dense[inside]


def _legend_problems(fig, renderer):
    out = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer).expanded(1.0, 1.0)
        inner = box.padded(-2.0)
        for line in ax.get_lines():
            if not line.get_visible() or line.get_linestyle() in ("None", "", " ") and line.get_marker() in (None, "None", ""):
                continue
            pts = _curve_points(line, ax)
            hit = (pts[:, 0] > inner.x0) & (pts[:, 0] < inner.x1) & (pts[:, 1] > inner.y0) & (pts[:, 1] < inner.y1)
            if hit.any():
                out.append(f"the legend of {_axes_name(ax)} covers the curve {line.get_label()!r}")
    return out


def _axes_name(ax):
    title = ax.get_title() or ax.get_title(loc="left") or ax.get_ylabel() or "an axes"
    return repr(title[:40])


def _in_data(t, ax):
    """True for a text placed at a data point (``ax.text``, or an annotation of a data point)."""
    if hasattr(t, "xyann"):
        return t.xycoords == "data"
    return t.get_transform() == ax.transData


def _frame_problems(fig, renderer):
    out = []
    for ax in fig.axes:
        frame = ax.bbox
        for t in ax.texts:
            if not (t.get_visible() and t.get_text().strip() and _in_data(t, ax)):
                continue
            b = t.get_window_extent(renderer)
            inside = b.x0 >= frame.x0 - SLACK and b.x1 <= frame.x1 + SLACK and b.y0 >= frame.y0 - SLACK \
                and b.y1 <= frame.y1 + SLACK
            outside = b.x1 <= frame.x0 + SLACK or b.x0 >= frame.x1 - SLACK or b.y1 <= frame.y0 + SLACK \
                or b.y0 >= frame.y1 - SLACK
            if not (inside or outside):
                out.append(f"the text {_name(t)} crosses the frame of {_axes_name(ax)}")
    return out


def problems(fig, min_px=None):
    """Sentences describing each readability problem of ``fig`` (an empty list: none)."""
    renderer = _draw(fig)
    found = texts(fig)
    boxes = [t.get_window_extent(renderer) for t in found]
    out = []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            if _overlap(boxes[i], boxes[j]):
                out.append(f"the texts {_name(found[i])} and {_name(found[j])} overlap")
    page = fig.bbox
    for t, b in zip(found, boxes):
        if b.x0 < page.x0 - SLACK or b.x1 > page.x1 + SLACK or b.y0 < page.y0 - SLACK or b.y1 > page.y1 + SLACK:
            out.append(f"the text {_name(t)} runs off the figure")
    out += _legend_problems(fig, renderer)
    out += _frame_problems(fig, renderer)
    if min_px is not None:
        for t in found:
            px = t.get_fontsize() * fig.dpi / 72.0
            if px < min_px - 1e-6:
                out.append(f"the text {_name(t)} is {px:.1f} px high (at least {min_px} px)")
    return out
