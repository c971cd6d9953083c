"""Kelleher et al.'s worked example (lectures/README.md items 1-8), asserted.

The lecture computes each printed number from intermediates rounded to four decimals
(δ's, activations, predictions). Each test checks two things: the exact float64 value
agrees with the printed one to within what that rounding can change, and redoing the
lecture's rounding reproduces the printed digits exactly.
"""
import numpy as np
import pytest

import dlcore as dl

r4 = lambda v: np.round(v, 4)
DATA = dl.datasets.power_plant()
X, T = DATA.X, DATA.T


@pytest.fixture
def net():
    return dl.datasets.kelleher_network()


def test_item1_range_normalisation_tables_1_to_3():
    table3 = np.array([[0.04, 0.81, 0.94], [0.84, 0.58, 0.13], [0.50, 0.07, 0.57], [0.53, 1.00, 0.36]])
    got = dl.range_normalize(DATA.raw, min=DATA.min, max=DATA.max)
    np.testing.assert_array_equal(np.round(got, 2), table3)
    np.testing.assert_array_equal(DATA.normalized, table3)


def test_item2_logistic_derivative_at_zero():
    assert dl.activations.get("logistic").derivative(0.0) == 0.25


def test_item3_table_4_forward_pass(net):
    pred = net.predict(X).ravel()
    np.testing.assert_array_equal(r4(pred), [0.4715, 0.4718, 0.4717, 0.4716])
    err = T.ravel() - r4(pred)
    np.testing.assert_allclose(err, [0.4685, -0.3418, 0.0983, -0.1116], atol=1e-12)
    np.testing.assert_allclose(err ** 2, [0.21949225, 0.11682724, 0.00966289, 0.01245456], atol=1e-12)
    assert round(0.5 * np.sum(err ** 2), 8) == 0.17921847          # the lecture's SSE
    # the exact SSE differs only by the effect of rounding predictions to 4 d.p.
    bound = np.sum(np.abs(err)) * 5e-5 + 4 * (5e-5) ** 2
    assert abs(net.loss(X, T) - 0.17921847) < bound


def test_item4_table_5_and_deltas_for_d2(net):
    trace = net.forward(X)
    grads = net.backward(trace, T)
    z = np.concatenate([trace.z[l][1] for l in (1, 2, 3)])
    a = np.concatenate([trace.a[l][1] for l in (1, 2, 3)])
    table5_z = [-0.004200, -0.189800, 0.120800, 0.207122, 0.235460, -0.113108]
    table5_dadz = [0.2500, 0.2478, 0.2491, 0.2473, 0.2466, 0.2492]
    np.testing.assert_array_equal(r4(a * (1 - a)), table5_dadz)
    np.testing.assert_allclose(z[:3], table5_z[:3], atol=1e-12)  # layer 1 exact
    # z6-z8 in the lecture come from activations rounded to 4 d.p.: within 1e-5 of exact
    np.testing.assert_allclose(z[3:], table5_z[3:], atol=1e-5)
    W2, b2, W3, b3 = net.layers[1].W, net.layers[1].b, net.layers[2].W, net.layers[2].b
    z67 = W2 @ r4(a[:3]) + b2
    z8 = W3 @ r4(1 / (1 + np.exp(-z67))) + b3
    np.testing.assert_array_equal(np.round(np.concatenate([z67, z8]), 6), table5_z[3:])
    # eq. 31-37: δ8 … δ3 for d2 to the four printed decimals
    delta = {8: grads.delta[3][1, 0], 6: grads.delta[2][1, 0], 7: grads.delta[2][1, 1],
             3: grads.delta[1][1, 0], 4: grads.delta[1][1, 1], 5: grads.delta[1][1, 2]}
    printed = {8: 0.0852, 6: 0.0025, 7: -0.0105, 3: -0.0006, 4: -0.0003, 5: 0.0003}
    for i in printed:
        assert r4(delta[i]) == printed[i], i


def test_item4_table_6_and_eq_38_online_update(net):
    trace = net.forward(X)
    grads = net.backward(trace, T)
    # Table 6: ∂E/∂w_i,k = δ_i a_k for d2, with the lecture's rounded δ and a
    a_in = {0: 1.0, 1: 0.84, 2: 0.58, 3: 0.4990, 4: 0.4527, 5: 0.5302, 6: 0.5516, 7: 0.5586}
    a_exact = np.concatenate([[1.0], trace.a[0][1], trace.a[1][1], trace.a[2][1]])
    np.testing.assert_array_equal(r4(a_exact[1:]), [a_in[k] for k in range(1, 8)])
    table6 = {(8, 0): 0.0852, (8, 6): 0.04699632, (8, 7): 0.04759272, (7, 0): -0.0105,
              (7, 3): -0.0052395, (7, 4): -0.00475335, (7, 5): -0.0055671, (6, 0): 0.0025,
              (6, 3): 0.0012475, (6, 4): 0.00113175, (6, 5): 0.0013255, (5, 0): 0.0003,
              (5, 1): 0.000252, (5, 2): 0.000174, (4, 0): -0.0003, (4, 1): -0.000252,
              (4, 2): -0.000174, (3, 0): -0.0006, (3, 1): -0.000504, (3, 2): -0.000348}
    first = {1: 3, 2: 6, 3: 8}   # number of the first neuron in each layer
    inputs = {1: 1, 2: 3, 3: 6}  # number of the first neuron feeding each layer
    one = net.backward(net.forward(X[1:2]), T[1:2])  # the gradient of d2 alone
    for (i, k), printed in table6.items():
        l = next(l for l in (3, 2, 1) if i >= first[l])
        d_i = r4(grads.delta[l][1, i - first[l]])
        assert round(d_i * a_in[k], 10) == pytest.approx(printed, abs=1e-12), (i, k)
        exact = one.db[l][i - first[l]] if k == 0 else one.dW[l][i - first[l], k - inputs[l]]
        assert abs(exact - printed) < 5e-5 * (1 + abs(a_in[k])), (i, k)
    # eq. 38: online update of w7,5 with α = 0.2
    assert round(-0.09 - 0.2 * table6[(7, 5)], 8) == -0.08888658
    assert -0.09 - 0.2 * one.dW[2][1, 2] == pytest.approx(-0.08888658, abs=2e-7)


def test_item5_table_7_and_eq_39_batch_update(net):
    trace = net.forward(X)
    grads = net.backward(trace, T)
    per_example = r4(grads.delta[2][:, 1]) * r4(trace.a[1][:, 2])
    np.testing.assert_allclose(per_example, [0.00730080, -0.00556710, 0.00157020, -0.00176664], atol=1e-15)
    assert round(per_example.sum(), 8) == 0.00153726
    assert round(-0.09 - 0.2 * per_example.sum(), 10) == -0.0903074520
    # exact summed gradient (eq. 29) agrees to the rounding of δ and a
    assert grads.dW[2][1, 2] == pytest.approx(0.00153726, abs=2e-5)
    dl.fit(net, X, T, lr=0.2, epochs=1)
    assert net.layers[1].W[1, 2] == pytest.approx(-0.0903074520, abs=5e-6)


def test_item6_table_8_after_one_batch_update(net):
    dl.fit(net, X, T, lr=0.2, epochs=1)
    pred = net.predict(X).ravel()
    np.testing.assert_array_equal(r4(pred), [0.4738, 0.4741, 0.4740, 0.4739])
    err = T.ravel() - r4(pred)
    assert round(0.5 * np.sum(err ** 2), 8) == 0.17896823
    assert abs(net.loss(X, T) - 0.17896823) < np.sum(np.abs(err)) * 5e-5 + 1e-8


def test_item7_training_to_sse_below_1e_4(net):
    h = dl.fit(net, X, T, lr=0.2, epochs=20_000, tol=1e-4, reduction="sum")
    assert h.status == "converged"
    assert 7000 <= h.epochs <= 7800  # "about 7,400 epochs" (lectures/README.md)
    assert h.final_loss < 1e-4 <= h.loss[-2]
    pred = r4(net.predict(X).ravel())
    # Table 9 prints 0.9266, 0.1342, 0.5700, 0.3608; d1 and d3 agree to 4 d.p.
    assert pred[0] == 0.9266 and pred[2] == 0.5700
    np.testing.assert_allclose(pred, [0.9266, 0.1342, 0.5700, 0.3608], atol=5e-4)
    assert np.all(np.diff(h.loss) < 0)  # Figure 17: the SSE falls monotonically


def test_item8_relu_network_table_10_11_eq_44():
    relu = dl.datasets.kelleher_network("relu")
    trace = relu.forward(X)
    grads = relu.backward(trace, T)
    pred = trace.a[3].ravel()
    np.testing.assert_array_equal(r4(pred), [0.0405, 0.0643, 0.0621, 0.0512])
    err = T.ravel() - r4(pred)
    assert round(0.5 * np.sum(err ** 2), 8) == 0.58336829
    np.testing.assert_allclose(trace.z[2][1], [0.157248, 0.109128], atol=5e-7)
    assert trace.z[3][1, 0] == pytest.approx(0.064314, abs=1e-5)  # lecture rounds a first
    # Table 11 derivatives and eq. 44 δs for d2 (δ7: the lecture rounds -0.0657 × -0.5 = 0.03285 up)
    dadz = np.concatenate([(trace.z[l][1] > 0).astype(float) for l in (1, 2, 3)])
    np.testing.assert_array_equal(dadz, [0, 0, 1, 1, 1, 1])
    assert r4(grads.delta[3][1, 0]) == -0.0657
    assert r4(grads.delta[2][1, 0]) == -0.0079
    # exact δ7 = 0.03284…, printed 0.0329 because the lecture rounds δ8 first: -0.0657 × -0.5 = 0.03285
    assert 0.0328 < grads.delta[2][1, 1] < 0.03285
    np.testing.assert_array_equal(r4(grads.delta[1][1]), [0, 0, -0.0034])


def test_digits_split_is_seeded_and_disjoint():
    pytest.importorskip("sklearn")
    a, b = dl.datasets.digits(seed=1), dl.datasets.digits(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    n = len(a.y_train) + len(a.y_val) + len(a.y_test)
    assert n == 1797 and len(a.y_test) == round(0.2 * 1797)
    assert a.X_train.min() >= 0 and a.X_train.max() <= 1 and a.X_train.shape[1] == 64
    assert a.images(a.X_test).shape == (len(a.y_test), 1, 8, 8)
    np.testing.assert_array_equal(a.T_val.argmax(axis=1), a.y_val)
    assert not np.array_equal(dl.datasets.digits(seed=2).y_train, a.y_train)
    with pytest.raises(ValueError, match="below 1"):
        dl.datasets.digits(val_fraction=0.5, test_fraction=0.5)
