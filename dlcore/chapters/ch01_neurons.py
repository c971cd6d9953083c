"""Chapter 1, artificial neurons and activation functions: φ(z) and φ'(z) figures and panel.

* ``activation_values``, ``activation_grid``, ``activation_plot``, ``saturation_plot``
* ``activation_panel``: pick an activation and a z range → φ(z) beside φ'(z)

Every panel draws its default state when it is created, recomputes when a control is
released and, while the book is built (``ui.static.static_mode()``), returns a grid of
precomputed frames whose controls work in the browser without a kernel.
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import (
    as_float_array,
    check_choice,
    check_int,
    check_interval,
    check_real,
)
from ..nn import activations as _act
from ..ui.live import live_panel
from ..ui.panel import STYLE
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure, LiveAxis
from ..viz.style import LINE_COLORS, NEGATIVE, POSITIVE, new_axes

__all__ = ["ACTIVATIONS", "activation_values", "activation_grid", "activation_plot",
           "saturation_plot", "activation_panel"]


ACTIVATIONS = ("threshold", "logistic", "tanh", "relu", "leaky_relu", "prelu")


KINKED = ("threshold", "relu", "leaky_relu", "prelu")      # not differentiable at z = 0


FUNCTION_COLOR, DERIVATIVE_COLOR = POSITIVE, NEGATIVE


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
    zlim = check_interval(zlim)
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


class ActivationFigure(BlitFigure):
    """φ (left) and φ' (right) of one activation, redrawn for a new activation, z range or
    slope. Both axes follow the data (``LiveAxis``), so the figure's pixels are never redrawn
    from scratch however the z range moves."""

    def __init__(self, pyplot=False, dpi=80, figsize=(8.4, 3.5)):
        super().__init__(figsize, dpi, pyplot=pyplot)
        self.axes = self.fig.subplots(1, 2)
        self.scales = [(LiveAxis(self, ax, "x"), LiveAxis(self, ax, "y")) for ax in self.axes]
        self.zero = [(self.dynamic(ax.axhline(0, color="0.6", lw=0.8, zorder=0)),
                      self.dynamic(ax.axvline(0, color="0.6", lw=0.8, zorder=0))) for ax in self.axes]
        ax1, ax2 = self.axes
        self.phi = self.dynamic(ax1.plot([], [], color=FUNCTION_COLOR, lw=2.2)[0])
        self.dphi = self.dynamic(ax2.plot([], [], color=DERIVATIVE_COLOR, lw=2, ls="--")[0])
        self.jump = [self.dynamic(ax1.plot([], [], "o", color=FUNCTION_COLOR, ms=6)[0]),
                     self.dynamic(ax1.plot([], [], "o", mfc="white", mec=FUNCTION_COLOR, ms=6)[0])]
        self.undefined = self.dynamic(ax2.text(0, 0, "  undefined at 0", fontsize=9, color=DERIVATIVE_COLOR,
                                               va="bottom"))
        for ax in self.axes:
            ax.set_xlabel("z")
        ax1.set_ylabel(r"$a = \varphi(z)$")
        ax2.set_ylabel(r"$\partial a/\partial z = \varphi'(z)$")
        self.titles = self.title_lines(ax1, 1) + self.title_lines(ax2, 1)

    def update(self, name, zlim=(-6.0, 6.0), param=None):
        check_choice(name, "name", ACTIVATIONS)
        zlim = check_interval(zlim)
        z = _grid(zlim)
        a, da = activation_values(name, z, param)
        for (sx, sy), (h0, v0), line, v in zip(self.scales, self.zero, (self.phi, self.dphi), (a, da)):
            lo, hi = np.nanmin(v), np.nanmax(v)
            pad = 0.08 * (hi - lo or 1.0)
            sx.set_limits(*zlim)
            sy.set_limits(lo - pad, hi + pad)
            line.set_data(sx.map(z), sy.map(v))
            h0.set_ydata(np.repeat(sy.map(0.0), 2))
            v0.set_xdata(np.repeat(sx.map(0.0), 2))
        kink = name == "threshold" and zlim[0] < 0 < zlim[1]
        (sx, sy), _ = self.scales
        self.jump[0].set_data(sx.map([0.0]), sy.map([1.0]))
        self.jump[1].set_data(sx.map([0.0]), sy.map([0.0]))
        self.undefined.set_position((self.scales[1][0].map(0.0), self.scales[1][1].map(0.0)))
        for artist in self.jump + [self.undefined]:
            artist.set_visible(kink)
        ends = np.array(zlim)
        _, d_end = activation_values(name, ends, param)
        self.titles[0].set_text(_title(name, param))
        self.titles[1].set_text(f"derivative: φ'({ends[0]:g}) = {d_end[0]:.3g}, φ'({ends[1]:g}) = {d_end[1]:.3g}")
        return self.fig


def activation_plot(name, zlim=(-6.0, 6.0), param=None):
    """φ and φ' of one activation side by side over ``zlim`` (the activation panel)."""
    check_choice(name, "name", ACTIVATIONS)
    zlim = check_interval(zlim)
    figure = ActivationFigure(pyplot=True)
    figure.update(name, zlim, param)
    return figure.settled()


def saturation_plot(names=("logistic", "tanh"), zmax=10.0, marks=(0, 2, 5, 10), *, ax=None,
                    figsize=(6.4, 3.4)):
    """φ'(z) on a log scale for z in [0, zmax]: how fast the slope of a saturating unit dies."""
    zmax = check_real(zmax, "zmax", low=0.0, low_open=True)
    fig, ax = new_axes(ax, figsize)
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
    lowest = min(activation_values(n, np.array([float(zmax)]))[1][0] for n in names)
    ax.set_ylim(lowest / 30, 30.0)           # room for the labels above the top and below the lowest point
    ax.set_xlabel("z (the same holds for −z)")
    ax.set_ylabel("slope φ'(z), log scale")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(frameon=False)
    return fig


_LABELS = {"threshold": "threshold", "logistic": "logistic", "tanh": "tanh", "relu": "ReLU",
           "leaky_relu": "leaky ReLU", "prelu": "parametric ReLU"}


_PARAM_DEFAULT = {"leaky_relu": 0.01, "prelu": 0.25}      # Kelleher eq. 45 and a common λ


Z_STEP = 0.5    # the z-range slider's step


def activation_panel(activation="logistic", z_range=(-6.0, 6.0), param=None):
    """Dropdown of activations, a z-range slider and (for leaky/parametric ReLU) the slope
    α or λ for z < 0 → φ(z) and φ'(z) side by side.

    ``param`` defaults to 0.01 for leaky ReLU (Kelleher eq. 45) and 0.25 for PReLU.
    """
    check_choice(activation, "activation", ACTIVATIONS)
    z_range = check_interval(z_range, "z_range")
    if not (-20 <= z_range[0] and z_range[1] <= 20):
        raise ValueError(f"z_range must lie within [-20, 20], got {z_range}")
    if param is not None:
        param = check_real(param, "param", low=0.0, high=1.0)
    start = param if param is not None else _PARAM_DEFAULT.get(activation, 0.01)

    figure = ActivationFigure()
    if static_mode():
        half = max(abs(z_range[0]), abs(z_range[1]))        # the grid is symmetric about 0
        widths = sorted({4.0, 12.0, half})
        return frames_panel(
            lambda activation, half_width: figure.update(
                activation, (-half_width, half_width),
                param if activation in _PARAM_DEFAULT and param is not None else None),
            {"activation": list(ACTIVATIONS), "half_width": widths},
            value={"activation": activation, "half_width": half},
            labels={"half_width": "z range ±"},
            alt=lambda activation, half_width: (f"{_LABELS[activation]} and its derivative for z "
                                                f"between {-half_width:g} and {half_width:g}"))
    controls = {
        "activation": W.Dropdown(options=[(_LABELS[a], a) for a in ACTIVATIONS], value=activation,
                                 description="activation"),
        "z_range": W.FloatRangeSlider(value=z_range, min=-20, max=20, step=Z_STEP, description="z range",
                                      readout_format=".1f", style=STYLE),
        "slope": W.FloatSlider(value=start, min=0.0, max=1.0, step=0.01, description="slope for z < 0 (α or λ)",
                               readout_format=".2f", style=STYLE, disabled=activation not in _PARAM_DEFAULT)}
    chosen = {"name": activation}

    def show(activation, z_range, slope):
        lo, hi = z_range
        if hi - lo < Z_STEP:     # the two handles met (the slider lets them): keep one step apart
            lo, hi = (lo, lo + Z_STEP) if lo + Z_STEP <= 20 else (hi - Z_STEP, hi)
            controls["z_range"].value = (lo, hi)                         # redraws once more
            return
        if activation != chosen["name"]:          # a new activation starts at its usual slope
            chosen["name"] = activation
            controls["slope"].disabled = activation not in _PARAM_DEFAULT
            if activation in _PARAM_DEFAULT and slope != _PARAM_DEFAULT[activation]:
                controls["slope"].value = _PARAM_DEFAULT[activation]    # redraws once more
                return
        figure.update(activation, z_range, slope if activation in _PARAM_DEFAULT else None)

    return live_panel(controls, figure, show,
                      alt=lambda activation, z_range, slope: (f"{_LABELS[activation]} and its derivative for z "
                                                              f"between {z_range[0]:g} and {z_range[1]:g}"))
