"""dlcore.train.descent: gradient descent on small functions and recorded training paths."""
import numpy as np
import pytest

import dlcore as dl
from dlcore.train import descent


def neuron():
    return dl.Network([dl.Dense(1, 1, activation="linear", init="zeros")], loss="sse")


# ---------------------------------------------------------------- gradient descent
@pytest.mark.parametrize("c", [0.5, 4.0, 10.0])
def test_quadratic_regimes_match_the_analytic_thresholds(c):
    q = descent.Quadratic([c], center=[0.7])
    for lr in np.linspace(0.02, 2.9, 40) / c:
        path = descent.gradient_descent(q.value, q.grad, 1.7, lr, steps=300, max_norm=1e9)
        e = path.points[:, 0] - 0.7
        regime = descent.step_regime(lr, c)
        assert (abs(e[-1]) < abs(e[0])) == (lr < 2 / c), (lr, regime)
        big = e[np.abs(e) > 1e-9]           # below that, rounding noise flips signs at will
        assert bool(np.any(np.sign(big[1:]) != np.sign(big[:-1]))) == (lr > 1 / c), (lr, regime)
        np.testing.assert_allclose(e[1:10], e[0] * (1 - lr * c) ** np.arange(1, 10), rtol=1e-9,
                                   atol=1e-14)


def test_step_regime_names_each_case():
    assert descent.step_regime(0.1, 4.0) == "monotone"
    assert descent.step_regime(0.25, 4.0) == "one step"
    assert descent.step_regime(0.4, 4.0) == "oscillating"
    assert descent.step_regime(0.5, 4.0) == "bouncing"
    assert descent.step_regime(0.6, 4.0) == "diverging"
    assert descent.Quadratic([1.0, 20.0]).critical_lrs() == (0.05, 0.1)


def test_gradient_descent_stops_and_reports():
    q = descent.Quadratic([1.0, 3.0])
    conv = descent.gradient_descent(q.value, q.grad, [2.0, -1.0], 0.3, steps=500, tol=1e-8)
    assert conv.status == "converged" and conv.steps < 500
    np.testing.assert_allclose(conv.final, [0, 0], atol=1e-8)
    assert np.all(np.diff(conv.values) <= 0)
    div = descent.gradient_descent(q.value, q.grad, [2.0, -1.0], 1.0, steps=500)
    assert div.status == "diverged" and np.linalg.norm(div.final) > 1e6
    assert descent.gradient_descent(q.value, q.grad, [1.0, 1.0], 0.1, steps=7).status == "max_steps"
    assert descent.gradient_descent(q.value, q.grad, [1.0, 1.0], 0.1, steps=7).points.shape == (8, 2)


def test_momentum_rule_matches_dlcore_sgd():
    """descent's momentum update is the one dlcore.optim.SGD applies to network weights."""
    X, T = descent.line_data(10, rng=3)
    net = neuron()
    path = descent.training_path(net, X, T, lr=0.01, epochs=15, rng=0, momentum=0.8)
    H = descent.linear_sse_hessian(X)
    w_star = descent.least_squares_line(X, T)
    grad = lambda p: H @ (p - w_star)  # noqa: E731  (linear_sse is quadratic with minimum w*)
    f = lambda p: float(descent.linear_sse(X, T, p[0], p[1]))  # noqa: E731
    ours = descent.gradient_descent(f, grad, [0.0, 0.0], 0.01, steps=15, momentum=0.8)
    np.testing.assert_allclose(ours.points, path.points, atol=1e-12)


def test_surfaces_minima_and_gradients():
    rng = np.random.default_rng(0)
    for s in (descent.bowl(), descent.valley(), descent.two_basins()):
        np.testing.assert_allclose(s.grad(s.minima), 0, atol=1e-9)
        P = rng.uniform(-1.5, 1.5, (5, 2))
        h = 1e-6
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            numeric = (s.value(P + e) - s.value(P - e)) / (2 * h)
            np.testing.assert_allclose(s.grad(P)[:, i], numeric, rtol=1e-6, atol=1e-8)
    tb = descent.two_basins()
    assert tb.value(tb.minima[0]) < tb.value(tb.minima[1])     # global minimum first
    inf = descent.inflection()
    assert inf.grad(np.array([0.0]))[0] == 0 and inf.grad(np.array([3.0]))[0] == 0
    stall = descent.gradient_descent(inf.value, inf.grad, -1.0, 0.1, steps=300)
    assert -0.1 < stall.final[0] < 0                          # creeps towards the flat point
    found = descent.gradient_descent(inf.value, inf.grad, 1.0, 0.1, steps=300)
    assert abs(found.final[0] - 3.0) < 1e-6


# ---------------------------------------------------------------- one linear neuron
def test_linear_sse_matches_the_network_loss_and_its_hessian():
    X, T = descent.line_data(15, rng=1)
    net = neuron()
    for w, b in [(0.0, 0.0), (1.2, -0.3), (-2.0, 1.0)]:
        net.layers[0].W[...] = w
        net.layers[0].b[...] = b
        assert np.isclose(descent.linear_sse(X, T, w, b), net.loss(X, T))
        assert np.isclose(descent.linear_sse(X, T, w, b, "mean"), net.loss(X, T, reduction="mean"))
    W, B = np.meshgrid(np.linspace(-1, 1, 3), np.linspace(-2, 2, 4))
    assert descent.linear_sse(X, T, W, B).shape == (4, 3)
    w_star = descent.least_squares_line(X, T)
    grid = descent.linear_sse(X, T, w_star[0] + np.array([0, 1e-3, -1e-3]), w_star[1])
    assert grid[0] < grid[1] and grid[0] < grid[2]
    H = descent.linear_sse_hessian(X)
    assert np.isclose(H[0, 0], np.sum(X ** 2)) and H[1, 1] == 15


def test_line_data_is_reproducible():
    a = descent.line_data(8, rng=5)
    b = descent.line_data(8, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == (8, 1) and a[1].shape == (8, 1)
    assert not np.array_equal(a[0], descent.line_data(8, rng=6)[0])


@pytest.mark.parametrize("batch_size, per_epoch", [(None, 1), (1, 12), (5, 3)])
def test_training_path_records_every_update_of_fit(batch_size, per_epoch):
    X, T = descent.line_data(12, rng=2)
    net = neuron()
    path = descent.training_path(net, X, T, lr=0.02, epochs=6, batch_size=batch_size, rng=4)
    assert path.updates == 6 * per_epoch
    np.testing.assert_array_equal(path.epoch_ends, np.arange(7) * per_epoch)
    np.testing.assert_array_equal(path.points[0], [0.0, 0.0])
    np.testing.assert_array_equal(path.points[-1], descent.flat_params(net))
    # the same run through dl.fit, sampled once per epoch with a callback
    twin, seen = neuron(), []
    dl.fit(twin, X, T, lr=0.02, epochs=6, batch_size=batch_size, rng=4, epoch_loss="full",
           callback=lambda e, n, h: seen.append(descent.flat_params(n)) and False)
    np.testing.assert_array_equal(np.array(seen), path.points[path.epoch_ends])
    np.testing.assert_array_equal(descent.flat_params(twin), path.points[-1])


def test_training_path_stops_where_fit_stops():
    X, T = descent.line_data(12, rng=2)
    path = descent.training_path(neuron(), X, T, lr=0.3, epochs=200, rng=0)
    assert path.history.status == "diverged"
    assert len(path.epoch_ends) == path.history.epochs + 1
    conv = descent.training_path(neuron(), X, T, lr=0.02, epochs=500, rng=0, tol=path.history.loss[0] / 2)
    assert conv.history.status == "converged" and conv.epoch_ends[-1] == conv.updates


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("call, exc, match", [
    (lambda: descent.gradient_descent(1.0, abs, 0.0, 0.1), TypeError, "f"),
    (lambda: descent.gradient_descent(abs, None, 0.0, 0.1), TypeError, "grad"),
    (lambda: descent.gradient_descent(abs, abs, [[1.0]], 0.1), ValueError, "x0"),
    (lambda: descent.gradient_descent(abs, abs, np.nan, 0.1), ValueError, "x0"),
    (lambda: descent.gradient_descent(abs, abs, 1.0, 0.0), ValueError, "lr"),
    (lambda: descent.gradient_descent(abs, abs, 1.0, 0.1, steps=-1), ValueError, "steps"),
    (lambda: descent.gradient_descent(abs, abs, 1.0, 0.1, momentum=1.0), ValueError, "momentum"),
    (lambda: descent.gradient_descent(abs, abs, 1.0, 0.1, tol=0), ValueError, "tol"),
    (lambda: descent.gradient_descent(abs, lambda x: np.ones(3), 1.0, 0.1), ValueError, "grad"),
    (lambda: descent.step_regime(-0.1, 1.0), ValueError, "lr"),
    (lambda: descent.step_regime(0.1, 0.0), ValueError, "curvature"),
    (lambda: descent.Quadratic([1.0, -2.0]), ValueError, "curvatures"),
    (lambda: descent.Quadratic([1.0, 2.0], center=[0.0]), ValueError, "center"),
    (lambda: descent.Quadratic([1.0]).value(np.zeros((3, 2))), ValueError, "points"),
    (lambda: descent.valley(0.5), ValueError, "ratio"),
    (lambda: descent.line_data(1, rng=0), ValueError, "n"),
    (lambda: descent.line_data(5, noise=-1, rng=0), ValueError, "noise"),
    (lambda: descent.line_data(5, x_range=(1, 0), rng=0), ValueError, "x_range"),
    (lambda: descent.line_data(5, rng="seed"), TypeError, "rng"),
    (lambda: descent.linear_sse(np.zeros((3, 2)), np.zeros((3, 2)), 0, 0), ValueError, "X and T"),
    (lambda: descent.linear_sse(np.zeros((3, 1)), np.zeros((3, 1)), 0, 0, "max"), ValueError, "reduction"),
    (lambda: descent.linear_sse_hessian(np.zeros((3, 2))), ValueError, "X"),
    (lambda: descent.flat_params("net"), TypeError, "network"),
    (lambda: descent.training_path("net", [[0.0]], [[0.0]], 0.1, 1, rng=0), TypeError, "network"),
    (lambda: descent.training_path(neuron(), [[0.0], [1.0]], [[0.0], [1.0]], 0.1, 1, rng=None),
     TypeError, "rng"),
    (lambda: descent.training_path(neuron(), [[0.0], [1.0]], [[0.0], [1.0]], 0.1, 1, batch_size=5, rng=0),
     ValueError, "batch_size"),
])
def test_bad_arguments_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
