"""The fused full-batch loop (dlcore/fastpath.py) against fit's generic loop.

Each test trains two identical networks, one with the fast path and one with
``dlcore.train.engines.full_batch.ENABLED = False``, and asserts the same history and final weights.
They may differ only in the last bits of sums inside matrix products, so float64
results must agree to ~1e-12 and float32 ones to float32 rounding (amplified by
training). Timing is measured by benchmarks/fit_speed.py, never here.
"""
import warnings

import numpy as np
import pytest

import dlcore as dl
from dlcore.train.engines import full_batch as fastpath

# float32 rounding (~6e-8 per operation) grows to ~1e-5 relative over 150 epochs of training
TOL = {np.float64: dict(rtol=1e-12, atol=1e-13), np.float32: dict(rtol=1e-3, atol=2e-4)}


def make_network(sizes, hidden, out_act, loss, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        act = out_act if i == len(sizes) - 2 else hidden
        act = dl.activations.get("leaky_relu", alpha=0.2) if act == "leaky_relu_0.2" else act
        layer = dl.Dense(a, b, activation=act, init="normal", init_kwargs={"sigma": 0.7},
                         rng=rng, dtype=dtype)
        layer.b[...] = rng.normal(0, 0.3, b)
        layers.append(layer)
    return dl.Network(layers, loss=loss)


def make_data(loss, n, n_in, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, n_in))
    if loss == "cross_entropy":
        return X, dl.one_hot(rng.integers(0, k, n), k)
    if loss == "binary_cross_entropy":
        return X, rng.integers(0, 2, (n, k)).astype(float)
    return X, rng.normal(0, 0.5, (n, k))


def both(build, X, T, **kw):
    """fit on two copies of ``build()``: (fast net, fast history, generic net, generic history)."""
    fast, slow = build(), build()
    assert fastpath.supports(fast)
    h_fast = dl.fit(fast, X, T, **kw)
    fastpath.ENABLED = False
    try:
        assert not fastpath.supports(slow)
        h_slow = dl.fit(slow, X, T, **kw)
    finally:
        fastpath.ENABLED = True
    return fast, h_fast, slow, h_slow


def assert_same(fast, h_fast, slow, h_slow, dtype=np.float64):
    tol = TOL[dtype]
    assert h_fast.status == h_slow.status and h_fast.epochs == h_slow.epochs
    assert len(h_fast.loss) == len(h_slow.loss) == h_slow.epochs + 1
    np.testing.assert_allclose(h_fast.loss, h_slow.loss, **tol)
    np.testing.assert_allclose(h_fast.final_loss, h_slow.final_loss, **tol)
    assert h_fast.message.split(":")[0] == h_slow.message.split(":")[0]
    for a, b in zip(fast.layers, slow.layers):
        assert a.W.dtype == b.W.dtype == dtype
        scale = max(1.0, np.abs(b.W).max())
        np.testing.assert_allclose(a.W, b.W, rtol=tol["rtol"], atol=tol["atol"] * scale)
        np.testing.assert_allclose(a.b, b.b, rtol=tol["rtol"], atol=tol["atol"] * scale)


CASES = [  # (hidden, output, loss, label smoothing)
    ("logistic", "logistic", "sse", 0.0),
    ("tanh", "linear", "sse", 0.0),
    ("relu", "linear", "mse", 0.0),
    ("leaky_relu", "tanh", "mse", 0.0),
    ("leaky_relu_0.2", "relu", "sse", 0.0),
    ("linear", "logistic", "sse", 0.0),
    ("threshold", "linear", "sse", 0.0),
    ("tanh", "logistic", "binary_cross_entropy", 0.0),
    ("relu", "softmax", "cross_entropy", 0.0),
    ("logistic", "softmax", "cross_entropy", 0.1),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("hidden,out,loss,smoothing", CASES)
def test_fast_path_matches_generic_loop(hidden, out, loss, smoothing, reduction, momentum, dtype):
    n, k = 24, 3
    X, T = make_data(loss, n, 3, k, seed=len(hidden) + len(out))
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = (0.05 if reduction == "sum" else 0.5) * (0.2 if momentum else 1.0)

    def build():
        return make_network([3, 5, 4, k], hidden, out, lossf, seed=7, dtype=dtype)

    runs = both(build, X, T, lr=lr, epochs=150, reduction=reduction, momentum=momentum)
    assert_same(*runs, dtype)


@pytest.mark.parametrize("sizes,n", [([3, 2], 24), ([3, 4, 2], 1)])
@pytest.mark.parametrize("out,loss", [("logistic", "sse"), ("softmax", "cross_entropy")])
def test_one_layer_and_one_example(sizes, n, out, loss):
    X, T = make_data(loss, n, 3, 2, seed=9)

    def build():
        return make_network(sizes, "tanh", out, loss, seed=3)

    assert_same(*both(build, X, T, lr=0.3, epochs=60, momentum=0.5))


def test_kelleher_network_converges_at_the_same_epoch():
    d = dl.datasets.power_plant()
    fast, h_fast, slow, h_slow = both(dl.datasets.kelleher_network, d.X, d.T, lr=0.2,
                                      epochs=20_000, tol=1e-4)
    assert h_fast.status == h_slow.status == "converged"
    assert h_fast.epochs == h_slow.epochs == 7405
    assert_same(fast, h_fast, slow, h_slow)


def test_kelleher_network_full_batch_given_as_batch_size_n():
    d = dl.datasets.power_plant()
    assert_same(*both(dl.datasets.kelleher_network, d.X, d.T, lr=0.2, epochs=500, batch_size=4))


@pytest.mark.parametrize("hidden,out,lr", [("relu", "linear", 5.0), ("logistic", "linear", 50.0),
                                           ("tanh", "linear", 1e3)])
def test_divergence_is_reported_identically_without_warnings(hidden, out, lr):
    X, T = make_data("sse", 64, 2, 1, seed=3)

    def build():
        return make_network([2, 16, 16, 1], hidden, out, "sse", seed=0)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fast, h_fast, slow, h_slow = both(build, X, T * 100, lr=lr, epochs=1000)
    assert h_fast.status == h_slow.status == "diverged"
    assert h_fast.epochs == h_slow.epochs < 1000
    assert "diverged at epoch" in h_fast.message
    np.testing.assert_allclose(h_fast.loss[:-1], h_slow.loss[:-1], rtol=1e-9)


def test_saturated_logistic_units_match():
    # z far below -709: logistic() clips, the fast path lets e^(-z) overflow; a ≈ 0 either way
    X, T = make_data("sse", 16, 3, 1, seed=2)

    def build():
        net = make_network([3, 4, 1], "logistic", "logistic", "sse", seed=1)
        net.layers[0].W *= 2000.0
        return net

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(*both(build, X * 2, T, lr=0.5, epochs=200, momentum=0.5))


def test_layers_keep_their_arrays_and_receive_the_final_values():
    d = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    arrays = [(layer.W, layer.b) for layer in net.layers]
    dl.fit(net, d.X, d.T, lr=0.2, epochs=50)
    ref = dl.datasets.kelleher_network()
    for _ in range(50):   # 50 summed full-batch updates by hand
        g = ref.backward(ref.forward(d.X), d.T)
        for l, layer in enumerate(ref.layers, start=1):
            layer.W -= 0.2 * g.dW[l]
            layer.b -= 0.2 * g.db[l]
    for layer, (W, b), r in zip(net.layers, arrays, ref.layers):
        assert layer.W is W and layer.b is b
        np.testing.assert_allclose(W, r.W, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b, r.b, rtol=1e-12, atol=1e-14)


def test_validation_and_early_stopping_match():
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, (30, 1))
    T = np.sin(3 * X) + rng.normal(0, 0.3, X.shape)
    Xv = rng.uniform(-1, 1, (30, 1))
    Tv = np.sin(3 * Xv)

    def build():
        return make_network([1, 24, 24, 1], "tanh", "linear", "sse", seed=2)

    for patience in (None, 20):
        fast, h_fast, slow, h_slow = both(build, X, T, lr=0.05, epochs=3000, reduction="mean",
                                          momentum=0.9, validation=(Xv, Tv), patience=patience)
        assert_same(fast, h_fast, slow, h_slow)
        np.testing.assert_allclose(h_fast.val_loss, h_slow.val_loss, rtol=1e-12)
        assert h_fast.best_epoch == h_slow.best_epoch
        np.testing.assert_allclose(h_fast.best_val_loss, h_slow.best_val_loss, rtol=1e-12)
    assert h_fast.status == "early_stopped" and h_fast.message == h_slow.message


@pytest.mark.parametrize("loss,hidden,out", [("sse", "relu", "linear"),
                                             ("sse", "logistic", "logistic"),
                                             ("cross_entropy", "relu", "softmax")])
def test_recorder_snapshots_match(loss, hidden, out):
    X, T = make_data(loss, 20, 3, 3, seed=1)
    recs = [dl.Recorder(every=7), dl.Recorder(every=7)]

    def build():
        return make_network([3, 6, 3], hidden, out, loss, seed=4)

    fast, slow = build(), build()
    dl.fit(fast, X, T, lr=0.1, epochs=30, recorder=recs[0])
    fastpath.ENABLED = False
    try:
        dl.fit(slow, X, T, lr=0.1, epochs=30, recorder=recs[1])
    finally:
        fastpath.ENABLED = True
    assert [s.epoch for s in recs[0]] == [s.epoch for s in recs[1]] == [0, 7, 14, 21, 28]
    for a, b in zip(*recs):
        for name in ("z", "a", "delta", "dW"):
            for x, y in zip(getattr(a, name), getattr(b, name)):
                if y is None:
                    assert x is None
                else:
                    np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14)


def test_interrupted_training_leaves_the_reached_parameters_in_the_layers():
    class Stop(dl.Recorder):
        def capture(self, epoch, trace, grads):
            raise KeyboardInterrupt

    d = dl.datasets.power_plant()
    nets = []
    for enabled in (True, False):
        fastpath.ENABLED = enabled
        try:
            net = dl.datasets.kelleher_network()
            with pytest.raises(KeyboardInterrupt):
                dl.fit(net, d.X, d.T, lr=0.2, epochs=100, recorder=Stop(epochs=[40]))
        finally:
            fastpath.ENABLED = True
        nets.append(net)
    for a, b in zip(nets[0].layers, nets[1].layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-12)
    assert not np.allclose(nets[0].layers[0].W, dl.datasets.kelleher_network().layers[0].W)


def test_cases_the_fast_path_leaves_to_the_generic_loop(monkeypatch):
    calls = []
    monkeypatch.setattr(fastpath, "train", lambda *a, **k: calls.append(1))
    d = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    dl.fit(net, d.X, d.T, lr=0.2, epochs=3, batch_size=2, rng=0)               # mini-batches
    dl.fit(net, d.X, d.T, lr=0.2, epochs=3, callback=lambda e, n, h: False)    # callback
    assert calls == []
    assert not fastpath.supports(dl.datasets.kelleher_network("prelu"))         # parametric φ
    dense = [dl.Dense(2, 3), dl.Dense(3, 1)]
    assert not fastpath.supports(dl.Network([dense[0], dl.Dropout(0.2), dense[1]]))
    shared = dl.Dense(3, 3)
    assert not fastpath.supports(dl.Network([dl.Dense(2, 3), shared, shared, dl.Dense(3, 1)]))
    assert not fastpath.supports(dl.Network([dl.Dense(2, 3), dl.Dense(3, 2, "softmax")],
                                            loss="sse"))
    assert not fastpath.supports(dl.Network([dl.Dense(2, 3), dl.Dense(3, 1, "tanh")],
                                            loss="binary_cross_entropy"))
    mixed = dl.Network([dl.Dense(2, 3, dtype=np.float32), dl.Dense(3, 1)])
    assert not fastpath.supports(mixed)

    class Sub(dl.Network):
        pass

    assert not fastpath.supports(Sub([dl.Dense(2, 1)]))
    dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=3)
    assert calls == [1]
