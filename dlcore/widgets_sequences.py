"""Interactive panels for chapters 14-16: filters on images, gradients through time.

Like ``dlcore.widgets``, every panel draws its default state when it is created, recomputes
when a control is released (``continuous_update=False``) and caches what it computed. While
the book is built (``widgets_static.static_mode()``) each panel instead precomputes its
figure on a small grid of settings around the requested one, with controls linked to the
frames in the browser, so the static site's panels move without a kernel.

* ``conv_panel``           a filter sliding over an image: kernel, stride, padding, window
* ``rnn_gradient_panel``   ‖∂E/∂h_t‖ per step of a simple RNN as the recurrent weights' scale changes
* ``lstm_gradient_panel``  the same for an LSTM beside a simple RNN on a long-range task
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from ._validate import check_choice, check_int, check_real
from .conv import KELLEHER_FILTER, correlate2d, kelleher_four, pair
from .layers import Dense
from .lstm import LSTM
from .network import Network
from .plots_sequences import gradient_norm_plot, receptive_field_figure
from .recurrent import SimpleRNN, gradient_norms, long_range_task, orthogonal
from .widgets import show_figure
from .widgets_static import frames_panel, static_mode

__all__ = ["KERNELS", "conv_panel", "conv_figure", "rnn_norms", "rnn_gradient_figure",
           "rnn_gradient_panel", "long_range_norms", "lstm_gradient_figure", "lstm_gradient_panel"]

_STYLE = {"description_width": "initial"}

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
    from .datasets import digits
    d = digits(seed=0)
    k = int(np.flatnonzero(d.y_test == 4)[0])
    return np.round(d.X_test[k].reshape(8, 8) * 255.0)


# ---------------------------------------------------------------------- chapter 14
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
    ker = W.Dropdown(options=list(KERNELS), value=kernel, description="filter", style=_STYLE,
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


# ---------------------------------------------------------------------- chapter 15
@lru_cache(maxsize=128)
def _rnn_norms(scale, activation, length, n_hidden, seed):
    rng = np.random.default_rng(seed)
    rnn = SimpleRNN(1, n_hidden, activation=activation, rng=rng)
    rnn.W_hh[...] = orthogonal(n_hidden, rng, scale=scale)
    net = Network([rnn, Dense(n_hidden, 1, activation="linear", rng=rng)], loss="sse")
    X = rng.normal(0.0, 1.0, (16, length, 1))
    return gradient_norms(net, X, np.ones((16, 1)))


def rnn_norms(scale=1.0, activation="tanh", length=30, n_hidden=16, seed=0):
    """‖∂E/∂h_t‖ for t = 1 … length of a simple RNN whose W_hh is ``scale`` × an orthogonal matrix.

    Sixteen random sequences (inputs N(0, 1)), the loss measured after the last step.
    """
    scale = check_real(scale, "scale", low=0.0, low_open=True)
    check_choice(activation, "activation", ("tanh", "logistic", "relu", "linear"))
    length = check_int(length, "length", minimum=2)
    return _rnn_norms(round(scale, 6), activation, length, check_int(n_hidden, "n_hidden", minimum=1),
                      check_int(seed, "seed", minimum=0)).copy()


def rnn_gradient_figure(scale=1.0, activation="tanh", length=30):
    """Gradient norm per time step for one recurrent scale ρ, beside the prediction ρ^(T−t)."""
    norms = rnn_norms(scale, activation, length)
    steps = np.arange(1, length + 1)
    ref = float(scale) ** (length - steps)
    fig = gradient_norm_plot({f"{activation} RNN, ρ = {scale:g}": norms / norms[-1]},
                             reference={"ρ^(T−t)": ref}, ylabel="‖∂E/∂h_t‖ / ‖∂E/∂h_T‖",
                             title=f"‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ = {norms[0] / norms[-1]:.2e} "
                                   f"over {length} steps")
    return fig, norms


def rnn_gradient_panel(scale=1.0, activation="tanh", length=30):
    """Slider for the recurrent weights' scale ρ (the spectral radius of W_hh), a dropdown
    for the activation and a slider for the sequence length → ‖∂E/∂h_t‖ per step."""
    plt.close(rnn_gradient_figure(scale, activation, length)[0])   # validates the arguments
    if static_mode():
        return _rnn_frames(float(scale), activation, length)
    rho = W.FloatSlider(value=scale, min=0.25, max=2.0, step=0.05, continuous_update=False,
                        description="recurrent scale ρ", style=_STYLE, readout_format=".2f")
    act = W.Dropdown(options=["tanh", "linear", "relu", "logistic"], value=activation,
                     description="activation")
    T = W.IntSlider(value=length, min=5, max=80, step=5, description="length T",
                    continuous_update=False)
    out = W.Output()

    def redraw(*_):
        show_figure(out, rnn_gradient_figure(rho.value, act.value, T.value)[0])

    for control in (rho, act, T):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([rho, act, T]), out])


# ---------------------------------------------------------------------- chapter 16
@lru_cache(maxsize=64)
def _long_range(model, length, forget_bias, n_hidden, seeds):
    hs, cs = [], []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        X, T = long_range_task(32, length, rng)
        layer = (LSTM(2, n_hidden, rng=rng, forget_bias=forget_bias) if model == "lstm"
                 else SimpleRNN(2, n_hidden, rng=rng))
        net = Network([layer, Dense(n_hidden, 1, activation="linear", rng=rng)], loss="sse")
        h = gradient_norms(net, X, T)
        hs.append(np.log(h / h[-1]))
        if model == "lstm":
            c = gradient_norms(net, X, T, which="c")
            cs.append(np.log(c / h[-1]))
    # geometric mean over the networks, relative to ‖∂E/∂h_T‖
    return np.exp(np.mean(hs, axis=0)), (np.exp(np.mean(cs, axis=0)) if cs else None)


def long_range_norms(model="lstm", length=40, forget_bias=2.0, n_hidden=8, seeds=5):
    """Gradient norms per step relative to ‖∂E/∂h_T‖ for fresh ``"lstm"`` or ``"rnn"`` networks
    on ``long_range_task`` (32 sequences each; the loss is measured after the last step).

    Returns (‖∂E/∂h_t‖ / ‖∂E/∂h_T‖, ‖∂E/∂c_t‖ / ‖∂E/∂h_T‖ or None), each the geometric mean
    over ``seeds`` networks initialised with seeds 0, 1, ….
    """
    check_choice(model, "model", ("lstm", "rnn"))
    forget_bias = check_real(forget_bias, "forget_bias")
    h, c = _long_range(model, check_int(length, "length", minimum=2), round(forget_bias, 6),
                       check_int(n_hidden, "n_hidden", minimum=1), check_int(seeds, "seeds", minimum=1))
    return h.copy(), None if c is None else c.copy()


def lstm_gradient_figure(length=40, forget_bias=2.0):
    """‖∂E/∂h_t‖ per step for a simple RNN and an LSTM on the same long-range task."""
    rnn_h, _ = long_range_norms("rnn", length)
    lstm_h, lstm_c = long_range_norms("lstm", length, forget_bias)
    curves = {"simple RNN ‖∂E/∂h_t‖": rnn_h, "LSTM ‖∂E/∂h_t‖": lstm_h, "LSTM ‖∂E/∂c_t‖": lstm_c}
    fig = gradient_norm_plot(curves, ylabel="norm relative to ‖∂E/∂h_T‖",
                             title=f"‖∂E/∂h_1‖ / ‖∂E/∂h_T‖: RNN {rnn_h[0]:.1e}, LSTM {lstm_h[0]:.1e}"
                                   f" (forget-gate bias {forget_bias:g})")
    return fig, curves


def lstm_gradient_panel(length=40, forget_bias=2.0):
    """Sliders for the sequence length and the LSTM's initial forget-gate bias → gradient
    norms per step of a simple RNN and an LSTM on ``long_range_task``."""
    plt.close(lstm_gradient_figure(length, forget_bias)[0])       # validates the arguments
    if static_mode():
        return _lstm_frames(length, float(forget_bias))
    T = W.IntSlider(value=length, min=5, max=80, step=5, description="length T",
                    continuous_update=False)
    fb = W.FloatSlider(value=forget_bias, min=-2.0, max=4.0, step=0.5, continuous_update=False,
                       description="forget-gate bias", style=_STYLE)
    out = W.Output()

    def redraw(*_):
        show_figure(out, lstm_gradient_figure(T.value, fb.value)[0])

    T.observe(redraw, names="value")
    fb.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([T, fb]), out])


# ---------------------------------------------------------------- static (precomputed) forms
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


def _rnn_frames(scale, activation, length):
    """Recurrent scales 0.5-1.5 × tanh, linear and ReLU units (and the requested ones)."""
    acts = sorted({"tanh", "linear", "relu", activation}, key=["tanh", "linear", "relu", "logistic"].index)

    def alt(scale, activation):
        n = rnn_norms(scale, activation, length)
        return (f"Gradient norm per step of a {activation} RNN with recurrent scale ρ = {scale:g} over "
                f"{length} steps, beside ρ^(T−t): ‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ = {n[0] / n[-1]:.2e}")
    return frames_panel(lambda scale, activation: rnn_gradient_figure(scale, activation, length)[0],
                        {"scale": sorted({0.5, 0.9, 1.0, 1.2, 1.5} | {scale}), "activation": acts},
                        value={"scale": scale, "activation": activation},
                        labels={"scale": "recurrent scale ρ"}, alt=alt)


def _lstm_frames(length, forget_bias):
    """Lengths 10-80 × forget-gate biases −1 to 4 (and the requested ones)."""
    def alt(length, forget_bias):
        rnn_h, lstm_h = long_range_norms("rnn", length)[0], long_range_norms("lstm", length, forget_bias)[0]
        return (f"Gradient norms per step of a simple RNN and an LSTM with forget-gate bias "
                f"{forget_bias:g} over {length} steps: ‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ is {rnn_h[0]:.1e} for "
                f"the RNN and {lstm_h[0]:.1e} for the LSTM")
    return frames_panel(lambda length, forget_bias: lstm_gradient_figure(length, forget_bias)[0],
                        {"length": sorted({10, 40, 80, length}),
                         "forget_bias": sorted({-1.0, 0.0, 2.0, 4.0} | {forget_bias})},
                        value={"length": length, "forget_bias": forget_bias},
                        labels={"length": "length T", "forget_bias": "forget-gate bias"}, alt=alt)
