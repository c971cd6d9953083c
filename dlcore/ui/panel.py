"""Wiring a control to a figure: the one mechanism every panel of the book uses.

``show_figure`` puts a matplotlib figure into an ``ipywidgets.Output`` as a PNG, so it works
with or without a running kernel and is saved with the widget state for the static site;
``slider_panel`` redraws a figure whenever a control changes.
"""
from __future__ import annotations

import base64
import io

import ipywidgets as W
import matplotlib.pyplot as plt

__all__ = ["show_figure", "slider_panel", "STYLE"]

STYLE = {"description_width": "initial"}   # long control labels stay readable


def show_figure(out: W.Output, fig, dpi=100):
    """Replace what ``out`` shows with ``fig`` as a PNG, in one update, then close ``fig``.

    Setting ``outputs`` directly (rather than ``with out: display(fig)``) works with or
    without a running kernel and is saved with the widget state for the static site.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})  # fast to encode
    plt.close(fig)
    text = fig.axes[0].get_title() if fig.axes else "figure"
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"image/png": base64.b64encode(buf.getvalue()).decode("ascii"),
                             "text/plain": text}},)


def slider_panel(control, render, *, dpi=100, figure=None):
    """``control`` above an Output showing ``render(control.value)``, redrawn on every change.

    ``figure`` is an already drawn first figure (it saves one render); the returned VBox
    has ``.slider`` and ``.output`` for notebooks and tests.
    """
    out = W.Output()

    def redraw(*_):
        show_figure(out, render(control.value), dpi=dpi)

    control.observe(redraw, names="value")
    if figure is None:
        redraw()
    else:
        show_figure(out, figure, dpi=dpi)
    box = W.VBox([control, out])
    box.slider, box.output = control, out
    return box
