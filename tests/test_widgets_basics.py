"""Figures and panels of chapters 1-3 (dlcore.chapters.ch01_neurons, ch02_perceptrons, ch03_networks)."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402
from dlcore.nn import perceptron  # noqa: E402
from dlcore.viz import regions  # noqa: E402

pytest.importorskip("ipywidgets")
from helpers import description, figure_text, panel_png  # noqa: E402

from dlcore.chapters import ch01_neurons as ch01  # noqa: E402
from dlcore.chapters import ch02_perceptrons as ch02  # noqa: E402
from dlcore.chapters import ch03_networks as ch03  # noqa: E402


# ------------------------------------------------------------------ plots
def test_activation_values_match_the_core_and_break_at_kinks():
    z = np.array([-2.0, 0.0, 3.0])
    a, da = ch01.activation_values("logistic", z)
    np.testing.assert_allclose(da[1], 0.25)                    # Kelleher eq. 16
    np.testing.assert_allclose(a, dl.activations.get("logistic")(z))
    a, da = ch01.activation_values("relu", z)
    assert np.isnan(da[1]) and da[0] == 0 and da[2] == 1
    a, da = ch01.activation_values("leaky_relu", z, 0.2)
    np.testing.assert_allclose([a[0], da[0]], [-0.4, 0.2])
    a, da = ch01.activation_values("prelu", z)                   # λ = 0.25 by default
    np.testing.assert_allclose([a[0], da[0]], [-0.5, 0.25])
    a, _ = ch01.activation_values("threshold", z)
    assert np.isnan(a[1]) and a[0] == 0 and a[2] == 1


def test_activation_grid_draws_function_and_derivative_per_activation():
    fig = ch01.activation_grid(zlim=(-4, 4))
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == len(ch01.ACTIVATIONS)
    logistic_ax = axes[ch01.ACTIVATIONS.index("logistic")]
    z, a = logistic_ax.get_lines()[0].get_data()
    _, da = logistic_ax.get_lines()[1].get_data()
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-z)))
    assert np.nanmax(da) == pytest.approx(0.25)
    assert logistic_ax.get_xlim() == (-4, 4)


def test_activation_plot_and_saturation_plot():
    fig = ch01.activation_plot("tanh", (-3, 3))
    assert len(fig.axes) == 2 and "φ'(3) = 0.00987" in figure_text(fig)
    fig = ch01.saturation_plot(zmax=10)
    assert fig.axes[0].get_yscale() == "log"


@pytest.mark.parametrize("call, exc, word", [
    (lambda: ch01.activation_plot("swish"), ValueError, "name"),
    (lambda: ch01.activation_plot("tanh", (3, -3)), ValueError, "zlim"),
    (lambda: ch01.activation_grid(["relu", "gelu"]), ValueError, "names"),
    (lambda: ch01.activation_grid([]), ValueError, "names"),
    (lambda: ch01.saturation_plot(zmax=0), ValueError, "zmax"),
    (lambda: ch01.saturation_plot(["relu"]), ValueError, "names"),
    (lambda: regions.decision_regions("net"), TypeError, "predict"),
    (lambda: regions.decision_regions(lambda P: P[:3]), ValueError, "predict"),
    (lambda: regions.decision_regions(lambda P: P[:, 0], np.zeros((3, 3)), np.zeros(3)), ValueError, "X"),
    (lambda: regions.decision_regions(lambda P: P[:, 0], np.zeros((3, 2)), np.zeros(4)), ValueError, "y"),
    (lambda: ch02.perceptron_plot("history"), TypeError, "history"),
    (lambda: ch02.perceptron_plot(perceptron.train(*perceptron.truth_table("and"), rng=0), epoch=10_000), ValueError, "epoch"),
])
def test_plots_reject_bad_arguments(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def figure_weights(h, epoch):
    return h.weights[epoch]


def test_perceptron_plot_rings_the_misclassified_points():
    X, y = perceptron.truth_table("xor")
    h = perceptron.train(X, y, lr=0.1, epochs=10, w0=[0.05, 0.1, 0.1], stop=False)
    figure = ch02.PerceptronFigure(h.epochs)
    fig = figure.update(h, 0)
    # the ringed points are exactly the examples the perceptron gets wrong after epoch 0
    wrong = np.array([(x @ figure_weights(h, 0)[1:] + figure_weights(h, 0)[0] > 0) != t for x, t in zip(X, y)])
    np.testing.assert_array_equal(figure.rings.get_offsets(), X[wrong])
    assert wrong.sum() == h.errors[0]
    assert f"{h.errors[0]} misclassified" in figure_text(fig)
    np.testing.assert_array_equal(figure.steps.get_ydata(), h.errors)


def test_decision_regions_shades_by_the_prediction():
    fig = regions.decision_regions(lambda pts: (pts[:, 0] > 0).astype(float), resolution=20)
    ax = fig.axes[0]
    assert ax.get_xlim() == (-1, 1) and len(ax.collections) >= 1


# ------------------------------------------------------------------ panels
def test_activation_panel_redraws_and_enables_the_slope_only_when_used():
    panel = ch01.activation_panel("logistic", (-6, 6))
    act, zr, slope = (panel.controls[k] for k in ("activation", "z_range", "slope"))
    assert zr.continuous_update and slope.continuous_update     # redrawn while dragged
    first = panel_png(panel)
    assert slope.disabled
    zr.value = (-15.0, 15.0)
    second = panel_png(panel)
    assert second != first
    act.value = "leaky_relu"
    assert not slope.disabled and slope.value == pytest.approx(0.01)
    third = panel_png(panel)
    slope.value = 0.3
    assert panel_png(panel) != third
    act.value = "prelu"
    assert slope.value == pytest.approx(0.25)


@pytest.mark.parametrize("met, kept", [((6.0, 6.0), (6.0, 6.5)), ((20.0, 20.0), (19.5, 20.0)),
                                       ((-20.0, -20.0), (-20.0, -19.5))])
def test_activation_panel_survives_the_z_range_handles_meeting(met, kept):
    # the browser's range slider lets a student drag one handle onto the other; an empty
    # range used to raise in the callback, and every later change then raised again: the
    # figure stayed as it was for the rest of the session
    panel = ch01.activation_panel("leaky_relu", (-6, 6))
    zr, slope, act = (panel.controls[k] for k in ("z_range", "slope", "activation"))
    zr.value = met
    assert zr.value == kept
    before = panel_png(panel)
    slope.value = 0.5
    after_slope = panel_png(panel)
    act.value = "logistic"
    assert len({before, after_slope, panel_png(panel)}) == 3          # still follows the controls
    assert f"between {kept[0]:g} and {kept[1]:g}" in description(panel, f"between {kept[0]:g}")


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"activation": "softmax"}, ValueError, "activation"),
    ({"z_range": (2, 1)}, ValueError, "z_range"),
    ({"z_range": (-50, 1)}, ValueError, "z_range"),
    ({"param": 2.0}, ValueError, "param"),
])
def test_activation_panel_rejects_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ch01.activation_panel(**kwargs)


def test_perceptron_panel_steps_through_epochs():
    panel = ch02.perceptron_panel(gate="xor", epochs=12, seed=1, epoch=0)
    gate, seed, rule, epoch = (panel.controls[k] for k in ("gate", "seed", "rule", "epoch"))
    assert epoch.max == 12 and epoch.value == 0 and epoch.continuous_update
    first = panel_png(panel)
    epoch.value = 2
    second = panel_png(panel)
    assert second != first
    gate.value = "and"
    assert panel_png(panel) != second
    rule.value = "batch"
    seed.value = 4
    assert panel_png(panel)


def test_perceptron_panel_default_epoch_is_the_converged_one():
    panel = ch02.perceptron_panel(gate="and", epochs=40, seed=0)
    h = ch02.perceptron_run("and", "online", 0.1, 40, 0)
    assert panel.controls["epoch"].value == h.converged_at
    assert ch02.perceptron_run("xor", epochs=5) is ch02.perceptron_run("xor", epochs=5)   # cached


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"gate": "implies"}, ValueError, "gate"),
    ({"rule": "pocket"}, ValueError, "rule"),
    ({"lr": 0}, ValueError, "lr"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"seed": -1}, ValueError, "seed"),
    ({"epochs": 5, "epoch": 6}, ValueError, "epoch"),
])
def test_perceptron_panel_rejects_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ch02.perceptron_panel(**kwargs)


def test_ring_data_is_seeded_and_labelled_by_radius():
    X, y = ch03.ring_data(50, seed=3)
    X2, y2 = ch03.ring_data(50, seed=3)
    np.testing.assert_array_equal(X, X2)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (r > 0.35) & (r < 0.8))
    with pytest.raises(ValueError, match="outer"):
        ch03.ring_data(outer=0.2)
    with pytest.raises(TypeError, match="seed"):
        ch03.ring_data(seed="x")


def test_depth_panel_retrains_when_a_slider_moves():
    panel = ch03.depth_panel(n_layers=1, width=2, epochs=30)
    layers = panel.controls["n_layers"]
    first = panel_png(panel)
    assert panel.controls["width"].disabled          # one layer: no hidden width to choose
    layers.value = 2
    assert panel_png(panel) != first and not panel.controls["width"].disabled
    net, history = ch03.train_depth_network(2, 2, "tanh", 0, 30)
    assert [layer.n_out for layer in net.layers] == [2, 1] and len(history.loss) == 31
    with pytest.raises(ValueError, match="n_layers"):
        ch03.depth_panel(n_layers=9)
    with pytest.raises(ValueError, match="activation"):
        ch03.depth_panel(activation="softmax")
    with pytest.raises(ValueError, match="width"):
        ch03.train_depth_network(width=0)


def test_depth_panel_shows_a_network_learning_while_it_trains_in_the_kernel():
    panel = ch03.depth_panel(n_layers=2, width=3, epochs=40)
    figure, shown = panel.figure, []
    figure.every = 0.0                                  # a frame after every epoch
    push = figure.push
    figure.push = lambda: (shown.append(figure.titles[1].get_text()), push())
    panel.controls["width"].value = 4                  # not trained yet: trained here
    assert shown == [f"training … epoch {e:,} of 40" for e in range(41)]
    net, history = ch03.train_depth_network(2, 4, "tanh", 0, 40)
    X, y = ch03.ring_data()
    accuracy = np.mean((net.predict(X)[:, 0] >= 0.5) == y)
    assert figure.titles[1].get_text() == f"training accuracy {accuracy:.0%}"   # then the trained network
    shown.clear()
    panel.controls["width"].value = 3                  # kept: no frames
    assert shown == []


# ------------------------------------------------------------------ static site
def _visible_frames(panel):
    return {k: f.value for k, f in panel.frames.items()}


def test_static_mode_panels_are_precomputed_frames(monkeypatch):
    """While the book is built, each panel is a grid of frames linked in the browser."""
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "1")
    panel = ch02.perceptron_panel(gate="xor", epochs=3, seed=1, epoch=0)
    frames = _visible_frames(panel)
    assert set(frames) == {(g, e) for g in ("and", "xor") for e in range(4)}
    assert len(set(frames.values())) == len(frames)          # every frame is a different figure
    assert all("<img" in v and "misclassified" in v for v in frames.values())
    assert panel.links and panel.stack.selected_index == 1   # "xor" is the second gate

    def tiny(*args, **kwargs):       # a cheap stand-in figure: the grid is what is tested here
        fig = plt.figure(figsize=(1, 1))
        fig.text(0.1, 0.5, repr(args), fontsize=4)
        return fig

    monkeypatch.setattr(ch01, "activation_plot", tiny)
    monkeypatch.setattr(ch03, "depth_figure", tiny)
    panel = ch01.activation_panel("tanh", z_range=(-4, 4))
    assert set(panel.frames) == {(a, w) for a in ch01.ACTIVATIONS for w in (4.0, 12.0)}
    assert panel.stack.selected_index == ch01.ACTIVATIONS.index("tanh")
    panel = ch03.depth_panel(n_layers=1, width=2, epochs=5)
    assert set(panel.frames) == {(n, w) for n in (1, 2, 3) for w in (2, 5, 8)}
    assert len(set(_visible_frames(panel).values())) == 9
