"""Chapter 15, recurrent networks and BPTT: the unrolled network, gradients through time.

* ``folded_rnn_figure``, ``unrolled_rnn_figure``, ``bptt_iterations_figure``: the recurrent
  unit (Figure 37), the network unrolled over its time steps (Figure 38) with the backward
  sweep, and Algorithm 3's iterations (Figure 39)
* ``rnn_norms`` / ``rnn_gradient_figure`` / ``rnn_gradient_panel``: ‖∂E/∂h_t‖ per step as the
  recurrent weights' scale changes
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np

from .._validate import check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from ..nn.recurrent import SimpleRNN, orthogonal
from ..nn.through_time import gradient_norms
from ..ui.live import Ahead, live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.norms import GradientNormFigure
from ..viz.recurrent_diagrams import (
    bptt_iterations_diagram,
    folded_rnn_diagram,
    unrolled_rnn_diagram,
)

__all__ = ["folded_rnn_figure", "unrolled_rnn_figure", "bptt_iterations_figure", "rnn_norms", "rnn_gradient_figure", "rnn_gradient_panel"]


def unrolled_rnn_figure(T=3, x=None, h=None, y=None, *, own=None, carried=None, title=None):
    """A simple RNN unrolled through T steps (Kelleher's Figure 38), optionally with values
    and with the gradients of the backward sweep (``viz.recurrent_diagrams.unrolled_rnn_diagram``).

    ``x``, ``h`` and ``y`` are lists of T short strings (or numbers) written under x_t,
    in h_t and above y_t; ``own`` and ``carried`` label ∂E_t/∂h_t and W_hhᵀ δ_{t+1}.
    """
    return unrolled_rnn_diagram(T, x, h, y, own=own, carried=carried, title=title)


def folded_rnn_figure(*, title="The simple recurrent network (Kelleher et al., Figure 37)"):
    """Figure 37: x_t → h_t → y_t with the state's loop through W_hh."""
    return folded_rnn_diagram(title=title)


def bptt_iterations_figure(grads, *, title=None):
    """Figure 39: one row per iteration t of Algorithm 3, with the labels ``grads[t-1][i-1]``
    of the gradients ∂E_t/∂h_i that reach copy i."""
    return bptt_iterations_diagram(grads, title=title)


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


def _panel_norms(key):
    """(scale, activation, length) -> ``rnn_norms``: what the panel draws."""
    return rnn_norms(*key)


_NORMS = Ahead(_panel_norms)     # computed ahead along a dragged slider


def _rnn_figure(pyplot=False):
    return GradientNormFigure(["simple RNN"], ["ρ^(T−t)"], ylabel="‖∂E/∂h_t‖ / ‖∂E/∂h_T‖", pyplot=pyplot)


def _show_rnn(figure, scale, activation, length):
    norms = _NORMS.get((round(float(scale), 6), activation, int(length)))
    steps = np.arange(1, length + 1)
    figure.update([norms / norms[-1]], [float(scale) ** (length - steps)],
                  title=f"{activation} RNN, ρ = {scale:g}: ‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ = "
                        f"{norms[0] / norms[-1]:.2e} over {length} steps")
    return norms


def rnn_gradient_figure(scale=1.0, activation="tanh", length=30):
    """Gradient norm per time step for one recurrent scale ρ, beside the prediction ρ^(T−t)."""
    figure = _rnn_figure(pyplot=True)
    norms = _show_rnn(figure, scale, activation, length)
    return figure.settled(), norms


def rnn_gradient_panel(scale=1.0, activation="tanh", length=30):
    """Slider for the recurrent weights' scale ρ (the spectral radius of W_hh), a dropdown
    for the activation and a slider for the sequence length → ‖∂E/∂h_t‖ per step."""
    rnn_norms(scale, activation, length)                          # validates the arguments
    if static_mode():
        return _rnn_frames(float(scale), activation, length)
    figure = _rnn_figure()
    controls = {"scale": W.FloatSlider(value=scale, min=0.25, max=2.0, step=0.05, description="recurrent scale ρ",
                                       style=STYLE, readout_format=".2f"),
                "activation": W.Dropdown(options=["tanh", "linear", "relu", "logistic"], value=activation,
                                         description="activation"),
                "length": W.IntSlider(value=length, min=5, max=80, step=5, description="length T")}
    def ahead(*_):
        v = {k: w.value for k, w in controls.items()}
        near = sorted(((s, T) for s in np.arange(0.25, 2.001, 0.05) for T in range(5, 85, 5)),
                      key=lambda sT: abs(sT[0] - v["scale"]) / 0.05 + abs(sT[1] - v["length"]) / 5)
        _NORMS.plan([(round(float(s), 6), v["activation"], T) for s, T in near[:120]])

    box = live_panel(controls, figure, lambda **v: _show_rnn(figure, **v), alt=_rnn_alt,
                     busy=lambda scale, activation, length: None if _NORMS.done(
                         (round(float(scale), 6), activation, int(length))) else "computing the gradient norms …")
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box


def _rnn_alt(scale, activation, length):
    n = rnn_norms(scale, activation, length)
    return (f"Gradient norm per step of a {activation} RNN with recurrent scale ρ = {scale:g} over "
            f"{length} steps, beside ρ^(T−t): ‖∂E/∂h_1‖ / ‖∂E/∂h_T‖ = {n[0] / n[-1]:.2e}")


def _rnn_frames(scale, activation, length):
    """Recurrent scales 0.5-1.5 × tanh, linear and ReLU units (and the requested ones)."""
    acts = sorted({"tanh", "linear", "relu", activation}, key=["tanh", "linear", "relu", "logistic"].index)

    figure = _rnn_figure()

    def frame(scale, activation):
        _show_rnn(figure, scale, activation, length)
        return figure.fig

    def alt(scale, activation):
        return _rnn_alt(scale, activation, length)
    return frames_panel(frame,
                        {"scale": sorted({0.5, 0.9, 1.0, 1.2, 1.5} | {scale}), "activation": acts},
                        value={"scale": scale, "activation": activation},
                        labels={"scale": "recurrent scale ρ"}, alt=alt)
