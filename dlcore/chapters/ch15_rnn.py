"""Chapter 15, recurrent networks and BPTT: the unrolled network, gradients through time.

* ``unrolled_rnn_figure``: a simple RNN unrolled over its time steps
* ``rnn_norms`` / ``rnn_gradient_figure`` / ``rnn_gradient_panel``: ‖∂E/∂h_t‖ per step as the
  recurrent weights' scale changes
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch, Rectangle

from .._validate import check_choice, check_int, check_real
from ..nn.layers import Dense
from ..nn.network import Network
from ..nn.recurrent import SimpleRNN, gradient_norms, orthogonal
from ..ui.live import Ahead, live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.norms import GradientNormFigure

__all__ = ["unrolled_rnn_figure", "rnn_norms", "rnn_gradient_figure", "rnn_gradient_panel"]


def unrolled_rnn_figure(T=3, x=None, h=None, y=None, *, title=None):
    """A simple RNN unrolled through T steps (Kelleher's Figure 38), optionally with values.

    ``x``, ``h`` and ``y`` are lists of T short strings (or numbers) written under x_t,
    in h_t and above y_t.
    """
    T = int(T)
    if not 1 <= T <= 8:
        raise ValueError(f"T must be between 1 and 8 steps to draw, got {T}")
    fig, ax = plt.subplots(figsize=(2.3 * T + 1.6, 3.6), layout="constrained")

    def box(cx, cy, text, fc):
        ax.add_patch(Rectangle((cx - 0.45, cy - 0.3), 0.9, 0.6, fc=fc, ec="black", lw=1.2))
        ax.text(cx, cy, text, ha="center", va="center", fontsize=9)

    def arrow(a, b, label=None, dx=0.0, dy=0.0):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=12, lw=1.2, color="0.2"))
        if label:
            ax.text((a[0] + b[0]) / 2 + dx, (a[1] + b[1]) / 2 + dy, label, fontsize=8,
                    ha="center", color="#0072B2")

    fmt = lambda v: v if isinstance(v, str) else f"{v:.3g}"  # noqa: E731
    box(0, 1, "$h_0$\n0", "#F5F5F5")
    for t in range(1, T + 1):
        cx = 2.0 * t
        box(cx, 0, f"$x_{t}$" + (f"\n{fmt(x[t - 1])}" if x is not None else ""), "#E8F1F8")
        box(cx, 1, f"$h_{t}$" + (f"\n{fmt(h[t - 1])}" if h is not None else ""), "#F5F5F5")
        box(cx, 2, f"$y_{t}$" + (f"\n{fmt(y[t - 1])}" if y is not None else ""), "#FFF8E1")
        arrow((cx, 0.3), (cx, 0.7), "$W_{hx}$", dx=0.3)
        arrow((cx, 1.3), (cx, 1.7), "$W_{yh}$", dx=0.3)
        arrow((cx - 1.55, 1), (cx - 0.45, 1), "$W_{hh}$", dy=0.08)
    ax.set_xlim(-0.7, 2.0 * T + 0.7)
    ax.set_ylim(-0.5, 2.5)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or f"A simple RNN unrolled through {T} time steps: every copy shares "
                 "$W_{hh}$, $W_{hx}$, $w_0$", fontsize=10)
    return fig


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
