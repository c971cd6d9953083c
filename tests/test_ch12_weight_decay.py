"""Chapter 12's weight-decay runs, figure and panel (dlcore.chapters.ch12_weight_decay)."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import dlcore as dl
from dlcore.chapters import ch12_regularisation as reg
from dlcore.chapters import ch12_weight_decay as decay

pytest.importorskip("ipywidgets")
from helpers import panel_png  # noqa: E402


def test_runs_match_fit_with_weight_decay_and_report_the_penalty():
    run = decay.decay_run(1e-3)
    X, T, Xv, Tv = reg.sine_task()
    net = reg.sine_network()
    h = dl.fit(net, X, T, validation=(Xv, Tv), weight_decay=1e-3, **reg.SINE_FIT)
    assert run["val"] == h.val_loss[-1] and run["penalty"] == pytest.approx(net.penalty(), rel=1e-12)
    assert run["penalty"] < decay.decay_run(0.0)["penalty"]
    np.testing.assert_array_equal(run["fit"], net.predict(reg.GRID).ravel())


@pytest.mark.parametrize("lam, exc", [(0.5, ValueError), (-1e-3, ValueError), ("big", TypeError)])
def test_bad_lambdas_are_refused(lam, exc):
    with pytest.raises(exc, match="lam"):
        decay.decay_run(lam)


def test_figure_marks_the_chosen_lambda_and_draws_both_fits():
    fig = decay.decay_figure(3e-3)
    ax_fit, ax_u = fig.axes
    labels = [line.get_label() for line in ax_fit.get_lines()]
    assert "λ = 0" in labels and "λ = 0.003" in labels
    marker = [line for line in ax_u.get_lines() if line.get_linestyle() == ":"][0]
    assert marker.get_xdata()[0] == decay.LAMBDAS.index(3e-3)
    plt.close(fig)


def test_panel_redraws_when_the_slider_moves():
    box = decay.decay_panel(3e-3)
    first = panel_png(box)
    box.slider.value = 0.1
    assert panel_png(box) != first


def test_static_panel_has_a_frame_per_lambda(monkeypatch):
    from dlcore.ui import static
    monkeypatch.setenv(static.ENV, "1")
    monkeypatch.setattr(decay, "decay_figure", lambda lam: plt.figure(figsize=(1, 1)))
    box = decay.decay_panel(3e-3)
    assert len(box.frames) == len(decay.LAMBDAS)
    assert all("weight decay λ" in frame.value for frame in box.frames.values())
