"""The training explorer: sliders for learning rate, initialisation, dropout and shape,
live loss curves and per-layer histograms of z, a and δ.

``explorer()`` returns the panel (an ipywidgets ``VBox``); its ``.explorer`` attribute is
the ``Explorer`` object behind it, which notebooks and tests can drive directly:
``ex.set(sigma=0.2)`` changes settings and redraws, ``ex.pin()`` keeps the current run
for comparison. Runs with the same seed start from the same standard-normal draws and
see the examples in the same order, so a pinned run and a new one differ only in the
settings that were changed.

On the static site (``dlcore.ui.static.static_mode()``, set by the book build) ``explorer()``
returns precomputed frames instead: the initial weights (N(0, σ) for three σ, Xavier, He)
× the hidden activation (linear, tanh, ReLU), every other setting as requested, each frame
with alternative text that states the run's loss and whether the variances shrink or grow
through the layers. Its ``.explorer`` is the Explorer of the requested settings, already run.
"""
from __future__ import annotations

import base64
import contextlib

import ipywidgets as W
import numpy as np

from .._validate import check_choice, check_int, check_real
from ..data import datasets
from ..nn.layers import Dense, Dropout
from ..nn.network import Network
from ..train.fit import fit
from ..train.record import Recorder
from ..viz.explorer import ExplorerFigure, layer_values
from .static import frames_panel, static_mode

__all__ = ["Explorer", "explorer", "build_network", "DATASETS", "STATIC_SIGMAS", "STATIC_ACTIVATIONS"]

DATASETS = ("power plant", "noisy sine", "xor blobs")
INITS = ("normal", "xavier", "he", "zeros")
ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "linear")
DEFAULTS = dict(dataset="noisy sine", lr=0.05, init="xavier", sigma=0.1, dropout=0.0,
                activation="tanh", depth=3, width=16, epochs=200, patience=0, seed=0,
                histograms="first iteration")


_BLAS = []


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread, if threadpoolctl is installed (it
    comes with scikit-learn); otherwise it changes nothing. The explorer's matrices are
    small (at most a few hundred × 100): threads cannot speed them up, and on a busy
    2-core machine OpenBLAS's waiting threads made a 100 × 100 product take 40 ms instead
    of 0.05 ms."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
            _BLAS.append(ThreadpoolController())
        except ImportError:  # pragma: no cover - depends on the installation
            _BLAS.append(None)
    return contextlib.nullcontext() if _BLAS[0] is None else _BLAS[0].limit(limits=1, user_api="blas")


def _data(name, seed):
    if name == "power plant":
        d = datasets.power_plant()
        return d.X, d.T, None, None, "sse"
    if name == "noisy sine":
        return (*datasets.noisy_sine(n_val=100, rng=seed), "sse")
    return (*datasets.xor_blobs(n_train=100, n_val=100, rng=seed), "binary_cross_entropy")


def build_network(n_in, n_out, *, depth, width, activation, init, sigma, dropout, loss, seed):
    """``depth`` hidden layers of ``width`` units (each followed by dropout when rate > 0)
    and an output layer: logistic for binary cross-entropy, otherwise linear, except on
    the power-plant data whose lecture network uses the hidden activation throughout."""
    rng = np.random.default_rng(seed)
    layers, fan_in = [], n_in
    for _ in range(depth):
        layers.append(Dense(fan_in, width, activation, init=init, rng=rng,
                            init_kwargs={"sigma": sigma} if init == "normal" else None))
        if dropout > 0:
            layers.append(Dropout(dropout))
        fan_in = width
    out_act = "logistic" if loss == "binary_cross_entropy" else ("linear" if n_in == 1 else activation)
    layers.append(Dense(fan_in, n_out, out_act, init=init, rng=rng,
                        init_kwargs={"sigma": sigma} if init == "normal" else None))
    return Network(layers, loss=loss)


class Explorer:
    """The logic of the panel, independent of the widgets (see the module docstring)."""

    def __init__(self, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown explorer setting(s) {sorted(unknown)}; expected {sorted(DEFAULTS)}")
        self.settings = {**DEFAULTS, **settings}
        self._validate(self.settings)
        self.pinned = None
        self.figure = None
        self._figures = {}     # layer names -> ExplorerFigure: its layout and cached pixels
        self.current = None

    @staticmethod
    def _validate(s):
        check_choice(s["dataset"], "dataset", DATASETS)
        check_choice(s["init"], "init", INITS)
        check_choice(s["activation"], "activation", ACTIVATIONS)
        check_choice(s["histograms"], "histograms", ("first iteration", "end of training"))
        check_real(s["lr"], "lr", low=0.0, low_open=True)
        check_real(s["sigma"], "sigma", low=0.0, low_open=True)
        check_real(s["dropout"], "dropout", low=0.0, high=1.0, high_open=True)
        check_int(s["depth"], "depth", minimum=1)
        check_int(s["width"], "width", minimum=1)
        check_int(s["epochs"], "epochs", minimum=1)
        check_int(s["patience"], "patience", minimum=0)
        check_int(s["seed"], "seed", minimum=0)

    def run(self):
        """Train with the current settings; returns {"history", "values", "settings"}."""
        s = self.settings
        X, T, Xv, Tv, loss = _data(s["dataset"], s["seed"])
        net = build_network(X.shape[1], T.shape[1], depth=s["depth"], width=s["width"],
                            activation=s["activation"], init=s["init"], sigma=s["sigma"],
                            dropout=s["dropout"], loss=loss, seed=s["seed"])
        rec = Recorder(epochs=[0])
        with one_blas_thread():
            h = fit(net, X, T, lr=s["lr"], epochs=s["epochs"], reduction="mean", rng=s["seed"] + 1,
                    validation=None if Xv is None else (Xv, Tv),
                    patience=(s["patience"] or None) if Xv is not None else None, recorder=rec)
        if s["histograms"] == "first iteration" and len(rec):
            snap = rec[0]
        else:  # one more (deterministic) iteration at the final parameters
            rec = Recorder(epochs=[0])
            with np.errstate(all="ignore"), one_blas_thread():
                trace = net.forward(X)
                rec.capture(0, trace, net.backward(trace, T, "mean"))
            snap = rec[0]
        dense = [l for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Dense)]
        return {"history": h, "values": layer_values(snap, dense), "settings": dict(s),
                "names": [f"hidden {i + 1}" for i in range(len(dense) - 1)] + ["output"]}

    def draw(self):
        """Train and render; returns the matplotlib Figure."""
        self.current = self.run()
        names = self.current["names"]
        if self.figure is None or self.figure.layer_names != names:
            # one figure per depth, kept (at most four), so going back to a depth is fast
            self.figure = self._figures.pop(tuple(names), None) or ExplorerFigure(names)
            self._figures[tuple(names)] = self.figure
            if len(self._figures) > 4:
                self._figures.pop(next(iter(self._figures)))
        pinned = self.pinned if self.pinned and self.pinned["names"] == names else None
        return self.figure.update(self.current, pinned, title=self.status(), epochs=self.settings["epochs"])

    def png(self):
        """Train, render and encode: the panel's figure as PNG bytes (the fast path)."""
        self.draw()
        return self.figure.png()

    def status(self):
        h = self.current["history"]
        if h.status == "max_epochs":
            return f"trained {h.epochs} epochs: loss {h.final_loss:.3g}"
        return h.message

    def set(self, **changes):
        """Change settings (validated) and redraw."""
        new = {**self.settings, **changes}
        if set(changes) - set(DEFAULTS):
            raise TypeError(f"unknown explorer setting(s) {sorted(set(changes) - set(DEFAULTS))}")
        self._validate(new)
        self.settings = new
        return self.draw()

    def pin(self):
        """Keep the current run, drawn dashed, to compare the next runs against."""
        self.pinned = self.current

    def unpin(self):
        self.pinned = None


def show_png(out, png, text):
    """Replace what the Output ``out`` shows with the PNG bytes ``png`` (alt text ``text``)."""
    out.outputs = ({"output_type": "display_data", "metadata": {},
                    "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}},)


STATIC_SIGMAS = (0.01, 0.1, 0.2)                 # vanishing, kept, exploding for 100-unit layers
STATIC_ACTIVATIONS = ("linear", "tanh", "relu")


def _weights_label(init, sigma):
    return f"normal, σ = {sigma:g}" if init == "normal" else init


def _trend(first, last):
    if first == 0 and last == 0:
        return "stays at 0"
    ratio = last / first if first > 0 else np.inf
    if not np.isfinite(ratio) or ratio > 10:
        return "grows (explodes)"
    return "shrinks (vanishes)" if ratio < 0.1 else "stays within a factor of 10"


def run_alt(run):
    """Alternative text for one explorer run: settings, final loss, variance trends."""
    s, names = run["settings"], run["names"]
    var = {q: [float(np.var(v)) for v in run["values"][q]] for q in ("z", "delta")}
    hidden = len(names) - 1
    if hidden < 2:
        trend = "one hidden layer only"
    else:
        z, d = var["z"][:hidden], var["delta"][:hidden]
        trend = (f"var(z) {_trend(z[0], z[-1])} from {z[0]:.2g} in {names[0]} to {z[-1]:.2g} in "
                 f"{names[hidden - 1]}; going back, var(δ) {_trend(d[-1], d[0])} from {d[-1]:.2g} "
                 f"in {names[hidden - 1]} to {d[0]:.2g} in {names[0]}")
    h = run["history"]
    loss = f"final loss {h.final_loss:.3g}" if np.isfinite(h.final_loss) else h.message
    return (f"Training explorer, {s['dataset']} data, {s['depth']} hidden layers of {s['width']} "
            f"{s['activation']} units, weights {_weights_label(s['init'], s['sigma'])}, "
            f"{s['epochs']} epochs at learning rate {s['lr']:g}: {loss}. Histograms of z, a and δ "
            f"({s['histograms']}): {trend}.")


def static_explorer(ex):
    """Precomputed frames of the explorer (see the module docstring) around ``ex.settings``."""
    s = ex.settings
    sigmas = sorted(set(STATIC_SIGMAS) | ({s["sigma"]} if s["init"] == "normal" else set()))
    inits = [i for i in INITS if i in ("xavier", "he") or i == s["init"]]
    choices = {_weights_label(i, sg): (i, sg) for i in inits for sg in (sigmas if i == "normal" else [s["sigma"]])}
    acts = list(STATIC_ACTIVATIONS) + ([s["activation"]] if s["activation"] not in STATIC_ACTIVATIONS else [])
    requested = _weights_label(s["init"], s["sigma"])
    ex.draw()
    ex.figure.render()          # freeze the layout so every frame has the same one
    runs = {(requested, s["activation"]): ex.current}

    def run(weights, activation):
        if (weights, activation) not in runs:
            init, sigma = choices[weights]
            ex.settings = {**s, "init": init, "sigma": sigma, "activation": activation}
            runs[weights, activation] = ex.run()
        return runs[weights, activation]

    def render(weights, activation):
        ex.current = run(weights, activation)
        ex.settings = dict(ex.current["settings"])
        return ex.figure.update(ex.current, title=ex.status(), epochs=ex.settings["epochs"])

    box = frames_panel(render, {"weights": list(choices), "activation": acts},
                       value={"weights": requested, "activation": s["activation"]},
                       labels={"weights": "initial weights"},
                       alt=lambda weights, activation: run_alt(run(weights, activation)))
    ex.current, ex.settings = run(requested, s["activation"]), dict(s)
    box.explorer = ex
    return box


def explorer(**settings):
    """The training explorer panel (see the module docstring)."""
    ex = Explorer(**settings)
    if static_mode():
        return static_explorer(ex)
    s = ex.settings
    slider = dict(continuous_update=False, style={"description_width": "initial"},
                  layout=W.Layout(width="300px"))
    controls = {
        "dataset": W.Dropdown(options=DATASETS, value=s["dataset"], description="data"),
        "lr": W.FloatLogSlider(value=s["lr"], base=10, min=-3, max=1, step=0.1,
                               description="learning rate α", readout_format=".3g", **slider),
        "init": W.Dropdown(options=INITS, value=s["init"], description="init"),
        "sigma": W.FloatLogSlider(value=s["sigma"], base=10, min=-3, max=0.5, step=0.1,
                                  description="σ (normal init)", readout_format=".3g", **slider),
        "dropout": W.FloatSlider(value=s["dropout"], min=0, max=0.8, step=0.05,
                                 description="dropout rate (drop prob.)", **slider),
        "activation": W.Dropdown(options=ACTIVATIONS, value=s["activation"], description="activation"),
        "depth": W.IntSlider(value=s["depth"], min=1, max=8, description="hidden layers", **slider),
        "width": W.IntSlider(value=s["width"], min=2, max=100, description="units per layer", **slider),
        "epochs": W.IntSlider(value=s["epochs"], min=10, max=2000, step=10, description="epochs", **slider),
        "patience": W.IntSlider(value=s["patience"], min=0, max=200, step=5,
                                description="patience (0 = off)", **slider),
        "seed": W.BoundedIntText(value=s["seed"], min=0, max=10_000, description="seed",
                                 layout=W.Layout(width="160px")),
        "histograms": W.ToggleButtons(options=("first iteration", "end of training"),
                                      value=s["histograms"], description="histograms"),
    }
    pin = W.ToggleButton(value=False, description="pin this run to compare",
                         layout=W.Layout(width="220px"))
    out = W.Output()

    def redraw(*_):
        show_png(out, ex.png(), ex.status())

    def on_change(change):
        name = next(k for k, w in controls.items() if w is change["owner"])
        ex.settings[name] = change["new"]
        ex._validate(ex.settings)
        controls["sigma"].disabled = ex.settings["init"] != "normal"
        redraw()

    def on_pin(change):
        ex.pin() if change["new"] else ex.unpin()
        pin.description = "unpin" if change["new"] else "pin this run to compare"
        redraw()

    for w in controls.values():
        w.observe(on_change, names="value")
    pin.observe(on_pin, names="value")
    controls["sigma"].disabled = s["init"] != "normal"
    redraw()
    c = controls
    box = W.VBox([W.HBox([c["dataset"], c["activation"], c["init"], c["seed"]]),
                  W.HBox([c["lr"], c["sigma"], c["dropout"]]),
                  W.HBox([c["depth"], c["width"], c["epochs"]]),
                  W.HBox([c["patience"], c["histograms"], pin]), out])
    box.explorer, box.controls, box.pin_button, box.output = ex, controls, pin, out
    return box
