"""The precomputed ("static") forms of the panels of chapters 8-16.

With ``DLCORE_STATIC_PANELS=1`` (set by the book build) each panel returns a
``ui_static.frames_panel`` box: one frame per combination of a small grid, controls
starting on the requested setting, alternative text on every frame. To keep this file fast,
most tests replace the PNG encoder with a fingerprint of what each figure draws (its texts,
lines, bars and images); two panels are checked with real PNG bytes.
"""
import hashlib
import html
import itertools
import math
import re

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from dlcore.chapters import ch08_matrix_form as ch08  # noqa: E402
from dlcore.chapters import ch09_relu as ch09  # noqa: E402
from dlcore.chapters import ch11_softmax as ch11  # noqa: E402
from dlcore.chapters import ch12_regularisation as ch12  # noqa: E402
from dlcore.chapters import ch13_digits as ch13  # noqa: E402
from dlcore.chapters import ch14_convolution as ch14  # noqa: E402
from dlcore.chapters import ch15_rnn as ch15  # noqa: E402
from dlcore.chapters import ch16_lstm as ch16  # noqa: E402
from dlcore.ui import static as ui_static  # noqa: E402

EDGE = "vertical edge (dark | light)"

# name: (panel, kwargs, the frame the controls must start on, the controls' descriptions)
PANELS = {
    "delta": (ch08.delta_panel, dict(example=1, neuron=7, activation="logistic"), (7, "logistic"),
              ["neuron", "activation"]),
    "relu": (ch09.relu_panel, dict(lr=0.2, activation="leaky_relu", alpha=0.1, epochs=100),
             (0.2, "leaky ReLU, α = 0.1"), ["learning rate", "activation"]),
    "softmax": (ch11.softmax_panel, dict(logits=(1.5, -0.9, 0.6), temperature=1.0), (1.5, 1.0),
                ["l0", "temperature T"]),
    "digits": (ch13.digits_panel, dict(lr=0.5, init="he", epochs=2), (0.5, "he"),
               ["learning rate α", "initialisation"]),
    "early_stopping": (ch12.early_stopping_panel, dict(patience=150, epochs=300), (150,), ["patience p"]),
    "dropout": (ch12.dropout_panel, dict(rate=0.2, epochs=8), (0.2,),
                ["dropout rate (drop probability 1 − ρ)"]),
    "conv": (ch14.conv_panel, dict(stride=2), (next(iter(ch14.KERNELS)), 2, 0, "first"),
             ["filter", "stride", "padding", "window"]),
    "rnn": (ch15.rnn_gradient_panel, dict(scale=1.0, activation="tanh", length=12), (1.0, "tanh"),
            ["recurrent scale ρ", "activation"]),
    "lstm": (ch16.lstm_gradient_panel, dict(length=10, forget_bias=2.0), (10, 2.0),
             ["length T", "forget-gate bias"]),
}


def fingerprint_html(fig, alt, dpi=80):
    """A stand-in for ``figure_html``: hashes what the figure draws instead of rasterising it
    (titles, labels, texts, legends, lines, bars, images and scatter points of every axes)."""
    h = hashlib.sha256()
    texts = [fig._suptitle] + list(fig.texts)
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        texts += ax.get_legend().get_texts() if ax.get_legend() else []
        for line in ax.lines:
            h.update(np.asarray(line.get_xydata(), dtype=float).tobytes())
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                h.update(np.array([*patch.get_xy(), patch.get_width(), patch.get_height()]).tobytes())
        for image in ax.images:
            h.update(np.asarray(image.get_array(), dtype=float).tobytes())
        for points in ax.collections:
            h.update(np.asarray(points.get_offsets(), dtype=float).tobytes())
    h.update("|".join(t.get_text() for t in texts if t is not None).encode())
    plt.close(fig)
    return f'<img src="data:fake;{h.hexdigest()}" alt="{html.escape(alt, quote=True)}">'


@pytest.fixture
def static(monkeypatch):
    monkeypatch.setenv(ui_static.ENV, "1")


@pytest.fixture
def fingerprints(static, monkeypatch):
    monkeypatch.setattr(ui_static, "figure_html", fingerprint_html)


def shown(box):
    """The frame the controls select, walking the nested stacks."""
    node = box.stack
    while not hasattr(node, "value"):
        node = node.children[node.selected_index]
    return node


def label(control):
    return control.options[control.index][0]


def alt_text(frame):
    match = re.search(r'alt="([^"]*)"', frame.value)
    assert match, frame.value[:80]
    return html.unescape(match.group(1))


@pytest.mark.parametrize("name", list(PANELS))
def test_static_panel_is_a_grid_of_frames_starting_on_the_request(name, fingerprints):
    panel, kwargs, start, descriptions = PANELS[name]
    open_before = len(plt.get_fignums())
    box = panel(**kwargs)
    assert hasattr(box, "controls") and hasattr(box, "links") and hasattr(box, "frames")
    sizes = [len(c.options) for c in box.controls.values()]
    assert len(box.frames) == math.prod(sizes) and 6 <= len(box.frames) <= 30
    assert set(box.frames) == set(itertools.product(*(sorted({k[i] for k in box.frames}, key=str)
                                                      for i in range(len(sizes)))))
    assert shown(box) is box.frames[start]            # the requested setting is shown first
    assert [c.description for c in box.controls.values()] == descriptions
    for control, value in zip(box.controls.values(), start):
        assert label(control) == ui_static._label(value)
    values = [f.value for f in box.frames.values()]
    assert len(set(values)) == len(values)            # every setting draws something different
    for combo, frame in box.frames.items():
        alt = alt_text(frame)
        assert alt and all(ui_static._label(v) in alt for v in combo), (combo, alt)
    assert len(plt.get_fignums()) == open_before      # every frame's figure was closed


@pytest.mark.parametrize("name", ["early_stopping", "dropout"])
def test_frames_are_real_images_that_differ(name, static):
    panel, kwargs = PANELS[name][:2]
    box = panel(**kwargs)
    images = [re.search(r'src="(data:image/png;base64,[^"]+)"', f.value).group(1)
              for f in box.frames.values()]
    assert len(set(images)) == len(images)
    assert all(len(i) > 2000 for i in images)


def test_static_sliders_offer_the_live_values(fingerprints):
    box = ch12.dropout_panel(rate=0.2, epochs=8)
    assert [o[0] for o in box.controls["rate"].options] == [f"{r:g}" for r in ch12.RATES]
    assert type(box.controls["rate"]).__name__ == "SelectionSlider"


@pytest.mark.parametrize("name", ["delta", "softmax", "early_stopping", "dropout", "rnn"])
def test_live_form_without_the_environment_variable(name, monkeypatch):
    monkeypatch.delenv(ui_static.ENV, raising=False)
    panel, kwargs = PANELS[name][:2]
    box = panel(**kwargs)
    assert not hasattr(box, "frames")
    assert bytes(box.image.value).startswith(b"\x89PNG")     # the live figure, drawn by the kernel


@pytest.mark.parametrize("call, exc, words", [
    (lambda: ch08.delta_panel(example=5), ValueError, "example"),
    (lambda: ch09.relu_panel(activation="tanh"), ValueError, "activation"),
    (lambda: ch09.relu_panel(lr=-1), ValueError, "lr"),
    (lambda: ch11.softmax_panel(logits=(1, 2)), ValueError, "logits"),
    (lambda: ch11.softmax_panel(temperature=50), ValueError, "temperature"),
    (lambda: ch13.digits_panel(init="zeros"), ValueError, "init"),
    (lambda: ch12.early_stopping_panel(patience=0), ValueError, "patience"),
    (lambda: ch12.dropout_panel(rate=0.9), ValueError, "rate"),
    (lambda: ch14.conv_panel(kernel="nope"), ValueError, "kernel"),
    (lambda: ch15.rnn_gradient_panel(scale=0), ValueError, "scale"),
    (lambda: ch16.lstm_gradient_panel(length=1), ValueError, "length"),
])
def test_bad_arguments_fail_the_same_way_in_static_mode(call, exc, words, static):
    with pytest.raises(exc, match=words):
        call()
