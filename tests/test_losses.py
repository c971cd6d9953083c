import warnings

import numpy as np
import pytest

import dlcore as dl
from dlcore import losses as L

rng = np.random.default_rng(0)


def naive_values(name, A, T):
    """The losses written out example by example, output by output."""
    total = 0.0
    for a_row, t_row in zip(A, T):
        K = len(a_row)
        for a, t in zip(a_row, t_row):
            if name == "sse":
                total += 0.5 * (t - a) ** 2
            elif name == "mse":
                total += (t - a) ** 2 / K
            elif name == "binary_cross_entropy":
                total += -(t * np.log(a) + (1 - t) * np.log(1 - a))
            elif name == "cross_entropy":
                total += -t * np.log(a)
    return total


@pytest.mark.parametrize("name", ["sse", "mse", "binary_cross_entropy", "cross_entropy"])
def test_value_and_grad(name):
    A = rng.uniform(0.05, 0.95, (5, 3))
    if name == "cross_entropy":
        A = A / A.sum(axis=1, keepdims=True)
        T = dl.one_hot(rng.integers(0, 3, 5), 3)
    else:
        T = rng.uniform(0, 1, (5, 3))
    loss = L.get(name)
    assert loss.value(A, T) == pytest.approx(naive_values(name, A, T), rel=1e-12)
    assert loss.value(A, T, "mean") == pytest.approx(naive_values(name, A, T) / 5, rel=1e-12)
    num = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        e = np.zeros_like(A)
        e[idx] = 1e-6
        num[idx] = (loss.value(A + e, T) - loss.value(A - e, T)) / 2e-6
    np.testing.assert_allclose(loss.grad(A, T), num, rtol=1e-6, atol=1e-9)


def test_sse_gradient_is_minus_error():
    # Kelleher Table 4: ∂E/∂a8 = Error × -1
    assert L.get("sse").grad(np.array([[0.4718]]), np.array([[0.13]]))[0, 0] == pytest.approx(0.3418)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_softmax_cross_entropy_delta_matches_jacobian_path(eps):
    ce = L.CrossEntropy(label_smoothing=eps)
    sm = dl.activations.get("softmax")
    Z = rng.normal(size=(4, 5))
    T = dl.one_hot([0, 3, 4, 1], 5)
    P = sm(Z)
    fused = ce.delta(P, T, Z, sm)
    via_jacobian = sm.backward(ce.grad(P, T), Z, P)
    np.testing.assert_allclose(fused, via_jacobian, atol=1e-12)
    # CMU lecture: smoothed target t' = (1-ε) t + ε/K, so δ = P̂ − t'
    np.testing.assert_allclose(fused, P - ((1 - eps) * T + eps / 5), atol=1e-15)


def test_label_smoothing_value():
    ce = L.CrossEntropy(label_smoothing=0.1)
    P = np.array([[0.7, 0.2, 0.1]])
    T = np.array([[1.0, 0.0, 0.0]])
    t = np.array([0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3])
    assert ce.value(P, T) == pytest.approx(-np.sum(t * np.log(P[0])))


def test_logits_forms_match_probability_forms():
    Z = rng.normal(size=(6, 4))
    T = dl.one_hot(rng.integers(0, 4, 6), 4)
    sm, lg = dl.activations.get("softmax"), dl.activations.get("logistic")
    ce, bce = L.get("cross_entropy"), L.get("binary_cross_entropy")
    assert ce.value_from_logits(Z, T, sm) == pytest.approx(ce.value(sm(Z), T), rel=1e-12)
    assert bce.value_from_logits(Z, T, lg) == pytest.approx(bce.value(lg(Z), T), rel=1e-12)


@pytest.mark.parametrize("name", ["sse", "mse", "binary_cross_entropy", "cross_entropy"])
def test_extreme_logits_finite_without_warnings(name):
    Z = np.array([[-1e4, 0.0, 1e4], [5e3, -5e3, 1.0]])
    T = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    act = dl.activations.get("softmax" if name == "cross_entropy" else "logistic")
    loss = L.get(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            A = act(Z)
            values = [loss.value_from_logits(Z, T, act), loss.value(A, T)]
            grads = [loss.grad(A, T), loss.delta(A, T, Z, act)]
    assert all(np.isfinite(v) for v in values)
    assert all(np.all(np.isfinite(g)) for g in grads)
    if name in ("cross_entropy", "binary_cross_entropy"):
        # a confidently wrong prediction is costly: about 1e4 from the logits
        assert values[0] > 1e3


def test_cross_entropy_rejects_rows_not_summing_to_one():
    with pytest.raises(ValueError, match="sum to 1"):
        L.get("cross_entropy").check_targets(np.array([[0.5, 0.2, 0.0]]))


def test_unknown_reduction():
    with pytest.raises(ValueError, match="reduction"):
        L.get("sse").value(np.zeros((1, 1)), np.zeros((1, 1)), reduction="median")
