"""Sliders that still work on the static site: precomputed frames linked in the browser.

A published Jupyter Book has no kernel, so a slider that asks Python to redraw does
nothing there. ``frames_panel`` renders the figure once for each value on a grid when the
notebook is executed (at build time) and links the slider to the frames with
``ipywidgets.jslink``: the link runs in the page's own widget JavaScript, so dragging the
slider flips between the saved figures with no kernel and no network. In JupyterLab it
behaves the same way. Choose grids that teach (a handful of values), since every frame
is stored in the page.
"""
from __future__ import annotations

import base64
import html
import io

import ipywidgets as W
import matplotlib.pyplot as plt

__all__ = ["frames_panel", "figure_html"]


def figure_html(fig, alt, dpi=80):
    """An ``<img>`` tag holding ``fig`` as an embedded PNG with alternative text; closes ``fig``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 9})
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}" '
            f'style="max-width:100%;height:auto">')


def frames_panel(render, values, *, description, value=None, alt=None, labels=None, dpi=80):
    """A slider over ``values`` that shows ``render(v)`` (a matplotlib Figure) for each value.

    Parameters
    ----------
    render : callable
        ``render(v) -> Figure`` for one slider value.
    values : sequence
        The grid of slider values, in slider order (at least two).
    description : str
        The slider's label, e.g. ``"learning rate α"``.
    value : optional
        The value shown first (default: the first).
    alt : callable, optional
        ``alt(v) -> str``, the alternative text of each frame (default: description = v).
    labels : sequence of str, optional
        How each value is written on the slider (default ``f"{v:g}"``).
    """
    if not callable(render):
        raise TypeError(f"render must be a function value -> Figure, got {type(render).__name__}")
    values = list(values)
    if len(values) < 2:
        raise ValueError(f"values must hold at least two slider positions, got {len(values)}")
    if not isinstance(description, str):
        raise TypeError(f"description must be a string, got {type(description).__name__}")
    if value is None:
        value = values[0]
    if value not in values:
        raise ValueError(f"value must be one of values {values}, got {value!r}")
    labels = [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values] if labels is None else list(labels)
    if len(labels) != len(values) or len(set(labels)) != len(labels):
        raise ValueError("labels must give one distinct label per value")
    alt = alt or (lambda v: f"Figure for {description} = {v}")
    frames = [W.HTML(figure_html(render(v), alt(v), dpi=dpi)) for v in values]
    start = values.index(value)
    stack = W.Stack(frames, selected_index=start)
    slider = W.SelectionSlider(options=list(zip(labels, range(len(values)))), value=start,
                               description=description, continuous_update=True,
                               style={"description_width": "initial"}, layout=W.Layout(width="420px"))
    link = W.jslink((slider, "index"), (stack, "selected_index"))  # runs in the browser, no kernel
    box = W.VBox([slider, stack])
    box.slider, box.stack, box.link = slider, stack, link
    return box
