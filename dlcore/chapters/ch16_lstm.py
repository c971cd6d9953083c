"""Chapter 16, long short-term memory: the lecture's worked examples and gradients over long ranges.

* ``forget_gate_example`` (eq. 108) and ``figure41_example`` (Figure 41, eq. 132-138)
* ``lstm_unit_figure``: the unit of Figure 40, labelled with one step's forward values
  (Figure 41) or backward gradients (Figure 42); ``multiplicative_figure``: one ⊙ of a gate
* ``long_range_norms`` / ``lstm_gradient_figure`` / ``lstm_gradient_panel``: ‖∂E/∂h_t‖ of an LSTM
  beside a simple RNN on a task with a long-range dependency
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np

from .._validate import check_choice, check_int, check_real
from ..data.datasets import long_range_task
from ..nn.layers import Dense
from ..nn.lstm import LSTM
from ..nn.network import Network
from ..nn.recurrent import SimpleRNN
from ..nn.through_time import gradient_norms
from ..ui.live import Ahead, live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.norms import GradientNormFigure
from ..viz.flows import multiplicative_unit_diagram
from ..viz.recurrent_diagrams import (
    LSTM_BACKWARD_KEYS,
    LSTM_FORWARD_KEYS,
    lstm_unit_diagram,
)

__all__ = ["forget_gate_example", "figure41_example", "vector_label", "lstm_unit_figure",
           "multiplicative_figure", "long_range_norms", "lstm_gradient_figure",
           "lstm_gradient_panel"]


def forget_gate_example():
    """Kelleher et al., eq. 108: c_{t−1} = [1, 1, 1], h_{t−1} = [1, 1], x_t = [4] and W^(f).

    Returns (W_f, c_prev, h_prev, x) with W_f of shape (3, 4) acting on hx = [1, h, x].
    """
    W_f = np.array([[0.0, 1.0, 1.0, 1.0],
                    [0.0, -1.0, -1.0, -1.0],
                    [0.0, 0.0, 0.0, 0.0]])
    return W_f, np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0]), np.array([4.0])


def figure41_example():
    """An LSTM(1, 2) and the inputs of Kelleher et al.'s Figure 41 and eq. 132-138.

    c_{t−1} = [0.3, 0.6], h_{t−1} = [0.1, 0.8], x_t = [0.9]; the incoming gradients are
    ∂E_t/∂o_t = [0.15, 0.60], ∂E_{t+1}/∂h_t = [0.75, 0.25] and ∂E_{t+1}/∂c_t = [0.35, 0.50].

    The weights were drawn in the figure, which did not survive extraction. These are a
    reconstruction: the forget and output gates' weighted sums follow exactly from the
    printed f ⊙ (1 − f) (eq. 137) and o† (eq. 133), z_f = [0.142, 0.07] and
    z_o† = [0.304, 0.084]; the input gate is an arbitrary choice, and the candidate's
    biases are set so that c_t reproduces the printed 1 − tanh²(c_t) (eq. 134).
    Returns a dict with the layer and every input.
    """
    layer = LSTM(1, 2, init="zeros")
    #                   bias         h1    h2    x        (columns act on hx = [1, h1, h2, x])
    layer.W_f[...] = [[-0.048,       0.2,  0.1,  0.1],    # z_f = [0.142, 0.07]
                      [-0.01,       -0.1,  0.0,  0.1]]
    layer.W_i[...] = [[0.1,          0.2,  0.3,  0.2],    # z_i† = [0.54, 0.44]
                      [0.0,          0.1,  0.2,  0.3]]
    layer.W_c[...] = [[0.15784203,  -0.2, -0.1, -0.3],
                      [-0.01898407, -0.1, -0.3, -0.2]]
    layer.W_o[...] = [[0.024,        0.3,  0.2,  0.1],    # z_o† = [0.304, 0.084]
                      [0.064,        0.1, -0.1,  0.1]]
    return {"layer": layer, "x": np.array([0.9]), "h_prev": np.array([0.1, 0.8]),
            "c_prev": np.array([0.3, 0.6]), "dEt_do": np.array([0.15, 0.60]),
            "dEnext_dh": np.array([0.75, 0.25]), "dEnext_dc": np.array([0.35, 0.50])}


def vector_label(v, decimals=3):
    """A short label for one example's vector: "[0.535, 0.517]"."""
    return "[" + ", ".join(f"{u:.{decimals}f}" for u in np.ravel(v)) + "]"


def lstm_unit_figure(values=None, grads=None, *, extra=None, example=0, title=None):
    """The LSTM unit (Figure 40); with ``values`` from ``LSTM.step`` its forward values (Figure 41),
    with ``grads`` from ``LSTM.step_backward`` its backward gradients (Figure 42), for one example.

    ``extra`` adds inputs the step dicts do not hold, e.g. {"h_prev": …, "x": …} or
    {"dE_dc_next": …}.
    """
    pick = lambda d, keys, rename=None: {  # noqa: E731
        k: vector_label(d[(rename or {}).get(k, k)][example]) for k in keys
        if (rename or {}).get(k, k) in d}
    forward = None if values is None else pick(values, LSTM_FORWARD_KEYS, {"h": "o"})
    backward = None if grads is None else pick(grads, LSTM_BACKWARD_KEYS, {"dE_dc_prev": "dc_prev"})
    for k, v in (extra or {}).items():
        target = forward if k in LSTM_FORWARD_KEYS else backward
        if target is None:
            raise ValueError(f"extra[{k!r}] needs the {'values' if k in LSTM_FORWARD_KEYS else 'grads'} "
                             "it belongs with")
        target[k] = vector_label(v)
    return lstm_unit_diagram(forward, backward, title=title)


def multiplicative_figure(y_j, y_l, grad_o, names=("o^\\dagger", "o^\\ddagger", "o"), *, title=None):
    """One multiplicative unit o = y_j y_l of a gate (CMU lecture, special case 2), with its
    forward values and the gradients its backward rule sends to each factor."""
    return multiplicative_unit_diagram(float(y_j), float(y_l), float(grad_o), names=names, title=title)


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


_CURVES = ("simple RNN ‖∂E/∂h_t‖", "LSTM ‖∂E/∂h_t‖", "LSTM ‖∂E/∂c_t‖")


def _panel_norms(key):
    """(length, forget-gate bias) -> the norms the panel draws: simple RNN's, LSTM's."""
    return long_range_norms("rnn", key[0]), long_range_norms("lstm", *key)


_NORMS = Ahead(_panel_norms)     # computed ahead along a dragged slider


def _lstm_figure(pyplot=False):
    return GradientNormFigure(_CURVES, ylabel="norm relative to ‖∂E/∂h_T‖", pyplot=pyplot)


def _show_lstm(figure, length, forget_bias):
    (rnn_h, _), (lstm_h, lstm_c) = _NORMS.get((length, round(forget_bias, 6)))
    figure.update([rnn_h, lstm_h, lstm_c],
                  title=f"‖∂E/∂h_1‖ / ‖∂E/∂h_T‖: RNN {rnn_h[0]:.1e}, LSTM {lstm_h[0]:.1e}"
                        f" (forget-gate bias {forget_bias:g}, T = {length})")
    return dict(zip(_CURVES, (rnn_h, lstm_h, lstm_c)))


def lstm_gradient_figure(length=40, forget_bias=2.0):
    """‖∂E/∂h_t‖ per step for a simple RNN and an LSTM on the same long-range task."""
    figure = _lstm_figure(pyplot=True)
    curves = _show_lstm(figure, length, forget_bias)
    return figure.settled(), curves


def lstm_gradient_panel(length=40, forget_bias=2.0):
    """Sliders for the sequence length and the LSTM's initial forget-gate bias → gradient
    norms per step of a simple RNN and an LSTM on ``long_range_task``."""
    long_range_norms("lstm", length, forget_bias)                   # validates the arguments
    if static_mode():
        return _lstm_frames(length, float(forget_bias))
    figure = _lstm_figure()
    controls = {"length": W.IntSlider(value=length, min=5, max=80, step=5, description="length T"),
                "forget_bias": W.FloatSlider(value=forget_bias, min=-2.0, max=4.0, step=0.5,
                                             description="forget-gate bias", style=STYLE)}
    def ahead(*_):
        T, b = controls["length"].value, controls["forget_bias"].value
        near = sorted(((t, f) for t in range(5, 85, 5) for f in np.arange(-2.0, 4.5, 0.5)),
                      key=lambda tf: abs(tf[0] - T) / 5 + abs(tf[1] - b) / 0.5)
        _NORMS.plan([(t, round(float(f), 6)) for t, f in near])

    box = live_panel(controls, figure, lambda **v: _show_lstm(figure, **v), alt=_lstm_alt,
                     busy=lambda length, forget_bias: None if _NORMS.done((length, round(forget_bias, 6)))
                     else "computing the gradient norms …")
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box


def _lstm_alt(length, forget_bias):
    rnn_h, lstm_h = long_range_norms("rnn", length)[0], long_range_norms("lstm", length, forget_bias)[0]
    return (f"Gradient norms per step of a simple RNN and an LSTM with forget-gate bias "
            f"{forget_bias:g} over {length} steps: ‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ is {rnn_h[0]:.1e} for "
            f"the RNN and {lstm_h[0]:.1e} for the LSTM")


def _lstm_frames(length, forget_bias):
    """Lengths 10-80 × forget-gate biases −1 to 4 (and the requested ones)."""
    figure = _lstm_figure()

    def frame(length, forget_bias):
        _show_lstm(figure, length, forget_bias)
        return figure.fig

    return frames_panel(frame,
                        {"length": sorted({10, 40, 80, length}),
                         "forget_bias": sorted({-1.0, 0.0, 2.0, 4.0} | {forget_bias})},
                        value={"length": length, "forget_bias": forget_bias},
                        labels={"length": "length T", "forget_bias": "forget-gate bias"}, alt=_lstm_alt)
