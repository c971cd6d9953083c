"""Chapter 8, backpropagation in matrix and Jacobian form: Jacobians, output δs, one δ three ways.

* ``jacobian_heatmaps``: Jacobian matrices as annotated heat maps
* ``output_delta_figure``: δ_L of each output activation and loss against the output
* ``scalar_delta`` / ``delta_figure`` / ``delta_panel``: one neuron's δ by the scalar sum of
  Kelleher eq. 21-23, by ``net.backward`` and by a central difference, drawn on the network
* ``influence_figure``: the distributed chain rule (CMU lecture) for one hidden neuron: its
  activation reaches E through every neuron it feeds, and ∂E/∂a_k sums those paths (eq. 22)
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_int,
    check_mapping,
    check_real,
)
from ..data import datasets
from ..nn.layers import Dense
from ..nn.network import Network
from ..ui.live import Frames, live_panel
from ..ui.static import frames_panel, static_mode
from ..viz.diagrams import network_diagram, neuron_numbers
from ..viz.flows import influence_diagram
from ..viz.style import LINE_COLORS, LINESTYLES

__all__ = ["jacobian_heatmaps", "output_delta_figure", "DELTA_ACTIVATIONS", "scalar_delta",
           "delta_figure", "delta_panel", "influence_figure"]


def jacobian_heatmaps(mats, *, names=None, decimals=3, title=None, figsize=None):
    """Annotated heatmaps of Jacobian matrices side by side (``mats``: label → 2-D array).

    Rows are outputs, columns inputs: entry (i, j) is ∂a_i/∂z_j. A diverging colour map
    centred on zero shows the sign (blue +, red −); exact zeros are left blank.
    ``names`` optionally maps a label to the list of unit names of its rows and columns
    (for example ``["3", "4", "5"]`` for Kelleher's neurons); the default is 1, 2, ….
    """
    mats = check_mapping(mats, "mats")
    decimals = check_int(decimals, "decimals", minimum=0)
    arrays = {str(k): as_float_array(v, f"mats[{k!r}]", ndim=2) for k, v in mats.items()}
    names = {} if names is None else {str(k): v for k, v in check_mapping(names, "names").items()}
    for label, a in arrays.items():
        units = names.get(label)
        if units is not None and len(units) != a.shape[0] or a.shape[0] != a.shape[1]:
            raise ValueError(f"mats[{label!r}] must be square with one name per unit in names, "
                             f"got shape {a.shape}")
    n = len(arrays)
    vmax = max(float(np.abs(a).max()) for a in arrays.values()) or 1.0
    if figsize is None:
        figsize = (3.3 * n + 0.6, 3.4)
    fig, axes = plt.subplots(1, n, figsize=figsize, layout="constrained", squeeze=False)
    cmap = plt.get_cmap("RdBu")  # red negative, blue positive
    for ax, (label, a) in zip(axes[0], arrays.items()):
        im = ax.imshow(a, cmap=cmap, vmin=-vmax, vmax=vmax)
        for (i, j), v in np.ndenumerate(a):
            if v != 0:
                ax.text(j, i, f"{v:.{decimals}f}", ha="center", va="center", fontsize=9,
                        color="white" if abs(v) > 0.6 * vmax else "black")
        units = [str(u) for u in names.get(label, range(1, a.shape[0] + 1))]
        ax.set_xticks(range(a.shape[1]), [f"$z_{{{u}}}$" for u in units])
        ax.set_yticks(range(a.shape[0]), [f"$a_{{{u}}}$" for u in units])
        ax.set_title(label, fontsize=10)
    bar = fig.colorbar(im, ax=list(axes[0]), shrink=0.8)
    bar.ax.set_title(r"$\partial a_i / \partial z_j$", fontsize=9)
    if title:
        fig.suptitle(title)
    return fig


def output_delta_figure(target=1.0, *, figsize=(6.4, 3.6)):
    """|δ| of a logistic output unit against its activation a for a fixed target.

    Two curves: binary cross-entropy (δ = a − y, backprop lecture) and SSE
    (δ = (a − y) a (1 − a), Kelleher eq. 21). The SSE curve collapses to 0 at a → 0 and
    a → 1, so a saturated, confidently wrong unit hardly learns under SSE.
    """
    y = check_real(target, "target", low=0.0, high=1.0)
    a = np.linspace(0.001, 0.999, 400)
    curves = {"binary cross-entropy: δ = a − y": a - y,
              "SSE: δ = (a − y) a (1 − a)": (a - y) * a * (1 - a)}
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for i, (label, d) in enumerate(curves.items()):
        ax.plot(a, np.abs(d), color=LINE_COLORS[i], ls=LINESTYLES[i], lw=2, label=label)
    ax.axvline(y, color="0.5", lw=1, ls=":")
    ax.annotate(f"target y = {y:g}", (y, 1.0), textcoords="offset points",
                xytext=(-4 if y > 0.5 else 4, -4), ha="right" if y > 0.5 else "left", va="top",
                color="0.35", fontsize=9)
    ax.set_xlabel("output activation a = σ(z)")
    ax.set_ylabel("|δ| = |∂E/∂z|")
    ax.set_title(f"Output δ of a logistic unit, target {y:g}")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize=9, loc="upper center")
    return fig


DELTA_ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu")


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

    fig, ax = plt.subplots(figsize=(8.4, 6.0), layout="constrained")
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


def delta_frame(example, neuron, activation):
    """``delta_figure``'s Figure alone (what the panel shows)."""
    return delta_figure(example, neuron, activation)[0]


def delta_panel(example=1, neuron=7, activation="logistic"):
    """Dropdowns for the example, the neuron and the activation → ``delta_figure``. Each
    choice changes the diagram's numbers throughout, so each is drawn once and kept; the
    other neurons of the chosen example are drawn ahead, in the background."""
    plt.close(delta_figure(example, neuron, activation)[0])   # validates the arguments
    if static_mode():
        return _delta_frames(example, neuron, activation)
    controls = {"example": W.Dropdown(options=[(f"d{j + 1}", j) for j in range(4)], value=example,
                                      description="example"),
                "neuron": W.Dropdown(options=list(range(3, 9)), value=neuron, description="neuron"),
                "activation": W.Dropdown(options=DELTA_ACTIVATIONS, value=activation, description="activation")}
    frames = Frames(delta_frame)

    def ahead(*_):
        v = {k: w.value for k, w in controls.items()}
        frames.warm([{**v, "neuron": n} for n in range(3, 9)])

    box = live_panel(controls, frames, frames.update,
                     busy=lambda **v: None if frames.done(**v) else "drawing …",
                     alt=lambda example, neuron, activation: _delta_alt(example, neuron, activation))
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box


def _delta_alt(example, neuron, activation):
    delta = scalar_delta(_kelleher_net(activation), _DATA.X[example], _DATA.T[example])[0][neuron]
    return (f"Kelleher's network with {activation} units, example d{example + 1}: δ of neuron "
            f"{neuron} is {delta:+.6f} by the scalar loop, the matrix form and a finite "
            f"difference alike")


def _delta_frames(example, neuron, activation):
    """Every neuron × {logistic, ReLU, the requested activation} for the requested example."""
    def alt(neuron, activation):
        return _delta_alt(example, neuron, activation)
    acts = sorted({"logistic", "relu", activation}, key=DELTA_ACTIVATIONS.index)
    return frames_panel(lambda neuron, activation: delta_figure(example, neuron, activation)[0],
                        {"neuron": list(range(3, 9)), "activation": acts},
                        value={"neuron": neuron, "activation": activation}, alt=alt)


def influence_figure(net, grads, neuron, example=0, *, decimals=5, title=None):
    """The influence diagram of hidden neuron ``neuron`` (Kelleher's numbering) for one example.

    Its activation a_k reaches the error through the weighted sum z_i of every neuron i it
    feeds; each path carries w_{i,k} forward and δ_i back, contributes w_{i,k} δ_i, and
    ∂E/∂a_k is the sum of the contributions (the distributed chain rule; Kelleher eq. 22).
    """
    numbers = neuron_numbers(net)
    found = [(l, ids.index(neuron)) for l, ids in enumerate(numbers) if neuron in ids]
    if not found or found[0][0] in (0, len(numbers) - 1):
        raise ValueError(f"neuron must be a hidden neuron of this network ({numbers[1:-1]}), got {neuron}")
    (l, k), example = found[0], check_int(example, "example", minimum=0)
    W = net.layers[l].W                       # the weights out of layer l, into layer l + 1
    delta = grads.delta[l + 1][example]
    fmt = lambda v: f"{v:.{decimals}f}"  # noqa: E731
    fed = numbers[l + 1]
    parts = [W[i, k] * delta[i] for i in range(len(fed))]
    return influence_diagram(
        f"$a_{{{neuron}}}$", [f"$z_{{{i}}}$" for i in fed], "$E$",
        into=[f"$w_{{{i},{neuron}}}$ = {W[r, k]:.2f}" for r, i in enumerate(fed)],
        arriving=[f"$\\delta_{{{i}}}$ = {fmt(delta[r])}" for r, i in enumerate(fed)],
        backward=[f"$w_{{{i},{neuron}}}\\delta_{{{i}}}$ = {fmt(p)}" for p, i in zip(parts, fed)],
        total=f"∂E/∂$a_{{{neuron}}}$ = " + " + ".join(fmt(p) for p in parts) + f" = {fmt(sum(parts))}",
        title=title or f"Neuron {neuron} influences E through neurons {', '.join(map(str, fed))}")
