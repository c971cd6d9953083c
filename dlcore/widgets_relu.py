"""Panels for chapters 8 and 9, on Kelleher's 2-3-2-1 network and power-plant data.

* ``delta_panel``: pick an example, a neuron and an activation; the neuron's δ is computed
  three ways (the scalar sum of Kelleher eq. 21-23, the matrix form of ``net.backward`` and a
  central difference on the neuron's bias) and drawn on the network.
* ``relu_panel``: learning-rate slider, activation dropdown (ReLU, leaky ReLU with an α slider,
  PReLU) → SSE curve beside the lecture's ReLU run, and how many neurons ended up dead.

Each panel draws its default state on creation (``dlcore.widgets.show_figure``); sliders
recompute on release. While the book is built (``widgets_static.static_mode()``) each panel
instead precomputes its figure on a small grid of settings around the requested one, with
controls linked to the frames in the browser, so the static site's panels move without a kernel.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import activations as _act
from . import datasets
from ._validate import as_float_array, check_choice, check_int, check_real
from .layers import Dense
from .network import Network
from .plots import network_diagram, neuron_numbers
from .plots_relu import relu_training_figure, unit_activity
from .train import fit
from .widgets import show_figure
from .widgets_static import frames_panel, static_mode

__all__ = ["DELTA_ACTIVATIONS", "RELU_ACTIVATIONS", "scalar_delta", "delta_figure", "delta_panel",
           "relu_network", "relu_figure", "relu_panel"]

DELTA_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu")
RELU_ACTIVATIONS = ("relu", "leaky_relu", "prelu")
_DATA = datasets.power_plant()


def scalar_delta(net, x, t):
    """δ of every neuron for one example, one neuron at a time (Kelleher eq. 21-23).

    ``x`` is one input row and ``t`` its target; returns {neuron number: δ} in Kelleher's
    numbering, plus the z, a and φ'(z) it used, all as plain Python floats.
    """
    if not isinstance(net, Network) or not all(isinstance(layer, Dense) for layer in net.layers):
        raise TypeError(f"net must be a dlcore.Network of Dense layers, got {type(net).__name__}")
    x = as_float_array(x, "x", ndim=1)
    t = as_float_array(t, "t", ndim=(0, 1)).ravel()
    if x.size != net.n_in or t.size != net.n_out:
        raise ValueError(f"x must hold {net.n_in} inputs and t {net.n_out} targets for this network, "
                         f"got {x.size} and {t.size}")
    numbers = neuron_numbers(net)
    a = {k: float(v) for k, v in zip(numbers[0], x)}
    z, slope = {}, {}
    for l, layer in enumerate(net.layers, start=1):           # forward, neuron by neuron
        for i, n in enumerate(numbers[l]):
            z[n] = layer.b[i] + sum(layer.W[i, c] * a[k] for c, k in enumerate(numbers[l - 1]))
            a[n] = float(layer.activation(np.float64(z[n])))
            slope[n] = float(layer.activation.derivative(np.float64(z[n])))
    delta = {}
    for i, n in enumerate(numbers[-1]):                       # eq. 21: output neurons
        delta[n] = (a[n] - t[i]) * slope[n]
    for l in range(len(net.layers) - 1, 0, -1):               # eq. 23: hidden neurons
        nxt = net.layers[l]
        for c, k in enumerate(numbers[l]):
            delta[k] = sum(nxt.W[r, c] * delta[i] for r, i in enumerate(numbers[l + 1])) * slope[k]
    return delta, z, a, slope


def _kelleher_net(activation):
    return datasets.kelleher_network(activation)


def delta_figure(example=1, neuron=7, activation="logistic", h=1e-6):
    """The δ of one neuron for one example, three ways, drawn on Kelleher's network.

    Returns ``(fig, info)`` with ``info = {"scalar", "matrix", "finite_difference"}``.
    """
    example = check_int(example, "example", minimum=0)
    if example > 3:
        raise ValueError(f"example must be 0-3 (d1-d4), got {example}")
    neuron = check_int(neuron, "neuron", minimum=3)
    if neuron > 8:
        raise ValueError(f"neuron must be one of Kelleher's neurons 3-8, got {neuron}")
    check_choice(activation, "activation", DELTA_ACTIVATIONS)
    h = check_real(h, "h", low=0.0, low_open=True)
    X, T = _DATA.X, _DATA.T
    net = _kelleher_net(activation)
    numbers = neuron_numbers(net)
    l = next(l for l, ids in enumerate(numbers) if neuron in ids)
    i = numbers[l].index(neuron)
    trace = net.forward(X)
    grads = net.backward(trace, T)
    scalar, _z, act_a, slope = scalar_delta(net, X[example], T[example])
    b = net.layers[l - 1].b                                   # ∂E_j/∂b_i = δ_i for example j
    saved, xj, tj = b[i], X[example:example + 1], T[example:example + 1]
    b[i] = saved + h
    e_plus = net.loss(xj, tj)
    b[i] = saved - h
    e_minus = net.loss(xj, tj)
    b[i] = saved
    info = {"scalar": float(scalar[neuron]), "matrix": float(grads.delta[l][example, i]),
            "finite_difference": (e_plus - e_minus) / (2 * h)}

    fig, ax = plt.subplots(figsize=(9.5, 6.2), layout="constrained")
    network_diagram(net, trace, grads, example=example, show=("weights", "delta"), ax=ax)
    for txt in ax.texts:                                      # ring the chosen neuron
        if txt.get_text() == str(neuron) and txt.get_weight() == "bold":
            ax.add_patch(plt.Circle(txt.get_position(), 0.4, fill=False, ec="#E69F00", lw=3,
                                    zorder=4.5))
    if l == len(net.layers):
        formula = (f"δ{neuron} = (a{neuron} − t) × ∂a{neuron}/∂z{neuron} = "
                   f"({act_a[neuron]:.4f} − {T[example, 0]:.2f}) × {slope[neuron]:.4f}")
    else:
        nxt = net.layers[l]
        terms = " + ".join(f"w{j},{neuron}·δ{j}" for j in numbers[l + 1])
        values = " + ".join(f"({nxt.W[r, i]:.2f})({scalar[j]:.4f})" for r, j in enumerate(numbers[l + 1]))
        formula = (f"δ{neuron} = ({terms}) × ∂a{neuron}/∂z{neuron}\n"
                   f"   = [{values}] × {slope[neuron]:.4f}")
    ax.text(0.5, -0.02, f"{formula}\nscalar loop {info['scalar']:+.10f}   matrix form "
            f"{info['matrix']:+.10f}   finite difference {info['finite_difference']:+.10f}",
            transform=ax.transAxes, ha="center", va="top", fontsize=9.5, family="monospace",
            multialignment="left", bbox=dict(boxstyle="round,pad=0.4", fc="#F7F7F7", ec="0.7"))
    ax.set_title(f"δ{neuron} for d{example + 1}, {activation} units", fontsize=12)
    return fig, info


def delta_panel(example=1, neuron=7, activation="logistic"):
    """Dropdowns for the example, the neuron and the activation → ``delta_figure``."""
    plt.close(delta_figure(example, neuron, activation)[0])   # validates the arguments
    if static_mode():
        return _delta_frames(example, neuron, activation)
    ex = W.Dropdown(options=[(f"d{j + 1}", j) for j in range(4)], value=example,
                    description="example")
    nr = W.Dropdown(options=list(range(3, 9)), value=neuron, description="neuron")
    act = W.Dropdown(options=DELTA_ACTIVATIONS, value=activation, description="activation")
    out = W.Output()

    def redraw(*_):
        fig, _info = delta_figure(ex.value, nr.value, act.value)
        show_figure(out, fig)

    for w in (ex, nr, act):
        w.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([ex, nr, act]), out])


def relu_network(activation="relu", alpha=0.01):
    """Kelleher's network with every neuron ``activation`` (leaky slope ``alpha``)."""
    check_choice(activation, "activation", RELU_ACTIVATIONS)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    if activation == "leaky_relu":
        return datasets.kelleher_network(_act.get("leaky_relu", alpha=alpha))
    return datasets.kelleher_network(activation)


@lru_cache(maxsize=128)
def _relu_run(activation, alpha, lr, epochs, tol):
    net = relu_network(activation, alpha)
    h = fit(net, _DATA.X, _DATA.T, lr=lr, epochs=epochs, tol=tol, reduction="sum", rng=0)
    return net, h


def relu_figure(lr=0.2, activation="relu", alpha=0.01, epochs=2000, tol=1e-4):
    """SSE curve of Kelleher's network with (lr, activation), beside the lecture's ReLU run at
    α = 0.2, and a bar chart of how many examples switch each neuron on after training.

    Returns ``(fig, history, dead)`` where ``dead`` counts neurons with z ≤ 0 on all examples
    (dead for ReLU; leaky and parametric units still pass a gradient there).
    """
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(activation, "activation", RELU_ACTIVATIONS)
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    epochs = check_int(epochs, "epochs", minimum=1)
    tol = check_real(tol, "tol", low=0.0, allow_none=True)
    key_alpha = round(alpha, 6) if activation == "leaky_relu" else 0.01
    net, h = _relu_run(activation, key_alpha, round(lr, 6), epochs, tol)
    label = {"relu": "ReLU", "leaky_relu": f"leaky ReLU (α = {alpha:g})", "prelu": "PReLU"}[activation]
    runs = {f"lr = {lr:.3g}, {label}": h}
    if (activation, round(lr, 6)) != ("relu", 0.2):
        runs["lecture: lr = 0.2, ReLU"] = _relu_run("relu", 0.01, 0.2, epochs, tol)[1]
    relu = activation == "relu"
    fig = relu_training_figure(runs, net, _DATA.X, tol=tol, zero_label="dead" if relu else "off")
    dead = sum(int(np.sum(c == 0)) for c in unit_activity(net, _DATA.X))
    what = "dead neuron(s)" if relu else "neuron(s) switched off on every example, still learning"
    fig.suptitle(f"{label}, learning rate {lr:.3g}: {dead} {what}", fontsize=11)
    return fig, h, dead


def relu_panel(lr=0.2, activation="relu", alpha=0.01, epochs=2000, tol=1e-4):
    """Learning-rate slider, activation dropdown and leaky slope α → ``relu_figure``."""
    plt.close(relu_figure(lr, activation, alpha, epochs, tol)[0])  # validates, warms the cache
    if static_mode():
        return _relu_frames(float(lr), activation, float(alpha), epochs, tol)
    lr_slider = W.FloatLogSlider(value=lr, base=10, min=-2, max=0.5, step=0.05,
                                 description="learning rate", readout_format=".3g",
                                 continuous_update=False, style={"description_width": "initial"})
    act = W.Dropdown(options=RELU_ACTIVATIONS, value=activation, description="activation")
    alpha_slider = W.FloatSlider(value=alpha, min=0.0, max=0.5, step=0.01, description="leaky α",
                                 readout_format=".2f", continuous_update=False,
                                 disabled=activation != "leaky_relu")
    out = W.Output()

    def redraw(*_):
        alpha_slider.disabled = act.value != "leaky_relu"
        fig, _h, _dead = relu_figure(lr_slider.value, act.value, alpha_slider.value, epochs, tol)
        show_figure(out, fig)

    for w in (lr_slider, act, alpha_slider):
        w.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([lr_slider, act, alpha_slider]), out])


# ------------------------------------------------------------------ static (precomputed) forms
def _delta_frames(example, neuron, activation):
    """Every neuron × {logistic, ReLU, the requested activation} for the requested example."""
    def alt(neuron, activation):
        delta = scalar_delta(_kelleher_net(activation), _DATA.X[example], _DATA.T[example])[0][neuron]
        return (f"Kelleher's network with {activation} units, example d{example + 1}: δ of neuron "
                f"{neuron} is {delta:+.6f} by the scalar loop, the matrix form and a finite "
                f"difference alike")
    acts = sorted({"logistic", "relu", activation}, key=DELTA_ACTIVATIONS.index)
    return frames_panel(lambda neuron, activation: delta_figure(example, neuron, activation)[0],
                        {"neuron": list(range(3, 9)), "activation": acts},
                        value={"neuron": neuron, "activation": activation}, alt=alt)


def _relu_frames(lr, activation, alpha, epochs, tol):
    """Learning rates around the lecture's 0.2 × ReLU, leaky ReLU at two or three leaks, PReLU."""
    leaks = sorted({0.01, 0.3} | ({alpha} if activation == "leaky_relu" else set()))
    choices = {"ReLU": ("relu", alpha),
               **{f"leaky ReLU, α = {a:g}": ("leaky_relu", a) for a in leaks}, "PReLU": ("prelu", alpha)}
    start = next(k for k, (act, a) in choices.items() if act == activation
                 and (a == alpha or act != "leaky_relu"))

    def alt(lr, units):
        act, a = choices[units]
        key_alpha = round(a, 6) if act == "leaky_relu" else 0.01
        net, h = _relu_run(act, key_alpha, round(lr, 6), epochs, tol)
        dead = sum(int(np.sum(c == 0)) for c in unit_activity(net, _DATA.X))
        return (f"SSE per epoch of Kelleher's network ({units}) at learning rate {lr:g}: "
                f"{h.message}; {dead} neuron(s) switched off on every example after training")
    return frames_panel(lambda lr, units: relu_figure(lr, *choices[units], epochs, tol)[0],
                        {"lr": sorted({0.2, 0.3, 0.45, 0.5} | {lr}), "units": list(choices)},
                        value={"lr": lr, "units": start},
                        labels={"lr": "learning rate", "units": "activation"}, alt=alt)
