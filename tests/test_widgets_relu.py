"""Chapters 8-9 panels and figures: live updates, the right numbers, clear errors."""
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dlcore as dl  # noqa: E402

pytest.importorskip("ipywidgets")
from dlcore.chapters import ch08_matrix_form as ch08  # noqa: E402
from dlcore.chapters import ch09_relu as ch09  # noqa: E402

D = dl.datasets.power_plant()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


from helpers import figure_text, panel_png as _image  # noqa: E402


# ----------------------------------------------------------------------------- delta panel
def test_scalar_delta_matches_backward_for_every_neuron_and_activation():
    for activation in ch08.DELTA_ACTIVATIONS:
        net = dl.datasets.kelleher_network(activation)
        grads = net.backward(net.forward(D.X), D.T)
        for j in range(4):
            delta, *_ = ch08.scalar_delta(net, D.X[j], D.T[j])
            matrix = np.concatenate([grads.delta[l][j] for l in (1, 2, 3)])
            np.testing.assert_allclose([delta[n] for n in range(3, 9)], matrix, rtol=1e-12, atol=1e-18)


def test_scalar_delta_rejects_bad_input():
    net = dl.datasets.kelleher_network()
    with pytest.raises(TypeError, match="net"):
        ch08.scalar_delta("net", D.X[0], D.T[0])
    with pytest.raises(ValueError, match="x must hold 2 inputs"):
        ch08.scalar_delta(net, [0.1, 0.2, 0.3], D.T[0])
    with pytest.raises(ValueError, match="x"):
        ch08.scalar_delta(net, D.X, D.T[0])
    with pytest.raises(ValueError, match="t"):
        ch08.scalar_delta(net, D.X[0], [np.nan])


def test_delta_figure_three_ways_agree_and_match_eq_34():
    fig, info = ch08.delta_figure(example=1, neuron=7, activation="logistic")
    assert round(info["matrix"], 4) == -0.0105                      # Kelleher eq. 34
    assert info["scalar"] == pytest.approx(info["matrix"], rel=1e-12)
    assert info["finite_difference"] == pytest.approx(info["matrix"], rel=1e-6)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "δ7" in texts and "finite difference" in texts
    _, dead = ch08.delta_figure(example=1, neuron=3, activation="relu")
    assert dead["matrix"] == dead["scalar"] == 0.0 and abs(dead["finite_difference"]) < 1e-12


def test_delta_panel_redraws_when_a_dropdown_changes():
    panel = ch08.delta_panel()
    example, neuron, activation = (panel.controls[k] for k in ("example", "neuron", "activation"))
    first = _image(panel)
    neuron.value = 8
    second = _image(panel)
    assert second != first
    activation.value = "relu"
    assert _image(panel) != second
    neuron.value = 7
    activation.value = "logistic"
    assert _image(panel) == first                                 # drawn once, kept
    assert example.value == 1 and len(plt.get_fignums()) == 0     # no figure left open


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"example": 4}, ValueError, "example"),
    ({"example": 1.5}, TypeError, "example"),
    ({"neuron": 2}, ValueError, "neuron"),
    ({"neuron": 9}, ValueError, "neuron"),
    ({"activation": "swish"}, ValueError, "activation"),
    ({"activation": 3}, TypeError, "activation"),
    ({"h": 0.0}, ValueError, "h"),
])
def test_delta_figure_rejects_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ch08.delta_figure(**kwargs)


def test_delta_panel_rejects_bad_arguments():
    with pytest.raises(ValueError, match="neuron"):
        ch08.delta_panel(neuron=1)


# ------------------------------------------------------------------------------ relu panel
def test_relu_figure_counts_dead_units():
    fig, h, dead = ch09.relu_figure(lr=0.2, activation="relu", epochs=1000)
    assert h.status == "converged" and dead == 1                   # neuron 4 is dead from the start
    _, h5, dead5 = ch09.relu_figure(lr=0.5, activation="relu", epochs=300)
    assert h5.final_loss == pytest.approx(0.5 * np.sum(D.T ** 2)) and dead5 == 4
    assert "dead" in figure_text(fig)


def test_relu_panel_redraws_when_the_sliders_move():
    panel = ch09.relu_panel(epochs=300)
    lr, activation, alpha = (panel.controls[k] for k in ("lr", "activation", "alpha"))
    assert alpha.disabled                                          # α only matters for leaky ReLU
    assert lr.continuous_update and alpha.continuous_update
    first = _image(panel)
    lr.value = 0.5
    second = _image(panel)
    assert second != first
    activation.value = "leaky_relu"
    assert not alpha.disabled
    third = _image(panel)
    alpha.value = 0.2
    assert _image(panel) != third
    activation.value = "prelu"
    assert alpha.disabled
    assert len(plt.get_fignums()) == 0


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"lr": 0}, ValueError, "lr"),
    ({"lr": "fast"}, TypeError, "lr"),
    ({"activation": "logistic"}, ValueError, "activation"),
    ({"alpha": 1.5}, ValueError, "alpha"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"tol": -1.0}, ValueError, "tol"),
])
def test_relu_figure_rejects_bad_arguments(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        ch09.relu_figure(**kwargs)
    with pytest.raises(exc, match=word):
        ch09.relu_panel(**kwargs)


def test_relu_network_builds_each_variant():
    assert ch09.relu_network("leaky_relu", alpha=0.2).layers[0].activation.alpha == 0.2
    assert ch09.relu_network("prelu").layers[1].lam.shape == (2,)
    with pytest.raises(ValueError, match="activation"):
        ch09.relu_network("tanh")


# ----------------------------------------------------------------------------------- plots
def test_unit_activity_counts_active_examples():
    counts = ch09.unit_activity(dl.datasets.kelleher_network("relu"), D.X)
    assert [c.tolist() for c in counts] == [[3, 0, 4], [4, 4], [4]]
    with pytest.raises(TypeError, match="net"):
        ch09.unit_activity("network", D.X)


def test_sse_curves_put_the_outcome_in_the_legend():
    h = dl.fit(dl.datasets.kelleher_network("relu"), D.X, D.T, lr=0.2, epochs=1000, tol=1e-4, rng=0)
    fig = ch09.sse_curves({"a": h}, tol=1e-4)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), h.loss)
    assert "converged at epoch 429" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(TypeError, match="runs"):
        ch09.sse_curves([h])
    with pytest.raises(TypeError, match="History"):
        ch09.sse_curves({"a": [1.0, 0.5]})


def test_jacobian_heatmaps_annotate_entries_and_check_shapes():
    J = dl.activations.get("softmax").jacobian(np.array([1.5, -0.9, 0.6]))
    fig = ch08.jacobian_heatmaps({"softmax": J}, names={"softmax": [0, 1, 2]}, decimals=4)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "-0.0405" in texts and "0.2218" in texts
    with pytest.raises(ValueError, match="square"):
        ch08.jacobian_heatmaps({"bad": np.ones((2, 3))})
    with pytest.raises(ValueError, match="square"):
        ch08.jacobian_heatmaps({"a": J}, names={"a": [1, 2]})
    with pytest.raises(TypeError, match="mats"):
        ch08.jacobian_heatmaps(J)
    with pytest.raises(ValueError, match="decimals"):
        ch08.jacobian_heatmaps({"a": J}, decimals=-1)


def test_other_figures_check_their_arguments():
    assert ch08.output_delta_figure(0.0).axes
    assert len(ch09.relu_family_figure().axes) == 2
    assert ch09.subgradient_figure().axes
    lams = np.array([[0.25, 0.25], [0.3, 0.2]])
    assert len(ch09.lambda_figure(lams, ["λ3", "λ4"]).axes[0].get_lines()) == 2
    with pytest.raises(ValueError, match="target"):
        ch08.output_delta_figure(2.0)
    with pytest.raises(ValueError, match="alpha"):
        ch09.relu_family_figure(alpha=-0.1)
    with pytest.raises(ValueError, match="z_range"):
        ch09.relu_family_figure(z_range=(0.5, 3.0))
    with pytest.raises(TypeError, match="z_range"):
        ch09.relu_family_figure(z_range=(-1.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="slopes"):
        ch09.subgradient_figure(slopes=[0.5, 1.5])
    with pytest.raises(ValueError, match="labels"):
        ch09.lambda_figure(lams, ["λ3"])
    with pytest.raises(TypeError, match="histories"):
        ch09.relu_training_figure([1, 2], dl.datasets.kelleher_network("relu"), D.X)


def test_influence_figure_sums_the_paths_of_a_hidden_neuron():
    """For each hidden neuron of Kelleher's network the figure's total is Σ_i w_ik δ_i, which a
    central difference on the error as a function of a_k confirms (computed here from scratch)."""
    data = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    trace = net.forward(data.X)
    grads = net.backward(trace, data.T)
    sigma = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for neuron, (l, k) in {3: (1, 0), 4: (1, 1), 5: (1, 2), 6: (2, 0), 7: (2, 1)}.items():
        def error(a_k, ex=2):
            a = trace.a[l][ex].copy()
            a[k] = a_k
            for layer in net.layers[l:]:
                a = sigma(a @ layer.W.T + layer.b)
            return 0.5 * np.sum((data.T[ex] - a) ** 2)
        a_k = trace.a[l][2, k]
        numeric = (error(a_k + 1e-6) - error(a_k - 1e-6)) / 2e-6
        fig = ch08.influence_figure(net, grads, neuron, example=2, decimals=8)
        total = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("∂E/∂")][0]
        assert abs(float(total.rsplit("=", 1)[1]) - numeric) < 1e-8
        plt.close(fig)
    for bad in (1, 8, 42):
        with pytest.raises(ValueError, match="hidden neuron"):
            ch08.influence_figure(net, grads, bad)
