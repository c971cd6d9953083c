"""No silent wrong number: the cases of issue 12, each a regression test.

A setup that dlcore accepts must compute correct values and gradients; one it cannot do
right is refused with an error naming the argument (or layer) and the fix.
"""
import gzip
import struct
import tracemalloc
import warnings

import numpy as np
import pytest

import dlcore as dl
from dlcore.data import mnist
from dlcore.nn import conv
from dlcore.nn import initializers as I
from dlcore.teaching.checks import check


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ------------------------------------------------------------------ accepted means correct
@pytest.mark.parametrize("layers, loss, words", [
    (lambda: [dl.Dense(2, 2, "linear")], "cross_entropy", ["softmax", "layers[0]", "'linear'"]),
    (lambda: [dl.Dense(2, 3, "relu"), dl.Dense(3, 2, "tanh")], "cross_entropy", ["layers[1]", "'tanh'"]),
    (lambda: [dl.Dense(2, 1, "linear")], "binary_cross_entropy", ["logistic", "layers[0]"]),
    (lambda: [dl.Dense(2, 1, "softmax")], "cross_entropy", ["single softmax output", "always 0"]),
    (lambda: [dl.SimpleRNN(1, 3, return_sequences=True), dl.Dense(3, 1, "linear")], "sse",
     ["layers[1]", "return_sequences=False"]),
    (lambda: [dl.Conv2D(1, 2, 3), dl.Dense(18, 2, "softmax")], "cross_entropy",
     ["layers[1]", "Flatten()"]),
    (lambda: [dl.Dense(2, 3), dl.Dense(4, 1)], "sse", ["layers[1]", "expects 4 inputs"]),
])
def test_networks_whose_backward_would_not_match_their_loss_are_refused(layers, loss, words):
    with pytest.raises(ValueError) as err:
        dl.Network(layers(), loss=loss)
    for w in words:
        assert w in str(err.value)


def test_shapes_unknown_at_construction_are_checked_at_the_first_forward_pass():
    net = dl.Network([dl.Dropout(0.2), dl.Dense(2, 1)])          # Dropout fixes no shape
    net = dl.Network([dl.Conv2D(1, 2, 3), dl.Flatten(), dl.Dense(18, 1)])
    assert net.predict(np.zeros((1, 1, 5, 5))).shape == (1, 1)   # 2 × 3 × 3 = 18 features
    with pytest.raises(ValueError, match=r"layers\[2\] \(Dense\): expects 18 inputs .* 72 outputs"):
        net.predict(np.zeros((1, 1, 8, 8)))


def test_a_layer_object_appears_once():
    d = dl.Dense(2, 2)
    with pytest.raises(ValueError, match=r"layers\[0\] and layers\[1\] are the same layer object"):
        dl.Network([d, d])


def test_init_callables_are_copied():
    w = np.ones((2, 2))
    a, b = (dl.Dense(2, 2, init=lambda i, o, r: w) for _ in range(2))
    a.W += 1.0
    assert w[0, 0] == 1.0 and b.W[0, 0] == 1.0 and a.W[0, 0] == 2.0


# ----------------------------------------------------------------------------- divergence
def _digits_net(seed=0):
    rng = np.random.default_rng(seed)
    return dl.Network([dl.Dense(64, 32, "relu", init="he", rng=rng),
                       dl.Dense(32, 10, "softmax", init="he", rng=rng)], loss="cross_entropy")


@pytest.mark.parametrize("make, data, kw", [
    (_digits_net, lambda: (dl.datasets.digits(0).X_train, dl.datasets.digits(0).T_train),
     dict(lr=1e6, batch_size=32, reduction="mean")),
    (lambda: dl.datasets.kelleher_network("relu"),
     lambda: (dl.datasets.power_plant().X, dl.datasets.power_plant().T), dict(lr=1e6, batch_size=1)),
    (lambda: dl.datasets.kelleher_network("logistic"),
     lambda: (dl.datasets.power_plant().X, dl.datasets.power_plant().T), dict(lr=1e8)),
])
@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_divergence_is_detected_and_the_last_finite_parameters_are_kept(make, data, kw, engine):
    """Bounded or saturated losses never grow 1e6-fold; the weights do (issue 12's cases
    ended as max_epochs with weights of 4.8e16 and 2.9e28)."""
    net, (X, T) = make(), data()
    h = dl.fit(net, X, T, epochs=50, rng=0, engine=engine, **kw)
    assert h.status == "diverged" and "diverged at epoch" in h.message
    assert "smaller learning rate" in h.message
    for _, _, p in net.parameters():
        assert np.all(np.isfinite(p)) and np.abs(p).max() < 1e6
    assert np.all(np.isfinite(net.predict(X)))


def test_set_params_refuses_non_finite_values():
    net = dl.datasets.kelleher_network()
    state = net.get_params()
    state[0]["W"][0, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        net.set_params(state)
    assert np.all(np.isfinite(net.layers[0].W))


def test_ordinary_training_is_not_mistaken_for_divergence():
    d = dl.datasets.power_plant()
    h = dl.fit(dl.datasets.kelleher_network(), d.X, d.T, lr=0.2, epochs=20_000, tol=1e-4)
    assert h.status == "converged" and h.epochs == 7405


# ------------------------------------------------------------------ dtype-aware numerics
def test_float32_binary_cross_entropy_at_a_equal_1_is_finite():
    bce = dl.losses.get("binary_cross_entropy")
    one, zero = np.ones((1, 1), np.float32), np.zeros((1, 1), np.float32)
    E = bce(one, zero)
    assert np.isfinite(E) and E > 15                 # −log(ε) with ε the float32 epsilon
    assert np.all(np.isfinite(bce.grad(one, zero)))


@pytest.mark.parametrize("out, loss, T, expected", [
    # −log softmax of the wrong class: 300 − (−300) per example; BCE: 300 per example
    ("softmax", "cross_entropy", [[0.0, 1.0], [1.0, 0.0]], 1200.0),
    ("logistic", "binary_cross_entropy", [[0.0], [1.0]], 600.0)])
def test_float32_networks_at_logits_of_300(out, loss, T, expected):
    k = len(T[0])
    net = dl.Network([dl.Dense(2, k, out, dtype=np.float32, rng=0)], loss=loss)
    net.layers[0].W[...] = 150.0 * np.array([[1, -1], [-1, 1]][:k], np.float32)
    X, T = np.array([[1.0, -1.0], [-1.0, 1.0]], np.float32), np.array(T, np.float32)
    trace = net.forward(X)
    assert np.abs(trace.z[1]).max() == pytest.approx(300.0)
    E = net.loss(X, T)
    grads = net.backward(trace, T)
    assert np.isfinite(E) and E == pytest.approx(expected, rel=1e-6)   # both examples wrong
    assert all(np.all(np.isfinite(g)) for g in (grads.dW[1], grads.db[1]))


def test_softmax_and_logsumexp_at_any_logit_spread():
    z32 = np.array([-3e38, 3e38], np.float32)
    np.testing.assert_array_equal(dl.softmax(z32), [0.0, 1.0])
    assert dl.activations.logsumexp(np.array([-1.7e308, 1.7e308])) == 1.7e308
    np.testing.assert_array_equal(dl.activations.log_softmax(np.array([-1e38, 1e38], np.float32)),
                                  np.array([-2e38, 0.0], np.float32))


def test_float32_loss_sums_do_not_overflow():
    E = dl.losses.get("sse")(np.full((2, 1), 1e20, np.float32), np.zeros((2, 1), np.float32))
    assert E == pytest.approx(1e40, rel=1e-6)      # 2 × ½ (1e20)², beyond float32's 3.4e38


# ------------------------------------------------------------------- every argument checked
@pytest.mark.parametrize("call, exc, words", [
    (lambda: dl.losses.get("sse")(np.zeros((4, 1)), np.arange(4.0)), ValueError, ["same shape", "(4, 1)", "(4,)"]),
    (lambda: dl.losses.get("binary_cross_entropy")(np.full((1, 1), 0.5), np.full((1, 1), 5.0)), ValueError, ["T", "[0, 1]"]),
    (lambda: dl.losses.get("binary_cross_entropy")(np.full((1, 1), 2.0), np.zeros((1, 1))), ValueError, ["A", "probabilities"]),
    (lambda: dl.losses.get("sse").grad(np.zeros((2, 1)), np.full((2, 1), np.nan)), ValueError, ["T", "finite"]),
    (lambda: dl.one_hot([1e20]), ValueError, ["labels", "2**31"]),
    (lambda: dl.one_hot([10 ** 7]), ValueError, ["n_classes"]),
    (lambda: dl.one_hot([True, False]), TypeError, ["labels"]),
    (lambda: I.variance("lecun", 0, 3), ValueError, ["n_in", ">= 1"]),
    (lambda: I.initialize("xavier", 2, 2, 0, sigma=3.0), TypeError, ["xavier", "sigma", "normal"]),
    (lambda: dl.Dense(2, 2, init="he", init_kwargs={"sigma": 0.1}), TypeError, ["'he'", "sigma"]),
    (lambda: dl.Dense(2, 2, init="normal", init_kwargs={"sgima": 0.1}), TypeError, ["init_kwargs", "sgima"]),
    (lambda: dl.SimpleRNN(2, 2, recurrent_init="xavier", recurrent_init_kwargs={"scale": 0.5}), TypeError, ["scale", "orthogonal"]),
    (lambda: conv.im2col(np.zeros((1, 1, 4, 4)), (2, 2), (0, 1)), ValueError, ["stride", ">= 1"]),
    (lambda: conv.im2col(np.zeros((4, 4)), (2, 2), (1, 1)), ValueError, ["x", "4-dimensional"]),
    (lambda: conv.col2im(np.zeros(36), (1, 1, 4), (2, 2), (1, 1)), ValueError, ["shape", "(n, C, H, W)"]),
    (lambda: check("x", 1.0, 1.0, 400), ValueError, ["decimals", "<= 15"]),
    (lambda: dl.activations.logsumexp([]), ValueError, ["z", "empty"]),
    (lambda: dl.activations.logistic([np.nan]), ValueError, ["z", "finite"]),
    (lambda: dl.activations.get("tanh")([np.inf]), ValueError, ["z", "finite"]),
    (lambda: dl.Network([dl.Dense(2, 1)]).forward(np.zeros((1, 2)), training="yes"), TypeError, ["training", "True or False"]),
    (lambda: dl.fit(dl.Network([dl.Dense(2, 1)]), np.zeros((3, 2)), np.zeros((3, 1)), lr=0.1, shuffle="no"), TypeError, ["shuffle"]),
])
def test_bad_arguments_get_clear_errors(call, exc, words):
    with pytest.raises(exc) as err:
        call()
    for w in words:
        assert w in str(err.value), str(err.value)


# ----------------------------------------------------------------------------- IDX files
def _header(shape, code=0x08):
    return bytes([0, 0, code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def test_a_gzip_bomb_is_rejected_within_a_small_memory_budget(tmp_path):
    """100 MiB of zeros behind the header of a 10-byte file: rejected after reading ~1 MiB."""
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(_header((10,)))
        for _ in range(100):
            fh.write(bytes(1 << 20))
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    with pytest.raises(ValueError, match="size mismatch.*or more are present"):
        mnist.read_idx(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("shape", [(65536, 65536, 65536, 65536), (1 << 20, 1 << 10)])
def test_an_oversized_header_is_rejected_before_any_data_is_read(tmp_path, shape):
    path = tmp_path / "big.idx"
    path.write_bytes(_header(shape) + bytes(16))
    with pytest.raises(ValueError, match="max_bytes"):
        mnist.read_idx(path)


def test_downloads_stop_at_the_known_size(tmp_path):
    import io

    out = io.BytesIO()
    with pytest.raises(OSError, match="more than the 4,542 bytes"):
        mnist._copy_at_most(io.BytesIO(bytes(200_000)), out, 4_542, "https://example.invalid/f")
    assert len(out.getvalue()) <= 4_542 + (1 << 16)
    out = io.BytesIO()
    mnist._copy_at_most(io.BytesIO(bytes(4_542)), out, 4_542, "u")
    assert len(out.getvalue()) == 4_542
