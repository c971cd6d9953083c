"""Interactive panels for chapters 1-3: activations, the perceptron rule, depth.

Like ``dlcore.widgets``, every panel draws its default state when it is created (so an
executed notebook shows that figure), recomputes when a control is released
(``continuous_update=False``) and caches expensive results. While the book is built
(``dlcore.widgets_static.static_mode()``) each panel instead returns a small grid of
precomputed frames whose controls work in the browser without a kernel.

* ``activation_panel``  pick an activation and a z range: φ(z) beside φ'(z)
* ``perceptron_panel``  step through the epochs of the perceptron rule on a logic gate
* ``depth_panel``       train networks of 1-4 layers on a ring and see their decision regions
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np

from . import perceptron as _perceptron
from ._validate import as_rng, check_choice, check_int, check_real
from .layers import Dense
from .network import Network
from .plots_basics import ACTIVATIONS, _check_zlim, activation_plot, decision_regions, perceptron_plot
from .train import fit
from .widgets import show_figure
from .widgets_static import frames_panel, static_mode

__all__ = ["activation_panel", "perceptron_panel", "perceptron_run", "depth_panel",
           "depth_figure", "train_depth_network", "ring_data"]

_LABELS = {"threshold": "threshold", "logistic": "logistic", "tanh": "tanh", "relu": "ReLU",
           "leaky_relu": "leaky ReLU", "prelu": "parametric ReLU"}
_PARAM_DEFAULT = {"leaky_relu": 0.01, "prelu": 0.25}      # Kelleher eq. 45 and a common λ
_STYLE = {"description_width": "initial"}


# ---------------------------------------------------------------------- chapter 1
def activation_panel(activation="logistic", z_range=(-6.0, 6.0), param=None):
    """Dropdown of activations, a z-range slider and (for leaky/parametric ReLU) the slope
    α or λ for z < 0 → φ(z) and φ'(z) side by side.

    ``param`` defaults to 0.01 for leaky ReLU (Kelleher eq. 45) and 0.25 for PReLU.
    """
    check_choice(activation, "activation", ACTIVATIONS)
    z_range = _check_zlim(z_range, "z_range")
    if not (-20 <= z_range[0] and z_range[1] <= 20):
        raise ValueError(f"z_range must lie within [-20, 20], got {z_range}")
    if param is not None:
        param = check_real(param, "param", low=0.0, high=1.0)
    start = param if param is not None else _PARAM_DEFAULT.get(activation, 0.01)

    if static_mode():
        half = max(abs(z_range[0]), abs(z_range[1]))        # the grid is symmetric about 0
        widths = sorted({4.0, 12.0, half})
        return frames_panel(
            lambda activation, half_width: activation_plot(
                activation, (-half_width, half_width),
                param if activation in _PARAM_DEFAULT and param is not None else None),
            {"activation": list(ACTIVATIONS), "half_width": widths},
            value={"activation": activation, "half_width": half},
            labels={"half_width": "z range ±"},
            alt=lambda activation, half_width: (f"{_LABELS[activation]} and its derivative for z "
                                                f"between {-half_width:g} and {half_width:g}"))
    act = W.Dropdown(options=[(_LABELS[a], a) for a in ACTIVATIONS], value=activation,
                     description="activation")
    zr = W.FloatRangeSlider(value=z_range, min=-20, max=20, step=0.5, description="z range",
                            continuous_update=False, readout_format=".1f", style=_STYLE)
    slope = W.FloatSlider(value=start, min=0.0, max=1.0, step=0.01, continuous_update=False,
                          description="slope for z < 0 (α or λ)", readout_format=".2f",
                          style=_STYLE, disabled=activation not in _PARAM_DEFAULT)
    out = W.Output()
    busy = {"on": False}

    def redraw(*_):
        if busy["on"]:
            return
        name = act.value
        fig = activation_plot(name, zr.value, slope.value if name in _PARAM_DEFAULT else None)
        show_figure(out, fig)

    def on_activation(change):
        slope.disabled = change["new"] not in _PARAM_DEFAULT
        if change["new"] in _PARAM_DEFAULT:
            busy["on"] = True            # one redraw, not two, when the slope is reset
            slope.value = _PARAM_DEFAULT[change["new"]]
            busy["on"] = False
        redraw()

    act.observe(on_activation, names="value")
    zr.observe(redraw, names="value")
    slope.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([act, zr]), slope, out])


# ---------------------------------------------------------------------- chapter 2
@lru_cache(maxsize=128)
def _cached_run(gate, rule, lr, epochs, seed):
    X, y = _perceptron.truth_table(gate)
    return _perceptron.train(X, y, lr=lr, epochs=epochs, rule=rule, rng=seed, stop=False)


def perceptron_run(gate="xor", rule="online", lr=0.1, epochs=30, seed=0):
    """The perceptron rule on a two-input gate for all ``epochs`` epochs (cached).

    Runs do not stop at convergence (``stop=False``): once every example is right the
    weights simply stop changing, so every epoch up to ``epochs`` can be shown.
    """
    gate = check_choice(gate, "gate", _perceptron.GATES)
    check_choice(rule, "rule", ("online", "batch"))
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    return _cached_run(gate, rule, round(lr, 6), epochs, seed)


def perceptron_panel(gate="xor", rule="online", lr=0.1, epochs=30, seed=0, epoch=None):
    """Gate, rule and seed controls and an epoch slider → the perceptron after that epoch.

    The figure shows the weights, the decision boundary, the misclassified points (ringed)
    and the errors per epoch. ``epoch`` defaults to the first zero-error epoch, or the last.
    """
    h = perceptron_run(gate, rule, lr, epochs, seed)
    if epoch is None:
        epoch = h.converged_at if h.converged else h.epochs
    epoch = check_int(epoch, "epoch", minimum=0)
    if epoch > h.epochs:
        raise ValueError(f"epoch must be at most epochs ({h.epochs}), got {epoch}")

    if static_mode():
        gates = sorted({"and", "xor", gate}, key=_perceptron.GATES.index)
        shown = min(h.epochs, max(8, epoch))
        return frames_panel(
            lambda gate, epoch: perceptron_plot(perceptron_run(gate, rule, lr, epochs, seed), epoch),
            {"gate": gates, "epoch": list(range(shown + 1))},
            value={"gate": gate, "epoch": min(epoch, shown)},
            alt=lambda gate, epoch: (f"The perceptron rule on {gate.upper()} after epoch {epoch}: "
                                     f"{int(perceptron_run(gate, rule, lr, epochs, seed).errors[epoch])} "
                                     f"misclassified"))
    g = W.Dropdown(options=[(x.upper(), x) for x in _perceptron.GATES], value=gate.lower(),
                   description="gate")
    r = W.ToggleButtons(options=["online", "batch"], value=rule, description="rule",
                        style={"button_width": "70px"})
    s = W.BoundedIntText(value=seed, min=0, max=10_000, description="seed", layout=W.Layout(width="160px"))
    e = W.IntSlider(value=epoch, min=0, max=h.epochs, step=1, description="epoch",
                    continuous_update=False, layout=W.Layout(width="480px"))
    out = W.Output()

    def redraw(*_):
        run = perceptron_run(g.value, r.value, lr, epochs, s.value)
        show_figure(out, perceptron_plot(run, e.value))

    for control in (g, r, s, e):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([g, s]), r, e, out])


# ---------------------------------------------------------------------- chapter 3
def ring_data(n=240, seed=7, inner=0.35, outer=0.8):
    """Points uniform in [−1, 1]², labelled 1 inside the ring inner < ‖x‖ < outer.

    Returns ``X`` (n, 2) and ``y`` (n,). A class with a hole: no half-plane and no convex
    region can hold it, so it needs the depth of Kelleher's Figure 10.
    """
    n = check_int(n, "n", minimum=2)
    inner = check_real(inner, "inner", low=0.0)
    outer = check_real(outer, "outer", low=inner, low_open=True)
    X = as_rng(check_int(seed, "seed", minimum=0)).uniform(-1.0, 1.0, (n, 2))
    r = np.hypot(X[:, 0], X[:, 1])
    return X, ((r > inner) & (r < outer)).astype(float)


DEPTH_ACTIVATIONS = ("tanh", "logistic", "relu")


@lru_cache(maxsize=64)
def _cached_depth(n_layers, width, activation, seed, epochs):
    X, y = ring_data()
    rng = as_rng(seed)
    sizes = [2] + [width] * (n_layers - 1) + [1]
    layers = [Dense(a, b, activation=activation if i < n_layers - 1 else "logistic", rng=rng)
              for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))]
    net = Network(layers, loss="binary_cross_entropy")
    history = fit(net, X, y[:, None], lr=0.2, epochs=epochs, reduction="mean", momentum=0.9, rng=seed)
    return net, history


def train_depth_network(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """A network of ``n_layers`` weight layers (``width`` hidden neurons each, a logistic
    output) trained on ``ring_data()`` with binary cross-entropy, full batch, α = 0.2,
    momentum 0.9. Returns ``(net, history)``; results are cached."""
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    if n_layers > 5:
        raise ValueError(f"n_layers must be at most 5, got {n_layers}")
    width = check_int(width, "width", minimum=1)
    check_choice(activation, "activation", DEPTH_ACTIVATIONS)
    return _cached_depth(n_layers, width, activation, check_int(seed, "seed", minimum=0),
                         check_int(epochs, "epochs", minimum=1))


def depth_figure(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Decision regions of ``train_depth_network(...)`` over the ring data."""
    net, _ = train_depth_network(n_layers, width, activation, seed, epochs)
    X, y = ring_data()
    acc = float(np.mean((net.predict(X)[:, 0] >= 0.5) == y))
    shape = "-".join(str(s) for s in [2] + [width] * (n_layers - 1) + [1])
    units = f", {activation} hidden units" if n_layers > 1 else ", logistic output only"
    return decision_regions(net.predict, X, y, figsize=(4.6, 4.6),
                            title=f"{n_layers} layer{'s' * (n_layers > 1)} ({shape}{units})\n"
                                  f"training accuracy {acc:.0%}")


def depth_panel(n_layers=3, width=5, activation="tanh", seed=0, epochs=3000):
    """Layer and width sliders and an activation dropdown → decision regions on the ring."""
    train_depth_network(n_layers, width, activation, seed, epochs)   # validates, warms the cache
    if static_mode():
        grid = {"n_layers": sorted({1, 2, 3, n_layers}), "width": sorted({2, 5, 8, width})}
        return frames_panel(
            lambda n_layers, width: depth_figure(n_layers, width, activation, seed, epochs), grid,
            value={"n_layers": n_layers, "width": width},
            labels={"n_layers": "layers", "width": "neurons per hidden layer"},
            alt=lambda n_layers, width: (f"Decision regions of a {n_layers}-layer network with "
                                         f"{width} {activation} neurons per hidden layer on the ring data"))
    layers = W.IntSlider(value=n_layers, min=1, max=5, description="layers",
                         continuous_update=False)
    wide = W.IntSlider(value=width, min=1, max=8, description="neurons per hidden layer",
                       continuous_update=False, style=_STYLE)
    act = W.Dropdown(options=DEPTH_ACTIVATIONS, value=activation, description="hidden units")
    out = W.Output()

    def redraw(*_):
        show_figure(out, depth_figure(layers.value, wide.value, act.value, seed, epochs))

    for control in (layers, wide, act):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([layers, wide]), act, out])
