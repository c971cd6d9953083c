"""Property-based tests (hypothesis): whatever dlcore accepts is right, whatever it refuses is
refused clearly, and its numerics stay finite.

1. Random networks drawn from what the constructors accept (dense, convolutional and
   recurrent stacks; every activation; every loss with the outputs it accepts) pass
   ``gradcheck`` < 1e-6 in float64, at points kept away from the kinks of ReLU, threshold
   and max pooling (where a derivative does not exist).
2. Random malformed arguments to the public entry points raise ``ValueError``/``TypeError``
   whose message names the argument.
3. Random finite float32/float64 inputs to every activation, loss and softmax give no warning
   and no NaN/inf where the true value is finite (judged in extended precision).

Examples are derandomized (the same on every run) and few, to keep the suite fast.
"""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import dlcore as dl
from dlcore.nn import conv
from dlcore.nn import initializers as I

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
HIDDEN = ["linear", "logistic", "tanh", "relu", "leaky_relu", "prelu", "threshold"]
KINKED = {"relu", "leaky_relu", "prelu", "threshold"}
HEADS = [("sse", None), ("mse", None), ("sse", "softmax"), ("binary_cross_entropy", "logistic"),
         ("cross_entropy", "softmax")]


# ------------------------------------------------------------------ 1. accepted => correct
def _targets(loss, n, k, rng):
    if loss == "cross_entropy":
        return dl.one_hot(rng.integers(0, k, n), k)
    if loss == "binary_cross_entropy":
        return rng.uniform(0, 1, (n, k))
    return rng.normal(0, 1, (n, k))


def _randomise(net, rng):
    for _, name, p in net.parameters():
        p[...] = rng.normal(0, 0.6 if name != "lam" else 0.3, p.shape)


def _away_from_kinks(net, X):
    """True when no kinked unit sits within 1e-4 of its kink and no max-pool window is
    within 1e-4 of a tie (central differences of 1e-5 would straddle them)."""
    trace = net.forward(X)
    for l, layer in enumerate(net.layers, start=1):
        act = getattr(layer, "activation", None)
        if act is not None and act.name in KINKED and np.abs(trace.z[l]).min() < 1e-4:
            return False
        if isinstance(layer, dl.MaxPool2D):
            v = conv.windows(trace.a[l - 1], layer.size, layer.stride)
            flat = np.sort(v.reshape(*v.shape[:2], -1, *v.shape[4:]), axis=2)
            if flat.shape[2] > 1 and np.min(flat[:, :, -1] - flat[:, :, -2]) < 1e-4:
                return False
    return True


@st.composite
def dense_networks(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    sizes = [draw(st.integers(1, 4)) for _ in range(draw(st.integers(2, 4)))]
    loss, out = draw(st.sampled_from(HEADS))
    hidden = draw(st.sampled_from(HIDDEN))
    out = out or draw(st.sampled_from(HIDDEN))
    if out == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(dl.Dense(a, b, out if last else hidden, rng=rng))
        if not last and draw(st.booleans()):
            layers.append(dl.Dropout(draw(st.sampled_from([0.0, 0.3]))))
    smoothing = draw(st.sampled_from([0.0, 0.1])) if loss == "cross_entropy" else 0.0
    net = dl.Network(layers, loss=dl.losses.get(loss, label_smoothing=smoothing) if smoothing else loss)
    return net, rng.uniform(-1, 1, (3, sizes[0])), loss, rng


@st.composite
def conv_networks(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    c_in, c_out, k = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    stride, padding = draw(st.integers(1, 2)), draw(st.integers(0, 1))
    layers = [dl.Conv2D(c_in, c_out, k, stride, padding, draw(st.sampled_from(HIDDEN)), rng=rng)]
    pool = draw(st.sampled_from([None, dl.MaxPool2D, dl.AvgPool2D]))
    if pool is not None:
        layers.append(pool(2, draw(st.sampled_from([None, 1]))))
    side = draw(st.integers(k + 2, 6))
    flat = dl.conv.layer_shapes(layers, (c_in, side, side))[-1][1]
    layers += [dl.Flatten(), dl.Dense(int(np.prod(flat)), 2, "softmax", rng=rng)]
    net = dl.Network(layers, loss="cross_entropy")
    return net, rng.uniform(-1, 1, (2, c_in, side, side)), "cross_entropy", rng


@st.composite
def recurrent_networks(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from([dl.SimpleRNN, dl.LSTM]))
    f, h = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    layers = []
    if draw(st.booleans()):
        layers.append(kind(f, h, return_sequences=True, rng=rng))
        f = h
    if kind is dl.SimpleRNN:
        layers.append(dl.SimpleRNN(f, h, activation=draw(st.sampled_from(["tanh", "logistic"])), rng=rng))
    else:
        layers.append(dl.LSTM(f, h, rng=rng))
    layers.append(dl.Dense(h, 2, "linear", rng=rng))
    net = dl.Network(layers, loss="sse")
    return net, rng.uniform(-1, 1, (2, draw(st.integers(1, 4)), layers[0].n_in)), "sse", rng


@SETTINGS
@given(st.one_of(dense_networks(), conv_networks(), recurrent_networks()),
       st.sampled_from(["sum", "mean"]))
def test_every_network_the_constructors_accept_passes_gradcheck(drawn, reduction):
    net, X, loss, rng = drawn
    _randomise(net, rng)
    assume(_away_from_kinks(net, X))
    T = _targets(loss, X.shape[0], net.n_out, rng)
    err, detail = dl.gradcheck(net, X, T, reduction=reduction, details=True)
    assert err < 1e-6, (net, detail)


# --------------------------------------------------- 2. refused => a clear, named error
NOT_ARRAYS = st.one_of(st.none(), st.text(max_size=3), st.just(object()),
                       st.just([[1.0, 2.0], [3.0]]))
NON_FINITE = st.sampled_from([np.nan, np.inf, -np.inf])
NOT_POSITIVE = st.one_of(st.floats(max_value=0.0, allow_nan=False), NON_FINITE,
                         st.text(max_size=2), st.booleans())
NOT_INTS = st.one_of(st.floats(allow_nan=True).filter(lambda v: v != int(v) if np.isfinite(v) else True),
                     st.text(max_size=2), st.booleans(), st.none(), st.integers(max_value=0))
NOT_NAMES = st.one_of(st.text(min_size=1, max_size=6).filter(lambda s: s.lower() not in
                      set(dl.activations.names()) | set(dl.losses.names()) | set(I.names())),
                      st.integers(), st.none())
NOT_BOOLS = st.one_of(st.text(max_size=3), st.integers(), st.none(), st.floats(allow_nan=False))


def _bad_array(shape):
    good = np.zeros(shape)
    return st.one_of(NOT_ARRAYS,
                     NON_FINITE.map(lambda v: np.where(np.arange(good.size).reshape(shape) == 0, v, good)),
                     st.just(np.zeros(shape[:-1] + (shape[-1] + 1,))),
                     st.just(np.zeros(shape + (1,))))


def _net():
    return dl.Network([dl.Dense(2, 3, "tanh", rng=0), dl.Dense(3, 1, "linear", rng=0)])


X2, T1 = np.zeros((4, 2)), np.zeros((4, 1))
ENTRY_POINTS = {   # (name of the argument, bad values, call with that argument)
    "fit X": ("X", _bad_array((4, 2)), lambda v: dl.fit(_net(), v, T1, lr=0.1, epochs=1)),
    "fit T": ("T", _bad_array((4, 1)), lambda v: dl.fit(_net(), X2, v, lr=0.1, epochs=1)),
    "fit lr": ("lr", NOT_POSITIVE, lambda v: dl.fit(_net(), X2, T1, lr=v, epochs=1)),
    "fit epochs": ("epochs", NOT_INTS, lambda v: dl.fit(_net(), X2, T1, lr=0.1, epochs=v)),
    "fit batch_size": ("batch_size", st.one_of(NOT_INTS.filter(lambda v: v is not None),
                                               st.integers(min_value=5)),
                       lambda v: dl.fit(_net(), X2, T1, lr=0.1, epochs=1, batch_size=v)),
    "fit momentum": ("momentum", st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9), NON_FINITE),
                     lambda v: dl.fit(_net(), X2, T1, lr=0.1, epochs=1, momentum=v)),
    "fit reduction": ("reduction", NOT_NAMES, lambda v: dl.fit(_net(), X2, T1, lr=0.1, reduction=v)),
    "fit shuffle": ("shuffle", NOT_BOOLS, lambda v: dl.fit(_net(), X2, T1, lr=0.1, epochs=1, shuffle=v)),
    "fit engine": ("engine", NOT_NAMES, lambda v: dl.fit(_net(), X2, T1, lr=0.1, epochs=1, engine=v)),
    "Dense n_in": ("n_in", NOT_INTS, lambda v: dl.Dense(v, 2)),
    "Dense activation": ("activation", NOT_NAMES, lambda v: dl.Dense(2, 2, activation=v)),
    "Dense init": ("init", NOT_NAMES, lambda v: dl.Dense(2, 2, init=v)),
    "Dropout rate": ("rate", st.one_of(st.floats(min_value=1.0), st.floats(max_value=-1e-9),
                                       NON_FINITE, st.text(max_size=2)), lambda v: dl.Dropout(v)),
    "Conv2D kernel_size": ("kernel_size", NOT_INTS, lambda v: dl.Conv2D(1, 1, v)),
    "forward X": ("X", _bad_array((4, 2)), lambda v: _net().forward(v)),
    "forward training": ("training", NOT_BOOLS, lambda v: _net().forward(X2, training=v)),
    "loss T": ("T", _bad_array((4, 1)), lambda v: _net().loss(X2, v)),
    "sse A": ("A", _bad_array((4, 1)), lambda v: dl.losses.get("sse")(v, T1)),
    "one_hot labels": ("labels", st.one_of(NOT_ARRAYS, st.just([0.5]), st.just([-1]), st.just([])),
                       lambda v: dl.one_hot(v)),
    "range_normalize X": ("X", st.one_of(NOT_ARRAYS, st.just([[np.nan, 1.0]])), lambda v: dl.range_normalize(v)),
    "softmax z": ("z", st.one_of(NOT_ARRAYS, st.just([np.nan])), lambda v: dl.softmax(v)),
    "initialize n_out": ("n_out", NOT_INTS, lambda v: I.initialize("he", 2, v, 0)),
    "activations.get": ("activation", NOT_NAMES, lambda v: dl.activations.get(v)),
    "losses.get": ("loss", NOT_NAMES, lambda v: dl.losses.get(v)),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_malformed_arguments_raise_errors_naming_them(entry):
    name, bad, call = ENTRY_POINTS[entry]

    @SETTINGS
    @given(bad)
    def run(value):
        with pytest.raises((ValueError, TypeError)) as err:
            call(value)
        assert name in str(err.value), f"{entry}: {err.value!r} does not name {name!r}"

    run()


# ------------------------------------------------------------- 3. finite in, finite out
FLOATS = {np.float32: st.floats(width=32, allow_nan=False, allow_infinity=False),
          np.float64: st.floats(allow_nan=False, allow_infinity=False)}


def _arrays(dtype, shape=(2, 3)):
    return st.lists(FLOATS[dtype], min_size=int(np.prod(shape)), max_size=int(np.prod(shape))).map(
        lambda v: np.array(v, dtype=dtype).reshape(shape))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["threshold", "linear", "logistic", "tanh", "relu", "leaky_relu",
                                  "softmax"])
def test_activations_stay_finite_on_any_finite_input(name, dtype):
    act = dl.activations.get(name)

    @SETTINGS
    @given(_arrays(dtype))
    def run(z):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            a = act(z)
            slope = None if name == "softmax" else act.derivative(z)
        assert np.all(np.isfinite(a)) and a.dtype == dtype
        assert slope is None or np.all(np.isfinite(slope))
        if name == "softmax":
            np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-5)

    run()


def _true_loss(loss, Z, T):
    """The loss in extended precision (np.longdouble: a far larger exponent range on x86), as a
    judge of whether the true value fits in float64."""
    Z, T = Z.astype(np.longdouble), T.astype(np.longdouble)
    if loss in ("sse", "mse"):
        E = 0.5 * np.sum((Z - T) ** 2)
        return E * (2 / Z.shape[-1]) if loss == "mse" else E
    if loss == "binary_cross_entropy":
        return np.sum(np.maximum(Z, 0) - T * Z + np.log1p(np.exp(-np.abs(Z))))
    m = Z.max(axis=-1, keepdims=True)
    lse = m + np.log(np.exp(Z - m).sum(axis=-1, keepdims=True))
    return np.sum(T * (lse - Z))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("loss, act", [("sse", None), ("mse", None), ("binary_cross_entropy", "logistic"),
                                       ("cross_entropy", "softmax")])
def test_losses_are_finite_where_the_true_value_is(loss, act, dtype):
    L = dl.losses.get(loss)

    @SETTINGS
    @given(_arrays(dtype), st.integers(0, 2**32 - 1))
    def run(Z, seed):
        T = _targets(loss, 2, 3, np.random.default_rng(seed)).astype(dtype)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if act is None:
                E = L(Z, T)
            else:
                E = L.value_from_logits(Z, T, dl.activations.get(act))
                assert np.isfinite(L(dl.activations.get(act)(Z), T))   # from probabilities: clipped
                assert np.all(np.isfinite(L.grad(dl.activations.get(act)(Z), T)))
        # finite, without a warning, whenever the true value is finite: short of the last
        # rounding steps below float64's largest number (where rounding the difference a − t
        # alone can cross it)
        if _true_loss(loss, Z, T) < np.finfo(np.float64).max * (1 - 1e-9):
            assert np.isfinite(E) and not caught, (Z, T, E, [str(w.message) for w in caught])

    run()
