"""Wiring a control to a figure, the simple way: for figures rebuilt on every change.

The book's panels lay their figure out once and redraw it by blitting
(``dlcore.ui.live.live_panel``). Two helpers remain for quick panels whose figure is
rebuilt from scratch: ``show_figure`` puts a matplotlib figure into an
``ipywidgets.Output`` as a PNG (it works with or without a running kernel and is saved
with the widget state), and ``slider_panel`` shows ``render(value)`` for a control's value,
drawn once per value and kept, redrawn while a slider is dragged.
"""
from __future__ import annotations

import base64
import io

import ipywidgets as W
import matplotlib.pyplot as plt

from .live import Frames, live_panel

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


def slider_panel(control, render, *, dpi=100):
    """``control`` above the figure ``render(control.value)`` (a new matplotlib Figure for
    each value, drawn once and kept). The returned box has ``.slider`` and ``.image``."""
    frames = Frames(lambda value: render(value), dpi=dpi)
    box = live_panel({"value": control}, frames, frames.update,   # a value drawn once is kept
                     busy=lambda value: None if frames.done(value=value) else "drawing this setting …")
    box.slider = control
    return box
