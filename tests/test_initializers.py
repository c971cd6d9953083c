import numpy as np
import pytest

import dlcore as dl
from dlcore import initializers as I

N_IN, N_OUT = 400, 300  # 120,000 draws: the sample variance is within ~1 % of the truth


@pytest.mark.parametrize("name, expected", [
    ("xavier", 2 / (N_IN + N_OUT)),          # Kelleher eq. 61
    ("xavier_uniform", 2 / (N_IN + N_OUT)),
    ("lecun", 1 / N_IN),                     # eq. 62
    ("lecun_uniform", 1 / N_IN),
    ("he", 2 / N_IN),                        # eq. 63
    ("he_uniform", 2 / N_IN),
    ("glorot", 2 / (N_IN + N_OUT)),
])
def test_variance_matches_kelleher(name, expected):
    W = I.initialize(name, N_IN, N_OUT, rng=0)
    assert W.shape == (N_OUT, N_IN)
    # the sample variance of m draws has relative standard error √(2/m) ≈ 0.4 %
    assert W.var() == pytest.approx(expected, rel=0.02)
    assert abs(W.mean()) < 4 * np.sqrt(expected / W.size)
    assert I.variance(name, N_IN, N_OUT) == pytest.approx(expected)


def test_normal_sigma_and_uniform_limit():
    assert I.initialize("normal", N_IN, N_OUT, rng=1, sigma=0.2).std() == pytest.approx(0.2, rel=0.01)
    W = I.initialize("uniform", N_IN, N_OUT, rng=1, limit=0.3)
    assert W.min() >= -0.3 and W.max() <= 0.3
    assert W.var() == pytest.approx(0.3 ** 2 / 3, rel=0.02)


def test_uniform_variants_are_uniform():
    W = I.initialize("he_uniform", N_IN, N_OUT, rng=2)
    limit = np.sqrt(6 / N_IN)
    assert W.max() <= limit and W.min() >= -limit
    assert W.max() > 0.99 * limit  # fills the interval


def test_zeros_and_constant():
    assert not I.initialize("zeros", 3, 2).any()
    np.testing.assert_array_equal(I.initialize("constant", 3, 2, value=0.5), np.full((2, 3), 0.5))


def test_same_seed_same_weights_and_generator_advances():
    a = I.initialize("xavier", 5, 4, rng=7)
    b = I.initialize("xavier", 5, 4, rng=7)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(7)
    c, d = I.initialize("xavier", 5, 4, rng=g), I.initialize("xavier", 5, 4, rng=g)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(c, d)


def test_dense_uses_initialiser_and_dtype():
    layer = dl.Dense(10, 6, init="he", rng=3, dtype=np.float32)
    assert layer.W.dtype == np.float32 and layer.W.shape == (6, 10) and layer.b.shape == (6,)
    np.testing.assert_array_equal(layer.W, I.initialize("he", 10, 6, rng=3).astype(np.float32))
    assert not layer.b.any()
