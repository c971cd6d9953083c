"""SimpleRNN and LSTM: naive per-example loops, Algorithm 3, finite differences, lecture numbers."""
import numpy as np
import pytest

import dlcore as dl
from dlcore.chapters.ch16_lstm import figure41_example, forget_gate_example
from dlcore.nn.recurrent import orthogonal
from dlcore.nn.through_time import gradient_norms, hidden_gradients

sigma = dl.activations.logistic


# ------------------------------------------------------------- naive references
def naive_rnn_forward(layer, X):
    """Eq. 104 one example and one step at a time, with column vectors."""
    phi = layer.hidden_activation
    out = np.zeros((X.shape[0], X.shape[1], layer.n_hidden))
    for e in range(X.shape[0]):
        h = np.zeros(layer.n_hidden)
        for t in range(X.shape[1]):
            h = phi.forward(layer.W_hh @ h + layer.W_hx @ X[e, t] + layer.b)
            out[e, t] = h
    return out


def algorithm3_gradients(layer, X, dE_dh):
    """Kelleher's Algorithm 3, literally: for every time step t, unroll the network
    through steps 1 … t, take that step's error and backpropagate it through all t steps;
    sum the weight gradients across the unrolled copies and the time steps.

    ``dE_dh(e, t, h_t)`` is the error gradient of step t's output for example e.
    """
    phi = layer.hidden_activation
    g = {k: np.zeros_like(v) for k, v in layer.params.items()}
    for e in range(X.shape[0]):
        for t in range(X.shape[1]):
            hs, zs = [np.zeros(layer.n_hidden)], []
            for i in range(t + 1):                        # forward through t + 1 steps
                zs.append(layer.W_hh @ hs[-1] + layer.W_hx @ X[e, i] + layer.b)
                hs.append(phi.forward(zs[-1]))
            dh = dE_dh(e, t, hs[-1])
            for i in range(t, -1, -1):                    # backpropagate E_t through them
                delta = dh * phi.derivative(zs[i])
                g["W_hh"] += np.outer(delta, hs[i])
                g["W_hx"] += np.outer(delta, X[e, i])
                g["b"] += delta
                dh = layer.W_hh.T @ delta
    return g


def naive_lstm(layer, X, dE_dh_last):
    """The lecture's equations one example at a time, forward (106-117) and back (118-131)."""
    H = layer.n_hidden
    grads = {k: np.zeros_like(v) for k, v in layer.params.items()}
    outputs, dX = np.zeros((X.shape[0], H)), np.zeros_like(X)
    for e in range(X.shape[0]):
        h, c, saved = np.zeros(H), np.zeros(H), []
        for t in range(X.shape[1]):
            hx = np.concatenate([[1.0], h, X[e, t]])
            f = sigma(layer.W_f @ hx)
            i_dag, i_ddag = sigma(layer.W_i @ hx), np.tanh(layer.W_c @ hx)
            o_dag = sigma(layer.W_o @ hx)
            c_new = c * f + i_dag * i_ddag
            saved.append((hx, c, f, i_dag, i_ddag, o_dag, c_new))
            h, c = o_dag * np.tanh(c_new), c_new
        outputs[e] = h
        dh, dc = dE_dh_last[e], np.zeros(H)
        for t in range(X.shape[1] - 1, -1, -1):
            hx, c_prev, f, i_dag, i_ddag, o_dag, c_t = saved[t]
            dc = dh * o_dag * (1 - np.tanh(c_t) ** 2) + dc
            d = {"W_f": dc * c_prev * f * (1 - f), "W_i": dc * i_ddag * i_dag * (1 - i_dag),
                 "W_c": dc * i_dag * (1 - i_ddag ** 2), "W_o": dh * np.tanh(c_t) * o_dag * (1 - o_dag)}
            dhx = sum(getattr(layer, k).T @ v for k, v in d.items())
            for k, v in d.items():
                grads[k] += np.outer(v, hx)
            dh, dc = dhx[1:1 + H], dc * f
            dX[e, t] = dhx[1 + H:]
    return outputs, grads, dX


def _randomise(net, rng, scale=0.5):
    for layer in net.layers:
        for p in layer.params.values():
            p[...] = rng.normal(0, scale, p.shape)


# ------------------------------------------------------------------- SimpleRNN
@pytest.mark.parametrize("T", [1, 2, 5, 9])
@pytest.mark.parametrize("seed", [0, 1])
def test_rnn_forward_matches_eq_104(T, seed):
    rng = np.random.default_rng(seed)
    layer = dl.SimpleRNN(3, 4, return_sequences=True, rng=rng)
    layer.b[...] = rng.normal(size=4)
    X = rng.normal(size=(2, T, 3))
    z, a, _ = layer.forward(X)
    np.testing.assert_allclose(a, naive_rnn_forward(layer, X), rtol=1e-13, atol=1e-13)
    last = dl.SimpleRNN(3, 4, rng=0)
    for k, v in layer.params.items():
        last.params[k][...] = v
    np.testing.assert_allclose(last.forward(X)[1], a[:, -1], rtol=1e-13)


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
@pytest.mark.parametrize("T", [1, 3, 6])
def test_bptt_equals_algorithm_3(T, activation):
    """One backward sweep gives Algorithm 3's sum of per-step backpropagations."""
    rng = np.random.default_rng(T)
    layer = dl.SimpleRNN(2, 3, activation=activation, return_sequences=True, rng=rng)
    layer.b[...] = rng.normal(size=3)
    X, Y = rng.normal(size=(2, T, 2)), rng.normal(size=(2, T, 3))
    z, a, cache = layer.forward(X)
    r = layer.bptt(a - Y, z, cache)                       # E = Σ_t ½‖h_t − y_t‖²
    expected = algorithm3_gradients(layer, X, lambda e, t, h: h - Y[e, t])
    for k in expected:
        np.testing.assert_allclose(r.grads[k], expected[k], rtol=1e-11, atol=1e-12)
    # the protocol path gives the same gradients as the sweep
    delta, g = layer.backward(a - Y, z, a, X, cache)
    for k in expected:
        np.testing.assert_allclose(g[k], expected[k], rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("T", [1, 2, 4, 7])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("activation", ["tanh", "logistic", "leaky_relu"])
def test_rnn_networks_pass_gradcheck(T, seed, activation):
    rng = np.random.default_rng(seed)
    net = dl.Network([dl.SimpleRNN(3, 4, activation=activation, return_sequences=True, rng=rng),
                      dl.SimpleRNN(4, 3, activation=activation, rng=rng),
                      dl.Dense(3, 2, activation="linear", rng=rng)], loss="sse")
    _randomise(net, rng)
    X, Tg = rng.normal(size=(3, T, 3)), rng.normal(size=(3, 2))
    assert dl.gradcheck(net, X, Tg) < 1e-6


def test_rnn_input_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    net = dl.Network([dl.SimpleRNN(2, 3, rng=rng), dl.Dense(3, 1, activation="linear", rng=rng)])
    X, T = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 1))
    tr = net.forward(X)
    g = net.backward(tr, T)
    dX = net.layers[0].input_grad(g.delta[1], tr.cache[1])
    num = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp, Xm = X.copy(), X.copy()
        Xp[idx] += 1e-6
        Xm[idx] -= 1e-6
        num[idx] = (net.loss(Xp, T) - net.loss(Xm, T)) / 2e-6
    np.testing.assert_allclose(dX, num, rtol=1e-6, atol=1e-9)


# ------------------------------------------------------------------------ LSTM
@pytest.mark.parametrize("T", [1, 2, 5, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_lstm_matches_the_lecture_equations_example_by_example(T, seed):
    rng = np.random.default_rng(seed)
    layer = dl.LSTM(2, 3, rng=rng)
    for p in layer.params.values():
        p[...] = rng.normal(0, 0.6, p.shape)
    X, dA = rng.normal(size=(3, T, 2)), rng.normal(size=(3, 3))
    z, a, cache = layer.forward(X)
    out, grads, dX = naive_lstm(layer, X, dA)
    np.testing.assert_allclose(a, out, rtol=1e-12, atol=1e-13)
    r = layer.bptt(dA, z, cache)
    for k in grads:
        np.testing.assert_allclose(r.grads[k], grads[k], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(layer.input_grad(r.delta, cache), dX, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("T", [1, 3, 6])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lstm_networks_pass_gradcheck(T, seed):
    rng = np.random.default_rng(seed + 10)
    net = dl.Network([dl.LSTM(2, 3, return_sequences=True, rng=rng), dl.LSTM(3, 2, rng=rng),
                      dl.Dense(2, 2, activation="softmax", rng=rng)], loss="cross_entropy")
    _randomise(net, rng, 0.7)
    X = rng.normal(size=(3, T, 2))
    Tg = dl.one_hot(rng.integers(0, 2, 3), 2)
    assert dl.gradcheck(net, X, Tg) < 1e-6


def test_lstm_and_rnn_mix_and_return_sequences():
    rng = np.random.default_rng(8)
    net = dl.Network([dl.LSTM(1, 3, return_sequences=True, forget_bias=1.0, rng=rng),
                      dl.SimpleRNN(3, 2, rng=rng), dl.Dense(2, 1, activation="linear", rng=rng)])
    X, T = rng.normal(size=(2, 5, 1)), rng.normal(size=(2, 1))
    assert dl.gradcheck(net, X, T) < 1e-6
    assert np.all(net.layers[0].W_f[:, 0] == 1.0)


def test_step_backward_equals_one_step_of_bptt():
    rng = np.random.default_rng(2)
    layer = dl.LSTM(2, 3, rng=rng)
    X = rng.normal(size=(4, 1, 2))
    z, a, cache = layer.forward(X)
    dA = rng.normal(size=(4, 3))
    r = layer.bptt(dA, z, cache)
    v = layer.step(X[:, 0], np.zeros((4, 3)), np.zeros((4, 3)))
    g = layer.step_backward(v, dA)
    for gate in ("f", "i", "c", "o"):
        np.testing.assert_allclose(g["dW_" + gate], r.grads["W_" + gate], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g["dx"], layer.input_grad(r.delta, cache)[:, 0], rtol=1e-12)


# ------------------------------------------------------------- lecture numbers
def test_forget_gate_example_eq_108():
    W_f, c_prev, h_prev, x = forget_gate_example()
    hx = np.concatenate([[1.0], h_prev, x])             # the slide's cell has 3 values, h only 2,
    z = W_f @ hx                                        # so the gate is computed directly
    np.testing.assert_array_equal(z, [6.0, -6.0, 0.0])  # W^(f) · [1, 1, 1, 4]
    f = sigma(z)
    np.testing.assert_allclose(c_prev * f, [0.997527377, 0.002472623, 0.5], atol=5e-10)  # eq. 107


def test_figure_41_and_eq_132_to_138():
    e = figure41_example()
    layer = e["layer"]
    v = layer.step(e["x"], e["h_prev"], e["c_prev"])
    g = layer.step_backward(v, e["dEt_do"] + e["dEnext_dh"], e["dEnext_dc"])
    r9 = lambda a: np.round(np.ravel(a), 9)  # noqa: E731
    np.testing.assert_array_equal(r9(v["hx"]), [1.0, 0.1, 0.8, 0.9])
    np.testing.assert_array_equal(r9(g["dE_do"]), [0.9, 0.85])                         # 132
    np.testing.assert_array_equal(r9(v["o_dag"]), [0.575420058, 0.520987661])          # 133
    np.testing.assert_array_equal(r9(g["dE_do_ddag"]), [0.517878052, 0.442839512])     # 133
    np.testing.assert_array_equal(r9(1 - v["o_ddag"] ** 2), [0.999184559, 0.997048635])  # 134
    np.testing.assert_array_equal(r9(g["delta_o_ddag"]), [0.517455753, 0.441532531])   # 134
    np.testing.assert_array_equal(r9(g["dE_dc"]), [0.867455753, 0.941532531])          # 135
    np.testing.assert_array_equal(r9(g["dE_df"]), [0.260236726, 0.564919518])          # 136
    np.testing.assert_array_equal(r9(v["f"] * (1 - v["f"])), [0.248743973, 0.249694])  # 137
    np.testing.assert_array_equal(r9(g["delta_f"]), [0.064732317, 0.141057014])        # 137
    np.testing.assert_array_equal(r9(g["dW_f"]), [0.064732317, 0.006473232, 0.051785854,
                                                  0.058259085, 0.141057014, 0.014105701,
                                                  0.112845611, 0.126951313])           # 138


# ------------------------------------------------------ gradients per time step
def test_gradient_norms_vanish_or_explode_with_the_recurrent_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(0, 0.1, size=(4, 20, 1))
    T = np.ones((4, 1))
    norms = {}
    for scale in (0.5, 1.5):
        rnn = dl.SimpleRNN(1, 8, activation="linear", rng=1)
        rnn.W_hh[...] = orthogonal(8, rng=2, scale=scale)
        net = dl.Network([rnn, dl.Dense(8, 1, activation="linear", rng=3)])
        norms[scale] = gradient_norms(net, X, T)
        assert norms[scale].shape == (20,)
    ratio_small = norms[0.5][:-1] / norms[0.5][1:]
    ratio_big = norms[1.5][:-1] / norms[1.5][1:]
    np.testing.assert_allclose(ratio_small, 0.5, rtol=1e-9)   # ‖∂E/∂h_t‖ halves per step back
    np.testing.assert_allclose(ratio_big, 1.5, rtol=1e-9)     # and grows 1.5× per step back


def test_hidden_gradients_agree_with_the_network_deltas():
    rng = np.random.default_rng(3)
    net = dl.Network([dl.LSTM(2, 3, rng=rng), dl.Dense(3, 1, activation="linear", rng=rng)])
    X, T = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 1))
    r = hidden_gradients(net, X, T)
    np.testing.assert_allclose(r.delta, net.backward(net.forward(X), T).delta[1], rtol=1e-12)
    assert gradient_norms(net, X, T, which="c").shape == (4,)
    np.testing.assert_allclose(r.dh[:, -1], (net.predict(X) - T) @ net.layers[1].W, rtol=1e-12)


def test_an_rnn_learns_to_add_a_short_sequence():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(200, 4, 1))
    T = X.sum(axis=1) / 4
    for layer in (dl.SimpleRNN(1, 6, rng=1), dl.LSTM(1, 6, rng=1)):
        net = dl.Network([layer, dl.Dense(6, 1, activation="linear", rng=2)])
        h = dl.fit(net, X, T, lr=0.05, epochs=60, batch_size=20, reduction="mean", rng=0)
        assert h.loss[-1] < 0.1 * h.loss[0], type(layer).__name__


# ------------------------------------------------------------------- bad input
def test_recurrent_layers_reject_bad_arguments():
    for cls in (dl.SimpleRNN, dl.LSTM):
        with pytest.raises(ValueError, match="n_hidden"):
            cls(3, 0)
        with pytest.raises(TypeError, match="n_features"):
            cls(2.5, 3)
        with pytest.raises(TypeError, match="return_sequences"):
            cls(2, 3, return_sequences="yes")
    with pytest.raises(ValueError, match="elementwise"):
        dl.SimpleRNN(2, 3, activation="softmax")
    with pytest.raises(ValueError, match="activation"):
        dl.SimpleRNN(2, 3, activation="swish")
    with pytest.raises(ValueError, match="square"):
        dl.SimpleRNN(2, 3, init="orthogonal")
    with pytest.raises(TypeError, match="forget_bias"):
        dl.LSTM(2, 3, forget_bias="1")


@pytest.mark.parametrize("cls", [dl.SimpleRNN, dl.LSTM])
def test_recurrent_layers_reject_bad_sequences(cls):
    net = dl.Network([cls(3, 4), dl.Dense(4, 1)])
    with pytest.raises(ValueError, match="3-dimensional"):
        net.predict(np.zeros((2, 3)))                  # (n, features): a missing time axis
    with pytest.raises(ValueError, match=r"\(n, time, 3\)"):
        net.predict(np.zeros((2, 5, 2)))               # wrong feature count
    with pytest.raises(ValueError, match="finite"):
        net.predict(np.full((1, 2, 3), np.nan))
    with pytest.raises(ValueError, match="3-dimensional"):
        cls(3, 4).forward(np.zeros((2, 5, 3, 1)))
    with pytest.raises(ValueError, match="inputs"):      # hidden size 4 feeds a layer of 5 inputs
        dl.Network([cls(3, 4), dl.Dense(5, 1)])
    with pytest.raises(ValueError, match="inputs"):
        dl.Network([cls(3, 4, return_sequences=True), cls(3, 2), dl.Dense(2, 1)])
    with pytest.raises(ValueError, match="last layer"):
        dl.Network([cls(3, 4)])
    layer = cls(3, 4)
    z, a, cache = layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="dA"):
        layer.bptt(np.zeros((2, 5, 4)), z, cache)


def test_step_functions_and_helpers_reject_bad_states():
    rnn, lstm = dl.SimpleRNN(2, 3), dl.LSTM(2, 3)
    with pytest.raises(ValueError, match="h_prev"):
        rnn.step(np.zeros((1, 2)), np.zeros((1, 4)))
    with pytest.raises(ValueError, match="x_t"):
        rnn.step(np.zeros((1, 3)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="c_prev"):
        lstm.step(np.zeros(2), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="no recurrent layer"):
        hidden_gradients(dl.Network([dl.Dense(2, 1)]), np.zeros((1, 2)), np.zeros((1, 1)))
    net = dl.Network([dl.SimpleRNN(1, 2), dl.Dense(2, 1)])
    with pytest.raises(ValueError, match="recurrent layer"):
        hidden_gradients(net, np.zeros((1, 3, 1)), np.zeros((1, 1)), layer=1)
    with pytest.raises(ValueError, match="LSTM"):
        gradient_norms(net, np.zeros((1, 3, 1)), np.zeros((1, 1)), which="c")
    with pytest.raises(TypeError, match="network"):
        gradient_norms(rnn, np.zeros((1, 3, 2)), np.zeros((1, 1)))


def test_lstm_step_backward_checks_its_gradients():
    lstm = dl.LSTM(1, 2)
    v = lstm.step(np.zeros(1), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="dh"):
        lstm.step_backward(v, np.zeros(3))
    with pytest.raises(ValueError, match="dc_next"):
        lstm.step_backward(v, np.zeros(2), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="step"):
        lstm.step_backward({}, np.zeros(2))
