"""Chapter 12, regularisation by weight decay: the L2 penalty on the task that overfits.

The backprop lecture's objective adds a penalty on the parameters to the mean loss,
J(W, b) = (1/N) Σ_i L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾) + λ R(W, b); ``dlcore.fit(..., weight_decay=λ)`` uses
R(W) = ½ Σ‖W‖², on the weights and not the biases. The same 1-40-40-1 tanh network and 12
noisy samples of sin(3x) as the early-stopping section are trained for the whole epoch
budget once per λ in ``LAMBDAS``:

* ``decay_run(lam)``: one cached run (its history, final losses, ‖W‖ and fit on a grid);
* ``decay_figure(lam)``: left, the fit at λ beside the unpenalised one; right, the final
  training and validation losses against λ (the U of under- and overfitting), λ marked;
* ``decay_panel(lam)``: a λ slider over that figure (precomputed frames on the static site).
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import check_real
from ..train.fit import fit
from ..ui.panel import STYLE, slider_panel
from ..ui.static import frames_panel, static_mode
from ..viz.style import LINE_COLORS
from .ch12_regularisation import GRID, SINE_FIT, sine_network, sine_task

__all__ = ["LAMBDAS", "decay_run", "decay_figure", "decay_panel"]

LAMBDAS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)   # the slider's values
TRAIN, VAL, FIT, NONE = LINE_COLORS[0], LINE_COLORS[1], LINE_COLORS[2], "0.55"


@lru_cache(maxsize=len(LAMBDAS))
def _run(lam):
    X, T, Xv, Tv = sine_task()
    net = sine_network()
    history = fit(net, X, T, validation=(Xv, Tv), weight_decay=lam, **SINE_FIT)
    return {"lam": lam, "history": history, "train": net.loss(X, T, "mean"),
            "val": history.val_loss[-1], "penalty": net.penalty(),
            "fit": net.predict(GRID).ravel(), "data": (X, T, Xv, Tv)}


def decay_run(lam):
    """The run of ``sine_network()`` for ``SINE_FIT["epochs"]`` epochs with weight decay λ
    (cached): a dict with ``history``, the final ``train`` and ``val`` losses (½ mean squared
    error, without the penalty), ``penalty`` R(W) = ½ Σ‖W‖² and ``fit`` on ``GRID``."""
    lam = check_real(lam, "lam", low=0.0)
    if lam not in LAMBDAS:
        raise ValueError(f"lam must be one of {LAMBDAS} (the runs the chapter shows), got {lam}")
    return _run(lam)


def decay_figure(lam=3e-3):
    """The fit at λ beside the unpenalised fit, and the final losses against λ."""
    run, free = decay_run(lam), decay_run(0.0)
    X, T, Xv, Tv = run["data"]
    fig, (ax_fit, ax_u) = plt.subplots(1, 2, figsize=(10.5, 4.0), width_ratios=[1, 1.15])
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.9, wspace=0.22)
    x = GRID.ravel()
    ax_fit.plot(Xv.ravel(), Tv.ravel(), ".", color="0.8", ms=3, label="validation data")
    ax_fit.plot(x, np.sin(3 * x), ":", color="k", lw=1.2, label="sin(3x), the truth")
    if lam:
        ax_fit.plot(x, free["fit"], "--", color=NONE, lw=1.4, label="λ = 0")
    ax_fit.plot(x, run["fit"], color=FIT, lw=2.2, label=f"λ = {lam:g}")
    ax_fit.plot(X.ravel(), T.ravel(), "o", color="k", ms=5, label="training data")
    ax_fit.set(ylim=(-2.3, 2.3), xlabel="x", ylabel="t")
    ax_fit.legend(fontsize=7.5, loc="upper left", frameon=False, ncols=2)

    positions = np.arange(len(LAMBDAS))            # λ = 0 has no place on a log axis
    runs = [decay_run(v) for v in LAMBDAS]
    ax_u.plot(positions, [r["train"] for r in runs], "o-", color=TRAIN, label="training loss")
    ax_u.plot(positions, [r["val"] for r in runs], "s--", color=VAL, label="validation loss")
    ax_u.axvline(LAMBDAS.index(lam), color="0.5", lw=1, ls=":")
    ax_u.set_xticks(positions, [f"{v:g}" for v in LAMBDAS], fontsize=8)
    ax_u.set(xlabel="weight decay λ", ylabel="loss after training (½ mean sq. error)")
    ax_u.set_yscale("log")
    ax_u.grid(True, alpha=0.3)
    ax_u.legend(fontsize=8, loc="upper center", frameon=False)
    ax_fit.set_title(f"λ = {lam:g}: validation loss {run['val']:.4f}, ½‖W‖² = {run['penalty']:.1f}",
                     fontsize=10, loc="left")
    return fig


def _alt(lam):
    run = decay_run(lam)
    return (f"Left: the 1-40-40-1 tanh network's fit to 12 noisy samples of sin(3x) after training "
            f"with weight decay λ = {lam:g} (validation loss {run['val']:.4f}) beside the "
            f"unpenalised fit (validation loss {decay_run(0.0)['val']:.4f}); right: training and "
            "validation loss after training for each λ from 0 to 0.1, λ marked")


def decay_panel(lam=3e-3):
    """A λ slider over ``decay_figure``; every run is trained (and cached) before it shows."""
    decay_run(lam)
    for v in LAMBDAS:
        decay_run(v)
    if static_mode():
        return frames_panel(decay_figure, {"lam": list(LAMBDAS)}, value={"lam": lam},
                            labels={"lam": "weight decay λ"}, alt=_alt)
    slider = W.SelectionSlider(options=[(f"{v:g}", v) for v in LAMBDAS], value=lam,
                               description="weight decay λ", continuous_update=True, style=STYLE,
                               layout=W.Layout(width="420px"))
    return slider_panel(slider, decay_figure, dpi=90)
