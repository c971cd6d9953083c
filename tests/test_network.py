"""Backpropagation through whole networks against central differences (float64)."""
import numpy as np
import pytest
from helpers import random_network, random_targets

import dlcore as dl

HIDDEN = ["linear", "logistic", "tanh", "relu", "leaky_relu", "prelu", "threshold"]
# (loss, output activation, loss options); "hidden" means the output uses the hidden activation
HEADS = [
    ("sse", "hidden", {}), ("mse", "hidden", {}), ("sse", "softmax", {}),
    ("binary_cross_entropy", "logistic", {}), ("cross_entropy", "softmax", {}),
    ("cross_entropy", "softmax", {"label_smoothing": 0.1}),
]
SHAPES = [[3, 4, 2], [2, 5, 3, 3]]


@pytest.mark.parametrize("out", ["linear", "logistic", "tanh", "relu", "leaky_relu", "prelu",
                                 "threshold"])
@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_cross_entropies_refuse_outputs_they_cannot_be_computed_from(out, loss):
    """Cross-entropy needs softmax outputs and binary cross-entropy logistic ones: with any
    other output the clipped loss and its gradient disagree (issue 12), so the network is
    refused at construction, naming the layer, the loss and the fix."""
    if (loss, out) == ("binary_cross_entropy", "logistic"):
        return   # the one accepted pair among these, gradchecked above
    with pytest.raises(ValueError, match=rf"loss '{loss}' needs a .* output layer.*layers\[1\]"):
        random_network([3, 4, 2], "tanh", out, loss, 0)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("sizes", SHAPES, ids=["3-4-2", "2-5-3-3"])
@pytest.mark.parametrize("head", HEADS, ids=lambda h: f"{h[0]}+{h[1]}{'+ls' if h[2] else ''}")
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradcheck_every_activation_and_loss(hidden, head, sizes, seed):
    loss, out, opts = head
    out = hidden if out == "hidden" else out
    net = random_network(sizes, hidden, out, loss, seed, **opts)
    rng = np.random.default_rng(100 + seed)
    X = rng.normal(0, 1, (5, sizes[0]))
    T = random_targets(loss, 5, sizes[-1], rng)
    for reduction in ("sum", "mean"):
        err, detail = dl.gradcheck(net, X, T, reduction=reduction, details=True)
        assert err < 1e-6, detail


def test_gradcheck_detects_a_wrong_gradient(monkeypatch):
    net = random_network([2, 3, 1], "logistic", "logistic", "sse", 0)
    X, T = np.random.default_rng(0).normal(size=(4, 2)), np.ones((4, 1))
    # break the logistic derivative: the check must notice
    monkeypatch.setattr(dl.activations.Logistic, "backward", lambda self, dA, z, a: dA * a)
    assert dl.gradcheck(net, X, T) > 1e-2


def test_trace_and_grads_follow_lecture_indexing():
    net = dl.datasets.kelleher_network()
    X, T = dl.datasets.power_plant().X, dl.datasets.power_plant().T
    trace = net.forward(X)
    grads = net.backward(trace, T)
    assert trace.z[0] is None and trace.a[0] is not None and len(trace.a) == 4
    np.testing.assert_array_equal(trace.a[0], X)
    assert grads.delta[0] is None and grads.dW[0] is None and grads.db[0] is None
    for l, layer in enumerate(net.layers, start=1):
        assert trace.z[l].shape == trace.a[l].shape == (4, layer.n_out)
        assert grads.delta[l].shape == (4, layer.n_out)
        assert grads.dW[l].shape == layer.W.shape and grads.db[l].shape == layer.b.shape
    np.testing.assert_array_equal(net.predict(X), trace.a[3])


def test_matrix_backward_equals_per_example_loop():
    """δ_l = (δ_{l+1} W_{l+1}) ⊙ φ'(z_l), written neuron by neuron with plain loops."""
    net = random_network([3, 4, 2], "tanh", "logistic", "sse", 5)
    rng = np.random.default_rng(5)
    X, T = rng.normal(size=(3, 3)), rng.uniform(size=(3, 2))
    grads = net.backward(net.forward(X), T)
    W1, b1, W2, b2 = net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b
    dW1, dW2 = np.zeros_like(W1), np.zeros_like(W2)
    for x, t in zip(X, T):
        z1 = [b1[i] + sum(W1[i, k] * x[k] for k in range(3)) for i in range(4)]
        a1 = [np.tanh(v) for v in z1]
        z2 = [b2[i] + sum(W2[i, k] * a1[k] for k in range(4)) for i in range(2)]
        a2 = [1 / (1 + np.exp(-v)) for v in z2]
        d2 = [(a2[i] - t[i]) * a2[i] * (1 - a2[i]) for i in range(2)]
        d1 = [sum(d2[j] * W2[j, i] for j in range(2)) * (1 - a1[i] ** 2) for i in range(4)]
        for i in range(2):
            for k in range(4):
                dW2[i, k] += d2[i] * a1[k]
        for i in range(4):
            for k in range(3):
                dW1[i, k] += d1[i] * x[k]
    np.testing.assert_allclose(grads.dW[2], dW2, rtol=1e-12)
    np.testing.assert_allclose(grads.dW[1], dW1, rtol=1e-12)


def test_mean_reduction_divides_by_batch_size():
    net = random_network([2, 3, 1], "relu", "linear", "sse", 2)
    X, T = np.random.default_rng(2).normal(size=(8, 2)), np.zeros((8, 1))
    tr = net.forward(X)
    s, m = net.backward(tr, T, "sum"), net.backward(tr, T, "mean")
    for l in (1, 2):
        np.testing.assert_allclose(s.dW[l], 8 * m.dW[l], rtol=1e-13)
        np.testing.assert_allclose(s.db[l], 8 * m.db[l], rtol=1e-13)
    assert net.loss(X, T, "sum") == pytest.approx(8 * net.loss(X, T, "mean"))


def test_get_and_set_params_round_trip():
    net = random_network([2, 3, 1], "prelu", "linear", "sse", 0)
    saved = net.get_params()
    before = net.predict(np.ones((1, 2)))
    for _, _, p in net.parameters():
        p += 1.0
    assert not np.allclose(net.predict(np.ones((1, 2))), before)
    net.set_params(saved)
    np.testing.assert_array_equal(net.predict(np.ones((1, 2))), before)


def test_float32_network_stays_float32():
    rng = np.random.default_rng(0)
    net = dl.Network([dl.Dense(4, 5, "relu", rng=rng, dtype=np.float32),
                      dl.Dense(5, 3, "softmax", rng=rng, dtype=np.float32)], loss="cross_entropy")
    X = rng.normal(size=(6, 4))
    T = dl.one_hot(rng.integers(0, 3, 6), 3)
    tr = net.forward(X)
    g = net.backward(tr, T)
    assert all(a.dtype == np.float32 for a in tr.a)
    assert all(g.dW[l].dtype == np.float32 for l in (1, 2))
