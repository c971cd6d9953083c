"""Diagrams of networks: neurons numbered as in the lectures, weights, z, a and δ, and the
thinned networks dropout trains (Figure 29).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..nn.network import Grads, Network, Trace
from .style import NEGATIVE, POSITIVE, new_axes

__all__ = ["neuron_numbers", "network_diagram", "thinned_network_diagram"]


def neuron_numbers(net: Network):
    """Kelleher's numbering: inputs 1 … d, then the neurons layer by layer (3, 4, 5, …)."""
    sizes = [net.n_in] + [layer.n_out for layer in net.layers]
    out, start = [], 1
    for n in sizes:
        out.append(list(range(start, start + n)))
        start += n
    return out


def network_diagram(net: Network, trace: Trace | None = None, grads: Grads | None = None,
                    example: int = 0, *, show=("weights", "z", "a"), ax=None, decimals=4,
                    title=None, figsize=(9.5, 6.0)):
    """Draw a dense network with its weights and, for one example, z, a and δ per neuron.

    ``show`` picks annotations from "weights", "bias", "z", "a" and "delta" (Kelleher's
    Figures 15 and 16). Edge colour gives the weight's sign (blue +, vermilion −) and
    width its size; neurons are numbered as in the lecture.
    """
    show = set(show)
    unknown = show - {"weights", "bias", "z", "a", "delta"}
    if unknown:
        raise ValueError(f"show may contain 'weights', 'bias', 'z', 'a', 'delta'; got {sorted(unknown)}")
    if ("z" in show or "a" in show) and trace is None:
        raise ValueError("trace is needed to show z and a: pass trace=net.forward(X)")
    if "delta" in show and grads is None:
        raise ValueError("grads is needed to show delta: pass grads=net.backward(trace, T)")
    numbers = neuron_numbers(net)
    fig, ax = new_axes(ax, figsize)
    pos = {}
    for l, ids in enumerate(numbers):
        ys = ((len(ids) - 1) / 2 - np.arange(len(ids))) * 1.9  # room for the value boxes
        for n, y in zip(ids, ys):
            pos[n] = (l * 3.0, y)
    wmax = max(np.abs(layer.W).max() for layer in net.layers) or 1.0
    for l, layer in enumerate(net.layers, start=1):
        for i, ni in enumerate(numbers[l]):
            for k, nk in enumerate(numbers[l - 1]):
                w = layer.W[i, k]
                (x0, y0), (x1, y1) = pos[nk], pos[ni]
                ax.plot([x0, x1], [y0, y1], color=POSITIVE if w >= 0 else NEGATIVE,
                        lw=0.6 + 2.8 * abs(w) / wmax, alpha=0.8, zorder=1)
                if "weights" in show:
                    t = 0.72  # label near the receiving neuron, where edges have spread apart
                    ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), f"$w_{{{ni},{nk}}}$={w:.2f}",
                            fontsize=8.5, ha="center", va="center", zorder=3,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85))
    for l, ids in enumerate(numbers):
        for j, n in enumerate(ids):
            x, y = pos[n]
            ax.add_patch(plt.Circle((x, y), 0.32, fc="#F5F5F5" if l else "#E8F1F8", ec="black",
                                    lw=1.2, zorder=4))
            ax.text(x, y, str(n), ha="center", va="center", fontsize=11, weight="bold", zorder=5)
            lines = []
            if l == 0 and trace is not None and "a" in show:
                lines.append(f"$d_{{{n}}}$={trace.a[0][example, j]:.{decimals}g}")
            if l > 0:
                if "bias" in show:
                    lines.append(f"$w_{{{n},0}}$={net.layers[l - 1].b[j]:.2f}")
                if "z" in show:
                    lines.append(f"$z_{{{n}}}$={trace.z[l][example, j]:.{decimals}f}")
                if "a" in show:
                    lines.append(f"$a_{{{n}}}$={trace.a[l][example, j]:.{decimals}f}")
                if "delta" in show:
                    lines.append(f"$\\delta_{{{n}}}$={grads.delta[l][example, j]:.{decimals}f}")
            if lines:
                ax.text(x, y - 0.42, "\n".join(lines), ha="center", va="top", fontsize=8.5, zorder=5,
                        bbox=dict(boxstyle="round,pad=0.2", fc="#FFF8E1", ec="0.6", lw=0.5))
    ax.set_aspect("equal")
    ax.axis("off")
    xs, ys = zip(*pos.values())
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 1.3, max(ys) + 0.6)
    if title:
        ax.set_title(title)
    return fig


def thinned_network_diagram(sizes, masks=None, *, ax=None, title=None, figsize=(3.2, 3.2)):
    """A dense network drawn as circles and edges, with dropped units greyed out (Figure 29).

    ``sizes`` lists the units per layer, input first. ``masks`` gives, per layer, a 0/1
    vector (1 = kept) or None for a layer without dropout; a dropped unit is drawn grey and
    dashed, and every edge into or out of it disappears, which leaves the thinned network
    one training example sees (Kelleher et al., Figure 29).
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two layers of at least one unit, got {sizes}")
    masks = [None] * len(sizes) if masks is None else list(masks)
    if len(masks) != len(sizes):
        raise ValueError(f"masks must give one entry (a 0/1 vector or None) per layer: "
                         f"{len(sizes)} layers, got {len(masks)}")
    keep = []
    for l, (n, m) in enumerate(zip(sizes, masks)):
        m = np.ones(n, dtype=bool) if m is None else np.asarray(m).ravel() != 0
        if m.size != n:
            raise ValueError(f"masks[{l}] must have {n} entries, one per unit, got {m.size}")
        keep.append(m)
    fig, ax = new_axes(ax, figsize)
    pos = [[(1.6 * l, (n - 1) / 2 - i) for i in range(n)] for l, n in enumerate(sizes)]
    for l in range(1, len(sizes)):
        for i, p in enumerate(pos[l]):
            for k, q in enumerate(pos[l - 1]):
                if keep[l][i] and keep[l - 1][k]:
                    ax.plot([q[0], p[0]], [q[1], p[1]], color="0.35", lw=0.8, zorder=1)
    for l, layer in enumerate(pos):
        for i, (x, y) in enumerate(layer):
            on = keep[l][i]
            ax.add_patch(plt.Circle((x, y), 0.22, fc=("#E8F1F8" if l == 0 else "white") if on else "0.8",
                                    ec="black" if on else "0.55", lw=1.1, ls="-" if on else "--",
                                    zorder=2))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-0.5, 1.6 * (len(sizes) - 1) + 0.5)
    half = (max(sizes) - 1) / 2 + 0.5
    ax.set_ylim(-half, half)
    if title:
        ax.set_title(title, fontsize=9)
    return fig
