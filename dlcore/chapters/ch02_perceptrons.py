"""Chapter 2, perceptrons and linear separability: the perceptron's boundary and errors.

* ``perceptron_plot``: a perceptron after some epoch, its boundary, weight vector and errors
* ``perceptron_run`` / ``perceptron_panel``: step through the epochs of the perceptron rule
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import check_choice, check_int, check_interval, check_real
from ..nn import perceptron as _perceptron
from ..ui.panel import show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.regions import CLASS_TINTS, ERROR_COLOR, scatter_classes
from ..viz.style import LINE_COLORS, PALETTE

__all__ = ["perceptron_plot", "perceptron_run", "perceptron_panel"]


def perceptron_plot(history, epoch=None, *, figsize=(9.0, 3.8), lim=(-0.5, 1.5)):
    """A perceptron after ``epoch`` epochs (default: the last): boundary and errors.

    Left: the training points, the half-plane where the perceptron outputs 1 (blue tint),
    its decision boundary w_0 + w_1 x_1 + w_2 x_2 = 0, the weight vector (w_1, w_2) drawn
    from the boundary, and a vermilion ring around every misclassified point. Right: the
    number of misclassified examples per epoch with the shown epoch marked.
    """
    if not isinstance(history, _perceptron.PerceptronHistory):
        raise TypeError(f"history must be a PerceptronHistory from dlcore.nn.perceptron.train, "
                        f"got {type(history).__name__}")
    if history.X.shape[1] != 2:
        raise ValueError(f"perceptron_plot draws two-input perceptrons; this one has {history.X.shape[1]}")
    epoch = history.epochs if epoch is None else check_int(epoch, "epoch", minimum=0)
    if epoch > history.epochs:
        raise ValueError(f"epoch must be at most {history.epochs} (the run's last epoch), got {epoch}")
    lim = check_interval(lim, "lim")
    w = history.weights[epoch]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained",
                                  gridspec_kw={"width_ratios": [1.0, 1.25]})
    gx, gy = np.meshgrid(np.linspace(*lim, 201), np.linspace(*lim, 201))
    z = w[0] + w[1] * gx + w[2] * gy
    ax.contourf(gx, gy, (z > 0).astype(float), levels=[-0.5, 0.5, 1.5], colors=CLASS_TINTS)
    if z.min() < 0 < z.max():
        ax.contour(gx, gy, z, levels=[0.0], colors="black", linewidths=1.8)
        norm2 = w[1] ** 2 + w[2] ** 2
        centre = np.array([0.5, 0.5])          # foot of the perpendicular from the data's centre
        foot = centre - (w[0] + w[1:] @ centre) / norm2 * w[1:]
        tip = foot + 0.3 / np.sqrt(norm2) * w[1:]
        if np.all((lim[0] <= np.c_[foot, tip]) & (np.c_[foot, tip] <= lim[1])):
            ax.annotate("", xy=tip, xytext=foot,
                        arrowprops=dict(arrowstyle="->", color=PALETTE[0], lw=1.5))
            ax.annotate("$(w_1, w_2)$", tip, textcoords="offset points", xytext=(3, 3), fontsize=8,
                        bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    wrong = history.misclassified(epoch)
    scatter_classes(ax, history.X, history.y, wrong, size=90)
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"epoch {epoch}: w = ({w[0]:.2f}, {w[1]:.2f}, {w[2]:.2f})\n"
                 f"{int(wrong.sum())} misclassified", fontsize=10)
    ax.legend(frameon=False, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3,
              markerscale=0.6, handletextpad=0.2, columnspacing=0.8)

    epochs = np.arange(history.epochs + 1)
    ax2.step(epochs, history.errors, where="post", color=LINE_COLORS[0], lw=2)
    ax2.plot(epoch, history.errors[epoch], "o", color=ERROR_COLOR, ms=8, zorder=5)
    ax2.axvline(epoch, color=ERROR_COLOR, lw=1, ls=":")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("misclassified examples")
    ax2.set_ylim(-0.2, len(history.y) + 0.2)
    ax2.set_yticks(range(len(history.y) + 1))
    ax2.set_xlim(-0.5, max(history.epochs, 1) + 0.5)
    ax2.grid(True, alpha=0.3)
    state = (f"converged at epoch {history.converged_at}" if history.converged
             else f"no zero-error epoch in {history.epochs}")
    ax2.set_title(f"{history.rule} rule, η = {history.lr:g}: {state}", fontsize=10)
    return fig


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
