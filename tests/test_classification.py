"""Classification: item 11's worked numbers, reliability of the classification entry points
(labels outside the class range, one-hot rows not summing to 1, images of the wrong shape or
dtype), and the chapter-13 code path on a tiny MNIST written by the test."""
import gzip
import hashlib
import struct

import numpy as np
import pytest

import dlcore as dl
from dlcore.chapters.ch13_digits import classifier
from dlcore.nn.metrics import accuracy
from dlcore.train.record import AccuracyMonitor


def softmax_net(n_in=3, n_out=3):
    return dl.Network([dl.Dense(n_in, n_out, activation="softmax", rng=0)], loss="cross_entropy")


# ------------------------------------------------------------ item 11, Kelleher et al.
def test_table_14_softmax():
    P = dl.softmax(np.array([1.5, -0.9, 0.6]))
    np.testing.assert_allclose(P, [0.667874356, 0.060588195, 0.27153745], atol=5e-9)
    np.testing.assert_allclose(np.exp([1.5, -0.9, 0.6]).sum(), 6.71037753, atol=5e-9)


LOGITS_15 = np.array([[0.107653, 0.099377, 0.103000], [0.106456, 0.098249, 0.104083],
                      [0.106093, 0.098227, 0.104006], [0.107395, 0.098955, 0.103460]])
T_15 = dl.one_hot([2, 0, 1, 1], 3)


def test_table_15_and_eq_82_83():
    P = dl.softmax(LOGITS_15)
    np.testing.assert_allclose(P[:, 1], [0.3320, 0.3318, 0.3318, 0.3319], atol=5e-5)
    delta = dl.losses.get("cross_entropy").delta(P, T_15, LOGITS_15, dl.activations.get("softmax"))
    np.testing.assert_allclose(delta[:, 1], [0.3320, 0.3318, -0.6682, -0.6681], atol=5e-5)
    a6 = np.array([0.1145, 0.1211, 0.1167, 0.1195])
    out = dl.Dense(1, 3, activation="softmax", rng=0)                           # δ given: eq. 81
    _, grads = out.backward(None, None, None, a6[:, None], None, delta=np.round(delta, 4))
    dw = grads["W"]
    assert round(dw[1, 0], 8) == -0.07962191                                   # eq. 82
    assert round(-0.07 - 0.01 * dw[1, 0], 9) == -0.069203781                   # eq. 83


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_softmax_cross_entropy_delta_is_p_minus_t_by_finite_differences(seed, smoothing):
    rng = np.random.default_rng(seed)
    Z = rng.normal(0, 3, (5, 4))
    T = dl.one_hot(rng.integers(0, 4, 5), 4)
    loss = dl.losses.get("cross_entropy", label_smoothing=smoothing)
    act = dl.activations.get("softmax")
    delta = loss.delta(act(Z), T, Z, act)
    h, num = 1e-6, np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        e = np.zeros_like(Z)
        e[idx] = h
        num[idx] = (loss.value_from_logits(Z + e, T, act) - loss.value_from_logits(Z - e, T, act)) / (2 * h)
    np.testing.assert_allclose(delta, num, atol=1e-7)
    np.testing.assert_allclose(delta, act(Z) - loss.smooth(T), atol=1e-15)


def test_softmax_never_overflows_and_the_loss_stays_finite():
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is harmless
        P = dl.softmax(np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4 - 1, -1e4 - 2]]))
        E = softmax_net().loss_fn.value_from_logits(np.array([[0.0, -800.0, 5.0]]),
                                                   np.array([[0.0, 1.0, 0.0]]),
                                                   dl.activations.get("softmax"))
    assert np.all(np.isfinite(P)) and np.allclose(P.sum(axis=1), 1) and np.isfinite(E)


# ----------------------------------------------------------------- reliability (item 4)
@pytest.mark.parametrize("T, words", [
    ([[0.5, 0.2, 0.2]], ["sum to 1", "row 0 sums to 0.9"]),
    ([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]], ["sum to 1", "row 1 sums to 2"]),
    ([[1.5, -0.5, 0.0]], ["non-negative"]),
    ([[0.0, 0.0, 0.0]], ["row 0 sums to 0"]),
])
def test_one_hot_targets_that_do_not_sum_to_one(T, words):
    net = softmax_net()
    X = np.ones((len(T), 3))
    for call in (lambda: net.loss(X, T), lambda: dl.fit(net, X, T, lr=0.1, epochs=1),
                 lambda: net.backward(net.forward(X), T)):
        with pytest.raises(ValueError) as err:
            call()
        for w in words:
            assert w in str(err.value)


@pytest.mark.parametrize("labels, n, exc, words", [
    ([0, 3], 3, ValueError, ["labels", "[0, 2]", "[0, 3]"]),
    ([-1, 2], 3, ValueError, ["labels", "[0, 2]"]),
    ([0.5, 1], 3, ValueError, ["whole numbers"]),
    ([[0, 1]], 3, ValueError, ["1-dimensional"]),
    (["a", "b"], 3, TypeError, ["integer"]),
    ([], 3, ValueError, ["empty"]),
])
def test_labels_outside_the_class_range(labels, n, exc, words):
    with pytest.raises(exc) as err:
        dl.one_hot(labels, n)
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize("X, exc, words", [
    (np.zeros((4, 63)), ValueError, ["(n, 64)", "(4, 63)"]),
    (np.zeros((4, 1, 8, 8)), ValueError, ["2-dimensional", "(4, 1, 8, 8)"]),
    (np.zeros(64), ValueError, ["2-dimensional"]),
    (np.array([["a"] * 64]), TypeError, ["numbers"]),
    (np.full((2, 64), np.nan), ValueError, ["NaN"]),
    (np.zeros((2, 64), dtype=complex), TypeError, ["real"]),
])
def test_images_of_the_wrong_shape_or_dtype(X, exc, words):
    net = classifier(64, rng=0)
    with pytest.raises(exc) as err:
        net.predict(X)
    for w in words:
        assert w in str(err.value)


def test_integer_images_are_accepted_as_numbers():
    net = classifier(64, rng=0)
    P = net.predict(np.full((3, 64), 8, dtype=np.uint8))
    assert P.shape == (3, 10) and P.dtype == np.float64 and np.allclose(P.sum(axis=1), 1)


@pytest.mark.parametrize("call, exc, words", [
    (lambda n: accuracy(n, np.zeros((2, 64)), [0, 10]), ValueError, ["y", "[0, 9]"]),
    (lambda n: accuracy(n, np.zeros((2, 64)), [0, 1, 2]), ValueError, ["2 rows", "3 labels"]),
    (lambda n: accuracy(n, np.zeros((2, 63)), [0, 1]), ValueError, ["(n, 64)"]),
    (lambda n: accuracy(n, np.zeros((2, 64)), [0.5, 1]), ValueError, ["whole-number"]),
    (lambda n: accuracy("net", np.zeros((2, 64)), [0, 1]), TypeError, ["Network"]),
    (lambda n: AccuracyMonitor(np.zeros((2, 64)), [0])(0, n, None), ValueError, ["2 rows", "1 labels"]),
    (lambda n: AccuracyMonitor(np.zeros((2, 64)), [0, 12])(0, n, None), ValueError, ["[0, 9]", "12"]),
    (lambda n: classifier(64, init="orthogonal"), ValueError, ["init"]),
    (lambda n: classifier(64, init="normal", sigma=0), ValueError, ["sigma"]),
])
def test_classifier_helpers_reject_bad_input(call, exc, words):
    with pytest.raises(exc) as err:
        call(classifier(64, rng=0))
    for w in words:
        assert w in str(err.value)


def test_accuracy_and_monitor():
    net = classifier(4, 5, 3, rng=1)
    X = np.random.default_rng(0).normal(size=(20, 4))
    y = net.predict(X).argmax(axis=1)
    assert accuracy(net, X, y) == 1.0 and accuracy(net, X, (y + 1) % 3) == 0.0
    monitor = AccuracyMonitor(X, y)
    h = dl.fit(net, X, dl.one_hot(y, 3), lr=0.1, epochs=3, batch_size=5, reduction="mean", rng=0,
               callback=monitor, epoch_loss="full")
    assert len(monitor.accuracy) == h.epochs + 1 and monitor.accuracy[0] == 1.0


def test_classifier_float32_path_stays_float32():
    net = classifier(64, rng=0, dtype=np.float32)
    data = dl.datasets.digits(0)
    dl.fit(net, data.X_train[:256].astype(np.float32), data.T_train[:256].astype(np.float32),
           lr=0.5, epochs=2, batch_size=32, reduction="mean", rng=0)
    assert all(arr.dtype == np.float32 for _, _, arr in net.parameters())
    assert net.predict(data.X_val.astype(np.float32)).dtype == np.float32


# ------------------------------------------------- chapter 13 on a tiny MNIST (no network)
def _idx(arr):
    return bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()


def test_chapter_13_trains_784_100_10_on_mnist_shaped_files(tmp_path, monkeypatch):
    import urllib.request

    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: pytest.fail("network access"))
    rng = np.random.default_rng(0)
    table = {}
    for part, n in (("train", 60), ("t10k", 20)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        X = np.zeros((n, 28, 28), np.uint8)
        for k, label in enumerate(y):                 # a learnable pattern: a bright row per class
            X[k, 2 + 2 * label, :] = 255
        for kind, arr in (("images-idx3", X), ("labels-idx1", y)):
            p = tmp_path / f"{part}-{kind}-ubyte.gz"
            p.write_bytes(gzip.compress(_idx(arr), mtime=0))
            table[p.name] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    data = dl.datasets.mnist(tmp_path, dtype=np.float32, checksums=table, val_size=20)
    net = classifier(784, 100, 10, rng=0, dtype=np.float32)
    h = dl.fit(net, data.X_train, data.T_train.astype(np.float32), lr=0.5, epochs=30, batch_size=8,
               reduction="mean", rng=0, validation=(data.X_val, data.T_val.astype(np.float32)))
    assert net.layers[0].W.shape == (100, 784) and h.loss[-1] < h.loss[0] / 10
    assert accuracy(net, data.X_test, data.y_test) == 1.0
    assert data.images(data.X_test).shape == (20, 1, 28, 28)
