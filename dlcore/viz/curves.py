"""Curves over training time: the loss per epoch, the gradient's size per time step.

Pure functions from results to a matplotlib ``Figure`` (or drawing into a given ``ax``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..train.stopping import History
from .style import LINE_COLORS, LINESTYLES, new_axes

__all__ = ["loss_curve", "gradient_norm_plot"]


def loss_curve(histories, ax=None, *, logy=True, ylabel="SSE", tol=None, title=None,
               figsize=(6.4, 3.6), notes=True):
    """Plot loss against epoch for one run or several (Kelleher's Figure 17).

    ``histories`` is a ``History``, a list of losses, or a mapping label → either.
    The end of each run is marked with a dot and, with ``notes=True``, labelled with its
    status and epoch count (turn it off for runs that end close together: labels would overlap).
    """
    if isinstance(histories, (History, np.ndarray)) or (
            isinstance(histories, Sequence) and histories and np.isscalar(histories[0])):
        histories = {None: histories}
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError("histories must be a History, a list of losses or a mapping of them")
    fig, ax = new_axes(ax, figsize)
    for i, (label, h) in enumerate(histories.items()):
        losses = np.asarray(h.loss if isinstance(h, History) else h, dtype=float)
        epochs = np.arange(len(losses))
        finite = np.isfinite(losses)
        color = LINE_COLORS[i % len(LINE_COLORS)]
        ax.plot(epochs[finite], losses[finite], color=color,
                linestyle=LINESTYLES[i % len(LINESTYLES)], lw=2, label=label)
        if isinstance(h, History) and finite.any():
            last = np.flatnonzero(finite)[-1]
            ax.plot(epochs[last], losses[last], "o", color=color, ms=6)
            if notes:
                note = {"converged": f"converged: epoch {h.epochs}",
                        "diverged": f"diverged: epoch {h.epochs}",
                        "early_stopped": f"stopped: epoch {h.epochs}"}.get(h.status, f"{h.epochs} epochs")
                ax.annotate(note, (epochs[last], losses[last]), textcoords="offset points",
                            xytext=(-6, 8), ha="right", color=color, fontsize=9)
    if tol is not None:
        ax.axhline(tol, color="0.5", lw=1, ls=":")
        ax.annotate(f"tolerance {tol:g}", (0, tol), textcoords="offset points", xytext=(2, 3),
                    color="0.35", fontsize=8)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if title:
        ax.set_title(title)
    if any(label is not None for label in histories):
        ax.legend(frameon=False)
    return fig


def gradient_norm_plot(curves, *, reference=None, title=None, ylabel=r"$\|\partial E/\partial h_t\|$",
                       ax=None, figsize=(6.4, 3.6)):
    """‖∂E/∂h_t‖ against the time step t = 1 … T on a log scale, one line per model.

    ``curves`` maps a label to an array of T norms; ``reference`` maps labels to arrays
    drawn as thin dotted lines (for example the prediction ρ^(T−t)).
    """
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError("curves must be a non-empty mapping label -> array of norms")
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    else:
        fig = ax.figure
    for k, (label, norms) in enumerate(curves.items()):
        norms = np.asarray(norms, dtype=float)
        if norms.ndim != 1:
            raise ValueError(f"curves[{label!r}] must be a 1-D array of norms, got shape {norms.shape}")
        t = np.arange(1, norms.size + 1)
        ax.plot(t, np.where(norms > 0, norms, np.nan), color=LINE_COLORS[k % len(LINE_COLORS)],
                ls=LINESTYLES[k % len(LINESTYLES)], lw=2, marker="o", ms=3, label=label)
    for label, ref in (reference or {}).items():
        ref = np.asarray(ref, dtype=float)
        ax.plot(np.arange(1, ref.size + 1), ref, color="0.45", ls=":", lw=1.2, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("time step t (the loss is measured after the last step)")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False, fontsize=8)
    if title:
        ax.set_title(title, fontsize=10)
    return fig
