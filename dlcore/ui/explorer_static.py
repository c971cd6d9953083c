"""The training explorer on the static site: precomputed frames, and alt text for every run.

The book build (``dlcore.ui.static.static_mode()``) has no kernel behind the page, so
``explorer()`` returns a ``frames_panel`` instead of live controls: the initial weights
(N(0, σ²) for three σ, Xavier, He) × the hidden activation (linear, tanh, ReLU), every other
setting as requested, each frame with alternative text that states the run's loss and
whether the variances shrink or grow through the layers. Its ``.explorer`` is the Explorer
of the requested settings, already run.
"""
from __future__ import annotations

import numpy as np

from .static import frames_panel

__all__ = ["static_explorer", "run_alt", "STATIC_SIGMAS", "STATIC_ACTIVATIONS"]

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
            f"{s['epochs']} epochs at learning rate {s['lr']:g}: {loss}. Variance per layer and "
            f"histograms of z, a and δ ({s['histograms']}): {trend}.")


def static_explorer(ex, inits):
    """Precomputed frames of ``ex`` (an ``Explorer``; see the module docstring) around its
    settings; ``inits`` are the initialisation names in the explorer's order."""
    s = dict(ex.settings)
    sigmas = sorted(set(STATIC_SIGMAS) | ({s["sigma"]} if s["init"] == "normal" else set()))
    inits = [i for i in inits if i in ("xavier", "he") or i == s["init"]]
    choices = {_weights_label(i, sg): (i, sg) for i in inits for sg in (sigmas if i == "normal" else [s["sigma"]])}
    acts = list(STATIC_ACTIVATIONS) + ([s["activation"]] if s["activation"] not in STATIC_ACTIVATIONS else [])
    requested = _weights_label(s["init"], s["sigma"])
    ex.draw()
    ex.figure.render()          # freeze the layout so every frame has the same one

    def run(weights, activation):
        init, sigma = choices[weights]
        return ex.run(init=init, sigma=sigma, activation=activation)

    def render(weights, activation):
        ex.current = run(weights, activation)
        ex.settings = dict(ex.current["settings"])
        return ex.figure.update(ex.current, title=ex.status(), epochs=ex.settings["epochs"],
                                predicted=ex.current["predicted"])

    box = frames_panel(render, {"weights": list(choices), "activation": acts},
                       value={"weights": requested, "activation": s["activation"]},
                       labels={"weights": "initial weights"},
                       alt=lambda weights, activation: run_alt(run(weights, activation)))
    ex.settings = s
    ex.current = ex.run()
    box.explorer = ex
    return box
