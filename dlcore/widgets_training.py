"""Interactive panels for chapters 4-6: binning targets, losses and gradient descent.

Each panel is a small ``ipywidgets`` box whose figure is redrawn when a control is
released (``continuous_update=False``) and drawn once at creation through
``dlcore.widgets.show_figure``, so an executed notebook shows the default setting. While
the book is built (``widgets_static.static_mode()``) each panel instead precomputes its
figure on a small grid of settings around the requested one and links the controls to
the frames in the browser, so the static site's panels move without a kernel. Every
``*_figure`` function behind a panel can also be called directly; they check their
arguments and raise ``ValueError``/``TypeError`` naming the bad one.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from . import datasets, descent
from ._validate import check_choice, check_int, check_real
from .layers import Dense
from .network import Network
from .plots_training import binning_figure, descent_1d, descent_contour, loss_figure
from .preprocessing import one_hot
from .widgets import show_figure, slider_panel
from .widgets_static import frames_panel, static_mode

__all__ = ["binning_panel", "binning_panel_figure", "loss_panel", "LOSS_CHOICES",
           "step_size_panel", "step_size_figure", "descent_panel", "descent_panel_figure",
           "BATCH_CHOICES"]

_STYLE = {"description_width": "initial"}
LOSS_CHOICES = {"both": ("sse", "binary_cross_entropy"), "sse": ("sse",),
                "binary_cross_entropy": ("binary_cross_entropy",)}
BATCH_CHOICES = {"full batch": None, "mini-batches of 5": 5, "online (batch of 1)": 1}


def _bin_names(k):
    return ["low", "medium", "high"] if k == 3 else [f"bin {j + 1}" for j in range(k)]


# --------------------------------------------------------------------------- chapter 4
def binning_panel_figure(n_bins=3):
    """Kelleher's four range-normalised outputs (Table 3) cut into ``n_bins`` equal-width
    bins of [0, 1], with the one-hot targets that result (Table 13 for n_bins = 3)."""
    k = check_int(n_bins, "n_bins", minimum=2)
    if k > 10:
        raise ValueError(f"n_bins must be at most 10, got {k}")
    values = datasets.power_plant().normalized[:, 2]
    edges = np.linspace(0.0, 1.0, k + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, k - 1)
    return binning_figure(values, edges, one_hot(index, k),
                          example_labels=[f"d{j + 1}" for j in range(len(values))],
                          bin_labels=_bin_names(k), xlabel="range-normalised electrical output",
                          title=f"{k} equal-width bins")


def _bins_alt(n_bins):
    values = datasets.power_plant().normalized[:, 2]
    index = np.clip(np.searchsorted(np.linspace(0, 1, n_bins + 1), values, side="right") - 1,
                    0, n_bins - 1)
    names = _bin_names(n_bins)
    return (f"The four range-normalised outputs cut into {n_bins} equal-width bins: "
            + ", ".join(f"d{j + 1} ({v:g}) in {names[i]}" for j, (v, i) in enumerate(zip(values, index))))


def binning_panel(n_bins=3):
    """A slider for the number of bins → which bin each power-plant output falls in."""
    fig = binning_panel_figure(n_bins)  # validates the arguments before any widget exists
    if static_mode():
        plt.close(fig)
        return frames_panel(binning_panel_figure, {"n_bins": sorted({2, 3, 4, 5, 6} | {n_bins})},
                            value={"n_bins": n_bins}, labels={"n_bins": "number of bins"},
                            alt=_bins_alt)
    slider = W.IntSlider(value=n_bins, min=2, max=10, description="number of bins",
                         continuous_update=False, style=_STYLE)
    return slider_panel(slider, binning_panel_figure, figure=fig)


# --------------------------------------------------------------------------- chapter 5
def loss_panel(target=1.0, loss="both", smoothing=0.0):
    """Target, loss and label-smoothing controls → E(a), ∂E/∂a and δ = ∂E/∂z curves."""
    check_choice(loss, "loss", LOSS_CHOICES)
    if check_real(smoothing, "smoothing", low=0.0) > 0.45:
        raise ValueError(f"smoothing must be in [0, 0.45] for the panel, got {smoothing:g}")
    fig = loss_figure(target, LOSS_CHOICES[loss], smoothing=smoothing)  # validates target
    if static_mode():
        plt.close(fig)
        grid = {"target": sorted({0.0, 0.5, 1.0} | {float(target)}),
                "smoothing": sorted({0.0, 0.2} | {float(smoothing)})}
        return frames_panel(
            lambda target, smoothing: loss_figure(target, LOSS_CHOICES[loss], smoothing=smoothing),
            grid, value={"target": float(target), "smoothing": float(smoothing)},
            labels={"target": "target t", "smoothing": "label smoothing ε"},
            alt=lambda target, smoothing: (f"Loss, its derivative and delta for a logistic output "
                                           f"with target {target:g} and label smoothing {smoothing:g} "
                                           f"({', '.join(LOSS_CHOICES[loss])})"))
    t = W.FloatSlider(value=target, min=0.0, max=1.0, step=0.05, description="target t",
                      continuous_update=False, style=_STYLE)
    choice = W.Dropdown(options=list(LOSS_CHOICES), value=loss, description="loss")
    eps = W.FloatSlider(value=smoothing, min=0.0, max=0.45, step=0.05,
                        description="label smoothing ε", continuous_update=False, style=_STYLE)
    out = W.Output()

    def redraw(*_):
        show_figure(out, loss_figure(t.value, LOSS_CHOICES[choice.value], smoothing=eps.value))

    for control in (t, choice, eps):
        control.observe(redraw, names="value")
    show_figure(out, fig)
    return W.VBox([W.HBox([t, choice, eps]), out])


# --------------------------------------------------------------------------- chapter 6
def step_size_figure(lr=0.1, curvature=4.0, x0=1.0, steps=20):
    """Gradient descent on f(x) = ½ c x² from x0 with step η, titled with its regime."""
    q = descent.Quadratic([check_real(curvature, "curvature", low=0.0, low_open=True)])
    x0 = check_real(x0, "x0")
    if x0 == 0:
        raise ValueError("x0 must not be 0, the minimum itself")
    path = descent.gradient_descent(q.value, q.grad, x0, lr, steps, max_norm=1e3 * abs(x0))
    c = q.curvatures[0]
    title = (f"η = {path.lr:.3g}: {descent.step_regime(path.lr, c)}  "
             f"(1/c = {1 / c:.3g}, 2/c = {2 / c:.3g}); after {path.steps} steps x = {path.final[0]:.3g}")
    reach = 1.6 * abs(x0)
    return descent_1d(q.value, path, (-reach, reach), f_min=0.0, title=title)


def step_size_panel(lr=0.1, curvature=4.0, x0=1.0, steps=20):
    """A step-size slider for gradient descent on a one-variable quadratic."""
    fig = step_size_figure(lr, curvature, x0, steps)  # validates
    if static_mode():
        plt.close(fig)
        grid = sorted({float(f"{m / curvature:.4g}") for m in (0.2, 0.8, 1.0, 1.6, 2.0, 2.2)}
                      | {float(lr)})   # every regime: monotone … diverging
        return frames_panel(
            lambda lr: step_size_figure(lr, curvature, x0, steps), {"lr": grid}, value={"lr": float(lr)},
            labels={"lr": "step size η"},
            alt=lambda lr: (f"Gradient descent on a parabola of curvature {curvature:g} with step size "
                            f"{lr:g}: {descent.step_regime(lr, curvature)}"))
    hi = max(3.0 / curvature, lr)  # up to 1.5 × the divergence threshold 2/c
    slider = W.FloatSlider(value=lr, min=0.01 * hi, max=hi, step=0.01 * hi, readout_format=".3f",
                           description="step size η", continuous_update=False, style=_STYLE,
                           layout=W.Layout(width="60%"))
    return slider_panel(slider, lambda eta: step_size_figure(eta, curvature, x0, steps), figure=fig)


def _fresh_neuron():
    return Network([Dense(1, 1, activation="linear", init="zeros")], loss="sse")


@lru_cache(maxsize=128)
def _run(batch_size, lr, momentum, epochs, seed):
    X, T = descent.line_data(20, rng=seed)
    path = descent.training_path(_fresh_neuron(), X, T, lr=lr, epochs=epochs,
                                 batch_size=batch_size, rng=seed, momentum=momentum,
                                 reduction="mean")
    return X, T, path


def descent_panel_figure(batch="mini-batches of 5", lr=0.3, momentum=0.0, epochs=10, seed=0):
    """The (w, b) path of one linear neuron trained by ``fit`` on 20 noisy points of a line
    (``descent.line_data(20, rng=seed)``), drawn on the contours of its loss. Gradients are
    averaged over each batch (``reduction="mean"``), so η is the step of every update."""
    check_choice(batch, "batch", BATCH_CHOICES)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    momentum = check_real(momentum, "momentum", low=0.0, high=1.0, high_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    X, T, path = _run(BATCH_CHOICES[batch], round(lr, 6), round(momentum, 6), epochs, seed)
    best = descent.least_squares_line(X, T)
    h = path.history
    title = (f"{batch}, η = {lr:.3g}, μ = {momentum:g}: {path.updates} updates, "
             + (f"diverged at epoch {h.epochs}" if h.status == "diverged"
                else f"mean SSE {h.final_loss:.4f} after {h.epochs} epochs"))
    fig = descent_contour(lambda P: descent.linear_sse(X, T, P[..., 0], P[..., 1], "mean"),
                          {batch: path.points}, (-1.0, 3.0, -2.0, 1.5), minima=best[None],
                          xlabel="weight w", ylabel="bias b", figsize=(6.4, 4.4))
    fig.axes[0].set_title(title, fontsize=10)
    return fig


def descent_panel(batch="mini-batches of 5", lr=0.3, momentum=0.0, epochs=10, seed=0):
    """Batch size, step size and momentum controls → the weight path on the loss contours."""
    lr = check_real(lr, "lr", low=0.01, high=10 ** 0.5)         # the sliders' ranges
    momentum = check_real(momentum, "momentum", low=0.0, high=0.95)
    fig = descent_panel_figure(batch, lr, momentum, epochs, seed)  # validates the rest
    if static_mode():
        plt.close(fig)
        grid = {"batch": list(BATCH_CHOICES), "lr": sorted({0.3, 1.0, 2.0} | {lr})}
        return frames_panel(
            lambda batch, lr: descent_panel_figure(batch, lr, momentum, epochs, seed), grid,
            value={"batch": batch, "lr": lr}, labels={"batch": "updates", "lr": "step size η"},
            alt=lambda batch, lr: (f"Path of (w, b) on the loss contours: {batch}, step size {lr:g}, "
                                   f"momentum {momentum:g}, {epochs} epochs"))
    size = W.Dropdown(options=list(BATCH_CHOICES), value=batch, description="updates")
    rate = W.FloatLogSlider(value=lr, base=10, min=-2, max=0.5, step=0.05, readout_format=".3g",
                            description="step size η", continuous_update=False, style=_STYLE)
    mom = W.FloatSlider(value=momentum, min=0.0, max=0.95, step=0.05, description="momentum μ",
                        continuous_update=False, style=_STYLE)
    out = W.Output()

    def redraw(*_):
        show_figure(out, descent_panel_figure(size.value, rate.value, mom.value, epochs, seed))

    for control in (size, rate, mom):
        control.observe(redraw, names="value")
    show_figure(out, fig)
    return W.VBox([W.HBox([size, rate, mom]), out])
