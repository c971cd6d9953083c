"""fit's engines: the fused engine against the reference engine, and fit's epoch loss options.

Each comparison trains two identical networks with the same seed, one with
``engine="fused"`` and one with ``engine="reference"``. The fused engine calls the same
layer, loss and update functions on preallocated buffers, so histories, validation losses
and final weights must be equal bit for bit, in float64 and float32. Independent
references (a hand-written update loop, a naive running-loss loop, the lecture's
convergence epoch) check that the two are right, not only equal. Timing is measured by
benchmarks/fit_speed.py and benchmarks/mlp_throughput.py, never here.
"""
import warnings

import numpy as np
import pytest

import dlcore as dl
from dlcore.train import engines


def make_network(sizes, hidden, out_act, loss, seed=7, dtype=np.float64):
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
    """fit on two copies of ``build()``: (fused net, its history, reference net, its history)."""
    fused, ref = build(), build()
    assert engines.unsupported(fused) == ""
    h_fused = dl.fit(fused, X, T, engine="fused", **kw)
    h_ref = dl.fit(ref, X, T, engine="reference", **kw)
    return fused, h_fused, ref, h_ref


def assert_same(fused, h_fused, ref, h_ref, dtype=np.float64):
    assert (h_fused.status, h_fused.epochs, h_fused.message) == (h_ref.status, h_ref.epochs, h_ref.message)
    np.testing.assert_array_equal(h_fused.loss, h_ref.loss)
    np.testing.assert_array_equal(h_fused.val_loss, h_ref.val_loss)
    assert h_fused.best_epoch == h_ref.best_epoch
    for a, b in zip(fused.layers, ref.layers):
        assert a.W.dtype == b.W.dtype == dtype
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.b, b.b)


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


# ------------------------------------------------------------------ full batch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("hidden,out,loss,smoothing", CASES)
def test_full_batch_engines_agree(hidden, out, loss, smoothing, reduction, momentum, dtype):
    n, k = 24, 3
    X, T = make_data(loss, n, 3, k, seed=len(hidden) + len(out))
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = (0.05 if reduction == "sum" else 0.5) * (0.2 if momentum else 1.0)

    def build():
        return make_network([3, 5, 4, k], hidden, out, lossf, seed=7, dtype=dtype)

    assert_same(*both(build, X, T, lr=lr, epochs=150, reduction=reduction, momentum=momentum), dtype)


@pytest.mark.parametrize("sizes,n", [([3, 2], 24), ([3, 4, 2], 1)])
@pytest.mark.parametrize("out,loss", [("logistic", "sse"), ("softmax", "cross_entropy")])
def test_one_layer_and_one_example(sizes, n, out, loss):
    X, T = make_data(loss, n, 3, 2, seed=9)
    assert_same(*both(lambda: make_network(sizes, "tanh", out, loss, seed=3), X, T, lr=0.3,
                      epochs=60, momentum=0.5))


def test_kelleher_network_converges_at_the_lecture_epoch_in_both_engines():
    d = dl.datasets.power_plant()
    runs = both(dl.datasets.kelleher_network, d.X, d.T, lr=0.2, epochs=20_000, tol=1e-4)
    assert runs[1].status == runs[3].status == "converged"
    assert runs[1].epochs == runs[3].epochs == 7405     # "about 7,400" (Kelleher et al.)
    assert_same(*runs)


def test_kelleher_network_full_batch_given_as_batch_size_n():
    d = dl.datasets.power_plant()
    assert_same(*both(dl.datasets.kelleher_network, d.X, d.T, lr=0.2, epochs=500, batch_size=4))


@pytest.mark.parametrize("hidden,out,lr", [("relu", "linear", 5.0), ("logistic", "linear", 50.0),
                                           ("tanh", "linear", 1e3)])
def test_divergence_is_reported_identically_without_warnings(hidden, out, lr):
    X, T = make_data("sse", 64, 2, 1, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runs = both(lambda: make_network([2, 16, 16, 1], hidden, out, "sse", seed=0), X, T * 100,
                    lr=lr, epochs=1000)
    assert runs[1].status == runs[3].status == "diverged"
    assert runs[1].epochs < 1000 and "diverged at epoch" in runs[1].message
    np.testing.assert_array_equal(runs[1].loss, runs[3].loss)


def test_saturated_logistic_units_match():
    X, T = make_data("sse", 16, 3, 1, seed=2)

    def build():
        net = make_network([3, 4, 1], "logistic", "logistic", "sse", seed=1)
        net.layers[0].W *= 2000.0      # z far below −709: logistic() clips, no overflow warning
        return net

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(*both(build, X * 2, T, lr=0.5, epochs=200, momentum=0.5))


@pytest.mark.parametrize("engine", ["fused", "reference"])
def test_layers_keep_their_arrays_and_match_a_hand_written_loop(engine):
    d = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    arrays = [(layer.W, layer.b) for layer in net.layers]
    dl.fit(net, d.X, d.T, lr=0.2, epochs=50, engine=engine)
    ref = dl.datasets.kelleher_network()
    for _ in range(50):   # 50 summed full-batch updates by hand (eq. 29-30)
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
    for patience in (None, 20):
        runs = both(lambda: make_network([1, 24, 24, 1], "tanh", "linear", "sse", seed=2), X, T,
                    lr=0.05, epochs=3000, reduction="mean", momentum=0.9, validation=(Xv, Tv),
                    patience=patience)
        assert_same(*runs)
    assert runs[1].status == "early_stopped"


@pytest.mark.parametrize("loss,hidden,out", [("sse", "relu", "linear"),
                                             ("sse", "logistic", "logistic"),
                                             ("cross_entropy", "relu", "softmax")])
@pytest.mark.parametrize("batch_size", [None, 6])
def test_recorder_snapshots_match(loss, hidden, out, batch_size):
    X, T = make_data(loss, 20, 3, 3, seed=1)
    recs = [dl.Recorder(every=7), dl.Recorder(every=7)]
    nets = [make_network([3, 6, 3], hidden, out, loss, seed=4) for _ in recs]
    for net, rec, engine in zip(nets, recs, ("fused", "reference")):
        dl.fit(net, X, T, lr=0.1, epochs=30, batch_size=batch_size, rng=0, recorder=rec,
               engine=engine)
    assert [s.epoch for s in recs[0]] == [s.epoch for s in recs[1]] == [0, 7, 14, 21, 28]
    for a, b in zip(*recs):
        for name in ("z", "a", "delta", "dW"):
            for x, y in zip(getattr(a, name), getattr(b, name)):
                assert (x is None) == (y is None)
                if y is not None:
                    np.testing.assert_array_equal(x, y)


def test_interrupted_training_leaves_the_reached_parameters_in_the_layers():
    class Stop(dl.Recorder):
        def capture(self, epoch, trace, grads):
            raise KeyboardInterrupt

    d = dl.datasets.power_plant()
    nets = []
    for engine in ("fused", "reference"):
        net = dl.datasets.kelleher_network()
        with pytest.raises(KeyboardInterrupt):
            dl.fit(net, d.X, d.T, lr=0.2, epochs=100, recorder=Stop(epochs=[40]), engine=engine)
        nets.append(net)
    for a, b in zip(nets[0].layers, nets[1].layers):
        np.testing.assert_array_equal(a.W, b.W)
    assert not np.allclose(nets[0].layers[0].W, dl.datasets.kelleher_network().layers[0].W)


# ------------------------------------------------------------------ mini-batches
@pytest.mark.parametrize("epoch_loss", ["full", "running"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction,momentum", [("mean", 0.0), ("sum", 0.0), ("mean", 0.9)])
@pytest.mark.parametrize("hidden,out,loss,smoothing", CASES)
def test_mini_batch_engines_agree(hidden, out, loss, smoothing, reduction, momentum, dtype,
                                  epoch_loss):
    X, T = make_data(loss, 50, 4, 3, seed=len(hidden))
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = (0.3 if reduction == "mean" else 0.03) * (0.2 if momentum else 1.0)
    runs = both(lambda: make_network([4, 6, 5, 3], hidden, out, lossf, dtype=dtype), X, T, lr=lr,
                epochs=12, batch_size=8, reduction=reduction, momentum=momentum, rng=5,   # 6 x 8 + 2
                epoch_loss=epoch_loss)
    assert len(runs[1].loss) == 12 + (epoch_loss == "full")
    assert_same(*runs, dtype)


@pytest.mark.parametrize("batch_size", [1, 2, 7, 63, 64])
def test_batch_sizes_one_layer_and_validation(batch_size):
    X, T = make_data("cross_entropy", 64, 3, 4, seed=1)
    Xv, Tv = make_data("cross_entropy", 20, 3, 4, seed=2)
    for epoch_loss in ("full", "running"):
        runs = both(lambda: make_network([3, 4], None, "softmax", "cross_entropy", seed=3), X, T,
                    lr=0.2, epochs=5, batch_size=batch_size, reduction="mean", rng=0,
                    validation=(Xv, Tv), epoch_loss=epoch_loss)
        assert_same(*runs)


def test_auto_uses_the_fused_engine_and_updates_the_layers_own_arrays(monkeypatch):
    calls = []
    real = engines.FusedEngine.epoch
    monkeypatch.setattr(engines.FusedEngine, "epoch", lambda self, e: calls.append(e) or real(self, e))
    X, T = make_data("cross_entropy", 30, 3, 3, seed=0)
    net = make_network([3, 5, 3], "relu", "softmax", "cross_entropy")
    arrays = [(layer.W, layer.b) for layer in net.layers]
    before = net.layers[0].W.copy()
    seen = []
    dl.fit(net, X, T, lr=0.1, epochs=3, batch_size=4, rng=0,
           callback=lambda e, n, h: seen.append(n.layers[0].W.copy()) and False)
    assert calls == [0, 1, 2]
    assert [(layer.W, layer.b) for layer in net.layers] == arrays   # the same objects
    assert not np.array_equal(net.layers[0].W, before)
    np.testing.assert_array_equal(seen[-1], net.layers[0].W)   # callbacks see current weights
    assert not np.array_equal(seen[1], seen[0])


def test_networks_left_to_the_reference_engine(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("the fused engine should not run")

    monkeypatch.setattr(engines.FusedEngine, "epoch", fail)
    X, T = make_data("sse", 20, 2, 1, seed=0)
    dropout = dl.Network([dl.Dense(2, 4, "relu", rng=0), dl.Dropout(0.3),
                          dl.Dense(4, 1, "linear", rng=1)])
    assert "Dropout" in engines.unsupported(dropout)
    h = dl.fit(dropout, X, T, lr=0.05, epochs=3, batch_size=5, rng=0, epoch_loss="running")
    assert len(h.loss) == 3 and np.all(np.isfinite(h.loss))
    assert "PReLU" in engines.unsupported(dl.datasets.kelleher_network("prelu"))
    assert "dtype" in engines.unsupported(dl.Network([dl.Dense(2, 3, dtype=np.float32), dl.Dense(3, 1)]))

    class Sub(dl.Network):
        pass

    assert "Sub" in engines.unsupported(Sub([dl.Dense(2, 1)]))
    with pytest.raises(ValueError, match="engine='auto'"):
        dl.fit(dropout, X, T, lr=0.05, epochs=1, engine="fused")
    with pytest.raises(ValueError, match="engine"):
        dl.fit(dropout, X, T, lr=0.05, epochs=1, engine="fast")


# ------------------------------------------------------------------ epoch_loss
def naive_running_loss(net, X, T, lr, epochs, batch_size, reduction, seed):
    """Mini-batch SGD through the public API, recording per epoch the batch losses
    (each on its batch before that batch's update) summed, divided by n for "mean"."""
    rng, n, losses = np.random.default_rng(seed), len(X), []
    for _ in range(epochs):
        order, total = rng.permutation(n), 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            trace = net.forward(X[idx])
            total += net.loss_fn.value(trace.output, T[idx], "sum")
            grads = net.backward(trace, T[idx], reduction)
            for l, layer in enumerate(net.layers, start=1):
                layer.W -= lr * grads.dW[l]
                layer.b -= lr * grads.db[l]
        losses.append(total / n if reduction == "mean" else total)
    return losses


@pytest.mark.parametrize("hidden,out,loss,smoothing", [CASES[i] for i in (0, 2, 7, 8, 9)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("engine", ["fused", "reference"])
def test_running_loss_is_the_mean_of_the_batch_losses(hidden, out, loss, smoothing, reduction,
                                                      engine):
    X, T = make_data(loss, 45, 3, 2, seed=4)
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = 0.3 if reduction == "mean" else 0.03
    net, ref = (make_network([3, 5, 2], hidden, out, lossf) for _ in range(2))
    h = dl.fit(net, X, T, lr=lr, epochs=4, batch_size=10, reduction=reduction, rng=8,
               epoch_loss="running", engine=engine)
    expected = naive_running_loss(ref, X, T, lr, 4, 10, reduction, 8)
    np.testing.assert_allclose(h.loss, expected, rtol=1e-12)
    assert h.final_loss == h.loss[-1] and h.epochs == 4 and h.status == "max_epochs"
    for a, b in zip(net.layers, ref.layers):
        np.testing.assert_allclose(a.W, b.W, rtol=1e-12, atol=1e-14)


def test_running_loss_of_a_full_batch_is_the_loss_before_each_update():
    d = dl.datasets.power_plant()
    full = dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=30)
    running = dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=30,
                     epoch_loss="running")
    assert len(running.loss) == 30 and len(full.loss) == 31
    np.testing.assert_allclose(running.loss, full.loss[:-1], rtol=1e-12)


def test_running_epochs_count_from_one_for_callbacks_validation_and_stopping():
    X, T = make_data("cross_entropy", 40, 3, 3, seed=6)
    Xv, Tv = make_data("cross_entropy", 15, 3, 3, seed=7)
    epochs_seen = []
    net = make_network([3, 8, 3], "relu", "softmax", "cross_entropy")
    h = dl.fit(net, X, T, lr=0.2, epochs=5, batch_size=8, rng=0, reduction="mean",
               validation=(Xv, Tv), epoch_loss="running",
               callback=lambda e, n, hist: epochs_seen.append(e) or False)
    assert epochs_seen == [1, 2, 3, 4, 5]
    assert len(h.loss) == len(h.val_loss) == h.epochs == 5
    assert h.val_loss[-1] == pytest.approx(net.loss(Xv, Tv, "mean"), rel=1e-12)
    kw = dict(lr=0.2, batch_size=8, rng=0, epoch_loss="running")
    free = dl.fit(make_network([3, 8, 3], "relu", "softmax", "cross_entropy"), X, T, epochs=6, **kw)
    k = next(k for k in range(2, 6) if free.loss[k] < min(free.loss[:k]))   # a new low
    tol = (free.loss[k] + min(free.loss[:k])) / 2
    h = dl.fit(make_network([3, 8, 3], "relu", "softmax", "cross_entropy"), X, T, epochs=50,
               tol=tol, **kw)
    assert h.status == "converged" and h.epochs == k + 1 and h.loss == free.loss[:k + 1]
    stop = dl.fit(make_network([3, 8, 3], "relu", "softmax", "cross_entropy"), X, T, lr=0.2,
                  epochs=50, batch_size=8, rng=0, epoch_loss="running",
                  callback=lambda e, n, hist: e == 3)
    assert stop.status == "early_stopped" and stop.epochs == 3 and len(stop.loss) == 3


def test_epoch_loss_and_booleans_are_validated():
    X, T = make_data("sse", 10, 2, 1, seed=0)
    net = make_network([2, 3, 1], "tanh", "linear", "sse")
    with pytest.raises(ValueError, match="epoch_loss"):
        dl.fit(net, X, T, lr=0.1, epochs=1, epoch_loss="mean")
    with pytest.raises(TypeError, match="epoch_loss"):
        dl.fit(net, X, T, lr=0.1, epochs=1, epoch_loss=None)
    with pytest.raises(TypeError, match="shuffle"):
        dl.fit(net, X, T, lr=0.1, epochs=1, shuffle="no")
    with pytest.raises(TypeError, match="restore_best"):
        dl.fit(net, X, T, lr=0.1, epochs=1, restore_best=None)
