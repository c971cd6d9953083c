"""Computation diagrams: nodes joined by arrows, with forward values and backward gradients.

The primitives (``node``, ``flow``, ``value_label``) draw every diagram of this kind in the
book; two small diagrams of the CMU lecture are built from them here:

* ``influence_diagram``: the distributed chain rule. A quantity x influences y through
  several intermediate quantities g_1 … g_M, and dy/dx = Σ_i (∂y/∂g_i)(dg_i/dx)
  (CMU lecture, "Distributed Chain Rule: Influence Diagram").
* ``multiplicative_unit_diagram``: special case 2 of the CMU lecture, o = y_j · y_l, with its
  backward rule ∂Div/∂y_j = y_l ∂Div/∂o and ∂Div/∂y_l = y_j ∂Div/∂o, the mechanism of every
  gate of an LSTM.

Colours follow the book's convention: forward values blue, backward gradients vermilion
(dashed arrows pointing the way the gradient travels).
"""
from __future__ import annotations

import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from .style import BLUE, VERMILION, new_axes

__all__ = ["FORWARD", "BACKWARD", "node", "flow", "flow_pair", "value_label", "finish", "labels", "influence_diagram",
           "multiplicative_unit_diagram"]

FORWARD, BACKWARD = BLUE, VERMILION
FILL = {"input": "#E8F1F8", "unit": "#F5F5F5", "output": "#FFF8E1", "gate": "#FCE9D9",
        "op": "white"}


def node(ax, xy, text, *, kind="unit", shape="box", width=0.9, height=0.6, fontsize=9):
    """A labelled box (or circle, for operations such as ⊙ and +) centred on ``xy``.

    ``kind`` picks the fill: "input", "unit", "output", "gate" or "op".
    Returns the patch, whose size ``flow`` uses to stop arrows at its edge.
    """
    if kind not in FILL:
        raise ValueError(f"kind must be one of {sorted(FILL)}, got {kind!r}")
    x, y = xy
    if shape == "circle":
        patch = Circle(xy, width / 2, fc=FILL[kind], ec="black", lw=1.2, zorder=3)
    elif shape == "box":
        patch = FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                               boxstyle="round,pad=0.02,rounding_size=0.08", fc=FILL[kind],
                               ec="black", lw=1.2, zorder=3)
    else:
        raise ValueError(f"shape must be 'box' or 'circle', got {shape!r}")
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, zorder=4)
    return patch


def flow(ax, start, end, *, label=None, backward=False, color=None, rad=0.0, label_at=0.5,
         offset=(0.0, 0.0), fontsize=8, patches=(None, None), lw=1.3):
    """An arrow from ``start`` to ``end``: solid blue forward, dashed vermilion ``backward``.

    ``patches`` are the nodes at either end (the arrow stops at their edges); ``label`` is
    written at the fraction ``label_at`` of the way, shifted by ``offset``.
    """
    color = color or (BACKWARD if backward else FORWARD)
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=11, lw=lw, color=color,
                            ls="--" if backward else "-", connectionstyle=f"arc3,rad={rad}",
                            patchA=patches[0], patchB=patches[1], shrinkA=2, shrinkB=2, zorder=2)
    ax.add_patch(arrow)
    if label:
        x = start[0] + label_at * (end[0] - start[0]) + offset[0]
        y = start[1] + label_at * (end[1] - start[1]) + offset[1]
        value_label(ax, (x, y), label, color=color, fontsize=fontsize)
    return arrow


def flow_pair(ax, start, end, forward=None, backward=None, *, gap=0.16, patches=(None, None),
              fontsize=8, label_at=0.5, shift=0.34, side=1):
    """An edge with its forward arrow (start → end) and, beside it, the backward arrow
    (end → start, dashed) that carries the gradient; labels on the outer sides.

    ``backward`` is the gradient's label (``False`` draws no backward arrow). Each label sits
    at the fraction ``label_at`` of its own arrow, so a value below 0.5 puts the forward label
    nearer the start and the backward one nearer the end, out of each other's way. The forward
    arrow runs above the edge (``side=1``) or below it (``side=-1``), the backward one opposite.
    """
    (x0, y0), (x1, y1) = start, end
    length = float(np.hypot(x1 - x0, y1 - y0)) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length          # unit normal, left of start → end
    sign = (1.0 if ny >= 0 else -1.0) * (1.0 if side >= 0 else -1.0)   # 1: above the edge
    nx, ny = sign * nx, sign * ny
    fa = ((x0 + gap * nx, y0 + gap * ny), (x1 + gap * nx, y1 + gap * ny))
    flow(ax, *fa, label=forward, patches=patches, fontsize=fontsize, label_at=label_at,
         offset=(shift * nx, shift * ny))
    if backward is not False:
        ba = ((x1 - gap * nx, y1 - gap * ny), (x0 - gap * nx, y0 - gap * ny))
        flow(ax, *ba, label=backward, backward=True, patches=patches[::-1], fontsize=fontsize,
             label_at=label_at, offset=(-shift * nx, -shift * ny))


def value_label(ax, xy, text, *, color=FORWARD, fontsize=8, ha="center"):
    """Text on a white ground, in the colour of the flow it belongs to."""
    return ax.text(*xy, text, ha=ha, va="center", fontsize=fontsize, color=color, zorder=5,
                   bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))


def finish(ax, xlim, ylim, title=None, fontsize=10):
    """Equal aspect, no axes, the given limits and an optional title."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=fontsize)


def labels(values, n, name, unit="path"):
    """``values`` as ``n`` labels (None stays None, numbers get 3 significant digits), or a
    ``ValueError`` naming ``name`` when the count is wrong."""
    if values is None:
        return [None] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"{name} must give one label for each of the {n} {unit}s, got {len(values)}")
    return [None if v is None else v if isinstance(v, str) else f"{v:.3g}" for v in values]


def influence_diagram(source, paths, target, *, into=None, out_of=None, backward=None,
                      arriving=None, total=None, ax=None, title=None, figsize=(9.0, 4.6)):
    """The distributed chain rule: ``source`` influences ``target`` through each of ``paths``.

    Parameters
    ----------
    source, target : str
        Names of x and y (mathtext allowed, e.g. ``"$a_5$"``).
    paths : list of str
        The intermediate quantities g_1 … g_M, drawn in a column between them.
    into, out_of : list of str, optional
        A label per path for the forward edges x → g_i (dg_i/dx) and g_i → y (∂y/∂g_i).
    arriving, backward : list of str, optional
        A label per path for the gradient that travels back y → g_i (``arriving``, ∂y/∂g_i)
        and on g_i → x (``backward``, that path's contribution (∂y/∂g_i)(dg_i/dx)), dashed.
    total : str, optional
        The sum of the paths' contributions, written under x (dy/dx = Σ_i …).
    """
    if isinstance(paths, str) or len(paths) < 1:
        raise ValueError(f"paths must be a list of at least one name, got {paths!r}")
    m = len(paths)
    into, out_of = labels(into, m, "into"), labels(out_of, m, "out_of")
    back, arrive = labels(backward, m, "backward"), labels(arriving, m, "arriving")
    draw_back = backward is not None or arriving is not None
    fig, ax = new_axes(ax, figsize)
    step = 2.2
    ys = [(m - 1) / 2 * step - step * i for i in range(m)]
    src = node(ax, (0, 0), source, kind="input", width=1.0)
    dst = node(ax, (8, 0), target, kind="output", width=1.0)
    for y, name, a, b, c, d in zip(ys, paths, into, out_of, back, arrive):
        mid = node(ax, (4, y), name, width=1.0)
        outside = 1 if y >= 0 else -1      # forward labels on the outside, gradients inside
        flow_pair(ax, (0, 0), (4, y), a, c if draw_back else False, patches=(src, mid), label_at=0.3,
                  side=outside)
        flow_pair(ax, (4, y), (8, 0), b, d if draw_back else False, patches=(mid, dst), label_at=0.5,
                  side=outside if b else -outside)     # unlabelled forward: gradient outside
    bottom = -(m - 1) / 2 * step - 1.0
    if total:
        value_label(ax, (0, bottom), total, color=BACKWARD, fontsize=9, ha="left")
    finish(ax, (-0.8, 8.8), (bottom - 0.5, (m - 1) / 2 * step + 0.8), title)
    return fig


def multiplicative_unit_diagram(y_j=None, y_l=None, grad_o=None, *, names=("y_j", "y_l", "o"),
                                ax=None, title=None, decimals=4, figsize=(9.0, 4.0)):
    """The multiplicative unit o = y_j · y_l with its forward values and backward gradients.

    With numbers for ``y_j``, ``y_l`` (forward) and ``grad_o`` = ∂Div/∂o (backward), the
    arrows carry o = y_j y_l, ∂Div/∂y_j = y_l ∂Div/∂o and ∂Div/∂y_l = y_j ∂Div/∂o (CMU lecture,
    special case 2). ``names`` are the mathtext names (without $) of the inputs and output.
    """
    if len(names) != 3:
        raise ValueError(f"names must name the two inputs and the output, got {names!r}")
    jn, ln, on = (f"${n}$" for n in names)
    have_fwd = y_j is not None and y_l is not None
    if grad_o is not None and not have_fwd:
        raise ValueError("the backward rule needs the forward values: pass y_j and y_l too")
    fmt = lambda v: f"{v:.{decimals}f}"  # noqa: E731
    fig, ax = new_axes(ax, figsize)
    pj = node(ax, (0, 1.5), jn, kind="input", width=1.0)
    pl = node(ax, (0, -1.5), ln, kind="input", width=1.0)
    op = node(ax, (4, 0), "×", kind="op", shape="circle", width=0.7, fontsize=14)
    po = node(ax, (8, 0), on, kind="output", width=1.0)
    back = grad_o is not None
    flow_pair(ax, (0, 1.5), (4, 0), f"{jn} = {fmt(y_j)}" if have_fwd else None,
              f"∂Div/∂{jn} = {ln}·∂Div/∂{on} = {fmt(y_l * grad_o)}" if back else False,
              patches=(pj, op), label_at=0.3, side=-1)
    flow_pair(ax, (0, -1.5), (4, 0), f"{ln} = {fmt(y_l)}" if have_fwd else None,
              f"∂Div/∂{ln} = {jn}·∂Div/∂{on} = {fmt(y_j * grad_o)}" if back else False,
              patches=(pl, op), label_at=0.3)
    flow_pair(ax, (4, 0), (8, 0), f"{on} = {jn}·{ln}" + (f" = {fmt(y_j * y_l)}" if have_fwd else ""),
              f"∂Div/∂{on} = {fmt(grad_o)}" if back else False, patches=(op, po))
    finish(ax, (-1.0, 9.0), (-2.6, 2.6), title)
    return fig
