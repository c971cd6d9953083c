"""The static (precomputed) form of chapter 10's training explorer (issue 7).

With ``DLCORE_STATIC_PANELS=1`` (set by the book build) ``explorer()`` returns a
``ui_static.frames_panel`` box: one frame per (initial weights, activation), controls
starting on the requested setting, alternative text describing every run. These tests use
real PNG bytes, on a small network so they stay quick.
"""
import base64
import html
import re

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcore.ui import static as ui_static  # noqa: E402
from dlcore.ui.explorer import Explorer, explorer  # noqa: E402
from dlcore.ui.explorer_static import STATIC_ACTIVATIONS, STATIC_SIGMAS, run_alt  # noqa: E402

SMALL = dict(dataset="xor blobs", activation="linear", init="normal", sigma=0.01,
             depth=2, width=8, epochs=5, lr=0.01)


def _png(frame):
    return base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', frame.value).group(1))


def _alt(frame):
    return html.unescape(re.search(r'alt="([^"]*)"', frame.value).group(1))


@pytest.fixture(scope="module")
def static_box():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLCORE_STATIC_PANELS", "1")
        return explorer(**SMALL)


def test_static_mode_returns_frames_over_weights_and_activation(static_box):
    box = static_box
    assert set(box.controls) == {"weights", "activation"}
    weights = [label for label, _ in box.controls["weights"].options]
    acts = [label for label, _ in box.controls["activation"].options]
    assert weights == [f"normal, σ = {s:g}" for s in STATIC_SIGMAS] + ["xavier", "he"]
    assert acts == list(STATIC_ACTIVATIONS)
    assert len(box.frames) == len(weights) * len(acts) == 15
    assert set(box.frames) == {(w, a) for w in weights for a in acts}
    assert len(box.links) == 1 + len(weights)        # the outer stack and one per weights choice
    # the controls start on the requested setting, and the chapter's next cell can read its run
    assert weights[box.controls["weights"].value] == "normal, σ = 0.01"
    assert acts[box.controls["activation"].value] == "linear"
    ex = box.explorer
    assert ex.settings == {**ex.settings, **SMALL}
    assert ex.current["settings"]["sigma"] == 0.01 and ex.current["settings"]["activation"] == "linear"
    assert len(ex.current["values"]["z"]) == SMALL["depth"] + 1


def test_every_frame_is_its_own_png_with_an_alt_naming_its_values(static_box):
    pngs = {key: _png(frame) for key, frame in static_box.frames.items()}
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs.values())
    assert len(set(pngs.values())) == len(pngs)            # different settings, different images
    for (weights, activation), frame in static_box.frames.items():
        alt = _alt(frame)
        assert f"weights {weights}," in alt and f"{activation} units" in alt, alt
        assert "final loss" in alt and "var(z)" in alt and "var(δ)" in alt, alt


def test_requested_values_outside_the_grid_are_added(monkeypatch):
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "1")
    # no rasterising needed here: a stand-in keeps only the alternative text
    monkeypatch.setattr(ui_static, "figure_html", lambda fig, alt, dpi=80: f'<img alt="{html.escape(alt)}">')
    box = explorer(**{**SMALL, "sigma": 0.05, "activation": "logistic", "depth": 1, "width": 4})
    weights = [label for label, _ in box.controls["weights"].options]
    acts = [label for label, _ in box.controls["activation"].options]
    assert weights[:4] == ["normal, σ = 0.01", "normal, σ = 0.05", "normal, σ = 0.1", "normal, σ = 0.2"]
    assert acts == ["linear", "tanh", "relu", "logistic"]
    assert len(box.frames) == 6 * 4
    assert (weights[box.controls["weights"].value], acts[box.controls["activation"].value]) == \
        ("normal, σ = 0.05", "logistic")
    assert "one hidden layer only" in _alt(box.frames["he", "relu"])


def test_alt_text_says_whether_variances_vanish_or_explode():
    # Figure 22's network: 100 linear units per layer, var(z) × 100 σ² per layer (eq. 58)
    base = dict(dataset="xor blobs", activation="linear", init="normal", depth=3, width=100, epochs=1)
    small, kept, large = (run_alt(Explorer(**base, sigma=s).run()) for s in (0.01, 0.1, 0.3))
    assert "var(z) shrinks (vanishes)" in small and "var(δ) shrinks (vanishes)" in small
    assert "var(z) stays within a factor of 10" in kept
    assert "var(z) grows (explodes)" in large and "var(δ) grows (explodes)" in large
    assert "weights normal, σ = 0.3" in large and "xor blobs data, 3 hidden layers of 100 linear" in large
    zeros = run_alt(Explorer(**{**base, "init": "zeros"}).run())
    assert "weights zeros" in zeros and "var(z) stays at 0" in zeros


def test_bad_settings_raise_before_any_frame(monkeypatch):
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "1")
    with pytest.raises(ValueError):
        explorer(sigma=-1.0)
    with pytest.raises(TypeError):
        explorer(colour="red")


def test_live_form_without_the_environment_variable(monkeypatch):
    monkeypatch.delenv("DLCORE_STATIC_PANELS", raising=False)
    box = explorer(**SMALL)
    assert not hasattr(box, "frames")
    assert "sigma" in box.controls and bytes(box.image.value).startswith(b"\x89PNG")
    before = bytes(box.image.value)
    box.controls["sigma"].value = 0.2
    assert bytes(box.image.value) != before
    assert np.isclose(box.explorer.current["settings"]["sigma"], 0.2)
