"""The training explorer: settings, same-seed comparisons, what the figure shows (variances
per layer, eq. 58's prediction, histograms on their own scales), bad input, the panel that
follows the mouse and the fast rendering path."""
import io
import time

import numpy as np
import pytest
import ipywidgets as W

import dlcore as dl
from dlcore.ui.explorer import DEFAULTS, Explorer, build_network, explorer, neighbours
from dlcore.viz.explorer import ExplorerFigure
from helpers import description

FIG22 = dict(dataset="xor blobs", activation="linear", init="normal", depth=5, width=100, epochs=3, lr=0.01)


def test_same_seed_gives_same_initial_standard_normal_draws():
    kw = dict(depth=2, width=5, activation="tanh", init="normal", dropout=0.0, loss="sse", seed=3)
    a = build_network(1, 1, sigma=0.1, **kw)
    b = build_network(1, 1, sigma=0.4, **kw)
    # a pinned run and a new one differ only by the changed knob: here the scale σ
    np.testing.assert_allclose(b.layers[0].W, 4 * a.layers[0].W)
    c = build_network(1, 1, sigma=0.1, **{**kw, "seed": 4})
    assert not np.allclose(c.layers[0].W, a.layers[0].W)


def test_run_reports_histories_and_per_layer_values():
    ex = Explorer(depth=2, width=8, epochs=30)
    r = ex.run()
    assert r["names"] == ["hidden 1", "hidden 2", "output"]
    assert len(r["history"].loss) == 31 and len(r["history"].val_loss) == 31
    assert [v.size for v in r["values"]["z"]] == [30 * 8, 30 * 8, 30 * 1]  # first iteration: 30 examples
    assert ex.run() is r                     # kept: the same settings are not trained twice


def test_histograms_follow_the_variance_predicted_by_eq_58():
    # linear units, N(0, σ²) weights: var(z) = n_in var(W) var(a_prev) (Kelleher eq. 58)
    r = Explorer(**{**FIG22, "sigma": 0.1, "depth": 3}).run()
    z = r["values"]["z"]
    assert np.var(z[1]) / np.var(z[0]) == pytest.approx(100 * 0.01, rel=0.25)


def test_prediction_reproduces_eq_59_and_60():
    """Weights with variance exactly 1e-4 (σ = 0.01) and inputs of variance 1: the lecture's
    numbers, 0.0002 in the first hidden layer and 0.000002 in the second."""
    from dlcore.teaching.variance import predicted_variances
    layers = [dl.Dense(2, 100, "linear"), dl.Dense(100, 100, "linear"), dl.Dense(100, 1, "linear")]
    for layer in layers:
        sign = np.where(np.indices(layer.W.shape).sum(axis=0) % 2 == 0, 1.0, -1.0)
        layer.W[...] = 0.01 * sign           # mean 0, variance 1e-4 exactly (for even sizes)
    net = dl.Network(layers, loss="sse")
    X = np.array([[1.0, -1.0], [-1.0, 1.0]])  # E[d²] = 1
    pred = predicted_variances(net, X, delta_out_variance=1.0)
    assert pred["z"][0] == pytest.approx(0.0002)       # eq. 59
    assert pred["z"][1] == pytest.approx(0.000002)     # eq. 60
    # backwards, linear units: var(δ_l) = n_out var(W_{l+1}) var(δ_{l+1})
    assert pred["delta"][1] == pytest.approx(1 * 1e-4 * 1.0)
    assert pred["delta"][0] == pytest.approx(100 * 1e-4 * 1e-4)


@pytest.mark.parametrize("activation, init, sigma", [("linear", "normal", 0.01), ("linear", "normal", 0.2),
                                                     ("relu", "he", 0.1), ("tanh", "xavier", 0.1)])
def test_prediction_agrees_with_the_measured_hidden_variances(activation, init, sigma):
    r = Explorer(**{**FIG22, "activation": activation, "init": init, "sigma": sigma}).run()
    measured = [np.var(v.astype(float)) for v in r["values"]["z"][:-1]]
    np.testing.assert_allclose(r["predicted"]["z"][:-1], measured, rtol=0.35)
    measured_d = [np.var(v.astype(float)) for v in r["values"]["delta"][:-1]]
    np.testing.assert_allclose(r["predicted"]["delta"][:-1], measured_d, rtol=0.6)


def test_variance_plot_shows_each_layers_variance_on_its_row():
    ex = Explorer(**{**FIG22, "sigma": 0.01})
    ex.draw()
    fig, run = ex.figure, ex.current
    for q in ("z", "a", "delta"):
        x, y = fig._var[0, q].get_data()
        expected = [np.var(v) for v in run["values"][q]]
        np.testing.assert_allclose(x, expected, rtol=1e-6)
        assert list(y) == sorted(y, reverse=True)         # first layer on the top row
    # vanishing at σ = 0.01: var(z) falls by about 100 per layer, so the points drift left
    x, _ = fig._var[0, "z"].get_data()
    assert all(0.003 < x[l + 1] / x[l] < 0.03 for l in range(4))


def test_every_histogram_uses_its_own_scale():
    ex = Explorer(**{**FIG22, "sigma": 0.01})
    ex.draw()
    labels = [ex.figure._scales[r, 0].get_text() for r in range(6)]
    assert len(set(labels)) >= 5                          # six layers, (nearly) six scales
    for r, label in enumerate(labels[:-1]):
        m = float(label.lstrip("±").replace("−", "-"))
        biggest = np.max(np.abs(ex.current["values"]["z"][r]))
        assert biggest <= m < 5.01 * biggest               # a 1-2-3-5 step above the largest value


def test_pin_and_status(tmp_path):
    ex = Explorer(epochs=40, patience=5)
    fig = ex.draw()
    assert ex.status() in ex.figure.loss_ax.get_title()
    ex.pin()
    ex.set(lr=0.2)
    shown = [l for l in ex.figure._lines.values() if len(l.get_xdata()) > 0]
    assert len(shown) == 4                                # current and pinned, train and val
    assert ex.figure._var[1, "z"].get_visible()           # the pinned run's variances too
    ex.unpin()
    ex.set(dataset="xor blobs", activation="linear", init="normal", sigma=0.01, lr=0.01, epochs=30, patience=20)
    assert ex.current["history"].status == "max_epochs" and "patience 20: no early stop" in ex.status()
    ex.set(dataset="power plant", activation="logistic", lr=50.0, epochs=200)
    assert ex.current["history"].status in ("diverged", "max_epochs")
    fig.savefig(tmp_path / "explorer.png")


def test_zero_initialisation_makes_every_hidden_unit_identical():
    ex = Explorer(dataset="xor blobs", init="zeros", activation="logistic", depth=1, width=6, epochs=1)
    a1 = ex.run()["values"]["a"][0].reshape(-1, 6)
    np.testing.assert_array_equal(a1, 0.5)    # backprop lecture: a = ½ whatever the input
    ex.png()                                  # all-zero variances draw without warnings


@pytest.mark.parametrize("bad, exc", [
    (dict(dropout=1.0), ValueError), (dict(dropout=-0.1), ValueError), (dict(init="orthogonal"), ValueError),
    (dict(sigma=float("nan")), ValueError), (dict(sigma=0.0), ValueError), (dict(lr=0), ValueError),
    (dict(depth=0), ValueError), (dict(patience=-1), ValueError), (dict(dataset="mnist"), ValueError),
    (dict(colour="red"), TypeError),
])
def test_bad_settings_raise(bad, exc):
    with pytest.raises(exc):
        Explorer(**bad)
    ex = Explorer(epochs=10)
    with pytest.raises(exc):
        ex.set(**bad)


def test_a_run_trained_on_the_spot_is_shown_while_it_trains():
    box = explorer(epochs=20)
    ex, titles = box.explorer, []
    ex.every = 0.0                                       # a frame after every epoch
    push = ex.push
    ex.push = lambda: (titles.append(ex.figure.loss_ax.get_title()), push())
    box.controls["epochs"].value = 30                    # not trained yet: trained here
    assert titles == [f"training … epoch {e} of 30" for e in range(31)]
    h = ex.current["history"]
    assert len(h.loss) == 31 and ex.figure.loss_ax.get_title() == ex.status()   # then the whole run
    fresh = Explorer(**{**ex.settings})                  # the frames changed nothing in the run
    np.testing.assert_array_equal(fresh.run()["history"].loss, h.loss)
    titles.clear()
    box.controls["epochs"].value = 20                    # kept: no frames
    assert titles == []


def test_panel_follows_the_mouse_and_pins():
    box = explorer(epochs=20)
    first = bytes(box.image.value)
    assert first.startswith(b"\x89PNG")
    sliders = [w for w in box.controls.values() if isinstance(w, (W.FloatSlider, W.FloatLogSlider, W.IntSlider))]
    assert sliders and all(w.continuous_update for w in sliders)   # redrawn while dragged
    box.controls["sigma"].value = 0.5
    assert box.controls["sigma"].disabled            # σ only applies to the normal scheme
    box.controls["init"].value = "normal"
    assert not box.controls["sigma"].disabled
    assert bytes(box.image.value) != first
    assert "σ = 0.5" in description(box, "σ = 0.5")   # what a screen reader reads for the figure
    box.pin_button.value = True
    assert box.explorer.pinned is not None
    box.controls["dropout"].value = 0.3
    assert box.explorer.settings["dropout"] == 0.3


def test_dragging_trains_the_next_positions_in_the_background(monkeypatch):
    from dlcore.ui import live
    monkeypatch.setattr(live, "BACKGROUND", True)
    box = explorer(epochs=20, depth=2, width=8)
    ex, lr = box.explorer, box.controls["lr"]
    lr.value = lr.value * 10 ** 0.1                  # one step right
    ahead = neighbours(lr, lr.value)
    deadline = time.monotonic() + 180
    while any(ex.pending(lr=v) for v in ahead) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(ex.pending(lr=v) for v in ahead)


def test_neighbours_are_the_slider_positions_nearest_first():
    s = W.IntSlider(value=5, min=0, max=10, step=1)
    assert neighbours(s, 5, reach=2) == [6, 4, 7, 3]
    assert neighbours(s, 0, reach=2) == [1, 2]
    log = W.FloatLogSlider(value=0.1, base=10, min=-3, max=1, step=0.5)
    assert neighbours(log, 0.1, reach=1) == pytest.approx([10 ** -0.5, 10 ** -1.5])


# ------------------------------------------------------------------ fast rendering (issue 3)
def _pixels(png):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_fast_png_matches_a_full_matplotlib_draw():
    ex = Explorer(**{**FIG22, "sigma": 0.2, "depth": 3, "width": 20, "epochs": 10})
    ex.pin()
    ex.set(sigma=0.05)
    fast = _pixels(ex.png())
    buf = io.BytesIO()
    ex.figure.fig.savefig(buf, format="png", dpi=80)
    full = _pixels(buf.getvalue())
    assert fast.shape == full.shape
    differ = np.abs(fast - full).max(axis=2) > 64
    assert differ.mean() < 0.02          # texts drawn from cached glyphs may sit a pixel off
    assert (fast < 128).all(axis=2).mean() > 0.01   # and the figure is not blank


def test_static_layer_is_reused_while_the_limits_stay():
    ex = Explorer(**FIG22)
    first = ex.png()
    misses = ex.figure.misses
    assert misses == 3                     # loss axes, variance axes, histogram columns: drawn once
    assert ex.png() == first and ex.figure.misses == misses
    for sigma in (0.02, 0.05, 0.1, 0.2):       # loss and histogram scales change: no redraw
        ex.set(sigma=sigma)
        ex.figure.png()
    assert ex.figure.misses == misses
    ex.set(sigma=0.5)                          # var(z) passes 1e4: the variance axis widens, once
    ex.figure.png()
    assert ex.figure.misses == misses + 1 and ex.figure.var_ax.get_xlim()[1] > 1e4


def test_title_text_reaches_the_pixels():
    ex = Explorer(epochs=10)
    ex.draw()
    a = ex.figure.png()
    ex.figure.loss_ax.set_title("a different status line")
    assert ex.figure.png() != a


def test_encode_png_round_trip_and_bad_input():
    from PIL import Image

    from dlcore.viz.render import encode_png
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    back = np.asarray(Image.open(io.BytesIO(encode_png(rgba))))
    np.testing.assert_array_equal(back, rgba)
    with pytest.raises(ValueError):
        encode_png(rgba[..., :3])


@pytest.mark.parametrize("values, m", [([0.0], 0.0), ([0.9], 1.0), ([1.0], 1.0), ([1.01], 2.0),
                                       ([-2.5, 0.1], 3.0), ([4e-5], 5e-5), ([4e-3], 5e-3), ([7.0, np.nan], 10.0),
                                       ([np.inf, 0.2], 0.2), ([2e-12], 2e-12)])
def test_nice_limit(values, m):
    from dlcore.viz.explorer import nice_limit
    assert nice_limit([np.array(values)]) == pytest.approx(m)


def test_tick_labels():
    from dlcore.viz.explorer import tick_label
    assert [tick_label(v) for v in (0, -0.03, 300, 5000, 2e-5, -3e6)] == \
        ["0", "−0.03", "300", "5000", "2e−5", "−3e6"]


def test_one_figure_serves_every_depth_and_draws_what_a_new_one_would():
    ex = Explorer(epochs=5, depth=5, seed=2)
    ex.png()
    fig = ex.figure
    ex.set(depth=2)
    assert ex.figure is fig and fig.layer_names == ["hidden 1", "hidden 2", "output"]
    fresh = Explorer(epochs=5, depth=2, seed=2)
    assert ex.figure.png() == fresh.png()          # no layout left over from five layers
    ex.set(depth=8)
    assert ex.figure is fig and [t.get_text() for t in fig.var_ax.get_yticklabels()][-2:] == ["hidden 8", "output"]
    ex.set(depth=12)                               # past the slider (a student's own call): a taller figure
    assert ex.figure is not fig and ex.figure.max_layers == 13


def test_set_layers_refuses_more_rows_than_laid_out():
    fig = ExplorerFigure(["hidden 1", "output"], max_layers=3)
    with pytest.raises(ValueError, match="max_layers"):
        fig.set_layers(["hidden 1", "hidden 2", "hidden 3", "output"])


def test_figure_rows_match_the_layer_names():
    fig = ExplorerFigure(["hidden 1", "hidden 2", "output"])
    labels = [t.get_text() for t in fig.var_ax.get_yticklabels()]
    assert labels == ["hidden 1", "hidden 2", "output"]


SMALL = dict(dataset="xor blobs", init="normal", sigma=0.3, lr=0.02, depth=2, width=8, epochs=15, seed=3)


def test_a_share_code_reproduces_the_run_and_the_figure():
    a = explorer(**SMALL)
    code = a.code_box.value
    assert code.startswith("ex1-") and len(code) < 200          # short enough to paste in a chat
    b = explorer(code=code)
    assert b.explorer.settings == a.explorer.settings
    np.testing.assert_array_equal(b.explorer.current["history"].loss, a.explorer.current["history"].loss)
    for q in ("z", "a", "delta"):
        for va, vb in zip(a.explorer.current["values"][q], b.explorer.current["values"][q]):
            np.testing.assert_array_equal(va, vb)
    assert bytes(b.image.value) == bytes(a.image.value)           # the same figure, pixel for pixel


def test_the_code_follows_the_controls_and_names_override_it():
    box = explorer(**SMALL)
    before = box.code_box.value
    box.controls["lr"].value = 0.1
    assert box.code_box.value != before
    assert Explorer(code=box.code_box.value).settings["lr"] == 0.1
    assert Explorer(code=before, lr=0.5).settings == {**Explorer(code=before).settings, "lr": 0.5}
    assert Explorer(code=Explorer().code()).settings == DEFAULTS   # the defaults' code is almost empty


def test_classroom_mode_shows_only_the_chosen_controls_and_fixes_the_others():
    box = explorer(controls=["lr", "sigma"], **SMALL)
    assert list(box.controls) == ["sigma", "lr"]                    # in the panel's order
    box.controls["lr"].value = 0.05
    s = box.explorer.settings
    assert s["lr"] == 0.05 and s["depth"] == 2 and s["dataset"] == "xor blobs"


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(code="pg1-eNqrrgUAAnkBfQ"), ValueError, "ex1-"),                  # the playground's code
    (dict(code="ex1-notacode!!"), ValueError, "damaged"),
    (dict(code=42), TypeError, "code"),
    (dict(controls=["lr", "speed"]), ValueError, "speed"),
    (dict(controls=5), TypeError, "list of control names"),
])
def test_bad_codes_and_controls_are_refused_clearly(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        explorer(**kwargs)


def test_max_layers_must_be_a_count():
    with pytest.raises(TypeError, match="max_layers"):
        ExplorerFigure(["hidden 1", "output"], max_layers=2.5)
