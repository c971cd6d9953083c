"""BlitFigure's static and dynamic layers: what a panel shows and what a saved figure shows."""
import io

import numpy as np
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
