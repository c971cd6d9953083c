"""Conv2D, MaxPool2D, AvgPool2D and Flatten: naive loops, finite differences, bad input."""
import numpy as np
import pytest

import dlcore as dl
from dlcore.nn.conv import (
    col2im,
    convolve2d,
    correlate2d,
    im2col,
    layer_shapes,
    output_size,
)


# ------------------------------------------------------------- naive references
def naive_conv_forward(x, W, b, stride, padding):
    """Kaplan's a_ij = Σ_p Σ_q x_{i+p−1, j+q−1} w_pq, summed over input maps, one value at a time."""
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, padding
    xp = np.zeros((n, c_in, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    z = np.zeros((n, c_out, ho, wo))
    for e in range(n):
        for o in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    total = b[o]
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                total += xp[e, c, i * sh + p, j * sw + q] * W[o, c, p, q]
                    z[e, o, i, j] = total
    return z


def naive_conv_backward(x, W, delta, stride, padding):
    """∂E/∂W, ∂E/∂b and ∂E/∂x from δ = ∂E/∂z, accumulating one product at a time."""
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, padding
    xp = np.zeros((n, c_in, h + 2 * ph, w + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + w] = x
    dW, db, dxp = np.zeros_like(W), np.zeros(c_out), np.zeros_like(xp)
    for e in range(n):
        for o in range(c_out):
            for i in range(delta.shape[2]):
                for j in range(delta.shape[3]):
                    d = delta[e, o, i, j]
                    db[o] += d
                    for c in range(c_in):
                        for p in range(kh):
                            for q in range(kw):
                                dW[o, c, p, q] += d * xp[e, c, i * sh + p, j * sw + q]
                                dxp[e, c, i * sh + p, j * sw + q] += d * W[o, c, p, q]
    return dW, db, dxp[:, :, ph:ph + h, pw:pw + w]


def naive_pool(x, size, stride, kind):
    """Pooled values and ∂(Σ dA·a)/∂x by explicit loops (max: first arg-max in reading order)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw) = size, stride
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    a = np.zeros((n, c, ho, wo))
    where = {}
    for e in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    win = x[e, ch, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    if kind == "max":
                        p, q = np.unravel_index(np.argmax(win), win.shape)
                        a[e, ch, i, j] = win[p, q]
                        where[e, ch, i, j] = [(i * sh + p, j * sw + q, 1.0)]
                    else:
                        a[e, ch, i, j] = win.mean()
                        where[e, ch, i, j] = [(i * sh + p, j * sw + q, 1.0 / (kh * kw))
                                              for p in range(kh) for q in range(kw)]
    return a, where


def naive_pool_backward(x_shape, where, dA):
    dx = np.zeros(x_shape)
    for (e, ch, i, j), targets in where.items():
        for r, s, share in targets:
            dx[e, ch, r, s] += share * dA[e, ch, i, j]
    return dx


def layer_backward(layer, x, dA):
    """Run one layer's part of the Network protocol: δ, parameter gradients, ∂E/∂input."""
    z, a, cache = layer.forward(x)
    delta, grads = layer.backward(dA, z, a, x, cache)
    return z, a, grads, layer.input_grad(delta, cache)


CONV_CASES = [  # (n, c_in, h, w, c_out, kernel, stride, padding)
    (2, 1, 5, 5, 1, 3, 1, 0),
    (3, 2, 6, 7, 3, 3, 1, 1),
    (2, 3, 7, 6, 4, 3, 2, 0),
    (2, 2, 8, 8, 2, 2, 2, 1),
    (1, 3, 9, 7, 2, (2, 3), (2, 1), (1, 0)),
    (2, 2, 6, 6, 3, 5, 3, 2),
    (2, 1, 4, 4, 2, 4, 1, 0),          # kernel as large as the input: one output pixel
]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_forward_and_backward_match_the_naive_loops(case, seed):
    n, c_in, h, w, c_out, k, s, p = case
    rng = np.random.default_rng(seed)
    layer = dl.Conv2D(c_in, c_out, k, s, p, rng=rng)
    layer.b[...] = rng.normal(size=c_out)
    x = rng.normal(size=(n, c_in, h, w))
    z, a, grads, dx = layer_backward(layer, x, dA := rng.normal(size=layer.forward(x)[0].shape))
    np.testing.assert_allclose(z, naive_conv_forward(x, layer.W, layer.b, _pair(s), _pair(p)),
                               rtol=1e-12, atol=1e-12)
    dW, db, dx_naive = naive_conv_backward(x, layer.W, dA, _pair(s), _pair(p))
    np.testing.assert_allclose(grads["W"], dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["b"], db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, dx_naive, rtol=1e-12, atol=1e-12)
    assert dx.shape == x.shape


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("size, stride, shape", [(2, None, (2, 3, 6, 6)), (2, None, (2, 2, 7, 5)),
                                                 (3, 2, (2, 2, 7, 8)), (2, 1, (1, 3, 5, 6)),
                                                 ((2, 3), (1, 2), (2, 2, 6, 7)), (3, 3, (1, 1, 3, 3))])
def test_pooling_matches_the_naive_loops(kind, size, stride, shape):
    rng = np.random.default_rng(sum(shape))
    layer = (dl.MaxPool2D if kind == "max" else dl.AvgPool2D)(size, stride)
    x = rng.normal(size=shape)
    a_naive, where = naive_pool(x, _pair(size), _pair(stride if stride is not None else size), kind)
    dA = rng.normal(size=a_naive.shape)
    z, a, grads, dx = layer_backward(layer, x, dA)
    np.testing.assert_allclose(a, a_naive, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(dx, naive_pool_backward(shape, where, dA), rtol=1e-13, atol=1e-13)
    assert grads == {} and layer.params == {}


def test_max_pool_gradient_goes_only_to_the_arg_max():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 6, 6))
    mask = dl.MaxPool2D.argmax_mask(x, 2)
    blocks = mask.reshape(2, 3, 3, 2, 3, 2)
    assert np.all(blocks.sum(axis=(3, 5)) == 1)           # exactly one winner per window
    x_blocks = x.reshape(2, 3, 3, 2, 3, 2)
    np.testing.assert_array_equal((blocks * x_blocks).sum(axis=(3, 5)), x_blocks.max(axis=(3, 5)))
    # a tie: the gradient still goes to one input, the first in reading order
    tie = np.array([[[[1.0, 5.0], [5.0, 2.0]]]])
    np.testing.assert_array_equal(dl.MaxPool2D.argmax_mask(tie, 2)[0, 0], [[0, 1], [0, 0]])
    # overlapping windows: an input that wins two windows collects both gradients
    x = np.array([[[[0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]])
    layer = dl.MaxPool2D((2, 2), stride=1)
    z, a, cache = layer.forward(x)
    dz, _ = layer.backward(np.array([[[[1.0, 2.0]]]]), z, a, x, cache)
    np.testing.assert_array_equal(dz[0, 0], [[0, 3, 0], [0, 0, 0]])


def _conv_net(seed, conv_kwargs, pool=None, act="tanh", shape=(2, 6, 6), out=3):
    rng = np.random.default_rng(seed)
    conv = dl.Conv2D(shape[0], 3, activation=act, rng=rng, init="normal",
                     init_kwargs={"sigma": 0.5}, **conv_kwargs)
    conv.b[...] = rng.normal(0, 0.3, conv.b.shape)
    layers = [conv] + ([pool] if pool is not None else []) + [dl.Flatten()]
    flat = layer_shapes(layers, shape)[-1][1][0]
    dense = dl.Dense(flat, out, activation="linear", rng=rng)
    dense.b[...] = rng.normal(0, 0.3, out)
    return dl.Network(layers + [dense], loss="sse"), rng


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("conv_kwargs, pool", [
    ({"kernel_size": 3}, None),
    ({"kernel_size": 3, "padding": 1}, "max"),
    ({"kernel_size": 2, "stride": 2}, None),
    ({"kernel_size": 3, "stride": 2, "padding": 1}, "avg"),
    ({"kernel_size": (3, 2), "stride": (1, 2), "padding": (0, 1)}, None),
])
def test_conv_networks_pass_gradcheck(seed, conv_kwargs, pool):
    pool = {"max": dl.MaxPool2D(2), "avg": dl.AvgPool2D(2, stride=1), None: None}[pool]
    net, rng = _conv_net(seed, conv_kwargs, pool)
    X = rng.normal(size=(3, 2, 6, 6))
    T = rng.normal(size=(3, 3))
    assert dl.gradcheck(net, X, T) < 1e-6


@pytest.mark.parametrize("act", ["relu", "logistic", "leaky_relu", "prelu", "linear"])
def test_conv_activations_pass_gradcheck(act):
    net, rng = _conv_net(4, {"kernel_size": 3, "padding": 1}, act=act)
    if act == "prelu":
        net.layers[0].lam[...] = rng.uniform(0.05, 0.5, 3)
    X = rng.normal(size=(2, 2, 6, 6))
    assert dl.gradcheck(net, X, rng.normal(size=(2, 3))) < 1e-6


def test_two_conv_layers_with_cross_entropy_pass_gradcheck():
    rng = np.random.default_rng(7)
    net = dl.Network([dl.Conv2D(1, 3, 3, padding=1, activation="tanh", rng=rng),
                      dl.MaxPool2D(2),
                      dl.Conv2D(3, 4, 2, activation="relu", rng=rng),
                      dl.Flatten(),
                      dl.Dense(4 * 2 * 2, 5, activation="softmax", rng=rng)], loss="cross_entropy")
    X = rng.normal(size=(4, 1, 6, 6))
    T = dl.one_hot(rng.integers(0, 5, 4), 5)
    assert dl.gradcheck(net, X, T) < 1e-6
    assert dl.gradcheck(net, X, T, reduction="mean") < 1e-6


def test_correlation_follows_kaplans_indexing_and_convolution_flips_the_kernel():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    a = correlate2d(x, w)
    expected = [[sum(x[i + p, j + q] * w[p, q] for p in range(2) for q in range(2))
                 for j in range(2)] for i in range(2)]
    np.testing.assert_array_equal(a, expected)                     # 2×2 output, stride 1
    np.testing.assert_array_equal(convolve2d(x, w), correlate2d(x, w[::-1, ::-1]))
    np.testing.assert_array_equal(correlate2d(x, w, padding=1).shape, (4, 4))
    np.testing.assert_array_equal(correlate2d(x, w, stride=2), [[expected[0][0]]])
    layer = dl.Conv2D(1, 1, 2)
    layer.W[0, 0] = w
    np.testing.assert_array_equal(layer.forward(x[None, None])[0][0, 0], a)


def test_im2col_and_col2im_are_adjoint():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 7, 6))
    cols = im2col(x, (3, 2), (2, 1))
    y = rng.normal(size=cols.shape)
    # <im2col(x), y> = <x, col2im(y)>
    assert np.isclose(np.sum(cols * y), np.sum(x * col2im(y, x.shape, (3, 2), (2, 1))))


def test_lenet5_layer_shapes():
    layers = [dl.Conv2D(1, 6, 5), dl.AvgPool2D(2), dl.Conv2D(6, 16, 5), dl.AvgPool2D(2),
              dl.Conv2D(16, 120, 5), dl.Flatten(), dl.Dense(120, 84, activation="tanh"),
              dl.Dense(84, 10, activation="softmax")]
    shapes = [s for _, s, _ in layer_shapes(layers, (1, 32, 32))]
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (120,),
                      (84,), (10,)]
    net = dl.Network(layers, loss="cross_entropy")
    assert net.predict(np.zeros((2, 1, 32, 32))).shape == (2, 10)


def test_output_size_formula():
    assert output_size(32, 5) == 28
    assert output_size(6, 3, 1, 1) == 6
    assert output_size(7, 3, 2, 0) == 3
    assert output_size(3, 3) == 1


def test_a_cnn_learns_the_digits():
    d = dl.datasets.digits(seed=0)
    X, y = d.images(d.X_train[:300]), d.y_train[:300]
    net = dl.Network([dl.Conv2D(1, 4, 3, padding=1, activation="relu", init="he", rng=0),
                      dl.MaxPool2D(2), dl.Flatten(),
                      dl.Dense(64, 10, activation="softmax", rng=1)], loss="cross_entropy")
    h = dl.fit(net, X, dl.one_hot(y, 10), lr=0.1, epochs=15, batch_size=20, reduction="mean", rng=0)
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert np.mean(net.predict(X).argmax(axis=1) == y) > 0.85


def test_validation_forward_passes_do_not_disturb_backpropagation():
    """fit evaluates the validation set between a forward pass and its backward pass."""
    d = dl.datasets.digits(seed=1)
    X, T = d.images(d.X_train[:60]), d.T_train[:60]
    Xv, Tv = d.images(d.X_val[:17]), d.T_val[:17]

    def make():
        return dl.Network([dl.Conv2D(1, 2, 3, stride=2, activation="relu", rng=3),
                           dl.MaxPool2D(2, stride=1), dl.Flatten(),
                           dl.Dense(8, 10, activation="softmax", rng=4)], loss="cross_entropy")
    a, b = make(), make()
    ha = dl.fit(a, X, T, lr=0.1, epochs=5)
    hb = dl.fit(b, X, T, lr=0.1, epochs=5, validation=(Xv, Tv))
    np.testing.assert_allclose(ha.loss, hb.loss, rtol=1e-12)


def test_float32_conv():
    layer = dl.Conv2D(2, 3, 3, rng=0, dtype=np.float32)
    z, a, _ = layer.forward(np.ones((1, 2, 5, 5), dtype=np.float32))
    assert layer.W.dtype == np.float32 and a.dtype == np.float32


def test_flatten_round_trip():
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    f = dl.Flatten()
    z, a, c = f.forward(x)
    assert a.shape == (2, 12)
    delta, _ = f.backward(a * 2, z, a, x, c)
    np.testing.assert_array_equal(f.input_grad(delta, c), 2 * x)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs, exc, match", [
    ({"kernel_size": 0}, ValueError, "kernel_size"),
    ({"kernel_size": 2.5}, TypeError, "kernel_size"),
    ({"kernel_size": (2, 2, 2)}, ValueError, "kernel_size"),
    ({"kernel_size": 3, "stride": 0}, ValueError, "stride"),
    ({"kernel_size": 3, "padding": -1}, ValueError, "padding"),
    ({"kernel_size": 3, "activation": "softmax"}, ValueError, "elementwise"),
    ({"kernel_size": 3, "activation": "swish"}, ValueError, "activation"),
    ({"kernel_size": 3, "init": "nope"}, ValueError, "init"),
])
def test_conv_rejects_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        dl.Conv2D(1, 2, **kwargs)


def test_conv_rejects_bad_inputs():
    layer = dl.Conv2D(3, 2, 5, padding=1)
    with pytest.raises(ValueError, match="larger than the padded input"):
        layer.forward(np.zeros((1, 3, 2, 9)))
    with pytest.raises(ValueError, match="3 channel"):
        layer.forward(np.zeros((1, 1, 9, 9)))
    with pytest.raises(ValueError, match="4-dimensional"):
        layer.forward(np.zeros((3, 9, 9)))
    net = dl.Network([layer, dl.Flatten(), dl.Dense(2 * 7 * 7, 1)])
    with pytest.raises(ValueError, match="channel"):
        net.predict(np.zeros((1, 2, 9, 9)))
    with pytest.raises(ValueError, match="4-dimensional"):
        net.predict(np.zeros((2, 81)))
    with pytest.raises(ValueError, match="finite"):
        net.predict(np.full((1, 3, 9, 9), np.nan))
    with pytest.raises(ValueError, match="c_in"):
        dl.Conv2D(0, 2, 3)
    with pytest.raises(ValueError, match="input channel"):
        layer.output_shape((1, 9, 9))


def test_conv_backward_keeps_no_state_between_calls():
    """Everything backward needs travels in the forward pass's cache, so two forward passes
    can be backpropagated in any order (the layer used to keep the last call on self)."""
    rng = np.random.default_rng(3)
    layer = dl.Conv2D(1, 2, 2, activation="tanh", rng=rng)
    x1, x2 = rng.normal(size=(2, 1, 4, 4)), rng.normal(size=(3, 1, 5, 5))
    dA1, dA2 = rng.normal(size=(2, 2, 3, 3)), rng.normal(size=(3, 2, 4, 4))
    first = [layer_backward(layer, x, dA) for x, dA in ((x1, dA1), (x2, dA2))]
    z1, a1, c1 = layer.forward(x1)
    z2, a2, c2 = layer.forward(x2)
    d2, g2 = layer.backward(dA2, z2, a2, x2, c2)        # the second pass first
    d1, g1 = layer.backward(dA1, z1, a1, x1, c1)
    np.testing.assert_array_equal(layer.input_grad(d1, c1), first[0][3])
    np.testing.assert_array_equal(layer.input_grad(d2, c2), first[1][3])
    np.testing.assert_array_equal(g1["W"], first[0][2]["W"])
    np.testing.assert_array_equal(g2["W"], first[1][2]["W"])
    assert vars(layer).keys() == {"c_in", "c_out", "kernel_size", "stride", "padding",
                                  "activation", "dtype", "W", "b"}


def test_pooling_and_shape_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="size"):
        dl.MaxPool2D(0)
    with pytest.raises(ValueError, match="stride"):
        dl.AvgPool2D(2, stride=0)
    with pytest.raises(ValueError, match="larger than the padded input"):
        dl.MaxPool2D(3).forward(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="4-dimensional"):
        dl.AvgPool2D(2).forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"layers\[1\]"):
        layer_shapes([dl.Conv2D(1, 2, 3), dl.Conv2D(3, 2, 3)], (1, 8, 8))
    with pytest.raises(ValueError, match="Dense"):
        layer_shapes([dl.Flatten(), dl.Dense(10, 2)], (1, 8, 8))
    with pytest.raises(ValueError, match="image"):
        correlate2d(np.zeros(3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="kernel height"):
        correlate2d(np.zeros((2, 2)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="the last layer"):
        dl.Network([dl.Conv2D(1, 1, 2), dl.MaxPool2D(2)])


def test_flatten_with_an_input_shape_checks_sizes():
    with pytest.raises(ValueError, match="inputs"):
        dl.Network([dl.Conv2D(1, 2, 3), dl.Flatten(input_shape=(2, 6, 6)), dl.Dense(70, 1)])
    net = dl.Network([dl.Conv2D(1, 2, 3), dl.Flatten(input_shape=(2, 6, 6)), dl.Dense(72, 1)])
    assert net.predict(np.zeros((1, 1, 8, 8))).shape == (1, 1)
    with pytest.raises(ValueError, match="Flatten"):
        net.predict(np.zeros((1, 1, 9, 9)))
    with pytest.raises(ValueError, match="Flatten"):
        dl.Network([dl.Flatten(input_shape=(1, 8, 8)), dl.Dense(64, 2)]).predict(np.zeros((2, 1, 4, 16)))
    with pytest.raises(TypeError, match="input_shape"):
        dl.Flatten(input_shape=64)
    with pytest.raises(ValueError, match="input_shape"):
        dl.Flatten(input_shape=(0, 3))


def test_window_helpers_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="kernel"):
        im2col(np.zeros((1, 1, 2, 2)), (3, 3), (1, 1))
    with pytest.raises(ValueError, match="cols"):
        col2im(np.zeros(5), (1, 1, 4, 4), (2, 2), (1, 1))

