"""The plotting and widget layers: right data on the axes, clear errors, live updates."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from helpers import description  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402
from dlcore.teaching.checks import check  # noqa: E402
from dlcore.viz import (
    curves,  # noqa: E402
    diagrams,  # noqa: E402
)

D = dl.datasets.power_plant()


def test_loss_curve_plots_the_history():
    h = dl.fit(dl.datasets.kelleher_network(), D.X, D.T, lr=0.2, epochs=50)
    fig = curves.loss_curve(h)
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_ydata(), h.loss)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(51))
    assert fig.axes[0].get_yscale() == "log"
    plt.close(fig)


def test_loss_curve_skips_non_finite_values_and_labels_runs():
    fig = curves.loss_curve({"a": [1.0, 0.5, np.inf], "b": [2.0, 1.0]}, logy=False)
    lines = fig.axes[0].get_lines()
    assert len(lines[0].get_ydata()) == 2
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]
    plt.close(fig)


def test_loss_curve_rejects_junk():
    with pytest.raises(TypeError, match="histories"):
        curves.loss_curve(42)


def test_network_diagram_labels_every_neuron_and_value():
    net = dl.datasets.kelleher_network()
    tr = net.forward(D.X)
    g = net.backward(tr, D.T)
    fig = diagrams.network_diagram(net, tr, g, example=1, show=("z", "a", "delta"))
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for n in range(1, 9):
        assert str(n) in texts
    assert "0.0852" in texts          # δ8 for d2 (eq. 32)
    assert "-0.0042" in texts         # z3 for d2 (Table 5)
    plt.close(fig)
    assert diagrams.neuron_numbers(net) == [[1, 2], [3, 4, 5], [6, 7], [8]]


def test_network_diagram_needs_what_it_shows():
    net = dl.datasets.kelleher_network()
    with pytest.raises(ValueError, match="trace"):
        diagrams.network_diagram(net, show=("z",))
    with pytest.raises(ValueError, match="grads"):
        diagrams.network_diagram(net, net.forward(D.X), show=("delta",))
    with pytest.raises(ValueError, match="show"):
        diagrams.network_diagram(net, show=("colour",))


def test_check_passes_agreement_and_fails_a_differing_digit(capsys):
    assert check("agree", [0.4715], [0.47151], 4)
    assert "0.4715" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="d2"):
        check("differ", [0.4715, 0.4718], [0.4715, 0.4717], 4, labels=["d1", "d2"])
    with pytest.raises(ValueError, match="shape"):
        check("shape", [1.0, 2.0], [1.0], 2)


def test_backprop_panel_redraws_when_the_slider_moves():
    pytest.importorskip("ipywidgets")
    from dlcore.chapters.ch07_backprop import backprop_figure, backprop_panel

    panel = backprop_panel(epochs=200)
    slider = panel.controls["lr"]
    assert slider.continuous_update                       # the figure follows the drag
    first = bytes(panel.image.value)
    assert first.startswith(b"\x89PNG")
    slider.value = 2.0
    assert bytes(panel.image.value) != first
    assert "learning rate 2," in description(panel, "learning rate 2,")   # what a screen reader reads
    with pytest.raises(ValueError, match="activation"):
        backprop_figure(activation="swish")
    with pytest.raises(ValueError, match="lr"):
        backprop_figure(lr=0)
    plt.close("all")


def test_backprop_panel_static_form_precomputes_the_grid(monkeypatch):
    from dlcore.chapters.ch07_backprop import backprop_panel
    from dlcore.ui import static as ui_static

    monkeypatch.setenv(ui_static.ENV, "1")
    box = backprop_panel(epochs=300)
    assert set(box.controls) == {"activation", "lr"}
    assert len(box.frames) == 3 * 5
    first = box.frames[("logistic", 0.2)].value
    assert 'alt="SSE against epoch' in first
    assert box.stack.selected_index == 0 and box.stack.children[0].selected_index == 1  # logistic, α = 0.2
    plt.close("all")


def test_backprop_panel_takes_slider_rates_from_their_batch_with_fits_numbers():
    from dlcore.chapters import ch07_backprop as c

    panel = c.backprop_panel(epochs=300, activation="tanh")
    slider = panel.controls["lr"]
    positions = [round(slider.base ** (slider.min + k * slider.step), 6) for k in range(61)]
    assert tuple(positions) == c.RATES and slider.max == pytest.approx(slider.min + 60 * slider.step)
    batch = c._BATCHES.get(("tanh", 300, 1e-4))          # trained here (no background in tests)
    for lr in c.RATES[::12]:
        h = c._kelleher_run("tanh", lr, 300, 1e-4)
        assert h is batch[lr]
        alone = c._train(("tanh", lr, 300, 1e-4))
        assert (h.status, h.epochs, h.message) == (alone.status, alone.epochs, alone.message)
        np.testing.assert_allclose(h.loss, alone.loss, rtol=1e-10, atol=0)
    plt.close("all")
