"""Panels and figures of chapters 4-6: moving a control redraws; bad arguments raise."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402
from dlcore.train import descent  # noqa: E402

W = pytest.importorskip("ipywidgets")
from helpers import figure_text, panel_png  # noqa: E402

from dlcore.chapters import ch04_encoding as ch04  # noqa: E402
from dlcore.chapters import ch05_losses as ch05  # noqa: E402
from dlcore.chapters import ch06_descent as ch06  # noqa: E402


# ---------------------------------------------------------------- panels
def test_binning_panel_redraws_when_the_slider_moves():
    panel = ch04.binning_panel()
    slider = panel.controls["n_bins"]
    first = panel_png(panel)
    slider.value = 5
    assert panel_png(panel) != first
    assert slider.continuous_update                 # the figure follows the drag


def test_binning_panel_keeps_one_layout_and_shows_each_k_codes():
    panel = ch04.binning_panel(3)
    figures, slider = panel.figure, panel.controls["n_bins"]
    places = [ax.get_position().bounds for ax in figures.first.fig.axes]
    values = dl.datasets.power_plant().normalized[:, 2]
    pngs = {}
    for k in (10, 2, 7, 3):
        slider.value = k
        fig = figures.figures[k].fig
        assert [ax.get_position().bounds for ax in fig.axes] == places     # nothing moves in the page
        index = np.minimum((values * k).astype(int), k - 1)               # equal-width bins of [0, 1]
        shown = np.array([float(t.get_text()) for t in fig.axes[1].texts]).reshape(len(values), k)
        np.testing.assert_array_equal(shown, np.eye(k)[index])
        pngs[k] = panel_png(panel)
    drawn = {k: f.misses for k, f in figures.figures.items()}
    slider.value = 10                                   # back to a k seen before: nothing drawn
    assert panel_png(panel) == pngs[10] and figures.figures[10].misses == drawn[10]


def test_loss_panel_redraws_for_each_control():
    panel = ch05.loss_panel()
    target, loss, eps = (panel.controls[k] for k in ("target", "loss", "smoothing"))
    seen = {panel_png(panel)}
    for control, value in ((target, 0.0), (loss, "sse"), (eps, 0.2)):
        control.value = value
        seen.add(panel_png(panel))
    assert len(seen) == 4


def test_step_size_panel_redraws_and_names_the_regime():
    panel = ch06.step_size_panel(lr=0.1, curvature=4.0)
    slider = panel.controls["lr"]
    first = panel_png(panel)
    slider.value = 0.4
    assert panel_png(panel) != first
    fig = ch06.step_size_figure(0.4, 4.0)
    assert "oscillating" in figure_text(fig)
    assert "diverging" in figure_text(ch06.step_size_figure(0.6, 4.0))


def test_descent_panel_redraws_for_batch_size_and_momentum():
    panel = ch06.descent_panel(epochs=5)
    size, mom = panel.controls["batch"], panel.controls["momentum"]
    first = panel_png(panel)
    size.value = "online (batch of 1)"
    second = panel_png(panel)
    mom.value = 0.5
    assert len({first, second, panel_png(panel)}) == 3
    assert "100 updates" in figure_text(ch06.descent_panel_figure("online (batch of 1)", epochs=5))
    assert "diverged" in figure_text(ch06.descent_panel_figure("full batch", lr=3.0, epochs=200))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ch04.binning_panel(1), ValueError, "n_bins"),
    (lambda: ch04.binning_panel(11), ValueError, "n_bins"),
    (lambda: ch04.binning_panel("3"), TypeError, "n_bins"),
    (lambda: ch05.loss_panel(target=1.5), ValueError, "target"),
    (lambda: ch05.loss_panel(loss="hinge"), ValueError, "loss"),
    (lambda: ch05.loss_panel(smoothing=0.49), ValueError, "smoothing"),
    (lambda: ch06.step_size_panel(lr=0), ValueError, "lr"),
    (lambda: ch06.step_size_panel(curvature=-1), ValueError, "curvature"),
    (lambda: ch06.step_size_figure(x0=0), ValueError, "x0"),
    (lambda: ch06.descent_panel(batch="huge"), ValueError, "batch"),
    (lambda: ch06.descent_panel(lr=5.0), ValueError, "lr"),
    (lambda: ch06.descent_panel(momentum=0.99), ValueError, "momentum"),
    (lambda: ch06.descent_panel_figure(epochs=0), ValueError, "epochs"),
    (lambda: ch06.descent_panel_figure(seed=-1), ValueError, "seed"),
])
def test_panels_reject_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------- figures
def test_loss_figure_draws_the_losses_and_their_deltas():
    fig = ch05.loss_figure(1.0)
    ax_e, ax_g, ax_d = fig.axes
    assert len(ax_e.get_lines()) >= 2
    z, delta_ce = ax_d.get_lines()[1].get_data()
    a = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(delta_ce, a - 1.0, atol=1e-12)           # cross-entropy: a - t
    np.testing.assert_allclose(ax_d.get_lines()[0].get_ydata(), (a - 1) * a * (1 - a), atol=1e-12)
    figure = ch05.LossFigure()
    figure.update(1.0, "binary_cross_entropy", smoothing=0.1)
    a, E = figure.curves["binary_cross_entropy"][0].get_data()
    assert abs(a[np.argmin(E)] - 0.9) < 0.005                          # minimum at t' = 1 - ε
    assert not figure.curves["sse"][0].get_visible()                    # the other loss is hidden


def test_encoding_and_binning_figures():
    fig = ch04.encoding_heatmap(dl.one_hot([0, 2], 3), ["x", "y"], ["a", "b", "c"])
    assert [t.get_text() for t in fig.axes[0].texts].count("1") == 2
    fig = ch04.binning_figure([0.1, 0.9], [0, 0.5, 1], dl.one_hot([0, 1], 2))
    assert len(fig.axes) == 2


def test_descent_figures_draw_every_path():
    q = descent.Quadratic([2.0])
    paths = {f"η={lr}": descent.gradient_descent(q.value, q.grad, 1.0, lr, 10) for lr in (0.1, 0.4)}
    fig = ch06.descent_1d(q.value, paths, (-1.5, 1.5), f_min=0.0)
    assert fig.axes[1].get_yscale() == "log"
    assert len(fig.axes[1].get_lines()) == 2
    gallery = ch06.descent_1d(q.value, paths, (-1.5, 1.5), separate=True)
    assert len(gallery.axes) == 3 and gallery.axes[0].get_title() == "η=0.1"
    s = descent.two_basins()
    path = descent.gradient_descent(s.value, s.grad, [0.5, 1.0], 0.05, 50)
    fig = ch06.descent_contour(s.value, {"p": path, "q": path.points[:5]}, s.extent, minima=s.minima)
    xs = fig.axes[0].get_lines()[0].get_xdata()
    np.testing.assert_allclose(xs, path.points[:, 0])
    fig = ch06.descent_contour(s.value, path, s.extent, colors=["#D55E00"])
    assert fig.axes[0].get_lines()[0].get_color() == "#D55E00"


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ch04.encoding_heatmap([1, 0]), ValueError, "codes"),
    (lambda: ch04.encoding_heatmap([[1, 0]], ["a", "b"]), ValueError, "row_labels"),
    (lambda: ch04.binning_figure([0.5], [1, 0], [[1]]), ValueError, "edges"),
    (lambda: ch04.binning_figure([0.5], [0, 0.5, 1], [[1]]), ValueError, "codes"),
    (lambda: ch05.loss_figure(2.0), ValueError, "target"),
    (lambda: ch05.loss_figure(1.0, "hinge"), ValueError, "loss"),
    (lambda: ch05.loss_figure(1.0, smoothing=0.5), ValueError, "smoothing"),
    (lambda: ch05.loss_figure(1.0, z_range=(3, -3)), ValueError, "z_range"),
    (lambda: ch06.descent_1d("f", [[0.0]], (0, 1)), TypeError, "f"),
    (lambda: ch06.descent_1d(abs, [[0.0]], (1, 0)), ValueError, "extent"),
    (lambda: ch06.descent_1d(abs, 42, (0, 1)), TypeError, "paths"),
    (lambda: ch06.descent_contour(abs, [[0.0, 0.0]], (0, 1, 0)), ValueError, "extent"),
    (lambda: ch06.descent_contour(lambda P: P[..., 0], [[0.0, 0.0, 0.0]], (0, 1, 0, 1)),
     ValueError, "2 columns"),
    (lambda: ch06.descent_contour(lambda P: P[..., 0], [[0.0, 0.0]], (0, 1, 0, 1), levels=1),
     ValueError, "levels"),
    (lambda: ch06.descent_contour(lambda P: P[..., 0], [[0.0, 0.0]], (0, 1, 0, 1), colors=["r", "b"]),
     ValueError, "colors"),
    (lambda: ch06.descent_contour(lambda P: P[..., 0], [[0.0, 0.0]], (0, 1, 0, 1), aspect="square"),
     ValueError, "aspect"),
    (lambda: ch06.descent_1d(abs, [[0.0]], (0, 1), f_min="low"), TypeError, "f_min"),
])
def test_figures_reject_bad_arguments(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------- static site
@pytest.mark.parametrize("make, controls, n_frames, shown", [
    (lambda: ch04.binning_panel(3), {"n_bins"}, 5, ("n_bins", 3)),
    (lambda: ch05.loss_panel(1.0, "both", 0.0), {"target", "smoothing"}, 6, ("target", 1.0)),
    (lambda: ch06.step_size_panel(0.1, 4.0), {"lr"}, 7, ("lr", 0.1)),
    (lambda: ch06.descent_panel(epochs=3), {"batch", "lr"}, 9, ("batch", "mini-batches of 5")),
])
def test_static_panels_precompute_a_grid_of_frames(monkeypatch, make, controls, n_frames, shown):
    from dlcore.ui import static as ui_static

    monkeypatch.setenv(ui_static.ENV, "1")
    monkeypatch.setattr(ui_static, "figure_html",     # cheap stand-in: count frames, keep the alt text
                        lambda fig, alt, dpi=80: f'<img alt="{alt}">')
    box = make()
    assert set(box.controls) == controls and len(box.frames) == n_frames
    name, value = shown
    control = box.controls[name]
    assert control.options[control.value][0] == (f"{value:g}" if not isinstance(value, str) else value)
    assert all('alt="' in frame.value for frame in box.frames.values())
