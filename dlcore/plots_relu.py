"""Figures for chapters 8 and 9: Jacobians, output δs, ReLU variants, dead units, PReLU slopes.

Pure functions from numbers to a matplotlib ``Figure`` (nothing is trained here), in the
Okabe-Ito palette of ``dlcore.plots``. ``unit_activity`` is the one numeric helper: how many
training examples switch each hidden neuron on, the quantity the dead-unit plots show.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from . import activations as _act
from ._validate import as_float_array, check_int, check_real
from .network import Network
from .plots import LINE_COLORS, LINESTYLES, NEGATIVE, POSITIVE, neuron_numbers
from .train import History

__all__ = ["jacobian_heatmaps", "output_delta_figure", "relu_family_figure", "subgradient_figure",
           "sse_curves", "unit_activity", "activity_bars", "relu_training_figure", "lambda_figure"]


def _mapping(value, name):
    if not isinstance(value, Mapping) or not value:
        raise TypeError(f"{name} must be a non-empty mapping of label -> values, got "
                        f"{type(value).__name__}")
    return value


def jacobian_heatmaps(mats, *, names=None, decimals=3, title=None, figsize=None):
    """Annotated heatmaps of Jacobian matrices side by side (``mats``: label → 2-D array).

    Rows are outputs, columns inputs: entry (i, j) is ∂a_i/∂z_j. A diverging colour map
    centred on zero shows the sign (blue +, red −); exact zeros are left blank.
    ``names`` optionally maps a label to the list of unit names of its rows and columns
    (for example ``["3", "4", "5"]`` for Kelleher's neurons); the default is 1, 2, ….
    """
    mats = _mapping(mats, "mats")
    decimals = check_int(decimals, "decimals", minimum=0)
    arrays = {str(k): as_float_array(v, f"mats[{k!r}]", ndim=2) for k, v in mats.items()}
    names = {} if names is None else {str(k): v for k, v in _mapping(names, "names").items()}
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


def relu_family_figure(alpha=0.1, lam=0.25, *, z_range=(-3.0, 3.0), figsize=(9.0, 3.4)):
    """ReLU, leaky ReLU (slope ``alpha``) and PReLU (slope ``lam``): values and derivatives.

    Kelleher eq. 42-48; the derivative panel marks the jump at z = 0 with open circles.
    """
    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    lam = check_real(lam, "lam")
    if not isinstance(z_range, (tuple, list)) or len(z_range) != 2:
        raise TypeError(f"z_range must be a pair (low, high), got {z_range!r}")
    lo, hi = (check_real(v, "z_range") for v in z_range)
    if not lo < 0 < hi:
        raise ValueError(f"z_range must contain 0 strictly inside, got {z_range}")
    z = np.linspace(lo, hi, 601)
    acts = {"ReLU": (_act.get("relu"), {}),
            f"leaky ReLU, α = {alpha:g}": (_act.get("leaky_relu", alpha=alpha), {}),
            f"PReLU, λ = {lam:g}": (_act.get("prelu"), {"lam": lam})}
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for i, (label, (f, kw)) in enumerate(acts.items()):
        style = dict(color=LINE_COLORS[i], ls=LINESTYLES[i], lw=2)
        ax0.plot(z, f(z, **kw), label=label, **style)
        for side in (z < 0, z > 0):
            ax1.plot(z[side], f.derivative(z[side], **kw), **style)
        ax1.plot([0, 0], [f.derivative(-1.0, **kw), 1.0], "o", mfc="white",
                 color=LINE_COLORS[i], ms=5)
    ax0.set_title("activation a = φ(z)")
    ax1.set_title("derivative ∂a/∂z (undefined at z = 0)")
    for ax in (ax0, ax1):
        ax.axhline(0, color="0.6", lw=0.8)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_xlabel("z")
        ax.grid(True, alpha=0.3)
    ax0.legend(frameon=False, fontsize=9)
    return fig


def subgradient_figure(slopes=(0.0, 0.25, 0.5, 0.75, 1.0), *, figsize=(5.2, 3.6)):
    """ReLU near its kink with one supporting line through the origin per slope in ``slopes``.

    Every slope g in [0, 1] gives a line g·z that stays below max(0, z): each is a
    subgradient at 0 (CMU lecture, slides 146-148).
    """
    slopes = as_float_array(slopes, "slopes", ndim=1)
    if np.any(slopes < 0) or np.any(slopes > 1):
        raise ValueError(f"slopes must lie in [0, 1] (the subgradients of ReLU at 0), got {slopes}")
    z = np.linspace(-1.5, 1.5, 301)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for g in slopes:
        ax.plot(z, g * z, color=NEGATIVE, lw=1, ls="--", alpha=0.8)
        ax.annotate(f"g = {g:g}", (1.5, 1.5 * g), textcoords="offset points", xytext=(3, 0),
                    va="center", fontsize=8, color=NEGATIVE)
    ax.plot(z, np.maximum(z, 0), color="black", lw=2.5, label="ReLU(z) = max(0, z)")
    ax.plot(0, 0, "o", color="black", ms=5)
    ax.set_xlim(-1.5, 2.05)
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlabel("z")
    ax.set_title("Lines g·z with 0 ≤ g ≤ 1 stay under ReLU")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, loc="upper left", fontsize=9)
    return fig


def _outcome(h):
    return {"converged": f"converged at epoch {h.epochs}", "diverged": f"diverged at epoch {h.epochs}",
            "early_stopped": f"stopped at epoch {h.epochs}"}.get(h.status, f"not converged in {h.epochs}")


def sse_curves(runs, ax=None, *, tol=None, title=None, figsize=(6.4, 3.6)):
    """Loss against epoch for several runs (``runs``: label → History), log scale.

    Like ``plots.loss_curve`` but each run's outcome goes into its legend entry instead of
    an annotation at the end of the curve, so runs that stop close together stay legible.
    """
    runs = _mapping(runs, "runs")
    for label, h in runs.items():
        if not isinstance(h, History):
            raise TypeError(f"runs[{label!r}] must be a History from dlcore.fit, got {type(h).__name__}")
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    for i, (label, h) in enumerate(runs.items()):
        loss = np.asarray(h.loss, dtype=float)
        ok = np.isfinite(loss)
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax.plot(np.arange(len(loss))[ok], loss[ok], color=color, ls=LINESTYLES[i % len(LINESTYLES)],
                lw=2, label=f"{label}: {_outcome(h)}")
        if ok.any():
            last = np.flatnonzero(ok)[-1]
            ax.plot(last, loss[last], "o", color=color, ms=5)
    if tol is not None:
        ax.axhline(tol, color="0.5", lw=1, ls=":", label=f"tolerance {tol:g}")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("SSE")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False, fontsize=8.5)
    if title:
        ax.set_title(title)
    return fig


def unit_activity(net, X):
    """For each hidden and output neuron, on how many rows of X its z is > 0.

    Returns a list, one integer array per layer (layers 1 … L). A neuron with count 0 is
    inactive on every example; for a ReLU that means a = 0 and a zero gradient everywhere
    ("dead" on this data).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a dlcore.Network, got {type(net).__name__}")
    trace = net.forward(X)
    return [np.count_nonzero(trace.z[l] > 0, axis=0) for l in range(1, len(net.layers) + 1)]


def activity_bars(net, X, ax=None, *, title=None, zero_label="dead", figsize=(4.2, 3.4)):
    """Bar per neuron (Kelleher numbering): how many examples make z > 0.

    Neurons with z ≤ 0 on every example are marked ``zero_label`` in vermilion ("dead" for
    ReLU units, whose gradient is then zero; "off" suits leaky and parametric units).
    """
    counts = unit_activity(net, X)
    names = [n for ids in neuron_numbers(net)[1:] for n in ids]
    values = np.concatenate(counts)
    n_examples = np.asarray(X).shape[0]
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    colors = [NEGATIVE if v == 0 else POSITIVE for v in values]
    ax.bar([str(n) for n in names], values, color=colors)
    for x, v in enumerate(values):
        ax.text(x, v + 0.05 * n_examples, zero_label if v == 0 else str(v), ha="center", fontsize=8,
                color=NEGATIVE if v == 0 else "black")
    ax.set_ylim(0, n_examples * 1.2)
    ax.set_xlabel("neuron")
    ax.set_ylabel("examples with z > 0")
    ax.set_title(title or f"z ≤ 0 on every example: {int(np.sum(values == 0))} neuron(s)",
                 fontsize=10)
    return fig


def relu_training_figure(histories, net, X, *, tol=1e-4, title=None, zero_label="dead",
                         figsize=(10.0, 3.8)):
    """SSE curves of one or more runs (left) and the unit activity of ``net`` (right)."""
    if not isinstance(histories, (History, Mapping)):
        raise TypeError(f"histories must be a History or a mapping of them, got "
                        f"{type(histories).__name__}")
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=figsize, layout="constrained",
                                   gridspec_kw={"width_ratios": [2.2, 1]})
    sse_curves(histories if isinstance(histories, Mapping) else {"run": histories}, ax=ax0,
               tol=tol, title=title)
    activity_bars(net, X, ax=ax1, zero_label=zero_label)
    return fig


def lambda_figure(lams, labels, *, figsize=(6.4, 3.4), title=None):
    """λ of each PReLU neuron against epoch (``lams``: array (epochs + 1, neurons))."""
    lams = as_float_array(lams, "lams", ndim=2)
    labels = [str(x) for x in labels]
    if len(labels) != lams.shape[1]:
        raise ValueError(f"labels must name each of the {lams.shape[1]} neurons, got {len(labels)}")
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    for i, label in enumerate(labels):
        ax.plot(lams[:, i], color=LINE_COLORS[i % len(LINE_COLORS)],
                ls=LINESTYLES[i % len(LINESTYLES)], lw=2, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("λ")
    ax.grid(True, alpha=0.3)
    ax.set_title(title or "PReLU slopes λ during training")
    ax.legend(frameon=False, fontsize=9, ncol=2)
    return fig
