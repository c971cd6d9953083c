"""fit_rates against fit: K learning rates at once must give each rate's own fit, exactly."""
import numpy as np
import pytest

from dlcore.data import datasets
from dlcore.nn.layers import Dense
from dlcore.nn.network import Network
from dlcore.train.fit import fit
from dlcore.train.rates import fit_rates, fit_stack
from dlcore.train.record import AccuracyMonitor

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
    (lambda: datasets.kelleher_network("prelu"), [0.1], "fit instead"),
    (lambda: datasets.kelleher_network("tanh"), [], "lrs"),
    (lambda: datasets.kelleher_network("tanh"), [0.1, -1.0], "lr"),
    (lambda: datasets.kelleher_network("tanh"), [[0.1]], "lrs"),
])
def test_what_it_cannot_train_is_refused_naming_fit(net, lrs, words):
    d = datasets.power_plant()
    with pytest.raises(ValueError, match=words):
        fit_rates(net(), d.X, d.T, lrs, epochs=5)


def _digits_like(seed=3, n=90, n_val=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n + n_val, 6))
    y = (X[:, :3].argmax(axis=1) + (X[:, 3] > 1)) % 3
    T = np.eye(3)[y]
    return X[:n], T[:n], X[n:], T[n:], y[n:]


def _classifier(seed=5, hidden=7):
    r = np.random.default_rng(seed)
    return Network([Dense(6, hidden, "relu", init="he", rng=r), Dense(hidden, 3, "softmax", init="he", rng=r)],
                   loss="cross_entropy")


def test_mini_batches_softmax_validation_and_accuracy_give_what_fit_gives():
    X, T, Xv, Tv, yv = _digits_like()
    rates = [0.05, 0.5, 3.0, 400.0]
    kwargs = dict(epochs=12, batch_size=16, reduction="mean", rng=11, validation=(Xv, Tv), epoch_loss="full")
    batched, accuracies = fit_rates(_classifier(), X, T, rates, accuracy=yv, **kwargs)
    statuses = set()
    for lr, got, acc in zip(rates, batched, accuracies):
        monitor = AccuracyMonitor(Xv, yv)
        want = fit(_classifier(), X, T, lr=lr, callback=monitor, **kwargs)
        assert (got.status, got.epochs, got.divergence, got.message) == \
            (want.status, want.epochs, want.divergence, want.message), lr
        np.testing.assert_allclose(got.loss, want.loss, rtol=1e-9, atol=0)
        np.testing.assert_allclose(got.val_loss, want.val_loss, rtol=1e-9, atol=0)
        assert (got.best_epoch, acc) == (want.best_epoch, monitor.accuracy)
        statuses.add(got.status)
    assert statuses == {"max_epochs", "diverged"}


def _ring_network(seed, activation, depth=4, width=5):
    r = np.random.default_rng(seed)
    sizes = [2] + [width] * (depth - 1) + [1]
    return Network([Dense(a, b, activation if i < depth - 1 else "logistic", rng=r)
                    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:]))], loss="binary_cross_entropy")


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_networks_from_different_weights_with_momentum_train_as_each_would_alone(activation):
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    t = (np.hypot(*X.T) < 0.6).astype(float)[:, None]
    seeds, rates = [1, 2, 3], [0.2, 0.5, 0.05]
    nets = [_ring_network(s, activation) for s in seeds]
    histories = fit_stack(nets, X, t, rates, epochs=400, reduction="mean", momentum=0.9)
    for seed, lr, net, got in zip(seeds, rates, nets, histories):
        alone = _ring_network(seed, activation)
        want = fit(alone, X, t, lr=lr, epochs=400, reduction="mean", momentum=0.9)
        assert (got.status, got.epochs) == (want.status, want.epochs)
        np.testing.assert_allclose(got.loss, want.loss, rtol=1e-9, atol=1e-12)
        for a, b in zip(net.layers, alone.layers):       # trained in place
            np.testing.assert_allclose(a.W, b.W, rtol=1e-8, atol=1e-12)
            np.testing.assert_allclose(a.b, b.b, rtol=1e-8, atol=1e-12)


def test_a_diverged_member_keeps_its_last_parameters_before_divergence_as_fit_does():
    d = datasets.power_plant()
    nets = [datasets.kelleher_network("relu") for _ in range(2)]
    histories = fit_stack(nets, d.X, d.T, [0.05, 60.0], epochs=300)
    alone = datasets.kelleher_network("relu")
    want = fit(alone, d.X, d.T, lr=60.0, epochs=300)
    assert histories[1].status == want.status == "diverged"
    for a, b in zip(nets[1].layers, alone.layers):
        np.testing.assert_array_equal(a.W, b.W)


@pytest.mark.parametrize("call, error, words", [
    (lambda X, T: fit_stack([], X, T, 0.1), TypeError, "networks"),
    (lambda X, T: fit_stack([_classifier(), "net"], X, T, 0.1), TypeError, r"networks\[1\]"),
    (lambda X, T: fit_stack([_classifier(), _classifier(hidden=8)], X, T, 0.1), ValueError, "shapes"),
    (lambda X, T: fit_stack([_classifier()] * 2, X, T, [0.1, 0.2, 0.3]), ValueError, "one per network"),
    (lambda X, T: fit_stack([_classifier()], X, T, 0.1, batch_size=8), ValueError, "epoch_loss='full'"),
    (lambda X, T: fit_stack([_classifier()], X, T, 0.1, accuracy=[0, 1]), ValueError, "validation"),
    (lambda X, T: fit_stack([_classifier()], X, T, 0.1, momentum=1.0), ValueError, "momentum"),
])
def test_bad_arguments_are_refused(call, error, words):
    X, T, *_ = _digits_like()
    with pytest.raises(error, match=words):
        call(X, T)
