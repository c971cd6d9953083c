"""Figures and panels of chapters 14-16: right data on the axes, clear errors, live redraws."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402

from dlcore.chapters.ch14_convolution import KELLEHER_FILTER, kelleher_four  # noqa: E402
from dlcore.viz import (
    curves,  # noqa: E402
    images,  # noqa: E402
)

W = pytest.importorskip("ipywidgets")
from dlcore.chapters import ch14_convolution as ch14  # noqa: E402
from dlcore.chapters import ch15_rnn as ch15  # noqa: E402
from dlcore.chapters import ch16_lstm as ch16  # noqa: E402


from helpers import figure_text, panel_png as _png  # noqa: E402


def test_image_grid_shows_every_image_with_its_title():
    imgs = [np.arange(9.0).reshape(3, 3), -np.eye(3), np.ones((2, 4))]
    fig = images.image_grid(imgs, ["a", "b", "c"], ncols=2, values=True, diverging=True)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["a", "b", "c"]
    np.testing.assert_array_equal(axes[0].images[0].get_array(), imgs[0])
    assert "8" in [t.get_text() for t in axes[0].texts]
    plt.close(fig)


def test_image_grid_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        images.image_grid([])
    with pytest.raises(ValueError, match=r"images\[0\]"):
        images.image_grid([np.zeros(3)])
    with pytest.raises(ValueError, match="titles"):
        images.image_grid([np.zeros((2, 2))], ["a", "b"])


def test_receptive_field_figure_reports_the_lecture_value():
    fig = ch14.receptive_field_figure(kelleher_four(), KELLEHER_FILTER, position=(2, 1))
    assert "765" in figure_text(fig)
    fmap_ax = fig.axes[2]
    np.testing.assert_array_equal(fmap_ax.images[0].get_array()[2, 1], 765)
    plt.close(fig)
    fig = ch14.receptive_field_figure(kelleher_four(), KELLEHER_FILTER, stride=2, padding=1)
    assert fig.axes[2].images[0].get_array().shape == (3, 3)
    assert fig.axes[0].images[0].get_array().shape == (8, 8)
    plt.close(fig)
    with pytest.raises(ValueError, match="position"):
        ch14.receptive_field_figure(kelleher_four(), KELLEHER_FILTER, position=(4, 0))


def test_receptive_field_figure_as_a_gradient_correlation():
    """∂E/∂W of a convolution drawn with the same figure: the 'kernel' is the δ map, and the
    map holds Σ δ_ij x_{i+p, j+q}, here computed by a loop."""
    x = np.arange(16.0).reshape(4, 4)
    delta = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, -1.0, 1.0]])
    expected = np.array([[sum(delta[i, j] * x[i + p, j + q] for i in range(3) for j in range(3))
                          for q in range(2)] for p in range(2)])
    fig = ch14.receptive_field_figure(x, delta, activation="linear", names=("x", "δ", "∂E/∂W"))
    assert [ax.get_title() for ax in fig.axes] == ["x", "δ", "∂E/∂W"]
    np.testing.assert_allclose(fig.axes[2].images[0].get_array(), expected)
    plt.close(fig)
    with pytest.raises(ValueError, match="names"):
        ch14.receptive_field_figure(x, delta, names=("x", "δ"))


def test_gradient_norm_plot_draws_each_curve_on_a_log_axis():
    a, b = np.array([1e-3, 1e-2, 1.0]), np.array([0.5, 0.7, 1.0])
    fig = curves.gradient_norm_plot({"rnn": a, "lstm": b}, reference={"ρ^(T−t)": b})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lines = ax.get_lines()
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), a)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rnn", "lstm", "ρ^(T−t)"]
    plt.close(fig)
    with pytest.raises(TypeError, match="mapping"):
        curves.gradient_norm_plot([1, 2])
    with pytest.raises(ValueError, match="1-D"):
        curves.gradient_norm_plot({"x": np.ones((2, 2))})


def test_unrolled_rnn_figure_labels_every_step():
    fig = ch15.unrolled_rnn_figure(3, x=[1, 0.5, -1], h=["a", "b", "c"], y=[0.1, 0.2, 0.3])
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for piece in ("$x_3$", "$h_0$", "0.5", "c", "0.3", "$W_{hh}$"):
        assert piece in texts
    plt.close(fig)
    with pytest.raises(ValueError, match="T"):
        ch15.unrolled_rnn_figure(0)


def test_conv_panel_draws_and_follows_its_controls():
    panel = ch14.conv_panel()
    first = _png(panel)
    img, ker, stride, padding, window = (panel.controls[k] for k in ("image", "kernel", "stride", "padding", "window"))
    assert window.max == 15                         # a 4×4 map from the 6×6 image
    padding.value = 1
    assert window.max == 35 and _png(panel) != first
    stride.value = 3
    assert window.max == 3 and window.value <= 3
    window.value = 2
    ker.value = list(ch14.KERNELS)[1]
    img.value = ch14.IMAGES[1]
    assert _png(panel)


def test_conv_panel_loads_the_other_image_in_the_background(monkeypatch):
    import time
    from dlcore.ui import live
    monkeypatch.setattr(live, "BACKGROUND", True)
    monkeypatch.setattr(ch14, "_IMAGES", live.Ahead(ch14._load_image, max_items=2))
    ch14.conv_panel(image=ch14.IMAGES[0])
    deadline = time.monotonic() + 120
    while not ch14._IMAGES.done(ch14.IMAGES[1]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ch14._IMAGES.done(ch14.IMAGES[1])        # loaded without being asked for
    got = ch14._image(ch14.IMAGES[1])               # from the background process: the digits' 4
    d = dl.datasets.digits(seed=0)
    four = d.X_test[np.flatnonzero(d.y_test == 4)[0]].reshape(8, 8) * 255
    np.testing.assert_array_equal(got, np.round(four))


def test_conv_figure_and_its_errors():
    fig, fmap = ch14.conv_figure()
    assert fmap[2, 1] == 765 and fmap[0, 0] == 255
    plt.close(fig)
    with pytest.raises(ValueError, match="kernel"):
        ch14.conv_figure(kernel="sobel")
    with pytest.raises(ValueError, match="window"):
        ch14.conv_figure(window=16)
    with pytest.raises(ValueError, match="stride"):
        ch14.conv_figure(stride=0)


def test_rnn_norms_follow_the_scale_exactly_for_linear_units():
    for scale in (0.5, 1.3):
        n = ch15.rnn_norms(scale, "linear", 12)
        np.testing.assert_allclose(n[:-1] / n[1:], scale, rtol=1e-9)
    with pytest.raises(ValueError, match="scale"):
        ch15.rnn_norms(0.0)
    with pytest.raises(ValueError, match="activation"):
        ch15.rnn_norms(1.0, "softmax")
    with pytest.raises(ValueError, match="length"):
        ch15.rnn_norms(1.0, "tanh", 1)


def test_rnn_gradient_panel_redraws_when_the_slider_moves():
    panel = ch15.rnn_gradient_panel(length=10)
    rho, act, T = (panel.controls[k] for k in ("scale", "activation", "length"))
    first = _png(panel)
    rho.value = 0.5
    assert _png(panel) != first
    act.value = "linear"
    T.value = 15
    assert _png(panel)


def test_long_range_norms_show_the_lstm_keeping_its_gradient():
    rnn_h, rnn_c = ch16.long_range_norms("rnn", length=30)
    lstm_h, lstm_c = ch16.long_range_norms("lstm", length=30, forget_bias=2.0)
    closed_h, _ = ch16.long_range_norms("lstm", length=30, forget_bias=0.0)
    assert rnn_c is None and lstm_c.shape == (30,)
    assert lstm_h[-1] == pytest.approx(1.0) and rnn_h[-1] == pytest.approx(1.0)
    assert lstm_h[0] > 3 * rnn_h[0] and closed_h[0] < rnn_h[0]
    with pytest.raises(ValueError, match="model"):
        ch16.long_range_norms("gru")


def test_lstm_gradient_panel_redraws_when_the_slider_moves():
    panel = ch16.lstm_gradient_panel(length=10, forget_bias=1.0)
    T, fb = panel.controls["length"], panel.controls["forget_bias"]
    first = _png(panel)
    fb.value = 3.0
    assert _png(panel) != first
    T.value = 15
    assert _png(panel)


def test_lstm_unit_figure_labels_one_step_of_the_worked_example():
    """Forward labels are the step's vectors; backward labels include ∂E/∂c_{t−1} = f ⊙ ∂E/∂c_t
    (eq. 125), here recomputed from the printed eq. 135 and the forget gate."""
    from dlcore.chapters import ch16_lstm as ch16
    ex = ch16.figure41_example()
    unit = ex["layer"]
    v = unit.step(ex["x"], ex["h_prev"], ex["c_prev"])
    g = unit.step_backward(v, dh=ex["dEt_do"] + ex["dEnext_dh"], dc_next=ex["dEnext_dc"])
    fig = ch16.lstm_unit_figure(v, extra={"x": ex["x"]})
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert ch16.vector_label(v["o"][0]) in text and "[0.900]" in text
    plt.close(fig)
    fig = ch16.lstm_unit_figure(grads=g)
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    dc_prev = np.array([0.867455753, 0.941532531]) * v["f"][0]
    assert ch16.vector_label(dc_prev) in text and "[0.900, 0.850]" in text
    plt.close(fig)
    with pytest.raises(ValueError, match="values"):
        ch16.lstm_unit_figure(grads=g, extra={"x": ex["x"]})
    fig = ch16.multiplicative_figure(0.5, -2.0, 0.25)
    text = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "-0.5000" in text and "0.1250" in text          # the backward rule: −2 × 0.25, 0.5 × 0.25
    plt.close(fig)


def test_chapter15_figures_37_and_39():
    fig = ch15.folded_rnn_figure()
    assert "$W_{hh}$" in " ".join(t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
    fig = ch15.bptt_iterations_figure([["a"], ["b", "c"]])
    assert "c" in " ".join(t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
