"""Sliders that still work on the static site: precomputed frames linked in the browser.

A published Jupyter Book has no kernel, so a slider that asks Python to redraw does
nothing there. ``frames_panel`` renders the figure once for every combination of values
on a small grid when the notebook is executed (at build time) and links the controls to
the frames with ``ipywidgets.jslink``: the links run in the page's own widget JavaScript,
so moving a control flips between the saved figures with no kernel and no network.

With several parameters the frames are nested ``Stack`` widgets: the first parameter's
control selects a stack, the second's selects inside every one of those stacks, and so on.
Choose grids that teach (a handful of values each): every frame is stored in the page.

``static_mode()`` is True while the book is being built (the book's Sphinx extension sets
``DLCORE_STATIC_PANELS=1`` for the notebook kernels): chapters' main panels then return
their precomputed form, and a live, kernel-driven panel otherwise.
"""
from __future__ import annotations

import base64
import html
import io
import itertools
import os

import ipywidgets as W
import matplotlib.pyplot as plt

__all__ = ["frames_panel", "figure_html", "static_mode"]

ENV = "DLCORE_STATIC_PANELS"


def static_mode() -> bool:
    """True when panels should be precomputed for a page without a kernel."""
    return os.environ.get(ENV, "") not in ("", "0", "false", "False")


def figure_html(fig, alt, dpi=80):
    """An ``<img>`` holding ``fig`` as an embedded PNG with alternative text; closes ``fig``.

    The image keeps its natural size, so its text stays as large as it was drawn (at least
    9 px: ``tests/test_figure_text.py``); in a page narrower than the image it scrolls
    sideways inside its ``dlcore-frame`` box (``site/static/book.css``) instead of shrinking."""
    buf = io.BytesIO()
    fig.canvas.draw()        # the constrained layout settles over two draws (savefig's is the second)
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 9})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    # the box can be scrolled with the keyboard too (tabindex), and says what it holds
    return (f'<div class="dlcore-frame" tabindex="0" role="region" aria-label="figure" '
            f'style="overflow-x:auto;max-width:100%">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="max-width:none;height:auto"></div>')


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
    frames = {combo: W.HTML(figure_html(render(**dict(zip(names, combo))), alt(**dict(zip(names, combo))), dpi))
              for combo in itertools.product(*(grid[k] for k in names))}
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
    box = W.VBox([row, root])
    box.controls, box.stack, box.links, box.frames = controls, root, links, frames
    return box
