"""Chapter 14, convolutional networks: Kelleher's 4 and filter, a filter sliding over an image.

* ``KELLEHER_FILTER`` and ``kelleher_four``: the lecture's 3×3 filter and 6×6 image of a 4
* ``receptive_field_figure``: the padded input with one window outlined, the kernel, the map
* ``conv_figure`` / ``conv_panel``: kernel, stride, padding and window controls → that figure
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from .._validate import check_choice, check_int
from ..nn.activations import get as _get_activation
from ..nn.conv import correlate2d, pair
from ..ui.panel import STYLE, show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.images import annotate_values, as_image, show_image

__all__ = ["KELLEHER_FILTER", "kelleher_four", "receptive_field_figure", "KERNELS", "IMAGES",
           "conv_figure", "conv_panel"]


# Kelleher et al., eq. 85-87: the nine weights w1 … w9 of the filter, read row by row.
KELLEHER_FILTER = np.array([[0.0, 0.0, 0.0],
                            [1.0, 1.0, 1.0],
                            [0.0, 0.0, 0.0]])


def kelleher_four():
    """A 6×6 grey-scale image of a 4 (0 = background, 255 = ink), after Kelleher's Figure 31.

    The figure did not survive extraction; this image is laid out so that its top-left
    3×3 field and the field with top-left pixel (2, 1) hold exactly the pixel values of
    eq. 86 and eq. 87 (read row by row).
    """
    img = np.zeros((6, 6))
    img[1:4, 1] = 255.0      # left stroke
    img[1:6, 3] = 255.0      # right stroke
    img[3, 1:5] = 255.0      # cross bar
    return img


FIELD = "#E69F00"     # orange outline: the receptive field and the value it produces


def receptive_field_figure(image, kernel, stride=1, padding=0, position=(0, 0), *,
                           activation="relu", title=None, names=None):
    """The input (zero padding shaded), the kernel and the feature map it produces.

    The window that produces output ``position`` = (i, j) is outlined on the input and
    the output value it produces is outlined on the feature map. ``names`` replaces the
    three panel titles (for a correlation that is not a forward pass, such as a gradient).
    """
    if names is not None and len(names) != 3:
        raise ValueError(f"names must title the three panels, got {names!r}")
    x, w = as_image(image, "image"), as_image(kernel, "kernel")
    (sh, sw), (ph, pw) = pair(stride, "stride", 1), pair(padding, "padding", 0)
    phi = _get_activation(activation)
    fmap = phi(correlate2d(x, w, (sh, sw), (ph, pw)))
    i, j = position
    if not (0 <= i < fmap.shape[0] and 0 <= j < fmap.shape[1]):
        raise ValueError(f"position must index the {fmap.shape} feature map, got {position}")
    xp = np.pad(x, ((ph, ph), (pw, pw)))
    fig, axes = plt.subplots(1, 3, figsize=(9.6, 3.6), layout="constrained",
                             gridspec_kw={"width_ratios": [xp.shape[1], max(w.shape[1], 3),
                                                           max(fmap.shape[1], 3)]})
    ax = axes[0]
    vmax = float(np.max(np.abs(xp))) or 1.0
    ax.imshow(xp, cmap="gray_r", vmin=0, vmax=vmax)
    if ph or pw:   # shade the padding ring
        mask = np.ones_like(xp, dtype=bool)
        mask[ph:ph + x.shape[0], pw:pw + x.shape[1]] = False
        ax.imshow(np.where(mask, 1.0, np.nan), cmap="Blues", vmin=0, vmax=4, alpha=0.6)
    annotate_values(ax, xp, "{:g}", vmax)
    ax.add_patch(Rectangle((j * sw - 0.5, i * sh - 0.5), w.shape[1], w.shape[0], fill=False,
                           ec=FIELD, lw=3))
    names = names or (f"input {x.shape[0]}×{x.shape[1]}" + (f", padding {padding}" if ph or pw else ""),
                      f"kernel {w.shape[0]}×{w.shape[1]}",
                      f"feature map {fmap.shape[0]}×{fmap.shape[1]} (stride {stride})")
    ax.set_title(names[0], fontsize=9)
    show_image(axes[1], w, names[1], True, True, "{:g}")
    show_image(axes[2], fmap, names[2], True, False, "{:g}")
    axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=FIELD, lw=3))
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title or f"{activation}(window · kernel) at output ({i}, {j}) = {fmap[i, j]:g}",
                 fontsize=10)
    return fig


KERNELS = {
    "middle row of ones (Kelleher eq. 85)": KELLEHER_FILTER,
    "middle column of ones": KELLEHER_FILTER.T.copy(),
    "diagonal": np.eye(3),
    "vertical edge (dark | light)": np.array([[-1.0, 0.0, 1.0]] * 3),
}


IMAGES = ("the 4 of Figure 31", "a handwritten 4 (digits, ×255)")


@lru_cache(maxsize=4)
def _image(name):
    if name == IMAGES[0]:
        return kelleher_four()
    from ..data.datasets import digits
    d = digits(seed=0)
    k = int(np.flatnonzero(d.y_test == 4)[0])
    return np.round(d.X_test[k].reshape(8, 8) * 255.0)


def conv_figure(image=IMAGES[0], kernel=next(iter(KERNELS)), stride=1, padding=0, window=0):
    """The receptive-field figure for one setting; ``window`` numbers the output pixels
    in reading order. Returns (figure, feature map)."""
    check_choice(image, "image", IMAGES)
    check_choice(kernel, "kernel", list(KERNELS))
    stride, padding = check_int(stride, "stride", minimum=1), check_int(padding, "padding", minimum=0)
    x, w = _image(image), KERNELS[kernel]
    fmap = np.maximum(correlate2d(x, w, stride, padding), 0.0)
    window = check_int(window, "window", minimum=0)
    if window >= fmap.size:
        raise ValueError(f"window must number one of the {fmap.size} output pixels, got {window}")
    i, j = divmod(window, fmap.shape[1])
    return receptive_field_figure(x, w, stride, padding, (i, j), activation="relu"), fmap


def conv_panel(image=IMAGES[0], kernel=next(iter(KERNELS)), stride=1, padding=0):
    """Pick an image and a 3×3 filter, a stride and a padding → input, kernel, feature map.

    The window slider moves the receptive field over the input in reading order; the
    orange outlines show which input pixels produce which output value.
    """
    plt.close(conv_figure(image, kernel, stride, padding)[0])      # validates the arguments
    if static_mode():
        return _conv_frames(image, kernel, stride, padding)
    img = W.Dropdown(options=IMAGES, value=image, description="image")
    ker = W.Dropdown(options=list(KERNELS), value=kernel, description="filter", style=STYLE,
                     layout=W.Layout(width="340px"))
    st = W.IntSlider(value=stride, min=1, max=3, description="stride", continuous_update=False)
    pad = W.IntSlider(value=padding, min=0, max=2, description="padding", continuous_update=False)
    win = W.IntSlider(value=0, min=0, max=0, description="window", continuous_update=False)
    out = W.Output()
    busy = {"on": False}

    def redraw(*_):
        if busy["on"]:
            return
        x = _image(img.value)
        h, w = (np.array(x.shape) + 2 * pad.value - 3) // st.value + 1
        busy["on"] = True                 # one redraw when the window range changes
        win.max = int(h * w) - 1
        win.value = min(win.value, win.max)
        busy["on"] = False
        fig, _ = conv_figure(img.value, ker.value, st.value, pad.value, win.value)
        show_figure(out, fig)

    for control in (img, ker, st, pad, win):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([img, ker]), W.HBox([st, pad, win]), out])


WINDOWS = ("first", "second", "last")   # output pixels every stride and padding has


def _conv_frames(image, kernel, stride, padding):
    """Stride 1-2 × padding 0-1 × the first, second and last window, for the requested filter
    and the vertical-edge one (the window's index depends on the map's size)."""
    kernels = {kernel, "vertical edge (dark | light)"}
    kernels = sorted(kernels if len(kernels) > 1 else kernels | {next(iter(KERNELS))}, key=list(KERNELS).index)

    def where(kernel, stride, padding, window):
        h, w = (np.array(_image(image).shape) + 2 * padding - 3) // stride + 1
        return {"first": 0, "second": min(1, h * w - 1), "last": h * w - 1}[window], (h, w)

    def render(kernel, stride, padding, window):
        return conv_figure(image, kernel, stride, padding, where(kernel, stride, padding, window)[0])[0]

    def alt(kernel, stride, padding, window):
        k, (h, w) = where(kernel, stride, padding, window)
        i, j = divmod(int(k), int(w))
        return (f"The filter '{kernel}' on {image} with stride {stride} and padding {padding}: a "
                f"{h}×{w} feature map; the {window} window, output pixel ({i}, {j}), and the input "
                f"pixels it sees")
    return frames_panel(render, {"kernel": kernels, "stride": sorted({1, 2, stride}),
                                 "padding": sorted({0, 1, padding}), "window": list(WINDOWS)},
                        value={"kernel": kernel, "stride": stride, "padding": padding},
                        labels={"kernel": "filter"}, alt=alt)
