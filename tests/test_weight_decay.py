"""Weight decay: the L2 penalty λ R(W) = λ · ½ Σ‖W‖² of the backprop lecture's objective
J = (1/N) Σ L + λ R(W, b), on the weights and not the biases."""
import numpy as np
import pytest

import dlcore as dl


def _networks(rng):
    yield dl.Network([dl.Dense(3, 4, "tanh", rng=rng), dl.Dense(4, 2, "linear", rng=rng)]), (5, 3)
    yield dl.Network([dl.Dense(3, 4, "prelu", rng=rng), dl.Dense(4, 3, "softmax", rng=rng)],
                     loss="cross_entropy"), (5, 3)
    yield dl.Network([dl.Conv2D(1, 2, 2, activation="tanh", rng=rng), dl.AvgPool2D(2), dl.Flatten(),
                      dl.Dense(8, 1, "linear", rng=rng)]), (3, 1, 5, 5)
    yield dl.Network([dl.SimpleRNN(2, 3, rng=rng), dl.Dense(3, 1, "linear", rng=rng)]), (4, 3, 2)
    yield dl.Network([dl.LSTM(2, 3, rng=rng), dl.Dense(3, 1, "linear", rng=rng)]), (4, 3, 2)


def _by_hand_penalty(net):
    """½ Σ w² over the weights only: W of Dense/Conv2D, W_hh and W_hx of a simple RNN, and
    each LSTM gate's matrix without its column 0 (the biases)."""
    total = 0.0
    for layer in net.layers:
        for name, p in layer.params.items():
            if name in ("b", "lam"):
                continue
            w = p[:, 1:] if isinstance(layer, dl.LSTM) else p
            total += 0.5 * float(np.sum(w ** 2))
    return total


@pytest.mark.parametrize("reduction", ["sum", "mean"])
def test_the_penalty_is_on_weights_only_and_passes_gradcheck(reduction):
    rng = np.random.default_rng(0)
    for net, shape in _networks(rng):
        X = rng.normal(size=shape)
        T = (dl.one_hot(rng.integers(0, 3, shape[0]), 3) if net.loss_fn.name == "cross_entropy"
             else rng.normal(size=(shape[0], net.n_out)))
        assert net.penalty() == pytest.approx(_by_hand_penalty(net), rel=1e-12)
        lam = 0.37
        E0, E = net.loss(X, T, reduction), net.loss(X, T, reduction, weight_decay=lam)
        assert E - E0 == pytest.approx(lam * _by_hand_penalty(net), rel=1e-10)
        assert dl.gradcheck(net, X, T, reduction=reduction, weight_decay=lam) < 1e-6
        trace = net.forward(X)
        plain, decayed = net.backward(trace, T, reduction), net.backward(trace, T, reduction, weight_decay=lam)
        for l, layer in enumerate(net.layers, start=1):
            for name, g in decayed.params[l].items():
                diff = g - plain.params[l][name]
                if name in ("b", "lam"):
                    assert np.all(diff == 0), f"weight decay must not touch {name}"
                elif isinstance(layer, dl.LSTM):
                    np.testing.assert_allclose(diff[:, 1:], lam * layer.params[name][:, 1:], rtol=1e-12)
                    assert np.all(diff[:, 0] == 0)
                else:
                    np.testing.assert_allclose(diff, lam * layer.params[name], rtol=1e-12)


def test_one_decayed_step_by_hand():
    """w ← w − α (∂E/∂w + λ w) for weights, b ← b − α ∂E/∂b for biases (full batch)."""
    d = dl.datasets.power_plant()
    net, ref = dl.datasets.kelleher_network(), dl.datasets.kelleher_network()
    lam, lr = 0.5, 0.2
    h = dl.fit(net, d.X, d.T, lr=lr, epochs=1, weight_decay=lam)
    g = ref.backward(ref.forward(d.X), d.T)
    for l, (a, b) in enumerate(zip(net.layers, ref.layers), start=1):
        np.testing.assert_allclose(a.W, b.W - lr * (g.dW[l] + lam * b.W), rtol=1e-13)
        np.testing.assert_allclose(a.b, b.b - lr * g.db[l], rtol=1e-13)
    assert h.loss[0] == pytest.approx(ref.loss(d.X, d.T) + lam * ref.penalty(), rel=1e-12)


@pytest.mark.parametrize("batch_size, epoch_loss", [(None, "full"), (8, "full"), (8, "running")])
def test_engines_agree_and_validation_stays_unpenalised(batch_size, epoch_loss):
    rng = np.random.default_rng(1)
    X, T = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    Xv, Tv = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    runs = []
    for engine in ("auto", "reference"):
        net = dl.Network([dl.Dense(3, 6, "tanh", rng=1), dl.Dense(6, 2, "linear", rng=2)])
        h = dl.fit(net, X, T, lr=0.05, epochs=20, batch_size=batch_size, rng=0, reduction="mean",
                   weight_decay=0.1, validation=(Xv, Tv), epoch_loss=epoch_loss, engine=engine)
        runs.append((net, h))
    (a, ha), (b, hb) = runs
    assert ha.loss == hb.loss and ha.val_loss == hb.val_loss
    assert all(np.array_equal(x.W, y.W) for x, y in zip(a.layers, b.layers))
    assert ha.val_loss[-1] == pytest.approx(a.loss(Xv, Tv, "mean"), rel=1e-12)   # E alone


def test_weight_decay_shrinks_the_weights():
    rng = np.random.default_rng(2)
    X, T = rng.normal(size=(30, 3)), rng.normal(size=(30, 1))
    norms = []
    for lam in (0.0, 0.01, 0.1):
        net = dl.Network([dl.Dense(3, 8, "tanh", rng=3), dl.Dense(8, 1, "linear", rng=4)])
        dl.fit(net, X, T, lr=0.1, epochs=300, reduction="mean", weight_decay=lam)
        norms.append(net.penalty())
    assert norms[0] > norms[1] > norms[2]


@pytest.mark.parametrize("lam, exc", [(-0.1, ValueError), (np.nan, ValueError), ("a", TypeError)])
def test_weight_decay_is_checked(lam, exc):
    net = dl.datasets.kelleher_network()
    d = dl.datasets.power_plant()
    for call in (lambda: dl.fit(net, d.X, d.T, lr=0.1, epochs=1, weight_decay=lam),
                 lambda: net.loss(d.X, d.T, weight_decay=lam),
                 lambda: dl.gradcheck(net, d.X, d.T, weight_decay=lam)):
        with pytest.raises(exc, match="weight_decay"):
            call()
