import warnings

import numpy as np
import pytest
from helpers import central_diff

import dlcore as dl
from dlcore import activations as A

ELEMENTWISE = ["linear", "logistic", "tanh", "relu", "leaky_relu", "prelu", "threshold"]


def test_known_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(A.get("logistic")(z), 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(A.get("tanh")(z), np.tanh(z))
    np.testing.assert_array_equal(A.get("relu")(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(A.get("leaky_relu")(z), [-0.02, -0.005, 0, 0.5, 2])  # eq. 45
    np.testing.assert_allclose(A.get("leaky_relu", alpha=0.2)(z), [-0.4, -0.1, 0, 0.5, 2])
    np.testing.assert_allclose(A.get("prelu")(z, lam=0.3), [-0.6, -0.15, 0, 0.5, 2])
    np.testing.assert_array_equal(A.get("threshold")(z), [0, 0, 1, 1, 1])
    np.testing.assert_array_equal(A.get("linear")(z), z)


def test_logistic_derivative_at_zero_is_quarter():
    # Kelleher eq. 16: logistic'(0) = logistic(0)(1 - logistic(0)) = 0.25
    assert A.get("logistic").derivative(0.0) == 0.25


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    rng = np.random.default_rng(3)
    z = rng.uniform(-4, 4, 200)
    z = z[np.abs(z) > 1e-3]  # away from the kinks of relu/threshold
    act = A.get(name)
    if name == "prelu":
        lam = 0.2
        num = central_diff(lambda x: act(x, lam=lam), z)
        np.testing.assert_allclose(act.derivative(z, lam=lam), num, rtol=1e-7, atol=1e-9)
    else:
        np.testing.assert_allclose(act.derivative(z), central_diff(act, z), rtol=1e-7, atol=1e-9)


def test_relu_subgradient_at_zero_is_zero():
    assert A.get("relu").derivative(np.array([0.0]))[0] == 0.0
    assert A.get("leaky_relu", alpha=0.1).derivative(np.array([0.0]))[0] == pytest.approx(0.1)


def test_prelu_dlam_matches_finite_differences():
    # eq. 49-50: dE/dλ_i = Σ_j dE/da_ij * (z_ij if z_ij <= 0 else 0)
    rng = np.random.default_rng(0)
    z, dA = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    lam = np.array([0.1, 0.2, 0.3])
    act = A.get("prelu")
    E = lambda l: np.sum(dA * act(z, lam=l))  # E linear in a with ∂E/∂a = dA
    num = np.array([(E(lam + e) - E(lam - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(act.dlam(dA, z), num, rtol=1e-7)


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_extreme_inputs_are_finite_without_warnings(name):
    z = np.array([[-1e4, -700.0, -1.0, 0.0, 1.0, 710.0, 1e4]])
    act = A.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            a = act(z) if name != "prelu" else act(z, lam=0.25)
            assert np.all(np.isfinite(a))
            if name == "softmax":
                d = act.backward(np.ones_like(z), z, a)
            elif name == "prelu":
                d = act.derivative(z, lam=0.25)
            else:
                d = act.derivative(z)
            assert np.all(np.isfinite(d))
    if name == "logistic":
        assert 0.0 <= a[0, 0] < 1e-300 and a[0, -1] == 1.0  # the true values underflow to 0


def test_softmax_is_stable_and_normalised():
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1001.0, -1002.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = dl.softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # shift invariance: softmax(z + c) = softmax(z) (Kaplan's max-subtraction argument)
    small = np.array([0.0, 1.0, 2.0])
    np.testing.assert_allclose(p[0], np.exp(small) / np.exp(small).sum())


def test_softmax_table_14():
    # Kelleher Table 14: logits 1.5, -0.9, 0.6
    p = dl.softmax(np.array([1.5, -0.9, 0.6]))
    np.testing.assert_allclose(p, [0.667874356, 0.060588195, 0.27153745], atol=5e-10)


def test_softmax_jacobian_matches_finite_differences():
    rng = np.random.default_rng(1)
    z = rng.normal(size=4)
    sm = A.get("softmax")
    J = sm.jacobian(z)
    num = np.stack([(sm(z + e) - sm(z - e)) / 2e-6 for e in np.eye(4) * 1e-6], axis=1)
    np.testing.assert_allclose(J, num, atol=1e-9)
    g = rng.normal(size=4)
    np.testing.assert_allclose(sm.backward(g[None], z[None], sm(z)[None])[0], J.T @ g, atol=1e-12)


def test_softmax_has_no_elementwise_derivative():
    with pytest.raises(TypeError, match="Jacobian"):
        A.get("softmax").derivative(np.zeros(3))


def test_get_by_object_and_aliases():
    act = A.LeakyReLU(alpha=0.3)
    assert A.get(act) is act
    assert A.get("sigmoid").name == "logistic"
    assert "prelu" in A.names()
