"""Sliders that still work on the static site: precomputed frames linked in the browser.

A published Jupyter Book has no kernel, so a slider that asks Python to redraw does
nothing there. ``frames_panel`` renders the figure once for every combination of values
on a small grid when the notebook is executed (at build time) and links the controls to
the frames with ``ipywidgets.jslink``: the links run in the page's own widget JavaScript,
so moving a control flips between the saved figures with no kernel and no network.

With several parameters the frames are nested ``Stack`` widgets: the first parameter's
control selects a stack, the second's selects inside every one of those stacks, and so on.
Choose grids that teach (a handful of values each): every frame is stored in the page.

Paper has no JavaScript at all, so the box ``frames_panel`` returns also carries a print
form: one matplotlib figure with every frame side by side (small multiples), each labelled
with its settings. It travels in the same output as the widget, as an extra
``application/pdf`` entry of the display bundle; the site's HTML builder shows the widget,
the PDF's LaTeX builder (which cannot show a widget) picks the grid, so one execution of a
chapter serves both.

``static_mode()`` is True while the book is being built (the book's Sphinx extension sets
``DLCORE_STATIC_PANELS=1`` for the notebook kernels): chapters' main panels then return
their precomputed form, and a live, kernel-driven panel otherwise.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import math
import os
import textwrap

import ipywidgets as W
import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from ..viz.style import BLUE

__all__ = ["frames_panel", "figure_html", "static_mode", "FramesPanel", "frames_grid"]

ENV = "DLCORE_STATIC_PANELS"


def static_mode() -> bool:
    """True when panels should be precomputed for a page without a kernel."""
    return os.environ.get(ENV, "") not in ("", "0", "false", "False")


def _png(fig, dpi):
    """``fig`` as PNG bytes; closes ``fig``."""
    buf = io.BytesIO()
    fig.canvas.draw()        # the constrained layout settles over two draws (savefig's is the second)
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 9})
    plt.close(fig)
    return buf.getvalue()


def _img_tag(png, alt):
    """The PNG in an ``<img>`` with alternative text, in a box that keeps its natural size."""
    data = base64.b64encode(png).decode("ascii")
    # the box can be scrolled with the keyboard too (tabindex), and says what it holds
    return (f'<div class="dlcore-frame" tabindex="0" role="region" aria-label="figure" '
            f'style="overflow-x:auto;max-width:100%">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="max-width:none;height:auto"></div>')


def figure_html(fig, alt, dpi=80):
    """An ``<img>`` holding ``fig`` as an embedded PNG with alternative text; closes ``fig``.

    The image keeps its natural size, so its text stays as large as it was drawn (at least
    9 px: ``tests/test_figure_text.py``); in a page narrower than the image it scrolls
    sideways inside its ``dlcore-frame`` box (``site/static/book.css``) instead of shrinking."""
    return _img_tag(_png(fig, dpi), alt)


def _label(v):
    return f"{v:g}" if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


def _control(description, values, start):  # noqa: D401 - a slider for numbers, else a dropdown
    labels = [_label(v) for v in values]
    if len(set(labels)) != len(labels):
        raise ValueError(f"the values of {description!r} must be distinct, got {labels}")
    common = dict(options=list(zip(labels, range(len(values)))), value=start, description=description,
                  style={"description_width": "initial"})
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return W.SelectionSlider(continuous_update=True, layout=W.Layout(width="420px", max_width="100%"), **common)
    return W.Dropdown(layout=W.Layout(max_width="100%"), **common)


def frames_panel(render, grid, *, value=None, alt=None, labels=None, dpi=80):
    """Controls over a grid of values that show ``render(**values)`` for each combination.

    Parameters
    ----------
    render : callable
        ``render(**params) -> matplotlib Figure`` for one combination of values.
    grid : dict
        ``{name: [values, ...]}``, each with at least two values; a numeric parameter
        gets a slider, any other a dropdown, labelled with its name. ``render`` receives
        the names as keyword arguments, so use valid Python names.
    value : dict, optional
        The combination shown first (default: the first value of each parameter).
    alt : callable, optional
        ``alt(**params) -> str``: each frame's alternative text.
    labels : dict, optional
        ``{name: "label shown on the control"}`` (default: the name itself).
    """
    if not callable(render):
        raise TypeError(f"render must be a function params -> Figure, got {type(render).__name__}")
    if not isinstance(grid, dict) or not grid:
        raise TypeError(f"grid must be a non-empty dict name -> list of values, got {grid!r}")
    names = list(grid)
    grid = {k: list(v) for k, v in grid.items()}
    for k, vals in grid.items():
        if len(vals) < 2:
            raise ValueError(f"grid[{k!r}] must hold at least two values, got {vals}")
    value = {k: vals[0] for k, vals in grid.items()} | dict(value or {})
    for k, v in value.items():
        if k not in grid or v not in grid[k]:
            raise ValueError(f"value[{k!r}] must be one of {grid.get(k)}, got {v!r}")
    alt = alt or (lambda **p: "Figure for " + ", ".join(f"{k} = {_label(v)}" for k, v in p.items()))
    starts = {k: grid[k].index(value[k]) for k in names}
    labels = dict(labels or {})
    if set(labels) - set(names):
        raise ValueError(f"labels names unknown parameters {sorted(set(labels) - set(names))}")
    controls = {k: _control(labels.get(k, k), grid[k], starts[k]) for k in names}
    pngs = {combo: _png(render(**dict(zip(names, combo))), dpi)
            for combo in itertools.product(*(grid[k] for k in names))}
    frames = {combo: W.HTML(_img_tag(png, alt(**dict(zip(names, combo))))) for combo, png in pngs.items()}
    links = []

    def nest(depth, prefix):
        k = names[depth]
        if depth == len(names) - 1:
            children = [frames[prefix + (v,)] for v in grid[k]]
        else:
            children = [nest(depth + 1, prefix + (v,)) for v in grid[k]]
        stack = W.Stack(children, selected_index=starts[k])
        links.append(W.jslink((controls[k], "index"), (stack, "selected_index")))  # browser-side
        return stack

    root = nest(0, ())
    row = W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap"))   # wraps on a phone
    box = FramesPanel([row, root])
    box.controls, box.stack, box.links, box.frames = controls, root, links, frames
    box.print_form = dict(pngs=pngs, grid=grid, labels={k: c.description for k, c in controls.items()},
                          value=tuple(value[k] for k in names))
    return box


# --- the print form ---------------------------------------------------------------------

PRINT_WIDTH = 6.5    # inches: the PDF's text width (letter paper, 1 in margins), so labels print at size
MAX_COLUMNS = 4      # frames per row before a row wraps
LABEL_SIZE = 7       # points


def _columns(n):
    """At most ``MAX_COLUMNS`` per row, rows filled as evenly as possible (5 -> 3 + 2, 7 -> 4 + 3)."""
    return math.ceil(n / math.ceil(n / MAX_COLUMNS))


def _setting(label, v):
    return f"{label} = {_label(v)}"


def _wrap(text, inches):
    """``text`` broken into lines that fit ``inches`` at LABEL_SIZE points (DejaVu Sans)."""
    return textwrap.fill(text, max(12, int(inches * 72 / (0.62 * LABEL_SIZE))))


def frames_grid(pngs, grid, *, labels=None, value=None, width=PRINT_WIDTH):
    """Every frame of a panel in one figure (small multiples), each labelled with its settings.

    The last parameter's values run along a row (wrapping after ``MAX_COLUMNS``), titled
    "label = value"; every combination of the other parameters is a band of rows headed by
    its own settings. The frame the panel shows first is outlined and its title bold.

    Parameters
    ----------
    pngs : dict
        ``{combination: PNG bytes}``, one per combination (a tuple in ``grid``'s order) of the
        values of ``grid``, as ``frames_panel`` renders them.
    grid : dict
        ``{name: [values, ...]}``.
    labels : dict, optional
        ``{name: "label"}`` used in the titles (default: the names).
    value : tuple, optional
        The combination the panel shows first.
    width : float
        Figure width in inches.
    """
    names = list(grid)
    labels = {k: (labels or {}).get(k, k) for k in names}
    last, heads = grid[names[-1]], list(itertools.product(*(grid[k] for k in names[:-1])))
    images = {combo: mpimg.imread(io.BytesIO(png), format="png") for combo, png in pngs.items()}
    cols = _columns(len(last))
    rows, cell = math.ceil(len(last) / cols), width / cols
    aspect = max(im.shape[0] / im.shape[1] for im in images.values())
    headers = [_wrap(", ".join(_setting(labels[k], v) for k, v in zip(names, head)), width) for head in heads]
    titles = [_wrap(_setting(labels[names[-1]], v), cell) for v in last]
    line = LABEL_SIZE * 1.4 / 72
    lines = max(t.count("\n") + 1 for t in titles)
    band = rows * (cell * aspect + lines * line + 0.06) + (line * (headers[0].count("\n") + 1) if heads[0] else 0)
    fig = plt.figure(figsize=(width, len(heads) * band + 2 * line), layout="constrained")
    fig.suptitle(f"Interactive panel, all {len(pngs)} settings"
                 + (" (outlined: the one it shows first)" if value in pngs else ""), fontsize=LABEL_SIZE + 1)
    for head, header, sub in zip(heads, headers, fig.subfigures(len(heads), 1, squeeze=False)[:, 0]):
        if head:
            sub.suptitle(header, fontsize=LABEL_SIZE, fontweight="bold", color="#333333")
        axes = sub.subplots(rows, cols, squeeze=False)
        for j, ax in enumerate(axes.flat):
            if j >= len(last):
                ax.set_axis_off()
                continue
            combo = head + (last[j],)
            ax.imshow(images[combo], interpolation="none")  # in a PDF: the frame's own pixels
            ax.set_xticks([]), ax.set_yticks([])
            chosen = combo == value
            for spine in ax.spines.values():
                spine.set(visible=chosen, linewidth=1.5, color=BLUE)
            ax.set_title(titles[j], fontsize=LABEL_SIZE,
                         fontweight="bold" if chosen else "normal")
    return fig


class FramesPanel(W.VBox):
    """The box ``frames_panel`` returns: its controls and frames, and their print form.

    Displayed, it offers two forms of itself: the widget (where widget JavaScript runs:
    JupyterLab, the static site) and ``application/pdf``, the ``frames_grid`` of every frame,
    with the frames embedded at their own resolution and the labels as text. Each front-end
    shows the richest form it can; Sphinx's LaTeX builder, which cannot show a widget,
    prints the grid, so the PDF reuses the outputs of the site's execution.
    """

    print_form = None    # frames_panel sets dict(pngs=..., grid=..., labels=..., value=...)

    def print_pdf(self):
        """The grid of every frame as the bytes of a one-page PDF."""
        form = self.print_form
        fig = frames_grid(form["pngs"], form["grid"], labels=form["labels"], value=form["value"])
        buf = io.BytesIO()
        with plt.rc_context({"pdf.fonttype": 42}):   # TrueType text: crisp, searchable, copyable
            fig.savefig(buf, format="pdf", metadata={"CreationDate": None})   # same panel, same bytes
        plt.close(fig)
        return buf.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.print_form:
            bundle["application/pdf"] = base64.b64encode(self.print_pdf()).decode("ascii")
        return bundle
