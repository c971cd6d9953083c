"""Figures and panels of chapters 11 and 13 (dlcore.chapters.ch11_softmax, ch13_digits)."""
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402

pytest.importorskip("ipywidgets")
import ipywidgets as W  # noqa: E402
from helpers import description, figure_text, panel_png  # noqa: E402

from dlcore.chapters import ch11_softmax as ch11  # noqa: E402
from dlcore.chapters import ch13_digits as ch13  # noqa: E402
from dlcore.nn import metrics  # noqa: E402
from dlcore.train import record  # noqa: E402
from dlcore.ui.progress import TrainingProgress  # noqa: E402


def find(box, cls):
    """All widgets of type ``cls`` inside a (nested) box, depth first."""
    found = [box] if isinstance(box, cls) else []
    for child in getattr(box, "children", ()):
        found += find(child, cls)
    return found


# ------------------------------------------------------------------ plots
def test_softmax_bars_show_the_softmax_of_the_scaled_logits():
    fig = ch11.softmax_bars([1.5, -0.9, 0.6], temperature=2.0, labels=["a", "b", "c"])
    ax_z, ax_p = fig.axes
    heights = [p.get_height() for p in ax_p.patches]
    np.testing.assert_allclose(heights, dl.softmax(np.array([1.5, -0.9, 0.6]) / 2))
    np.testing.assert_allclose([p.get_height() for p in ax_z.patches], [1.5, -0.9, 0.6])
    assert [t.get_text() for t in ax_p.get_xticklabels()] == ["a", "b", "c"]


def test_confusion_counts_and_plot():
    y = np.array([0, 0, 1, 2, 2, 2])
    p = np.array([0, 1, 1, 2, 0, 2])
    C = ch13.confusion_counts(y, p, 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    fig = ch13.confusion_plot(y, p, 3)
    assert "2 errors" in figure_text(fig)
    assert {t.get_text() for t in fig.axes[0].texts} >= {"1", "2"}


def test_misclassified_plot_shows_each_wrong_image_with_its_caption():
    rng = np.random.default_rng(0)
    X = rng.random((6, 64))
    y = np.array([0, 1, 2, 3, 4, 5])
    p = np.array([0, 7, 2, 3, 9, 5])
    P = np.full((6, 10), 0.05)
    P[np.arange(6), p] = 0.55
    fig = ch13.misclassified_plot(X, y, p, P, ncols=4)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(shown) == 2
    assert [ax.get_title() for ax in shown] == ["1 → 7 (0.55)", "4 → 9 (0.55)"]
    np.testing.assert_allclose(shown[0].images[0].get_array(), X[1].reshape(8, 8))
    assert "2 misclassified of 6" in fig._suptitle.get_text()
    fig = ch13.misclassified_plot(X.reshape(6, 1, 8, 8), y, y)          # none wrong: an empty grid
    assert not any(ax.images for ax in fig.axes)


def test_image_grid_accepts_rows_grids_and_channels():
    imgs = np.arange(2 * 16, dtype=float).reshape(2, 16)
    for arr in (imgs, imgs.reshape(2, 4, 4), imgs.reshape(2, 1, 4, 4)):
        fig = ch13.image_grid(arr, ["a", "b"], ncols=3)
        assert sum(bool(ax.images) for ax in fig.axes) == 2


def test_training_plot_draws_loss_and_accuracy_for_each_run():
    data = dl.datasets.digits(0)
    net = ch13.classifier(rng=0)
    mon = record.AccuracyMonitor(data.X_val, data.y_val)
    h = dl.fit(net, data.X_train, data.T_train, lr=0.5, epochs=3, batch_size=64, reduction="mean",
               rng=0, validation=(data.X_val, data.T_val), callback=mon, epoch_loss="full")
    fig = ch13.training_plot({"run": (h, mon.accuracy), "ref": (h, None)}, title="t")
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.get_lines()) == 4 and loss_ax.get_yscale() == "log"
    np.testing.assert_allclose(acc_ax.get_lines()[0].get_ydata(), 100 * np.array(mon.accuracy))


@pytest.mark.parametrize("call, exc, word", [
    (lambda: ch11.softmax_bars([1.0, 2.0], temperature=0), ValueError, "temperature"),
    (lambda: ch11.softmax_bars([[1.0, 2.0]]), ValueError, "logits"),
    (lambda: ch11.softmax_bars([1.0, 2.0], labels=["a"]), ValueError, "labels"),
    (lambda: ch13.confusion_counts([0, 10], [0, 1], 10), ValueError, "y_true"),
    (lambda: ch13.confusion_counts([0, 1], [0, -1], 10), ValueError, "y_pred"),
    (lambda: ch13.confusion_counts([0, 1], [0], 10), ValueError, "same length"),
    (lambda: ch13.confusion_counts([0.5, 1], [0, 1], 10), ValueError, "whole-number"),
    (lambda: ch13.confusion_counts(["a"], [0], 10), TypeError, "integer"),
    (lambda: ch13.confusion_counts([[0, 1]], [0, 1], 10), ValueError, "1-D"),
    (lambda: ch13.misclassified_plot(np.zeros((2, 63)), [0, 1], [1, 0]), ValueError, "square"),
    (lambda: ch13.misclassified_plot(np.zeros((2, 3, 8, 8)), [0, 1], [1, 0]), ValueError, "one channel"),
    (lambda: ch13.misclassified_plot(np.zeros((3, 64)), [0, 1], [1, 0]), ValueError, "2 images"),
    (lambda: ch13.misclassified_plot(np.array([["x"] * 64] * 2), [0, 1], [1, 0]), TypeError, "numeric"),
    (lambda: ch13.misclassified_plot(np.zeros((2, 64)), [0, 1], [1, 0], np.ones((2, 1))), ValueError, "probs"),
    (lambda: ch13.image_grid(np.zeros((2, 64)), ["a"]), ValueError, "captions"),
    (lambda: ch13.training_plot({}), TypeError, "runs"),
    (lambda: ch13.training_plot({"a": [1, 2]}), TypeError, "History"),
])
def test_plots_reject_bad_arguments(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


# ------------------------------------------------------------------ widgets
def test_training_progress_moves_one_bar_and_prints_nothing(capsys):
    data = dl.datasets.digits(0)
    net = ch13.classifier(rng=0)
    progress = TrainingProgress(4, data.X_val, data.y_val)
    h = dl.fit(net, data.X_train, data.T_train, lr=0.5, epochs=4, batch_size=64, reduction="mean",
               rng=0, callback=progress, epoch_loss="full")
    progress.finish(h)
    assert capsys.readouterr().out == ""
    assert progress.bar.value == progress.bar.max == 4 and progress.bar.bar_style == "success"
    assert len(progress.accuracy) == 5 and "epoch 4 of 4" in progress.label.value
    assert progress.accuracy[-1] == metrics.accuracy(net, data.X_val, data.y_val)


def test_training_progress_reports_divergence():
    X = np.array([[1.0, 2.0], [2.0, 1.0]])
    net = dl.Network([dl.Dense(2, 2, "softmax", init="zeros")], loss="cross_entropy")
    progress = TrainingProgress(5, X, [0, 1])
    h = dl.History(status="diverged", message="diverged at epoch 2")
    progress.finish(h)
    assert progress.bar.bar_style == "danger" and "diverged" in progress.label.value
    with pytest.raises(ValueError, match="epochs"):
        TrainingProgress(0, X, [0, 1])


def test_softmax_panel_draws_its_default_and_redraws_on_change():
    box = ch11.softmax_panel()
    first = panel_png(box)
    sliders = [box.controls[k] for k in ("z0", "z1", "z2")]
    assert [s.value for s in sliders] == [1.5, -0.9, 0.6]
    assert all(s.continuous_update for s in sliders)
    sliders[1].value = 2.0
    second = panel_png(box)
    assert second != first
    box.controls["temperature"].value = 0.1
    assert panel_png(box) not in (first, second)
    assert "temperature 0.1" in description(box, "temperature 0.1")   # the figure's text for screen readers


@pytest.mark.parametrize("kwargs, word", [({"logits": (1.0, 2.0)}, "three"),
                                          ({"temperature": 100.0}, "temperature"),
                                          ({"labels": ("a",)}, "labels")])
def test_softmax_panel_rejects_bad_arguments(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ch11.softmax_panel(**kwargs)


def test_digits_panel_trains_caches_and_redraws():
    box = ch13.digits_panel(epochs=3)
    first = panel_png(box)
    sigma, init = box.controls["sigma"], box.controls["init"]
    assert sigma.disabled
    init.value = "normal"
    assert not sigma.disabled and panel_png(box) != first
    run = ch13.digits_run(0.5, "normal", 0.01, 3)
    assert ch13.digits_run(0.5, "normal", 0.01, 3) is run            # cached
    assert ch13.digits_run(0.5, "he", 0.3, 3) is ch13.digits_run(0.5, "he", 0.01, 3)   # σ ignored for He
    h, acc = run
    assert len(acc) == len(h.loss) == 4 and len(h.val_loss) == 4


def test_digits_slider_batch_gives_each_rate_its_own_run():
    # the panel trains the slider's 31 rates together (fit_rates); each must be fit's run
    batch = ch13._BATCHES.get(("he", 0.01, 3, 32, 0))
    assert set(batch) == set(ch13.LRS) and ch13.digits_run(ch13.LRS[20], "he", 0.01, 3) is batch[ch13.LRS[20]]
    for lr in (ch13.LRS[0], ch13.LRS[17], ch13.LRS[-1]):
        h, acc = ch13._train_digits((lr, "he", 0.01, 3, 32, 0))
        got, got_acc = batch[lr]
        assert (got.status, got.epochs, got.message) == (h.status, h.epochs, h.message)
        np.testing.assert_allclose(got.loss, h.loss, rtol=1e-9)
        np.testing.assert_allclose(got.val_loss, h.val_loss, rtol=1e-9)
        assert got_acc == acc


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"lr": 0}, ValueError, "lr"), ({"init": "zeros"}, ValueError, "init"),
    ({"sigma": -1}, ValueError, "sigma"), ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 0}, ValueError, "batch_size"), ({"seed": -1}, ValueError, "seed"),
])
def test_digits_run_rejects_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ch13.digits_run(**kwargs)
