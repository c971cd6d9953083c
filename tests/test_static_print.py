"""The print form of a precomputed panel: one grid of every frame, each labelled with its settings.

``frames_panel`` returns a ``FramesPanel``, which displays as the linked widget and also as
``application/pdf``: the grid the book's PDF prints, since widgets do not print. Frames here
are plain colours, so where each one lands in the grid can be read back from the pixels.
"""
from __future__ import annotations

import base64
import io

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcore.ui.static import MAX_COLUMNS, FramesPanel, frames_grid, frames_panel

COLOURS = {"red": (1.0, 0.0, 0.0), "green": (0.0, 0.5, 0.0), "blue": (0.0, 0.0, 1.0)}
WIDGET = "application/vnd.jupyter.widget-view+json"


def swatch(colour, size=1):
    fig = plt.figure(figsize=(2 * size, 1), facecolor=COLOURS[colour])
    return fig


def swatch_png(colour):
    buf = io.BytesIO()
    swatch(colour).savefig(buf, format="png", dpi=20)
    plt.close("all")
    return buf.getvalue()


def shown_colour(ax):
    """The mean RGB of the image an axes shows."""
    return tuple(np.round(np.asarray(ax.images[0].get_array())[..., :3].reshape(-1, 3).mean(0), 2))


def titled(fig):
    return {ax.get_title(): ax for ax in fig.axes if ax.get_title()}


def test_one_parameter_each_frame_sits_under_its_own_label():
    pngs = {(c,): swatch_png(c) for c in COLOURS}
    fig = frames_grid(pngs, {"colour": list(COLOURS)}, labels={"colour": "ink"}, value=("green",))
    axes = titled(fig)
    assert set(axes) == {"ink = red", "ink = green", "ink = blue"}
    for name, rgb in COLOURS.items():
        assert shown_colour(axes[f"ink = {name}"]) == pytest.approx(rgb, abs=0.01)
    assert "all 3 settings" in fig._suptitle.get_text()
    # the frame the panel shows first is outlined and its title bold; the others are not
    assert all(s.get_visible() for s in axes["ink = green"].spines.values())
    assert not any(s.get_visible() for s in axes["ink = red"].spines.values())
    assert axes["ink = green"].title.get_fontweight() == "bold"


def test_two_parameters_band_by_the_first_and_label_the_second():
    grid = {"row": ["a", "b"], "colour": list(COLOURS)}
    pngs = {(r, c): swatch_png(c) for r in grid["row"] for c in COLOURS}
    fig = frames_grid(pngs, grid)
    bands = [sub for sub in fig.subfigs]
    assert [b._suptitle.get_text() for b in bands] == ["row = a", "row = b"]
    for band in bands:
        titles = [ax.get_title() for ax in band.axes]
        assert titles == [f"colour = {c}" for c in COLOURS]
        assert [shown_colour(ax) for ax in band.axes] == [pytest.approx(v, abs=0.01) for v in COLOURS.values()]


def test_rows_wrap_after_max_columns_and_fill_evenly():
    values = list(range(MAX_COLUMNS + 1))                     # one more than fits on a row
    pngs = {(v,): swatch_png("blue") for v in values}
    fig = frames_grid(pngs, {"n": values})
    shown = [ax for ax in fig.axes if ax.images]
    columns = {round(ax.get_position().x0, 3) for ax in shown}
    rows = {round(ax.get_position().y0, 3) for ax in shown}
    assert len(shown) == len(values) and len(rows) == 2
    assert len(columns) == (len(values) + 1) // 2             # 5 frames: 3 + 2, not 4 + 1


def test_long_labels_wrap_inside_the_figure():
    label = "dropout rate (drop probability 1 − ρ)"
    values = [0.1, 0.3, 0.5, 0.7]
    fig = frames_grid({(v,): swatch_png("red") for v in values}, {"rate": values}, labels={"rate": label})
    fig.canvas.draw()
    width = fig.bbox.width
    for ax in fig.axes:
        box = ax.title.get_window_extent()
        assert 0 <= box.x0 and box.x1 <= width, f"{ax.get_title()!r} runs past the figure"
    assert all(label.split()[0] in ax.get_title() for ax in fig.axes)


def test_the_panel_displays_as_widget_and_as_a_printable_pdf():
    box = frames_panel(lambda colour: swatch(colour), {"colour": list(COLOURS)}, value={"colour": "blue"})
    assert isinstance(box, FramesPanel)
    bundle = box._repr_mimebundle_()
    assert WIDGET in bundle and "text/plain" in bundle
    pdf = base64.b64decode(bundle["application/pdf"])
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") == 1
    assert pdf == base64.b64decode(box._repr_mimebundle_()["application/pdf"])   # reproducible bytes
    # the print form uses the frames the widget shows: the same PNGs, decoded
    frame = mpimg.imread(io.BytesIO(box.print_form["pngs"][("blue",)]), format="png")
    assert frame[..., :3].reshape(-1, 3).mean(0) == pytest.approx(COLOURS["blue"], abs=0.01)
    assert box.print_form["value"] == ("blue",)
