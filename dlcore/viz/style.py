"""The book's visual style: colours, line styles and the axes helper every figure uses.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness; lines also differ in style so print and greyscale work.
"""
from __future__ import annotations

import matplotlib

matplotlib.use(matplotlib.get_backend())  # keep whatever backend the notebook chose
import matplotlib.pyplot as plt  # noqa: E402

__all__ = ["PALETTE", "LINE_COLORS", "LINESTYLES", "POSITIVE", "NEGATIVE", "BLUE", "VERMILION",
           "GREY", "new_axes"]

# Okabe & Ito (2008): black, orange, sky blue, bluish green, yellow, blue, vermillion, purple
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
LINE_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
LINESTYLES = ["-", "--", "-.", ":"]
BLUE, VERMILION, GREY = "#0072B2", "#D55E00", "#999999"
POSITIVE, NEGATIVE = BLUE, VERMILION     # signs of weights and values


def new_axes(ax, figsize):
    """``(ax.figure, ax)`` for a given axes, else a new figure of ``figsize`` with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax
