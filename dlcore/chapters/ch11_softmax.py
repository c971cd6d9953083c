"""Chapter 11, softmax and cross-entropy: logits and their probabilities, with a temperature.

* ``softmax_bars``: logits (left) and softmax(logits / T) (right) as bar charts
* ``softmax_panel``: three logit sliders and a temperature slider → those bars
"""
from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from .._validate import as_float_array, check_real
from ..nn.activations import softmax
from ..ui.panel import show_figure
from ..ui.static import frames_panel, static_mode
from ..viz.style import BLUE, VERMILION

__all__ = ["softmax_bars", "softmax_panel"]


def softmax_bars(logits, temperature=1.0, *, labels=None, title=None, figsize=(6.4, 2.8)):
    """Logits (left) and softmax(logits / T) (right) as bar charts."""
    z = as_float_array(logits, "logits", ndim=1)
    T = check_real(temperature, "temperature", low=0.0, low_open=True)
    p = softmax(z / T)
    labels = [f"class {k}" for k in range(z.size)] if labels is None else [str(x) for x in labels]
    if len(labels) != z.size:
        raise ValueError(f"labels must name each of the {z.size} logits, got {len(labels)}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    x = np.arange(z.size)
    ax1.bar(x, z, color=[BLUE if v >= 0 else VERMILION for v in z])
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title("logits z", fontsize=10)
    ax2.bar(x, p, color=BLUE)
    ax2.set_ylim(0, 1.08)
    ax2.set_title("softmax(z / T)" if T != 1 else "softmax(z)", fontsize=10)
    for k, v in enumerate(p):
        ax2.text(k, v + 0.02, f"{v:.3f}", ha="center", fontsize=8)
    for ax in (ax1, ax2):
        ax.set_xticks(x, labels)
    fig.suptitle(title or f"temperature T = {T:.3g}: the largest logit gets {p.max():.1%} of the "
                 "probability", fontsize=10)
    return fig


def softmax_panel(logits=(1.5, -0.9, 0.6), temperature=1.0, labels=("l0", "l1", "l2")):
    """Sliders for three logits and a temperature T → the bars of softmax(z / T).

    Starts at Kelleher's Table 14 logits (1.5, −0.9, 0.6) with T = 1.
    """
    z = as_float_array(logits, "logits", ndim=1)
    if z.size != 3:
        raise ValueError(f"logits must hold three values, got {z.size}")
    check_real(temperature, "temperature", low=0.1, high=10.0)
    if len(labels) != 3:
        raise ValueError(f"labels must name the three logits, got {len(labels)}")
    if static_mode():
        return _softmax_frames([float(v) for v in z], float(temperature), tuple(labels))
    sliders = [W.FloatSlider(value=float(v), min=-6, max=6, step=0.1, description=lab,
                             continuous_update=False) for v, lab in zip(z, labels)]
    temp = W.FloatLogSlider(value=temperature, base=10, min=-1, max=1, step=0.05,
                            description="temperature T", readout_format=".2f",
                            continuous_update=False, style={"description_width": "initial"})
    out = W.Output()

    def redraw(*_):
        show_figure(out, softmax_bars([s.value for s in sliders], temp.value, labels=labels))

    for control in [*sliders, temp]:
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([W.VBox(sliders), temp]), out])


def _softmax_frames(z, temperature, labels):
    """The first logit (equal to each of the others, as requested, above them all) × five
    temperatures from 0.1 to 10; the other two logits stay as requested."""
    firsts = sorted({z[0], z[1], z[2], round(max(z) + 1.5, 6)})

    def alt(first, temperature):
        p = softmax(np.array([first, z[1], z[2]]) / temperature)
        return (f"Softmax bars for logits ({first:g}, {z[1]:g}, {z[2]:g}) at temperature "
                f"{temperature:g}: probabilities " + ", ".join(f"{q:.3f}" for q in p))
    return frames_panel(lambda first, temperature: softmax_bars([first, z[1], z[2]], temperature,
                                                                labels=labels),
                        {"first": firsts, "temperature": sorted({0.1, 0.5, 1.0, 2.0, 10.0} | {temperature})},
                        value={"first": z[0], "temperature": temperature},
                        labels={"first": labels[0], "temperature": "temperature T"}, alt=alt)
