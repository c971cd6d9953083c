"""Small 2-D arrays as images: digits, filters and feature maps, optionally with their values.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["image_grid", "show_image", "annotate_values", "as_image"]


def as_image(a, name):
    """``a`` as a 2-D float array (height, width)."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (height, width), got shape {arr.shape}")
    return arr


def annotate_values(ax, img, fmt, vmax):
    """Write each pixel's value on it (images of up to 100 pixels), white on dark pixels."""
    if img.size > 100:
        return
    for (r, c), v in np.ndenumerate(img):
        dark = abs(v) > 0.55 * vmax if vmax else False
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8.5,
                color="white" if dark else "black")


def show_image(ax, img, title, values, diverging, fmt):
    """Draw ``img`` into ``ax``: grey scale, or blue-white-red around 0 when ``diverging``."""
    if diverging:
        lim = float(np.max(np.abs(img))) or 1.0
        ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
    else:
        lim = float(np.max(np.abs(img))) or 1.0
        ax.imshow(img, cmap="gray_r", vmin=min(0.0, float(img.min())), vmax=lim)
    if values:
        annotate_values(ax, img, fmt, lim)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def image_grid(images, titles=None, ncols=None, *, values=False, diverging=False, fmt="{:g}",
               suptitle=None, panel_size=1.8):
    """Show a list of 2-D arrays side by side (digits, filters, feature maps).

    ``values=True`` writes each pixel's value on it (for arrays of up to 100 pixels);
    ``diverging=True`` colours signed values blue (negative) to red (positive) around 0.
    """
    images = [as_image(im, f"images[{i}]") for i, im in enumerate(images)]
    if not images:
        raise ValueError("images must hold at least one 2-D array")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"titles must name each of the {len(images)} images, got {len(titles)}")
    ncols = min(len(images), ncols or 8)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols, panel_size * nrows + 0.4),
                             squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.flat):
        if k < len(images):
            show_image(ax, images[k], titles[k] if titles else None, values, diverging, fmt)
        else:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    return fig
