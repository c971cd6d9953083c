"""fit's epoch loop, its engine option and its epoch-loss options, against independent references.

The references: a hand-written update loop, a naive running-loss loop written from the public
API, the lecture's convergence epoch, and the network's own forward/backward passes for the
recorder. Timing is measured by benchmarks/fit_speed.py and benchmarks/mlp_throughput.py.
"""
import warnings

import numpy as np
import pytest

import dlcore as dl


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


CASES = [  # (hidden, output, loss, label smoothing)
    ("logistic", "logistic", "sse", 0.0),
    ("relu", "linear", "mse", 0.0),
    ("tanh", "logistic", "binary_cross_entropy", 0.0),
    ("relu", "softmax", "cross_entropy", 0.0),
    ("logistic", "softmax", "cross_entropy", 0.1),
]


@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_kelleher_network_converges_at_the_lecture_epoch(engine):
    d = dl.datasets.power_plant()
    h = dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=20_000, tol=1e-4,
               engine=engine)
    assert h.status == "converged" and h.epochs == 7405      # "about 7,400" (Kelleher et al.)


@pytest.mark.parametrize("hidden,out,lr", [("relu", "linear", 5.0), ("logistic", "linear", 50.0),
                                           ("tanh", "linear", 1e3)])
def test_divergence_is_reported_without_warnings(hidden, out, lr):
    X, T = make_data("sse", 64, 2, 1, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = dl.fit(make_network([2, 16, 16, 1], hidden, out, "sse", seed=0), X, T * 100, lr=lr,
                   epochs=1000)
    assert h.status == "diverged" and h.epochs < 1000 and "diverged at epoch" in h.message


def test_saturated_logistic_units_train_without_warnings():
    X, T = make_data("sse", 16, 3, 1, seed=2)
    net = make_network([3, 4, 1], "logistic", "logistic", "sse", seed=1)
    net.layers[0].W *= 2000.0      # z far below −709: logistic() clips, no overflow warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = dl.fit(net, X * 2, T, lr=0.5, epochs=200, momentum=0.5)
    assert np.all(np.isfinite(h.loss))


def test_layers_keep_their_arrays_and_match_a_hand_written_loop():
    d = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    arrays = [(layer.W, layer.b) for layer in net.layers]
    dl.fit(net, d.X, d.T, lr=0.2, epochs=50)
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


@pytest.mark.parametrize("batch_size", [None, 6])
def test_recorder_keeps_the_first_iteration_of_the_epochs_it_asks_for(batch_size):
    """Epoch 0's snapshot is the forward and backward pass of the untrained network on the
    epoch's first batch (the whole set, or the first shuffled batch)."""
    X, T = make_data("cross_entropy", 20, 3, 3, seed=1)
    net, ref = (make_network([3, 6, 3], "relu", "softmax", "cross_entropy", seed=4) for _ in range(2))
    rec = dl.Recorder(every=7)
    dl.fit(net, X, T, lr=0.1, epochs=30, batch_size=batch_size, rng=0, recorder=rec)
    assert [s.epoch for s in rec] == [0, 7, 14, 21, 28]
    first = np.arange(20) if batch_size is None else np.random.default_rng(0).permutation(20)[:6]
    trace = ref.forward(X[first])
    grads = ref.backward(trace, T[first])
    for l in (1, 2):
        np.testing.assert_array_equal(rec.at(0).z[l], trace.z[l])
        np.testing.assert_array_equal(rec.at(0).dW[l], grads.dW[l])


def test_interrupted_training_leaves_the_reached_parameters_in_the_layers():
    class Stop(dl.Recorder):
        def capture(self, epoch, trace, grads):
            raise KeyboardInterrupt

    d = dl.datasets.power_plant()
    net = dl.datasets.kelleher_network()
    with pytest.raises(KeyboardInterrupt):
        dl.fit(net, d.X, d.T, lr=0.2, epochs=100, recorder=Stop(epochs=[40]))
    ref = dl.datasets.kelleher_network()
    dl.fit(ref, d.X, d.T, lr=0.2, epochs=40)                # the 40 epochs made before it
    for a, b in zip(net.layers, ref.layers):
        np.testing.assert_array_equal(a.W, b.W)


def test_engine_names():
    d = dl.datasets.power_plant()
    for engine in ("auto", "reference"):
        dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=2, engine=engine)
    with pytest.raises(ValueError, match=r"engine.*'auto', 'reference'"):
        dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=2, engine="fused")


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


@pytest.mark.parametrize("hidden,out,loss,smoothing", CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_running_loss_is_the_mean_of_the_batch_losses(hidden, out, loss, smoothing, reduction):
    X, T = make_data(loss, 45, 3, 2, seed=4)
    lossf = dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss
    lr = 0.3 if reduction == "mean" else 0.03
    net, ref = (make_network([3, 5, 2], hidden, out, lossf) for _ in range(2))
    h = dl.fit(net, X, T, lr=lr, epochs=4, batch_size=10, reduction=reduction, rng=8,
               epoch_loss="running")
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
