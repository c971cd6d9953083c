"""Convolution, pooling, RNN and LSTM against PyTorch (optional: skipped without torch).

Values and gradients of dlcore's layers on random inputs are compared with PyTorch's own
layers (conv2d, max_pool2d, avg_pool2d, nn.RNN, nn.LSTM) and their autograd, in float64.
"""
import numpy as np
import pytest

import dlcore as dl

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_ACT = {"linear": lambda z: z, "tanh": torch.tanh, "relu": torch.relu,
             "logistic": torch.sigmoid}


def t64(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def run_layer(layer, x, dA):
    z, a, cache = layer.forward(x)
    delta, grads = layer.backward(dA, z, a, x, cache)
    return a, grads, layer.input_grad(delta, cache)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("shape, c_out, k, s, p, act", [
    ((2, 1, 8, 8), 3, 3, 1, 0, "relu"),
    ((3, 2, 9, 7), 4, 3, 2, 1, "tanh"),
    ((2, 3, 10, 10), 2, (3, 5), (2, 1), (0, 2), "logistic"),
    ((1, 6, 14, 14), 16, 5, 1, 0, "linear"),
    ((2, 2, 6, 6), 2, 6, 1, 0, "linear"),
])
def test_conv2d_matches_torch(shape, c_out, k, s, p, act, seed):
    rng = np.random.default_rng(seed)
    layer = dl.Conv2D(shape[1], c_out, k, s, p, activation=act, rng=rng)
    layer.b[...] = rng.normal(size=c_out)
    x = rng.normal(size=shape)
    xt, Wt, bt = t64(x), t64(layer.W), t64(layer.b)
    out = TORCH_ACT[act](F.conv2d(xt, Wt, bt, stride=s, padding=p))
    dA = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dA))
    a, g, dx = run_layer(layer, x, dA)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g["W"], Wt.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(g["b"], bt.grad.numpy(), rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape, size, stride", [((2, 3, 8, 8), 2, None), ((2, 2, 7, 9), 3, 2),
                                                 ((1, 4, 6, 5), 2, 1), ((2, 1, 9, 8), (2, 3), (3, 2))])
def test_pooling_matches_torch(kind, shape, size, stride):
    rng = np.random.default_rng(sum(shape))
    layer = (dl.MaxPool2D if kind == "max" else dl.AvgPool2D)(size, stride)
    x = rng.normal(size=shape)
    xt = t64(x)
    fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    out = fn(xt, size, stride)
    dA = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dA))
    a, _, dx = run_layer(layer, x, dA)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_a_small_cnn_matches_torch_end_to_end():
    rng = np.random.default_rng(5)
    net = dl.Network([dl.Conv2D(1, 4, 3, padding=1, activation="relu", rng=rng), dl.MaxPool2D(2),
                      dl.Conv2D(4, 6, 3, activation="tanh", rng=rng), dl.AvgPool2D(2), dl.Flatten(),
                      dl.Dense(6, 10, activation="softmax", rng=rng)], loss="cross_entropy")
    for lay in net.layers:
        if "b" in lay.params:
            lay.b[...] = rng.normal(0, 0.2, lay.b.shape)
    X = rng.normal(size=(5, 1, 8, 8))
    y = rng.integers(0, 10, 5)
    grads = net.backward(net.forward(X), dl.one_hot(y, 10))
    P = [{k: t64(v) for k, v in lay.params.items()} for lay in net.layers]
    h = torch.relu(F.conv2d(t64(X, False), P[0]["W"], P[0]["b"], padding=1))
    h = F.max_pool2d(h, 2)
    h = F.avg_pool2d(torch.tanh(F.conv2d(h, P[2]["W"], P[2]["b"])), 2).flatten(1)
    logits = h @ P[5]["W"].T + P[5]["b"]
    F.cross_entropy(logits, torch.tensor(y), reduction="sum").backward()
    for l, p in enumerate(P, start=1):
        for k, v in p.items():
            np.testing.assert_allclose(grads.params[l][k], v.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("T", [1, 4, 9])
@pytest.mark.parametrize("seed", [0, 1])
def test_simple_rnn_matches_torch_rnn(T, seed):
    rng = np.random.default_rng(seed)
    layer = dl.SimpleRNN(3, 5, return_sequences=True, rng=rng)
    layer.b[...] = rng.normal(size=5)
    rnn = torch.nn.RNN(3, 5, nonlinearity="tanh", batch_first=True).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(layer.W_hx))
        rnn.weight_hh_l0.copy_(torch.tensor(layer.W_hh))
        rnn.bias_ih_l0.copy_(torch.tensor(layer.b))
        rnn.bias_hh_l0.zero_()
    X = rng.normal(size=(2, T, 3))
    xt = t64(X)
    out, _ = rnn(xt)
    dA = rng.normal(size=(2, T, 5))
    out.backward(torch.tensor(dA))
    a, g, dx = run_layer(layer, X, dA)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(g["W_hx"], rnn.weight_ih_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["W_hh"], rnn.weight_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g["b"], rnn.bias_hh_l0.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("T", [1, 3, 8])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_lstm_matches_torch_lstm(T, return_sequences):
    rng = np.random.default_rng(T)
    H, Fe = 4, 3
    layer = dl.LSTM(Fe, H, return_sequences=return_sequences, rng=rng)
    for p in layer.params.values():
        p[...] = rng.normal(0, 0.5, p.shape)
    lstm = torch.nn.LSTM(Fe, H, batch_first=True).double()
    order = ["W_i", "W_f", "W_c", "W_o"]            # PyTorch stacks the gates as i, f, g, o
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.tensor(np.concatenate([layer.params[k][:, 1 + H:] for k in order])))
        lstm.weight_hh_l0.copy_(torch.tensor(np.concatenate([layer.params[k][:, 1:1 + H] for k in order])))
        lstm.bias_ih_l0.copy_(torch.tensor(np.concatenate([layer.params[k][:, 0] for k in order])))
        lstm.bias_hh_l0.zero_()
    X = rng.normal(size=(2, T, Fe))
    xt = t64(X)
    out, _ = lstm(xt)
    if not return_sequences:
        out = out[:, -1]
    dA = rng.normal(size=tuple(out.shape))
    out.backward(torch.tensor(dA))
    a, g, dx = run_layer(layer, X, dA)
    np.testing.assert_allclose(a, out.detach().numpy(), rtol=1e-12, atol=1e-13)
    for j, k in enumerate(order):
        rows = slice(j * H, (j + 1) * H)
        np.testing.assert_allclose(g[k][:, 0], lstm.bias_hh_l0.grad.numpy()[rows], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g[k][:, 1:1 + H], lstm.weight_hh_l0.grad.numpy()[rows],
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(g[k][:, 1 + H:], lstm.weight_ih_l0.grad.numpy()[rows],
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_lstm_worked_example_matches_torch_autograd_of_the_lecture_equations():
    """Eq. 106-117 written in torch; autograd must give eq. 132-138's ∂E/∂W^(f)."""
    from dlcore.chapters.ch16_lstm import figure41_example

    e = figure41_example()
    layer = e["layer"]
    W = {k: t64(v) for k, v in layer.params.items()}
    hx = torch.tensor(np.r_[1.0, e["h_prev"], e["x"]])
    c_prev = torch.tensor(e["c_prev"])
    f = torch.sigmoid(W["W_f"] @ hx)
    c = c_prev * f + torch.sigmoid(W["W_i"] @ hx) * torch.tanh(W["W_c"] @ hx)
    o = torch.sigmoid(W["W_o"] @ hx) * torch.tanh(c)
    # E such that ∂E/∂o_t and ∂E/∂c_t (from the next step) are the lecture's numbers
    E = (torch.tensor(e["dEt_do"] + e["dEnext_dh"]) * o).sum() + (torch.tensor(e["dEnext_dc"]) * c).sum()
    E.backward()
    v = layer.step(e["x"], e["h_prev"], e["c_prev"])
    g = layer.step_backward(v, e["dEt_do"] + e["dEnext_dh"], e["dEnext_dc"])
    for k in W:
        np.testing.assert_allclose(g["d" + k], W[k].grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(np.round(W["W_f"].grad.numpy(), 9),
                               [[0.064732317, 0.006473232, 0.051785854, 0.058259085],
                                [0.141057014, 0.014105701, 0.112845611, 0.126951313]])
