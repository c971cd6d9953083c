"""The mini-batch fast path (dlcore/fastpath_minibatch.py) and ``fit(..., epoch_loss=...)``.

The fast path is checked against fit's generic loop (``dlcore.train.engines.full_batch.ENABLED = False``)
on identical networks and seeds: it replays the same numpy operations in the same order,
so the final weights and the "full" histories are bit-for-bit equal, in float64 and
float32; the "running" loss is computed there from log-sum-exp pieces and agrees to
rounding. ``epoch_loss="running"`` is checked against a naive loop written here from
the public API. Timing is measured by benchmarks/mlp_throughput.py.
"""
import numpy as np
import pytest
from test_fastpath import CASES, make_data
from test_fastpath import make_network as fastpath_network

import dlcore as dl
from dlcore.train.engines import full_batch as fastpath
from dlcore.train.engines import minibatch as fastpath_minibatch

TOL = {np.float64: dict(rtol=1e-13, atol=1e-14), np.float32: dict(rtol=1e-5, atol=1e-6)}


def make_network(sizes, hidden, out, loss, seed=7, dtype=np.float64):
    return fastpath_network(sizes, hidden, out, loss, seed, dtype)


def both(build, X, T, **kw):
    """fit on two copies of ``build()``, with and without the fast paths."""
    fast, slow = build(), build()
    h_fast = dl.fit(fast, X, T, **kw)
    fastpath.ENABLED = False
    try:
        h_slow = dl.fit(slow, X, T, **kw)
    finally:
        fastpath.ENABLED = True
    return fast, h_fast, slow, h_slow


def assert_same(fast, h_fast, slow, h_slow, dtype=np.float64, running=False, exact=True):
    """Identical weights and validation losses; identical "full" histories, and "running"
    ones to rounding (their per-batch losses are computed by different formulas).
    ``exact=False`` for full batches, which go through fastpath.py (equal to 1e-12)."""
    assert (h_fast.status, h_fast.epochs) == (h_slow.status, h_slow.epochs)
    assert len(h_fast.loss) == len(h_slow.loss)
    if running or not exact:
        np.testing.assert_allclose(h_fast.loss, h_slow.loss, **TOL[dtype])
    else:
        assert h_fast.loss == h_slow.loss
    same = np.testing.assert_array_equal if exact else (
        lambda x, y: np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14))
    same(h_fast.val_loss, h_slow.val_loss)
    for a, b in zip(fast.layers, slow.layers):
        assert a.W.dtype == b.W.dtype == dtype
        same(a.W, b.W)
        same(a.b, b.b)




@pytest.mark.parametrize("epoch_loss", ["full", "running"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reduction,momentum", [("mean", 0.0), ("sum", 0.0), ("mean", 0.9)])
@pytest.mark.parametrize("hidden,out,loss,smoothing", CASES)
def test_fast_path_matches_generic_loop(hidden, out, loss, smoothing, reduction, momentum,
                                        dtype, epoch_loss):
    X, T = make_data(loss, 50, 4, 3, seed=len(hidden))
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = (0.3 if reduction == "mean" else 0.03) * (0.2 if momentum else 1.0)

    def build():
        return make_network([4, 6, 5, 3], hidden, out, lossf, dtype=dtype)

    assert fastpath_minibatch.supports(build())
    runs = both(build, X, T, lr=lr, epochs=12, batch_size=8, reduction=reduction,   # 6 x 8 + 2
                momentum=momentum, rng=5, epoch_loss=epoch_loss)
    assert len(runs[1].loss) == 12 + (epoch_loss == "full")
    assert_same(*runs, dtype, running=epoch_loss == "running")


@pytest.mark.parametrize("batch_size", [1, 2, 7, 63, 64])
def test_batch_sizes_one_layer_and_validation(batch_size):
    X, T = make_data("cross_entropy", 64, 3, 4, seed=1)
    Xv, Tv = make_data("cross_entropy", 20, 3, 4, seed=2)

    def build():
        return make_network([3, 4], None, "softmax", "cross_entropy", seed=3)

    for epoch_loss in ("full", "running"):
        runs = both(build, X, T, lr=0.2, epochs=5, batch_size=batch_size, reduction="mean",
                    rng=0, validation=(Xv, Tv), epoch_loss=epoch_loss)
        assert_same(*runs, running=epoch_loss == "running", exact=batch_size < len(X))


def test_the_fast_path_runs_and_updates_the_layers_own_arrays(monkeypatch):
    calls = []
    real = fastpath_minibatch.MiniBatchPlan.epoch
    monkeypatch.setattr(fastpath_minibatch.MiniBatchPlan, "epoch",
                        lambda self, order: calls.append(len(order)) or real(self, order))
    X, T = make_data("cross_entropy", 30, 3, 3, seed=0)
    net = make_network([3, 5, 3], "relu", "softmax", "cross_entropy")
    arrays = [(layer.W, layer.b) for layer in net.layers]
    before = [layer.W.copy() for layer in net.layers]
    seen = []
    dl.fit(net, X, T, lr=0.1, epochs=3, batch_size=4, rng=0,
           callback=lambda e, n, h: seen.append(n.layers[0].W.copy()) and False)
    assert calls == [30, 30, 30]
    assert [(layer.W, layer.b) for layer in net.layers] == arrays   # the same objects
    assert not np.array_equal(net.layers[0].W, before[0])
    np.testing.assert_array_equal(seen[-1], net.layers[0].W)   # callbacks see current weights
    assert not np.array_equal(seen[1], seen[0])


def test_networks_and_options_left_to_the_generic_loop(monkeypatch):
    def fail(*a, **k):
        raise AssertionError("the mini-batch fast path should not run")

    monkeypatch.setattr(fastpath_minibatch.MiniBatchPlan, "epoch", fail)
    X, T = make_data("sse", 20, 2, 1, seed=0)
    dropout = dl.Network([dl.Dense(2, 4, "relu", rng=0), dl.Dropout(0.3),
                          dl.Dense(4, 1, "linear", rng=1)])
    assert not fastpath_minibatch.supports(dropout)
    h = dl.fit(dropout, X, T, lr=0.05, epochs=3, batch_size=5, rng=0, epoch_loss="running")
    assert len(h.loss) == 3 and np.all(np.isfinite(h.loss))
    assert not fastpath_minibatch.supports(dl.datasets.kelleher_network("prelu"))
    net = make_network([2, 3, 1], "tanh", "linear", "sse")
    dl.fit(net, X, T, lr=0.05, epochs=2, batch_size=5, rng=0, recorder=dl.Recorder(every=1))


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
@pytest.mark.parametrize("enabled", [True, False])
def test_running_loss_is_the_mean_of_the_batch_losses(hidden, out, loss, smoothing, reduction,
                                                      enabled):
    X, T = make_data(loss, 45, 3, 2, seed=4)
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = 0.3 if reduction == "mean" else 0.03
    net, ref = (make_network([3, 5, 2], hidden, out, lossf) for _ in range(2))
    fastpath.ENABLED = enabled
    try:
        h = dl.fit(net, X, T, lr=lr, epochs=4, batch_size=10, reduction=reduction, rng=8,
                   epoch_loss="running")
    finally:
        fastpath.ENABLED = True
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


def test_epoch_loss_is_validated():
    X, T = make_data("sse", 10, 2, 1, seed=0)
    net = make_network([2, 3, 1], "tanh", "linear", "sse")
    with pytest.raises(ValueError, match="epoch_loss"):
        dl.fit(net, X, T, lr=0.1, epochs=1, epoch_loss="mean")
    with pytest.raises(TypeError, match="epoch_loss"):
        dl.fit(net, X, T, lr=0.1, epochs=1, epoch_loss=None)
