import warnings

import numpy as np
import pytest
from helpers import random_network

import dlcore as dl


def xor_like(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    T = (X[:, :1] * X[:, 1:] > 0).astype(float)
    return X, T


def test_full_batch_epoch_is_one_summed_update():
    net = dl.datasets.kelleher_network()
    d = dl.datasets.power_plant()
    expected = [{k: v.copy() for k, v in layer.params.items()} for layer in net.layers]
    grads = net.backward(net.forward(d.X), d.T)
    for l, p in enumerate(expected, start=1):
        for k in p:
            p[k] -= 0.2 * grads.params[l][k]
    h = dl.fit(net, d.X, d.T, lr=0.2, epochs=1)
    for layer, p in zip(net.layers, expected):
        for k in p:
            np.testing.assert_allclose(layer.params[k], p[k], rtol=1e-15)
    assert h.status == "max_epochs" and h.epochs == 1 and len(h.loss) == 2


def test_online_training_updates_once_per_example_in_shuffled_order():
    net = random_network([2, 3, 1], "tanh", "logistic", "sse", 0)
    X, T = xor_like(0, 5)
    manual = random_network([2, 3, 1], "tanh", "logistic", "sse", 0)
    order = np.random.default_rng(11).permutation(5)
    for j in order:  # the same order fit draws from the same seed
        g = manual.backward(manual.forward(X[j:j + 1]), T[j:j + 1])
        for l, layer in enumerate(manual.layers, start=1):
            for k, p in layer.params.items():
                p -= 0.5 * g.params[l][k]
    dl.fit(net, X, T, lr=0.5, epochs=1, batch_size=1, rng=11)
    for a, b in zip(net.layers, manual.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-14)


@pytest.mark.parametrize("batch_size", [None, 1, 8])
def test_training_reduces_the_loss(batch_size):
    net = random_network([2, 8, 1], "tanh", "logistic", "binary_cross_entropy", 1)
    X, T = xor_like(1)
    h = dl.fit(net, X, T, lr=0.5 if batch_size else 0.05, epochs=300, batch_size=batch_size,
               reduction="mean" if batch_size else "sum", rng=0)
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.final_loss == h.loss[-1]


def test_same_seed_gives_identical_history():
    runs = []
    for _ in range(2):
        net = random_network([2, 6, 1], "relu", "logistic", "sse", 4)
        X, T = xor_like(2)
        runs.append((dl.fit(net, X, T, lr=0.1, epochs=50, batch_size=4, rng=123).loss, net.layers[0].W))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    net = random_network([2, 6, 1], "relu", "logistic", "sse", 4)
    other = dl.fit(net, *xor_like(2), lr=0.1, epochs=50, batch_size=4, rng=124).loss
    assert other != runs[0][0]


def test_tol_stops_and_reports_converged():
    net = dl.datasets.kelleher_network()
    d = dl.datasets.power_plant()
    h = dl.fit(net, d.X, d.T, lr=0.2, epochs=20000, tol=0.1)
    assert h.status == "converged"
    assert h.loss[-1] < 0.1 <= h.loss[-2]
    assert h.epochs == len(h.loss) - 1
    assert "converged at epoch" in h.message


def test_divergence_stops_without_warnings():
    net = random_network([2, 16, 16, 1], "relu", "linear", "sse", 0)
    X, T = xor_like(3, 64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = dl.fit(net, X, T * 100, lr=5.0, epochs=1000)
    assert h.status == "diverged"
    assert h.epochs < 1000
    assert "diverged at epoch" in h.message


def test_momentum_changes_the_path_and_matches_the_rule():
    X, T = xor_like(4, 10)
    a = random_network([2, 3, 1], "tanh", "linear", "sse", 0)
    b = random_network([2, 3, 1], "tanh", "linear", "sse", 0)
    dl.fit(a, X, T, lr=0.01, epochs=2, momentum=0.9)
    # by hand: v1 = -α g0; v2 = μ v1 - α g1
    g0 = b.backward(b.forward(X), T)
    v = [{k: -0.01 * g0.params[l][k] for k in layer.params} for l, layer in enumerate(b.layers, 1)]
    for layer, vl in zip(b.layers, v):
        for k, p in layer.params.items():
            p += vl[k]
    g1 = b.backward(b.forward(X), T)
    for l, (layer, vl) in enumerate(zip(b.layers, v), start=1):
        for k, p in layer.params.items():
            p += 0.9 * vl[k] - 0.01 * g1.params[l][k]
    for la, lb in zip(a.layers, b.layers):
        np.testing.assert_allclose(la.W, lb.W, rtol=1e-13)


def test_callback_can_stop_training():
    net = dl.datasets.kelleher_network()
    d = dl.datasets.power_plant()
    h = dl.fit(net, d.X, d.T, lr=0.2, epochs=100, callback=lambda e, n, hist: e == 5)
    assert h.status == "early_stopped" and h.epochs == 5
