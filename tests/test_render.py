"""BlitFigure's static and dynamic layers: what a panel shows and what a saved figure shows."""
import io

import numpy as np
import pytest
from PIL import Image

from dlcore.viz.render import BlitFigure


class _Titled(BlitFigure):
    def __init__(self, place=None):
        super().__init__((4.0, 3.0), 80)
        self.ax = self.fig.add_subplot()
        self.ax.plot([0, 1], [0, 1])
        self.title = self.dynamic(self.fig.suptitle("Ag", fontsize=12))   # a figure-level artist
        self.dot = self.dynamic(self.ax.plot([0.5], [0.5], "o")[0])      # an axes-level one
        if place is not None:
            self.fig.set_layout_engine("none")
            self.ax.set_position(place)


def _top_ink(png, rows=30):
    """Dark pixels in the top ``rows`` rows of a PNG (where the suptitle sits)."""
    px = np.asarray(Image.open(io.BytesIO(png)).convert("L"))[:rows]
    return int((px < 128).sum())


def _saved(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    return buf.getvalue()


def test_a_figure_level_dynamic_title_is_drawn_by_savefig_and_by_png():
    f = _Titled()
    f.title.set_text("")
    blank_saved, blank_png = _top_ink(_saved(f.fig)), _top_ink(f.png())
    f.title.set_text("a long title over the whole figure")
    assert _top_ink(_saved(f.fig)) > blank_saved + 50      # matplotlib skips figure-level animated artists
    assert _top_ink(f.png()) > blank_png + 50
    misses = f.misses
    f.title.set_text("another title")                     # not in the static layer: nothing redrawn
    f.png()
    assert f.misses == misses


def test_a_placed_figure_keeps_its_places_and_solves_no_layout():
    place = [0.2, 0.15, 0.6, 0.6]
    f = _Titled(place)
    f.png()
    np.testing.assert_allclose(f.ax.get_position().bounds, place)
    laid = _Titled()
    laid.png()
    assert not np.allclose(laid.ax.get_position().bounds, place)     # a constrained layout moved its axes


def _ink_columns(buf):
    """First and last column holding ink (dark pixels) in an (h, w, 4) buffer."""
    cols = np.flatnonzero((buf[..., :3].min(axis=2) < 128).any(axis=0))
    return int(cols[0]), int(cols[-1])



@pytest.mark.parametrize("s", ["leaky ReLU (α = 0.5)", "training … epoch 1,200 of 2,000",
                               "var(δ) = 3e−5", "WWWW iiii"])
def test_glyph_text_sets_a_string_where_matplotlib_does(s):
    # GlyphText places cached glyphs at their advances: its ink must start and end where
    # matplotlib's own drawing of the same Text does (before matplotlib 3.10 the advances
    # were read 8 times too wide, and every changing text was spread out past the figure)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from dlcore.viz.render import GlyphText
    fig = Figure(figsize=(6, 1), dpi=80)
    FigureCanvasAgg(fig)
    text = fig.text(0.05, 0.4, s, fontsize=10, ha="left", va="baseline")
    fig.canvas.draw()
    reference = np.asarray(fig.canvas.buffer_rgba()).copy()
    text.set_visible(False)
    fig.canvas.draw()
    text.set_visible(True)
    ours = np.asarray(fig.canvas.buffer_rgba()).copy()
    assert GlyphText.supports(text)
    GlyphText(80).draw(ours, text)
    (l0, r0), (l1, r1) = _ink_columns(reference), _ink_columns(ours)
    assert abs(l1 - l0) <= 2 and abs(r1 - r0) <= 2 + 0.02 * (r0 - l0)   # no kerning: a pixel or two
