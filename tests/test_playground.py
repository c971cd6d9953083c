"""The playground (dlcore.ui.playground), its toy data (dlcore.data.toy) and shareable codes
(dlcore.ui.share): data sets with the right geometry, CSV files with clear errors, clicks that
add and remove points, codes that reproduce a run exactly, classroom mode, the static form.
"""
from __future__ import annotations

import datetime

import ipywidgets as W
import numpy as np
import pytest

from dlcore.data import toy
from dlcore.ui import share
from dlcore.ui.live import _positions
from dlcore.ui.playground import CONTROLS, frame_png, playground
from dlcore.ui.playground_model import DEFAULTS, REGION_RECT, Playground


# ------------------------------------------------------------------------ toy data
@pytest.mark.parametrize("name", toy.DATASETS)
def test_toy_sets_are_seeded_balanced_and_in_the_box(name):
    X, y = toy.make(name, n=200, noise=0.0, seed=3)
    X2, y2 = toy.make(name, n=200, noise=0.0, seed=3)
    np.testing.assert_array_equal(X, X2)
    assert X.shape == (200, 2) and set(np.unique(y)) == {0.0, 1.0}
    assert np.abs(X).max() <= 1.3 and 60 <= y.sum() <= 140
    assert not np.array_equal(X, toy.make(name, n=200, noise=0.0, seed=4)[0])


def test_toy_sets_have_their_shape_without_noise():
    X, y = toy.make("circles", 300, noise=0.0)
    r = np.hypot(*X.T)
    assert r[y == 1].max() <= 0.45 < 0.7 <= r[y == 0].min()
    X, y = toy.make("xor", 300, noise=0.0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0))
    X, y = toy.make("gaussians", 300, noise=0.0)
    assert X[y == 1].mean(axis=0) == pytest.approx([0.5, 0.5], abs=0.05)
    X, y = toy.make("spirals", 300, noise=0.0)        # the arms are point-symmetric images
    assert np.hypot(*X.T).max() <= 0.95


def test_noise_is_gaussian_jitter_of_the_given_size():
    X0, _ = toy.make("xor", 4000, noise=0.0, seed=1)
    X1, _ = toy.make("xor", 4000, noise=0.2, seed=1)
    assert np.std(X1 - X0) == pytest.approx(0.2, rel=0.05)


def test_read_csv_accepts_headers_and_separators():
    X, y = toy.read_csv("x1,x2,label\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n")
    np.testing.assert_array_equal(X, [[0, 0], [1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    X, y = toy.read_csv(b"0.5;1.5;0.2\n1;2;0.4\n3;1;0.9\n2;2;0.1\n")
    assert X.shape == (4, 2) and y[2] == 0.9


@pytest.mark.parametrize("text, match", [
    ("", "empty"),
    ("a,b,c\n", "0 data row"),
    ("1,2\n3,4\n5,6\n7,8\n", "row 1 has 2 column"),
    ("x,y,l\n1,2,0\n3,four,1\n1,1,1\n2,2,0\n", "row 3, column 2: 'four' is not a number"),
    ("1,2,0\n3,nan,1\n1,1,1\n2,2,0\n", "row 2, column 2: 'nan' is not a finite number"),
    ("1,2,0\n3,4,1\n", "at least 4"),
    ("1,2,1\n3,4,1\n5,6,1\n7,8,1\n", "at least two values"),
    (b"\xff\xfe\x00", "not UTF-8"),
])
def test_read_csv_refuses_malformed_files_clearly(text, match):
    with pytest.raises(ValueError, match=match):
        toy.read_csv(text)


# --------------------------------------------------------------------------- codes
def test_codes_round_trip_and_stay_short():
    s = dict(DEFAULTS, noise=0.123456789012345, added=[[0.1, -0.2, 1.0]])
    code = share.encode(s, defaults=DEFAULTS, prefix="pg1")
    assert code.startswith("pg1-") and len(code) < 80
    assert share.decode(code, defaults=DEFAULTS, prefix="pg1") == s
    assert len(share.encode(DEFAULTS, defaults=DEFAULTS, prefix="pg1")) < 25    # nothing changed


@pytest.mark.parametrize("code, match", [
    ("ex1-eNqrrgUAAXUA", "must start with 'pg1-'"),
    ("pg1-", "must start"),
    ("pg1-!!!notbase64", "damaged or incomplete"),
    ("pg1-eNqrVkpMSUlNUbKKjjbQ", "damaged or incomplete"),   # cut short
])
def test_damaged_codes_are_refused(code, match):
    with pytest.raises(ValueError, match=match):
        share.decode(code, defaults=DEFAULTS, prefix="pg1")


def test_codes_with_unknown_settings_are_refused():
    code = share.encode({"warp": 9}, prefix="pg1")
    with pytest.raises(ValueError, match="unknown setting\\(s\\) \\['warp'\\]"):
        share.decode(code, defaults=DEFAULTS, prefix="pg1")


def test_a_code_reproduces_the_run_exactly():
    a = Playground(dataset="xor", noise=0.2, seed=5, layers=1, neurons=5, lr=0.5, epochs=120)
    a.add(0.5, -0.5, 1)
    a.remove_near(-0.9, -0.9)
    a.train()
    b = Playground(code=a.code()).train()
    assert b.settings == a.settings
    assert b.history == a.history                                   # bit for bit
    for la, lb in zip(a.net.layers, b.net.layers):
        np.testing.assert_array_equal(la.W, lb.W)
    from dlcore.ui.playground import png
    assert png(a.figure()) == png(b.figure())


def test_classroom_mode_shows_only_the_chosen_controls():
    assert share.visible(["lr", "noise"], CONTROLS) == ["noise", "lr"]
    with pytest.raises(ValueError, match="controls \\['sigma'\\] do not exist"):
        share.visible(["sigma"], CONTROLS)
    box = playground(controls=["noise", "lr"], epochs=50, dataset="gaussians")
    assert list(box.controls) == ["noise", "lr"]
    assert box.playground.settings["dataset"] == "gaussians"


# --------------------------------------------------------------------- the model
def test_clicks_map_pixels_to_data_and_edit_the_points():
    pg = Playground(epochs=0)
    x0, y0, w, h = REGION_RECT
    # the pixel at the centre of the region axes of an 800 × 352 image is the data origin
    px, py = (x0 + w / 2) * 800, (1 - (y0 + h / 2)) * 352
    assert pg.to_data(px, py, 800, 352) == pytest.approx((0.0, 0.0), abs=1e-9)
    assert pg.to_data(x0 * 800, (1 - y0) * 352, 800, 352) == pytest.approx((-1.6, -1.6))
    n_train = len(pg.data()[0])
    pg.add(0.3, 0.4, 1)
    Xtr, ytr, _, _ = pg.data()
    assert len(Xtr) == n_train + 1 and list(Xtr[-1]) == [0.3, 0.4] and ytr[-1] == 1
    pg.remove_near(0.31, 0.41)                                      # removes the added point
    assert pg.settings["added"] == [] and len(pg.data()[0]) == n_train
    X, _ = pg.base_points()
    pg.remove_near(*X[7])
    assert pg.settings["removed"] == [7]


def test_training_lowers_the_loss_and_regression_data_gets_a_surface():
    pg = Playground(dataset="gaussians", epochs=200).train()
    assert pg.history[-1][1] < 0.2 * pg.history[0][1]
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (60, 2))
    csv = np.column_stack([X, X[:, 0] ** 2 + 0.5 * X[:, 1]]).tolist()
    reg = Playground(csv=csv, epochs=300, lr=0.1).train()
    assert reg.problem == "regression" and reg.net.loss_fn.name == "mse"
    assert reg.history[-1][1] < 0.5 * reg.history[0][1]


def test_the_panel_reacts_to_clicks_uploads_and_controls():
    box = playground(epochs=50)
    before = box.image.value
    box.click({"arrayX": 200, "arrayY": 100})
    assert len(box.playground.settings["added"]) == 1 and box.image.value != before
    assert box.code_box.value == box.playground.code()
    up = box.controls["upload"]
    up.value = ({"name": "bad.csv", "type": "text/csv", "size": 9, "content": memoryview(b"1,2\n3,4\n"),
                 "last_modified": datetime.datetime(2026, 1, 1)},)
    assert "bad.csv: row 1 has 2 column(s)" in box.status.value
    good = "\n".join(f"{x},{y},{int(x > y)}" for x, y in np.random.default_rng(1).uniform(-1, 1, (30, 2)))
    up.value = ({"name": "mine.csv", "type": "text/csv", "size": 9, "content": memoryview(good.encode()),
                 "last_modified": datetime.datetime(2026, 1, 1)},)
    assert len(box.playground.settings["csv"]) == 30 and "loaded 30 points" in box.status.value
    box.controls["noise"].value = 0.3
    assert box.playground.settings["noise"] == 0.3
    sliders = [w for w in box.controls.values() if isinstance(w, (W.FloatSlider, W.FloatLogSlider, W.IntSlider))]
    assert len(sliders) == 6 and all(w.continuous_update for w in sliders)   # retrained while dragged


def test_a_setting_seen_before_shows_its_last_frame_at_once():
    box = playground(dataset="xor", epochs=200)
    lr, frames = box.controls["lr"], []
    box.image.observe(lambda change: frames.append(change["new"]), names="value")
    first = lr.value
    grid = _positions(lr)
    lr.value = grid[min(range(len(grid)), key=lambda j: abs(grid[j] - first)) + 3]   # not trained yet: animated
    assert len(frames) >= 3                                       # epochs 0, 100 and 200 at least
    fresh = Playground(code=box.playground.code()).train()
    assert frames[-1] == frame_png(fresh)                         # the last frame is the run's
    assert box.playground.history == fresh.history
    frames.clear()
    lr.value = first                                               # kept: its last frame, once
    assert len(frames) == 1 and box.playground.settings["lr"] == first


def test_static_form_has_frames_for_the_four_sets_and_no_mouse_widget(monkeypatch):
    import dlcore.ui.playground as module
    calls = []
    monkeypatch.setattr(module, "_mouse", lambda *a: calls.append(a))
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "1")
    box = playground(epochs=50)
    assert [c.description for c in box.controls.values()] == ["data set"]
    assert len(box.frames) == 4
    assert all("alt=" in f.value and "Playground on the" in f.value for f in box.frames.values())
    assert calls == []                     # no mouse-event widget at build time
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "0")
    playground(epochs=0)
    assert len(calls) == 1                 # ... but one in a live kernel


def test_the_appendix_page_runs(tmp_path):
    """book/appendix_playground.md is not a numbered chapter, so nbval does not collect it."""
    from pathlib import Path

    import jupytext
    from nbclient import NotebookClient
    nb = jupytext.read(Path(__file__).resolve().parents[1] / "book" / "appendix_playground.md")
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
