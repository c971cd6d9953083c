"""Figures for chapters 1-3: activation functions, perceptrons and decision regions.

Pure functions from values or results to a matplotlib ``Figure`` (or drawing into a
given ``ax``), in the Okabe-Ito colours of ``dlcore.plots``: the function or class 1 in
blue, derivatives or class 0 in orange/vermilion, with line and marker styles that also
differ, so the figures survive greyscale printing.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import activations as _act
from . import perceptron as _perceptron
from ._validate import as_float_array, check_choice, check_int, check_real
from .plots import LINE_COLORS, NEGATIVE, PALETTE, POSITIVE, _new_axes

__all__ = ["ACTIVATIONS", "activation_values", "activation_grid", "activation_plot",
           "saturation_plot", "perceptron_plot", "decision_regions", "CLASS_COLORS"]

ACTIVATIONS = ("threshold", "logistic", "tanh", "relu", "leaky_relu", "prelu")
KINKED = ("threshold", "relu", "leaky_relu", "prelu")      # not differentiable at z = 0
FUNCTION_COLOR, DERIVATIVE_COLOR = POSITIVE, NEGATIVE
CLASS_COLORS = (PALETTE[1], PALETTE[5])                  # class 0 orange, class 1 blue
CLASS_TINTS = ("#FBE7BF", "#CFE3F1")                    # light versions for the regions
ERROR_COLOR = PALETTE[6]


def _check_zlim(zlim, name="zlim"):
    zlim = as_float_array(zlim, name, ndim=1)
    if zlim.shape != (2,) or not zlim[0] < zlim[1]:
        raise ValueError(f"{name} must be (low, high) with low < high, got {zlim.tolist()}")
    return float(zlim[0]), float(zlim[1])


def activation_values(name, z, param=None):
    """φ(z) and φ'(z) for an activation name; ``param`` is α (leaky ReLU) or λ (PReLU).

    At the kink z = 0 of threshold and ReLU-type units the derivative does not exist;
    there this function returns NaN for φ' (and for φ of the threshold, which jumps), so a
    plotted line breaks instead of drawing a vertical jump.
    """
    check_choice(name, "name", ACTIVATIONS)
    z = as_float_array(z, "z", ndim=(0, 1))
    if name == "leaky_relu":
        fn = _act.get("leaky_relu", alpha=0.01 if param is None else check_real(param, "param", low=0, high=1))
        a, da = fn(z), fn.derivative(z)
    elif name == "prelu":
        lam = 0.25 if param is None else check_real(param, "param")
        fn = _act.get("prelu")
        a, da = fn(z, lam), fn.derivative(z, lam)
    else:
        fn = _act.get(name)
        a, da = fn(z), fn.derivative(z)
    a, da = np.asarray(a, dtype=float).copy(), np.asarray(da, dtype=float).copy()
    if name in KINKED:
        da[z == 0] = np.nan
        if name == "threshold":
            a[z == 0] = np.nan
    return a, da


def _grid(zlim, num=801):
    z = np.linspace(zlim[0], zlim[1], num)
    if zlim[0] < 0 < zlim[1]:                      # make sure the kink at 0 is a grid point
        z = np.union1d(z, [0.0])
    return z


def _draw_activation(ax, name, zlim, param, *, which=("function", "derivative"), legend=True):
    z = _grid(zlim)
    a, da = activation_values(name, z, param)
    if "function" in which:
        ax.plot(z, a, color=FUNCTION_COLOR, lw=2.2, label=r"$\varphi(z)$")
    if "derivative" in which:
        ax.plot(z, da, color=DERIVATIVE_COLOR, lw=2, ls="--", label=r"$\varphi'(z)$")
    if name == "threshold" and zlim[0] < 0 < zlim[1]:
        if "function" in which:   # the jump: 1 at z = 0 (z >= 0), open circle at 0
            ax.plot([0], [1], "o", color=FUNCTION_COLOR, ms=6)
            ax.plot([0], [0], "o", mfc="white", mec=FUNCTION_COLOR, ms=6)
        if "derivative" in which:
            ax.annotate("undefined at 0", (0, 0), xytext=(6, 18), textcoords="offset points",
                        fontsize=8, color=DERIVATIVE_COLOR)
    ax.axhline(0, color="0.6", lw=0.8, zorder=0)
    ax.axvline(0, color="0.6", lw=0.8, zorder=0)
    ax.set_xlim(*zlim)
    ax.set_xlabel("z")
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend(frameon=False, fontsize=9, loc="upper left")


def _title(name, param):
    if name == "leaky_relu":
        return f"leaky ReLU (α = {0.01 if param is None else param:g})"
    if name == "prelu":
        return f"parametric ReLU (λ = {0.25 if param is None else param:g})"
    return {"relu": "ReLU (rectifier)"}.get(name, name)


def activation_grid(names=ACTIVATIONS, zlim=(-5.0, 5.0), *, params=None, ncols=3,
                    title=None, figsize=None):
    """One small panel per activation with φ (solid blue) and φ' (dashed vermilion).

    ``params`` maps a name to its parameter, e.g. ``{"leaky_relu": 0.1, "prelu": 0.25}``.
    """
    names = list(names) if not isinstance(names, str) else [names]
    if not names:
        raise ValueError("names must list at least one activation")
    for n in names:
        check_choice(n, "names", ACTIVATIONS)
    zlim = _check_zlim(zlim)
    params = dict(params or {})
    ncols = check_int(ncols, "ncols", minimum=1)
    ncols = min(ncols, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (3.3 * ncols, 2.7 * nrows),
                             layout="constrained", squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.axis("off")
            continue
        _draw_activation(ax, names[k], zlim, params.get(names[k]), legend=(k == 0))
        ax.set_title(_title(names[k], params.get(names[k])), fontsize=10)
    if title:
        fig.suptitle(title)
    return fig


def activation_plot(name, zlim=(-6.0, 6.0), param=None, *, figsize=(8.6, 3.3)):
    """φ and φ' of one activation side by side over ``zlim`` (the activation panel)."""
    check_choice(name, "name", ACTIVATIONS)
    zlim = _check_zlim(zlim)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    _draw_activation(ax1, name, zlim, param, which=("function",), legend=False)
    _draw_activation(ax2, name, zlim, param, which=("derivative",), legend=False)
    ax1.set_ylabel(r"$a = \varphi(z)$")
    ax2.set_ylabel(r"$\partial a/\partial z = \varphi'(z)$")
    ends = np.array(zlim)
    _, d_end = activation_values(name, ends, param)
    ax1.set_title(f"{_title(name, param)}", fontsize=10)
    ax2.set_title(f"derivative: φ'({ends[0]:g}) = {d_end[0]:.3g}, φ'({ends[1]:g}) = {d_end[1]:.3g}",
                  fontsize=10)
    return fig


def saturation_plot(names=("logistic", "tanh"), zmax=10.0, marks=(0, 2, 5, 10), *, ax=None,
                    figsize=(6.4, 3.4)):
    """φ'(z) on a log scale for z in [0, zmax]: how fast the slope of a saturating unit dies."""
    zmax = check_real(zmax, "zmax", low=0.0, low_open=True)
    fig, ax = _new_axes(ax, figsize)
    z = np.linspace(0, zmax, 400)
    for i, name in enumerate(names):
        check_choice(name, "names", ("logistic", "tanh"))
        _, da = activation_values(name, z)
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax.plot(z, da, color=color, lw=2, ls="-" if i == 0 else "--", label=f"{name}'(z)")
        for m in marks:
            if 0 <= m <= zmax:
                v = activation_values(name, np.array([float(m)]))[1][0]
                ax.plot(m, v, "o", color=color, ms=5)
                ax.annotate(f"{v:.2g}", (m, v), textcoords="offset points", fontsize=8,
                            xytext=(6, (5 if i == 0 else -13) * (-1 if m == 0 else 1)), color=color,
                            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    ax.set_yscale("log")
    ax.set_xlim(-0.03 * zmax, 1.12 * zmax)
    ax.set_ylim(top=5.0)
    ax.set_xlabel("z (the same holds for −z)")
    ax.set_ylabel("slope φ'(z), log scale")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False)
    return fig


# ------------------------------------------------------------------ 2-D classifiers
def _check_points(X, y):
    X = as_float_array(X, "X", ndim=2)
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2): points in the plane, got {X.shape}")
    y = as_float_array(y, "y", ndim=(1, 2)).reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one label per row of X ({X.shape[0]}), got {y.shape[0]}")
    return X, y


def _scatter(ax, X, y, wrong=None, size=60):
    for c, marker in ((0, "o"), (1, "s")):
        sel = y == c
        ax.scatter(X[sel, 0], X[sel, 1], s=size, marker=marker, color=CLASS_COLORS[c],
                   edgecolor="black", linewidth=0.7, zorder=4, label=f"class {c}")
    if wrong is not None and np.any(wrong):
        ax.scatter(X[wrong, 0], X[wrong, 1], s=size * 4.5, facecolor="none",
                   edgecolor=ERROR_COLOR, linewidth=2.2, zorder=5, label="misclassified")


def decision_regions(predict, X=None, y=None, ax=None, *, xlim=(-1.0, 1.0), ylim=None,
                     resolution=200, title=None, threshold=0.5, point_size=18,
                     figsize=(4.0, 4.0)):
    """Shade where ``predict`` says class 1 (blue) or class 0 (orange) over a grid.

    ``predict`` maps an (N, 2) array of points to N outputs (probabilities or 0/1), for
    example ``net.predict``; points with output ≥ ``threshold`` count as class 1. The
    boundary is drawn in black and the data ``X`` (n, 2), ``y`` (n,) on top.
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function of an (N, 2) array, got {type(predict).__name__}")
    xlim = _check_zlim(xlim, "xlim")
    ylim = xlim if ylim is None else _check_zlim(ylim, "ylim")
    resolution = check_int(resolution, "resolution", minimum=10)
    if X is not None:
        X, y = _check_points(X, y)
    fig, ax = _new_axes(ax, figsize)
    gx, gy = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    out = np.asarray(predict(np.column_stack([gx.ravel(), gy.ravel()])), dtype=float)
    if out.size != gx.size:
        raise ValueError(f"predict must return one value per point ({gx.size}), got shape {out.shape}")
    cls = (out.reshape(gx.shape) >= threshold).astype(float)
    ax.contourf(gx, gy, cls, levels=[-0.5, 0.5, 1.5], colors=CLASS_TINTS)
    if 0 < cls.mean() < 1:
        ax.contour(gx, gy, cls, levels=[0.5], colors="black", linewidths=1.4)
    if X is not None:
        _scatter(ax, X, y, size=point_size)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def perceptron_plot(history, epoch=None, *, figsize=(9.0, 3.8), lim=(-0.5, 1.5)):
    """A perceptron after ``epoch`` epochs (default: the last): boundary and errors.

    Left: the training points, the half-plane where the perceptron outputs 1 (blue tint),
    its decision boundary w_0 + w_1 x_1 + w_2 x_2 = 0, the weight vector (w_1, w_2) drawn
    from the boundary, and a vermilion ring around every misclassified point. Right: the
    number of misclassified examples per epoch with the shown epoch marked.
    """
    if not isinstance(history, _perceptron.PerceptronHistory):
        raise TypeError(f"history must be a PerceptronHistory from dlcore.perceptron.train, "
                        f"got {type(history).__name__}")
    if history.X.shape[1] != 2:
        raise ValueError(f"perceptron_plot draws two-input perceptrons; this one has {history.X.shape[1]}")
    epoch = history.epochs if epoch is None else check_int(epoch, "epoch", minimum=0)
    if epoch > history.epochs:
        raise ValueError(f"epoch must be at most {history.epochs} (the run's last epoch), got {epoch}")
    lim = _check_zlim(lim, "lim")
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
    _scatter(ax, history.X, history.y, wrong, size=90)
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
