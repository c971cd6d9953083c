"""Dropout (Kelleher Algorithm 2), early stopping (Algorithm 1) and the recorder."""
import numpy as np
import pytest
from helpers import random_network

import dlcore as dl


def test_dropout_is_identity_at_inference_and_keeps_the_expected_activation():
    drop = dl.Dropout(0.3)
    a = np.random.default_rng(0).uniform(0.5, 1.5, (20000, 5))
    z, out, cache = drop.forward(a, training=False)
    assert out is a and cache is None
    _, out, mask = drop.forward(a, training=True, rng=np.random.default_rng(1))
    kept = mask > 0
    # each unit survives with probability ρ = 1 − rate, and survivors are scaled by 1/ρ
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(out[kept], a[kept] / 0.7)
    assert np.all(out[~kept] == 0)
    # E[a''] = a: the column means agree within sampling error (~0.3 %)
    np.testing.assert_allclose(out.mean(axis=0), a.mean(axis=0), rtol=0.01)


def test_dropout_masks_differ_per_example_and_apply_to_deltas():
    rng = np.random.default_rng(2)
    net = dl.Network([dl.Dense(3, 6, "tanh", rng=rng), dl.Dropout(0.5), dl.Dense(6, 2, "linear", rng=rng)])
    X, T = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    trace = net.forward(X, training=True, rng=3)
    mask = trace.cache[2]
    assert len({tuple(row) for row in (mask > 0)}) > 1       # one mask per example
    grads = net.backward(trace, T)
    dropped = mask == 0
    # Algorithm 2, line 7: a dropped neuron passes back no error
    assert np.all(grads.delta[1][dropped] == 0)
    assert np.all(grads.delta[2][dropped] == 0)
    assert grads.dW[2] is None


def test_dropout_gradient_with_a_fixed_mask_matches_finite_differences():
    rng = np.random.default_rng(4)
    net = dl.Network([dl.Dropout(0.25), dl.Dense(4, 5, "logistic", rng=rng), dl.Dropout(0.4),
                      dl.Dense(5, 3, "softmax", rng=rng)], loss="cross_entropy")
    X, T = rng.normal(size=(6, 4)), dl.one_hot(rng.integers(0, 3, 6), 3)
    trace = net.forward(X, training=True, rng=5)
    masks = [trace.cache[1], trace.cache[3]]
    grads = net.backward(trace, T)

    def E():  # the same masks, re-applied by hand
        a = X * masks[0]
        a = dl.activations.logistic(a @ net.layers[1].W.T + net.layers[1].b) * masks[1]
        return dl.losses.get("cross_entropy").value(dl.softmax(a @ net.layers[3].W.T + net.layers[3].b), T)

    for l, name in [(2, "W"), (2, "b"), (4, "W")]:
        p = net.layers[l - 1].params[name]
        num = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1e-6
            up = E()
            p[idx] = old - 1e-6
            down = E()
            p[idx] = old
            num[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(grads.params[l][name], num, rtol=1e-6, atol=1e-9)
    # with dropout off the network is deterministic and passes the usual gradient check
    assert dl.gradcheck(net, X, T) < 1e-6


def test_dropout_rate_zero_is_plain_network_and_bad_rates_raise():
    assert dl.Dropout(0.0).forward(np.ones((2, 2)), training=True, rng=0)[2] is None
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="rate"):
            dl.Dropout(bad)
    with pytest.raises(TypeError, match="rate"):
        dl.Dropout("half")
    with pytest.raises(ValueError, match="rng"):
        dl.Dropout(0.5).forward(np.ones((2, 2)), training=True, rng=None)


def test_dropout_network_checks_sizes_across_the_dropout_layer():
    with pytest.raises(ValueError, match="expects 4 inputs"):
        dl.Network([dl.Dense(2, 3, rng=0), dl.Dropout(0.5), dl.Dense(4, 1, rng=0)])
    with pytest.raises(ValueError, match="last layer"):
        dl.Network([dl.Dense(2, 3, rng=0), dl.Dropout(0.5)])
    net = dl.Network([dl.Dropout(0.2), dl.Dense(2, 1, rng=0)])
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        net.predict(np.ones((3, 5)))


def overfitting_task(seed=0):
    """Few noisy examples, many hidden units: the validation loss turns up."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (30, 1))
    t = np.sin(3 * x) + rng.normal(0, 0.3, x.shape)
    xv = rng.uniform(-1, 1, (200, 1))
    tv = np.sin(3 * xv) + rng.normal(0, 0.3, xv.shape)
    net = dl.Network([dl.Dense(1, 60, "tanh", init="normal", init_kwargs={"sigma": 2.0}, rng=rng),
                      dl.Dense(60, 1, "linear", rng=rng)], loss="sse")
    return net, x, t, xv, tv


def test_early_stopping_restores_the_best_validation_parameters():
    net, x, t, xv, tv = overfitting_task()
    h = dl.fit(net, x, t, lr=0.01, epochs=5000, reduction="mean", validation=(xv, tv), patience=100)
    assert h.status == "early_stopped"
    assert h.best_epoch == int(np.argmin(h.val_loss))
    assert h.epochs == h.best_epoch + 100                     # Algorithm 1: patience epochs
    assert net.loss(xv, tv, "mean") == pytest.approx(h.best_val_loss, rel=1e-12)
    assert h.val_loss[-1] > h.best_val_loss
    assert "best validation loss" in h.message


def test_early_stopping_bad_input():
    net, x, t, xv, tv = overfitting_task()
    with pytest.raises(ValueError, match="patience"):
        dl.fit(net, x, t, lr=0.1, validation=(xv, tv), patience=0)
    with pytest.raises(ValueError, match="validation"):
        dl.fit(net, x, t, lr=0.1, patience=5)
    with pytest.raises(ValueError, match="validation X"):
        dl.fit(net, x, t, lr=0.1, validation=(np.ones((5, 2)), np.ones((5, 1))), patience=5)
    with pytest.raises(ValueError, match="validation T"):
        dl.fit(net, x, t, lr=0.1, validation=(xv, np.ones((3, 1))), patience=5)
    with pytest.raises(TypeError, match="validation"):
        dl.fit(net, x, t, lr=0.1, validation=xv)


def test_recorder_captures_requested_epochs_and_matches_backward():
    net = random_network([2, 5, 4, 1], "tanh", "linear", "sse", 0)
    X, T = np.random.default_rng(0).normal(size=(10, 2)), np.zeros((10, 1))
    start = net.get_params()
    rec = dl.Recorder(every=3)
    dl.fit(net, X, T, lr=0.01, epochs=7, recorder=rec)
    assert [s.epoch for s in rec] == [0, 3, 6]
    net.set_params(start)
    trace = net.forward(X)
    grads = net.backward(trace, T)
    first = rec.at(0)
    for l in (1, 2, 3):
        np.testing.assert_array_equal(first.z[l], trace.z[l])
        np.testing.assert_array_equal(first.delta[l], grads.delta[l])
        np.testing.assert_array_equal(first.dW[l], grads.dW[l])
    with pytest.raises(KeyError):
        rec.at(1)


def test_recorder_mini_batch_records_first_batch_and_default_is_first_iteration():
    net = random_network([2, 3, 1], "relu", "linear", "sse", 1)
    X, T = np.random.default_rng(1).normal(size=(12, 2)), np.zeros((12, 1))
    rec = dl.Recorder()
    dl.fit(net, X, T, lr=0.01, epochs=4, batch_size=4, rng=0, recorder=rec)
    assert len(rec) == 1 and rec[0].epoch == 0 and rec[0].a[0].shape == (4, 2)
    with pytest.raises(ValueError):
        dl.Recorder(epochs=[0], every=2)
    with pytest.raises(ValueError, match="every"):
        dl.Recorder(every=0)
    with pytest.raises(TypeError, match="recorder"):
        dl.fit(net, X, T, lr=0.1, recorder="yes")


def test_dropout_training_is_reproducible_from_the_seed():
    def run(seed):
        rng = np.random.default_rng(0)
        net = dl.Network([dl.Dense(2, 8, "relu", rng=rng), dl.Dropout(0.5), dl.Dense(8, 1, "linear", rng=rng)])
        X = rng.normal(size=(16, 2))
        return dl.fit(net, X, X[:, :1] * 2, lr=0.01, epochs=20, rng=seed).loss
    assert run(1) == run(1)
    assert run(1) != run(2)

