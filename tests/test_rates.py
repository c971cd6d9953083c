"""fit_rates against fit: K learning rates at once must give each rate's own fit, exactly."""
import numpy as np
import pytest

from dlcore.data import datasets
from dlcore.nn.layers import Dense
from dlcore.nn.network import Network
from dlcore.train.fit import fit
from dlcore.train.rates import fit_rates

RATES = [0.01, 0.05, 0.2, 0.7, 1.5, 4.0, 20.0, 300.0]


def _compare(make, X, T, rates, **kwargs):
    batched = fit_rates(make(), X, T, rates, **kwargs)
    statuses = set()
    for lr, got in zip(rates, batched):
        want = fit(make(), X, T, lr=lr, **kwargs)
        assert (got.status, got.epochs, got.divergence) == (want.status, want.epochs, want.divergence), lr
        np.testing.assert_allclose(got.loss, want.loss, rtol=1e-10, atol=0)
        assert got.final_loss == pytest.approx(want.final_loss, rel=1e-10) and got.message == want.message
        statuses.add(got.status)
    return statuses


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu", "leaky_relu", "linear"])
def test_every_rate_gives_what_fit_gives_on_kelleher_network(activation):
    d = datasets.power_plant()
    statuses = _compare(lambda: datasets.kelleher_network(activation), d.X, d.T, RATES,
                        epochs=2500, tol=1e-4, reduction="sum")
    assert len(statuses) >= 2          # the rates reach different outcomes, each one checked


def test_mean_reduction_without_tol_and_a_wider_network():
    rng = np.random.default_rng(4)
    X, T = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))

    def make():
        r = np.random.default_rng(7)
        return Network([Dense(3, 5, "tanh", rng=r), Dense(5, 4, "relu", rng=r), Dense(4, 2, "linear", rng=r)],
                       loss="sse")
    statuses = _compare(make, X, T, [0.003, 0.1, 0.9, 50.0], epochs=300, tol=None, reduction="mean")
    assert statuses == {"max_epochs", "diverged"}


def test_the_lecture_run_converges_at_epoch_7405():
    d = datasets.power_plant()
    (h,) = fit_rates(datasets.kelleher_network("logistic"), d.X, d.T, [0.2], epochs=10_000, tol=1e-4)
    assert (h.status, h.epochs) == ("converged", 7405)     # Kelleher's worked example (chapter 7)


def test_the_network_is_not_changed():
    d = datasets.power_plant()
    net = datasets.kelleher_network("tanh")
    before = [l.W.copy() for l in net.layers]
    fit_rates(net, d.X, d.T, [0.5, 1.0], epochs=20)
    for W, layer in zip(before, net.layers):
        np.testing.assert_array_equal(W, layer.W)


@pytest.mark.parametrize("net, lrs, words", [
    (lambda: Network([Dense(2, 3, "tanh"), Dense(3, 2, "softmax")], loss="cross_entropy"), [0.1], "fit instead"),
    (lambda: Network([Dense(2, 1, "logistic")], loss="binary_cross_entropy"), [0.1], "'sse'"),
    (lambda: datasets.kelleher_network("prelu"), [0.1], "fit instead"),
    (lambda: datasets.kelleher_network("tanh"), [], "lrs"),
    (lambda: datasets.kelleher_network("tanh"), [0.1, -1.0], "lrs"),
    (lambda: datasets.kelleher_network("tanh"), [[0.1]], "lrs"),
])
def test_what_it_cannot_train_is_refused_naming_fit(net, lrs, words):
    d = datasets.power_plant()
    X = d.X if net().layers[0].n_in == 2 else None
    T = d.T if net().layers[-1].n_out == 1 else np.eye(2)[[0, 1, 0, 1]]
    with pytest.raises(ValueError, match=words):
        fit_rates(net(), X, T, lrs, epochs=5)
