"""Chapter 14, convolutional networks: Kelleher's 4 and filter, a filter sliding over an image.

* ``KELLEHER_FILTER`` and ``kelleher_four``: the lecture's 3×3 filter and 6×6 image of a 4
* ``receptive_field_figure``: the padded input with one window outlined, the kernel, the map
* ``conv_figure`` / ``conv_panel``: kernel, stride, padding and window controls → that figure
"""
from __future__ import annotations

from collections import OrderedDict

import ipywidgets as W
import numpy as np
from matplotlib.patches import Rectangle

from .._validate import check_choice, check_int
from ..nn.activations import get as _get_activation
from ..nn.conv import correlate2d, pair
from ..ui.live import Ahead, live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.images import annotate_values, as_image, show_image
from ..viz.render import BlitFigure

__all__ = ["KELLEHER_FILTER", "kelleher_four", "receptive_field_figure", "KERNELS", "IMAGES",
           "conv_figure", "conv_panel", "ReceptiveFieldFigure"]


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


class ReceptiveFieldFigure(BlitFigure):
    """The input (zero padding shaded), the kernel and the feature map it produces, laid out
    for one image, kernel, stride and padding (``names`` replaces the three panel titles); ``update(position)`` moves the outlined window
    on the input and the value it produces on the map (the only things that change)."""

    def __init__(self, image, kernel, stride=1, padding=0, *, activation="relu", names=None,
                 pyplot=False, dpi=80):
        if names is not None and len(names) != 3:
            raise ValueError(f"names must title the three panels, got {names!r}")
        super().__init__((8.4, 3.7), dpi, pyplot=pyplot)
        x, w = as_image(image, "image"), as_image(kernel, "kernel")
        (sh, sw), (ph, pw) = pair(stride, "stride", 1), pair(padding, "padding", 0)
        self.activation, self.stride, self.w = activation, (sh, sw), w
        self.fmap = _get_activation(activation)(correlate2d(x, w, (sh, sw), (ph, pw)))
        xp = np.pad(x, ((ph, ph), (pw, pw)))
        axes = self.fig.subplots(1, 3, width_ratios=[xp.shape[1], max(w.shape[1], 3), max(self.fmap.shape[1], 3)])
        ax = axes[0]
        vmax = float(np.max(np.abs(xp))) or 1.0
        ax.imshow(xp, cmap="gray_r", vmin=0, vmax=vmax)
        if ph or pw:   # shade the padding ring
            mask = np.ones_like(xp, dtype=bool)
            mask[ph:ph + x.shape[0], pw:pw + x.shape[1]] = False
            ax.imshow(np.where(mask, 1.0, np.nan), cmap="Blues", vmin=0, vmax=4, alpha=0.6)
        annotate_values(ax, xp, "{:g}", vmax)
        self.field = self.dynamic(ax.add_patch(Rectangle((-0.5, -0.5), w.shape[1], w.shape[0], fill=False,
                                                         ec=FIELD, lw=3)))
        names = names or (f"input {x.shape[0]}×{x.shape[1]}" + (f", padding {padding}" if ph or pw else ""),
                          f"kernel {w.shape[0]}×{w.shape[1]}",
                          f"feature map {self.fmap.shape[0]}×{self.fmap.shape[1]} (stride {stride})")
        ax.set_title(names[0], fontsize=9)
        show_image(axes[1], w, names[1], True, True, "{:g}")
        show_image(axes[2], self.fmap, names[2], True, False, "{:g}")
        self.out = self.dynamic(axes[2].add_patch(Rectangle((-0.5, -0.5), 1, 1, fill=False, ec=FIELD, lw=3)))
        for a in axes:
            a.set_xticks([])
            a.set_yticks([])
            for text in list(a.texts):   # up to 100 values a panel: GlyphText draws them in ≈ 5 ms,
                self.dynamic(text)       # matplotlib's first draw of a new layout took ≈ 0.3 s
        self.title = self.dynamic(self.fig.suptitle("Ag", fontsize=10))

    def update(self, position=(0, 0), title=None):
        i, j = position
        if not (0 <= i < self.fmap.shape[0] and 0 <= j < self.fmap.shape[1]):
            raise ValueError(f"position must index the {self.fmap.shape} feature map, got {position}")
        sh, sw = self.stride
        self.field.set_xy((j * sw - 0.5, i * sh - 0.5))
        self.out.set_xy((j - 0.5, i - 0.5))
        self.title.set_text(title or f"{self.activation}(window · kernel) at output ({i}, {j}) = "
                                     f"{self.fmap[i, j]:g}")
        return self.fig


def receptive_field_figure(image, kernel, stride=1, padding=0, position=(0, 0), *,
                           activation="relu", title=None, names=None):
    """The input (zero padding shaded), the kernel and the feature map it produces.

    The window that produces output ``position`` = (i, j) is outlined on the input and
    the output value it produces is outlined on the feature map. ``names`` replaces the
    three panel titles (for a correlation that is not a forward pass, such as a gradient).
    """
    figure = ReceptiveFieldFigure(image, kernel, stride, padding, activation=activation, names=names,
                                  pyplot=True)
    figure.update(position, title)
    return figure.settled()


KERNELS = {
    "middle row of ones (Kelleher eq. 85)": KELLEHER_FILTER,
    "middle column of ones": KELLEHER_FILTER.T.copy(),
    "diagonal": np.eye(3),
    "vertical edge (dark | light)": np.array([[-1.0, 0.0, 1.0]] * 3),
}


IMAGES = ("the 4 of Figure 31", "a handwritten 4 (digits, ×255)")


def _load_image(name):
    if name == IMAGES[0]:
        return kelleher_four()
    from ..data.datasets import digits
    d = digits(seed=0)
    k = int(np.flatnonzero(d.y_test == 4)[0])
    return np.round(d.X_test[k].reshape(8, 8) * 255.0)


# The handwritten 4 comes from scikit-learn's digits, whose import takes ≈ 0.7 s: the panel
# loads it in the background, so choosing it first is not a 0.8 s wait (benchmarks/panel_latency.py).
_IMAGES = Ahead(_load_image, max_items=len(IMAGES))


def _image(name):
    return _IMAGES.get(name)


def _check(image, kernel, stride, padding):
    check_choice(image, "image", IMAGES)
    check_choice(kernel, "kernel", list(KERNELS))
    return check_int(stride, "stride", minimum=1), check_int(padding, "padding", minimum=0)


_FIGURES = OrderedDict()    # (image, kernel, stride, padding) -> ReceptiveFieldFigure, the last few


def _figure(image, kernel, stride, padding, pyplot=False):
    """The figure for one setting: a new layout for each (image, kernel, stride, padding),
    kept, so moving the window or going back to a setting only redraws."""
    key = (image, kernel, stride, padding)
    if pyplot:
        return ReceptiveFieldFigure(_image(image), KERNELS[kernel], stride, padding, pyplot=True)
    if key not in _FIGURES:
        _FIGURES[key] = ReceptiveFieldFigure(_image(image), KERNELS[kernel], stride, padding)
        if len(_FIGURES) > 8:
            _FIGURES.popitem(last=False)
    _FIGURES.move_to_end(key)
    return _FIGURES[key]


def _show(image, kernel, stride, padding, window, pyplot=False):
    figure = _figure(image, kernel, stride, padding, pyplot)
    fmap = figure.fmap
    if window >= fmap.size:
        raise ValueError(f"window must number one of the {fmap.size} output pixels, got {window}")
    figure.update(divmod(window, fmap.shape[1]))
    return figure


def conv_figure(image=IMAGES[0], kernel=next(iter(KERNELS)), stride=1, padding=0, window=0):
    """The receptive-field figure for one setting; ``window`` numbers the output pixels
    in reading order. Returns (figure, feature map)."""
    stride, padding = _check(image, kernel, stride, padding)
    figure = _show(image, kernel, stride, padding, check_int(window, "window", minimum=0), pyplot=True)
    return figure.settled(), figure.fmap


class _Current:
    """The conv panel's figure as ``live_panel`` sees it: whichever setting is shown."""
    figure = None

    def png(self):
        return self.figure.png()


def conv_panel(image=IMAGES[0], kernel=next(iter(KERNELS)), stride=1, padding=0):
    """Pick an image and a 3×3 filter, a stride and a padding → input, kernel, feature map.

    The window slider moves the receptive field over the input in reading order; the
    orange outlines show which input pixels produce which output value.
    """
    stride, padding = _check(image, kernel, stride, padding)
    if static_mode():
        return _conv_frames(image, kernel, stride, padding)
    controls = {"image": W.Dropdown(options=IMAGES, value=image, description="image"),
                "kernel": W.Dropdown(options=list(KERNELS), value=kernel, description="filter", style=STYLE,
                                     layout=W.Layout(width="340px")),
                "stride": W.IntSlider(value=stride, min=1, max=3, description="stride"),
                "padding": W.IntSlider(value=padding, min=0, max=2, description="padding"),
                "window": W.IntSlider(value=0, min=0, max=0, description="window")}
    current = _Current()
    _IMAGES.plan([name for name in IMAGES if name != image])

    def show(image, kernel, stride, padding, window):
        h, w = (np.array(_image(image).shape) + 2 * padding - 3) // stride + 1
        win = controls["window"]
        win.max = int(h * w) - 1          # may clip the value: the redraw below shows it
        current.figure = _show(image, kernel, stride, padding, min(window, win.max))

    return live_panel(controls, current, show,
                      busy=lambda image, kernel, stride, padding, window: None
                      if (image, kernel, stride, padding) in _FIGURES else "drawing the new layout …",
                      alt=lambda image, kernel, stride, padding, window: (
                          f"The filter '{kernel}' on {image} with stride {stride} and padding {padding}: "
                          f"window {window} of the feature map and the input pixels it sees"))


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
        return _show(image, kernel, stride, padding, int(where(kernel, stride, padding, window)[0])).fig

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
