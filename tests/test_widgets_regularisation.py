"""Chapter 12's panels: Algorithm 1 replayed on a recorded curve agrees with fit(patience=...),
the figures mark what they claim, the panels draw their default and redraw, bad input raises."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers import figure_text, panel_png  # noqa: E402

import dlcore as dl  # noqa: E402
from dlcore.chapters import ch12_regularisation as ch12  # noqa: E402
from dlcore.train.stopping import algorithm1  # noqa: E402

EPOCHS = 200            # short runs keep the tests fast; the chapter uses the full budget
DIGITS_EPOCHS = 15


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("curve, patience, expected", [
    ([3.0, 2.0, 2.5, 2.6, 1.0], 2, (3, 1)),        # two epochs without improvement: stop at 3
    ([3.0, 2.0, 2.5, 2.6, 1.0], 3, (None, 4)),     # patience outlasts the bump
    ([1.0, 1.0, 1.0], 1, (None, 2)),               # a tie counts as an improvement (line 9: ≥)
    ([1.0, 2.0], 1, (1, 0)),
    ([5.0], 1, (None, 0)),
])
def test_algorithm1_on_hand_made_curves(curve, patience, expected):
    assert algorithm1(curve, patience) == expected


@pytest.mark.parametrize("patience", [1, 3, 10, 40])
def test_algorithm1_replays_fit_with_patience(patience):
    X, T, Xv, Tv = ch12.sine_task()
    full = ch12.sine_run(EPOCHS)["history"]
    net = ch12.sine_network()
    h = dl.fit(net, X, T, validation=(Xv, Tv), patience=patience, **{**ch12.SINE_FIT, "epochs": EPOCHS})
    stop, best = algorithm1(full.val_loss, patience)
    if stop is None:
        assert h.status == "max_epochs" and h.epochs == EPOCHS
    else:
        assert h.status == "early_stopped" and h.epochs == stop
    assert h.best_epoch == best == int(np.argmin(h.val_loss))
    np.testing.assert_allclose(h.val_loss, full.val_loss[:len(h.val_loss)], rtol=1e-12)
    if stop is not None:  # the restored parameters are the best ones
        assert net.loss(Xv, Tv, "mean") == pytest.approx(h.best_val_loss, rel=1e-12)


def test_sine_run_keeps_the_fit_of_every_possible_best_epoch():
    run = ch12.sine_run(EPOCHS)
    val = run["history"].val_loss
    for patience in range(1, EPOCHS + 1, 7):
        _, best = algorithm1(val, patience)
        assert best in run["fits"]
    assert EPOCHS in run["fits"] and run["fits"][EPOCHS].shape == (ch12.GRID.shape[0],)
    assert ch12.sine_run(EPOCHS) is run                      # cached


def test_early_stopping_figure_marks_stop_and_best():
    figure = ch12.EarlyStoppingFigure(EPOCHS)
    fig = figure.update(20)
    stop, best = algorithm1(ch12.sine_run(EPOCHS)["history"].val_loss, 20)
    title = figure_text(fig)
    assert "patience 20" in title and f"restored epoch {best}" in title
    assert (f"stopped at epoch {stop}" in title) if stop is not None else ("never" in title)
    assert figure.star.get_xdata()[0] == best
    np.testing.assert_array_equal(figure.fit_line.get_ydata(), ch12.sine_run(EPOCHS)["fits"][best])


def test_digits_networks_differ_only_by_dropout():
    a, b = ch12.digits_network(0.3), ch12.digits_network(0.0)
    assert [type(l).__name__ for l in a.layers] == ["Dropout", "Dense", "Dropout", "Dense"]
    assert [type(l).__name__ for l in b.layers] == ["Dense", "Dense"]
    X, _, _, _, _ = ch12.digits_task()
    np.testing.assert_array_equal(a.predict(X), b.predict(X))   # identity at inference


def test_dropout_run_is_cached_and_rate_rounded():
    h1, acc1 = ch12.dropout_run(0.2, epochs=DIGITS_EPOCHS)
    h2, acc2 = ch12.dropout_run(0.2 + 1e-12, epochs=DIGITS_EPOCHS)
    assert h1 is h2 and acc1 == acc2
    assert len(h1.loss) == DIGITS_EPOCHS + 1 and len(h1.val_loss) == DIGITS_EPOCHS + 1
    assert 0.0 <= acc1 <= 1.0


def test_dropout_figure_compares_with_no_dropout():
    figure = ch12.DropoutFigure(DIGITS_EPOCHS)
    fig = figure.update(0.3)
    h, _ = ch12.dropout_run(0.3, epochs=DIGITS_EPOCHS)
    np.testing.assert_array_equal(figure.train.get_ydata(), h.loss)          # this rate, in colour
    ref, _ = ch12.dropout_run(0.0, epochs=DIGITS_EPOCHS)
    grey = [l for l in fig.axes[0].get_lines() if not l.get_animated()]       # no dropout, in grey
    np.testing.assert_array_equal(grey[0].get_ydata(), ref.loss)
    assert "ρ = 0.7" in figure_text(fig) and "no dropout" in figure_text(fig)


def test_panels_draw_their_default_and_redraw():
    es = ch12.early_stopping_panel(patience=30, epochs=EPOCHS)
    slider = es.controls["patience"]
    first = panel_png(es)
    slider.value = 5
    assert panel_png(es) != first
    assert "patience" in slider.description and slider.continuous_update

    do = ch12.dropout_panel(rate=0.2, epochs=DIGITS_EPOCHS)
    slider = do.controls["rate"]
    first = panel_png(do)
    assert "drop probability" in slider.description and slider.continuous_update
    slider.value = 0.4
    assert panel_png(do) != first


@pytest.mark.parametrize("call, exc", [
    (lambda: algorithm1([1.0, 2.0], 0), ValueError),
    (lambda: algorithm1([1.0, 2.0], 1.5), TypeError),
    (lambda: algorithm1([], 3), ValueError),
    (lambda: algorithm1([[1.0, 2.0]], 3), ValueError),
    (lambda: ch12.early_stopping_figure(patience=0, epochs=EPOCHS), ValueError),
    (lambda: ch12.early_stopping_panel(patience=-1, epochs=EPOCHS), ValueError),
    (lambda: ch12.sine_run(0), ValueError),
    (lambda: ch12.sine_network(width=0), ValueError),
    (lambda: ch12.digits_network(1.0), ValueError),
    (lambda: ch12.digits_network(-0.1), ValueError),
    (lambda: ch12.digits_network(float("nan")), ValueError),
    (lambda: ch12.dropout_run("0.2"), TypeError),
    (lambda: ch12.dropout_figure(1.2), ValueError),
    (lambda: ch12.dropout_panel(rate=0.9), ValueError),
    (lambda: ch12.digits_task(n_train=5), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()


# ------------------------------------------------------------- Figure 29: thinned networks
@pytest.mark.parametrize("rate, seed", [(0.5, 0), (0.2, 1), (0.7, 2)])
def test_figure29_masks_are_the_thinned_networks_the_examples_train(rate, seed):
    """The masks read from the trace are the units Dropout kept: the output of each example is
    rebuilt from its kept units alone (plain numpy), and about rho of the units survive."""
    net = ch12.figure29_network(rate, seed=seed)
    X = np.random.default_rng(seed).uniform(0.5, 2.0, (200, 4))        # positive inputs
    trace, masks = ch12.figure29_masks(net, X, np.random.default_rng(seed + 10))
    dense = [layer for layer in net.layers if isinstance(layer, dl.Dense)]
    keep = 1 - rate
    for j in range(len(X)):
        a = X[j]
        for mask, layer in zip(masks[j][:-1], dense):
            kept = np.flatnonzero(mask)
            a = layer.W[:, kept] @ (a[kept] / keep) + layer.b
        np.testing.assert_allclose(a, trace.output[j], rtol=1e-12)
    kept_fraction = np.mean([np.concatenate(m[:-1]).mean() for m in masks])
    assert abs(kept_fraction - keep) < 5 * np.sqrt(keep * (1 - keep) / (200 * 14))
    fig = ch12.figure29(masks[:3])
    assert len(fig.axes) == 4
    plt.close(fig)


def test_figure29_network_refuses_rates_outside_the_open_interval():
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(ValueError, match="rate"):
            ch12.figure29_network(bad)
