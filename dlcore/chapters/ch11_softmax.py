"""Chapter 11, softmax and cross-entropy: logits and their probabilities, with a temperature.

* ``softmax_bars``: logits (left) and softmax(logits / T) (right) as bar charts
* ``softmax_panel``: three logit sliders and a temperature slider → those bars
"""
from __future__ import annotations

import ipywidgets as W
import numpy as np

from .._validate import as_float_array, check_real
from ..nn.activations import softmax
from ..ui.live import live_panel, log_slider
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure
from ..viz.style import BLUE, VERMILION

__all__ = ["softmax_bars", "softmax_panel", "SoftmaxFigure"]


class SoftmaxFigure(BlitFigure):
    """Logits (left) and softmax(logits / T) (right) as bar charts on fixed axes: logits in
    [−6, 6] (the sliders' range), probabilities in [0, 1]."""

    def __init__(self, labels, pyplot=False, dpi=80):
        super().__init__((6.8, 3.1), dpi, pyplot=pyplot)
        self.labels = [str(x) for x in labels]
        ax1, ax2 = self.fig.subplots(1, 2)
        x = np.arange(len(self.labels))
        self.logit_bars = [self.dynamic(b) for b in ax1.bar(x, np.zeros(x.size), color=BLUE)]
        ax1.axhline(0, color="black", lw=0.8)
        ax1.set_ylim(-6.3, 6.3)
        ax1.set_title("logits z", fontsize=10)
        self.prob_bars = [self.dynamic(b) for b in ax2.bar(x, np.zeros(x.size), color=BLUE)]
        self.values = [self.dynamic(ax2.text(k, 0, "", ha="center", fontsize=9)) for k in x]
        ax2.set_ylim(0, 1.12)
        ax2.set_title("softmax(z / T)", fontsize=10)
        for ax in (ax1, ax2):
            ax.set_xticks(x, self.labels)
        self.title = self.dynamic(self.fig.suptitle("Ag", fontsize=10))

    def update(self, logits, temperature=1.0):
        z = as_float_array(logits, "logits", ndim=1)
        T = check_real(temperature, "temperature", low=0.0, low_open=True)
        if z.size != len(self.labels):
            raise ValueError(f"logits must hold {len(self.labels)} values, one per label, got {z.size}")
        p = softmax(z / T)
        for bar, v in zip(self.logit_bars, z):
            bar.set_height(v)
            bar.set_color(BLUE if v >= 0 else VERMILION)
        for bar, text, k, v in zip(self.prob_bars, self.values, range(z.size), p):
            bar.set_height(v)
            text.set_position((k, v + 0.02))
            text.set_text(f"{v:.3f}")
        self.title.set_text(f"temperature T = {T:.3g}: the largest logit gets {p.max():.1%} of the probability")
        return self.fig


def softmax_bars(logits, temperature=1.0, *, labels=None):
    """Logits (left) and softmax(logits / T) (right) as bar charts."""
    z = as_float_array(logits, "logits", ndim=1)
    labels = [f"class {k}" for k in range(z.size)] if labels is None else [str(x) for x in labels]
    if len(labels) != z.size:
        raise ValueError(f"labels must name each of the {z.size} logits, got {len(labels)}")
    figure = SoftmaxFigure(labels, pyplot=True)
    figure.update(z, temperature)
    return figure.settled()


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
    figure = SoftmaxFigure(labels)
    if static_mode():
        return _softmax_frames(figure, [float(v) for v in z], float(temperature), tuple(labels))
    controls = {f"z{k}": W.FloatSlider(value=float(v), min=-6, max=6, step=0.1, description=lab)
                for k, (v, lab) in enumerate(zip(z, labels))}
    controls["temperature"] = log_slider(temperature, -1, 1, 0.05, description="temperature T",
                                         readout_format=".2f", style={"description_width": "initial"})

    def show(z0, z1, z2, temperature):
        return figure.update([z0, z1, z2], temperature)

    def alt(z0, z1, z2, temperature):
        p = softmax(np.array([z0, z1, z2]) / temperature)
        return (f"Softmax bars for logits ({z0:g}, {z1:g}, {z2:g}) at temperature {temperature:g}: "
                f"probabilities " + ", ".join(f"{q:.3f}" for q in p))

    return live_panel(controls, figure, show, alt=alt)


def _softmax_frames(figure, z, temperature, labels):
    """The first logit (equal to each of the others, as requested, above them all) × five
    temperatures from 0.1 to 10; the other two logits stay as requested."""
    firsts = sorted({z[0], z[1], z[2], round(max(z) + 1.5, 6)})

    def alt(first, temperature):
        p = softmax(np.array([first, z[1], z[2]]) / temperature)
        return (f"Softmax bars for logits ({first:g}, {z[1]:g}, {z[2]:g}) at temperature "
                f"{temperature:g}: probabilities " + ", ".join(f"{q:.3f}" for q in p))
    return frames_panel(lambda first, temperature: figure.update([first, z[1], z[2]], temperature),
                        {"first": firsts, "temperature": sorted({0.1, 0.5, 1.0, 2.0, 10.0} | {temperature})},
                        value={"first": z[0], "temperature": temperature},
                        labels={"first": labels[0], "temperature": "temperature T"}, alt=alt)
