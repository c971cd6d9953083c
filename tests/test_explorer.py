"""The training explorer: settings, same-seed comparisons, figure content, bad input, and
the fast rendering path (cached static layer, glyph texts, PNG encoder)."""
import base64
import io

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.ui.explorer import Explorer, build_network, explorer  # noqa: E402


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


def test_histograms_follow_the_variance_predicted_by_eq_58():
    # linear units, N(0, σ²) weights: var(z) = n_in var(W) var(a_prev) (Kelleher eq. 58)
    ex = Explorer(dataset="xor blobs", activation="linear", init="normal", sigma=0.1,
                  depth=3, width=100, epochs=1)
    r = ex.run()
    z = r["values"]["z"]
    ratio = np.var(z[1]) / np.var(z[0])
    assert ratio == pytest.approx(100 * 0.01, rel=0.25)


def test_draw_pin_and_status(tmp_path):
    ex = Explorer(epochs=40, patience=5)
    fig = ex.draw()
    assert ex.status() in fig.axes[0].get_title()
    ex.pin()
    ex.set(lr=0.2)
    lines = fig.axes[0].get_lines()
    assert sum(len(l.get_xdata()) > 0 for l in lines[:4]) == 4   # current and pinned, train and val
    ex.unpin()
    ex.set(dataset="power plant", activation="logistic", lr=50.0, epochs=200)
    assert ex.current["history"].status in ("diverged", "max_epochs")
    fig.savefig(tmp_path / "explorer.png")


def test_zero_initialisation_makes_every_hidden_unit_identical():
    ex = Explorer(dataset="xor blobs", init="zeros", activation="logistic", depth=1, width=6, epochs=1)
    a1 = ex.run()["values"]["a"][0].reshape(-1, 6)
    np.testing.assert_array_equal(a1, 0.5)    # backprop lecture: a = ½ whatever the input


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


def test_panel_widgets_redraw_and_pin():
    box = explorer(epochs=20)
    first = box.output.outputs
    assert "image/png" in first[0]["data"]
    box.controls["sigma"].value = 0.5
    assert box.controls["sigma"].disabled            # σ only applies to the normal scheme
    box.controls["init"].value = "normal"
    assert not box.controls["sigma"].disabled
    assert box.output.outputs != first
    box.pin_button.value = True
    assert box.explorer.pinned is not None
    box.controls["dropout"].value = 0.3
    assert box.explorer.settings["dropout"] == 0.3


# ------------------------------------------------------------------ fast rendering (issue 3)
def _pixels(png):
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def test_fast_png_matches_a_full_matplotlib_draw():
    ex = Explorer(dataset="xor blobs", activation="linear", init="normal", sigma=0.2, depth=3,
                  width=20, epochs=10, lr=0.01)
    ex.pin()
    fast = _pixels(ex.png())
    buf = io.BytesIO()
    ex.figure.fig.savefig(buf, format="png", dpi=80)
    full = _pixels(buf.getvalue())
    assert fast.shape == full.shape
    differ = np.abs(fast - full).max(axis=2) > 64
    assert differ.mean() < 0.02          # texts drawn from cached glyphs may sit a pixel off
    assert (fast < 128).all(axis=2).mean() > 0.01   # and the figure is not blank


def test_static_layer_is_reused_while_the_limits_stay():
    ex = Explorer(epochs=30)
    first = ex.png()
    misses = ex.figure.region_misses
    assert misses == 4                     # loss axes + three histogram columns, drawn once
    second = ex.png()
    assert second == first and ex.figure.region_misses == misses
    ex.set(init="normal", sigma=0.5)       # histograms change scale: only their labels change
    ex.figure.png()
    ex.set(sigma=0.01)
    ex.figure.png()
    assert ex.figure.region_misses - misses <= 2   # at most new loss-axis decades


def test_title_text_reaches_the_pixels():
    ex = Explorer(epochs=10)
    ex.draw()
    a = ex.figure.png()
    ex.figure.loss_ax.set_title("a different status line", fontsize=10)
    assert ex.figure.png() != a


def test_encode_png_round_trip_and_bad_input():
    from dlcore.viz.render import encode_png
    rgba = np.random.default_rng(0).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    from PIL import Image
    back = np.asarray(Image.open(io.BytesIO(encode_png(rgba))))
    np.testing.assert_array_equal(back, rgba)
    with pytest.raises(ValueError):
        encode_png(rgba[..., :3])


@pytest.mark.parametrize("values, m", [([0.0], 1e-3), ([0.9], 1.0), ([1.0], 1.0), ([1.01], 2.0),
                                       ([-2.5, 0.1], 3.0), ([4e-5], 1e-3), ([4e-3], 5e-3), ([7.0, np.nan], 10.0),
                                       ([np.inf, 0.2], 0.2)])
def test_nice_limit(values, m):
    from dlcore.viz.explorer import nice_limit
    assert nice_limit([np.array(values)]) == pytest.approx(m)


def test_tick_labels():
    from dlcore.viz.explorer import tick_label
    assert [tick_label(v) for v in (0, -0.03, 300, 5000, 2e-5, -3e6)] == \
        ["0", "−0.03", "300", "5000", "2e−5", "−3e6"]


def test_panel_shows_the_fast_png_and_the_status():
    box = explorer(epochs=20)
    data = box.output.outputs[0]["data"]
    assert base64.b64decode(data["image/png"]).startswith(b"\x89PNG")
    assert data["text/plain"] == box.explorer.status()


def test_figures_are_kept_per_depth():
    ex = Explorer(epochs=5, depth=2)
    ex.png()
    two = ex.figure
    ex.set(depth=3)
    assert ex.figure is not two and ex.figure.layer_names[-2] == "hidden 3"
    ex.set(depth=2)
    assert ex.figure is two                # its layout and cached static layer are reused
