"""The perceptron rule and the batch perceptron (dlcore.nn.perceptron)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlcore.nn import perceptron

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("rule", ["online", "batch"])
@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
@pytest.mark.parametrize("seed", range(5))
def test_linearly_separable_gates_converge(gate, rule, seed):
    X, y = perceptron.truth_table(gate)
    h = perceptron.train(X, y, lr=0.1, epochs=500, rule=rule, rng=seed)
    assert h.converged and h.errors[-1] == 0
    assert h.converged_at == h.epochs                  # stops at the first zero-error epoch
    np.testing.assert_array_equal(perceptron.predict(h.final_weights, X), y)
    assert np.all(h.errors[:-1] > 0)


@pytest.mark.parametrize("rule", ["online", "batch"])
@pytest.mark.parametrize("gate", ["xor", "xnor"])
@pytest.mark.parametrize("seed", range(5))
def test_xor_never_reaches_zero_errors(gate, rule, seed):
    X, y = perceptron.truth_table(gate)
    h = perceptron.train(X, y, lr=0.1, epochs=1000, rule=rule, rng=seed)
    assert not h.converged and h.converged_at is None
    assert h.epochs == 1000 and h.errors.min() >= 1
    assert len(h.weights) == 1001


def test_update_matches_a_hand_computation():
    w = np.array([0.1, -0.2, 0.05])
    # x = (1, 1): z = 0.1 - 0.2 + 0.05 = -0.05 <= 0, so o = 0; target 1:
    # w <- w + 0.1 * (1 - 0) * (1, 1, 1) = (0.2, -0.1, 0.15)
    np.testing.assert_allclose(perceptron.update(w, [1, 1], 1, 0.1), [0.2, -0.1, 0.15])
    # x = (1, 0): z = -0.1, o = 0, target 0: correct, nothing changes
    np.testing.assert_array_equal(perceptron.update(w, [1, 0], 0, 0.1), w)
    # x = (0, 1): z = 0.15 > 0, o = 1, target 1: correct again; a false positive (target 0)
    # moves the weights the other way: z = 0.1 > 0, o = 1, w <- w - 0.5 (1, 0, 1)
    np.testing.assert_allclose(perceptron.update(w, [0, 1], 1, 0.5), w)
    np.testing.assert_allclose(perceptron.update([0.1, 0.0, 0.0], [0, 1], 0, 0.5), [-0.4, 0.0, -0.5])
    assert np.all(w == [0.1, -0.2, 0.05])               # the input is not modified


def test_output_is_strict_at_zero():
    assert perceptron.predict([0.0, 0.0, 0.0], [[0.0, 0.0]])[0] == 0      # o = 1 only if z > 0
    assert perceptron.predict([0.0, 1.0, 0.0], [[1e-12, 0.0]])[0] == 1
    np.testing.assert_allclose(perceptron.net_input([0.5, 1.0, -2.0], [[1.0, 1.0], [0.0, 0.0]]), [-0.5, 0.5])
    np.testing.assert_allclose(perceptron.update([0.0, 0.0, 0.0], [1, 1], 1, 1.0), [1.0, 1.0, 1.0])


def test_online_epoch_is_a_sequence_of_single_updates():
    X, y = perceptron.truth_table("or")
    w0 = np.array([0.02, -0.3, 0.11])
    h = perceptron.train(X, y, lr=0.25, epochs=3, w0=w0, stop=False)
    w = w0.copy()
    for e in range(1, 4):
        for x, t in zip(X, y):
            w = perceptron.update(w, x, t, 0.25)
        np.testing.assert_allclose(h.weights[e], w)
    np.testing.assert_array_equal(h.weights[0], w0)


def test_batch_update_is_the_summed_correction():
    X, y = perceptron.truth_table("and")
    w0 = np.array([0.3, 0.2, -0.1])
    h = perceptron.train(X, y, lr=0.1, epochs=1, rule="batch", w0=w0, stop=False)
    # outputs with w0: z = 0.3, 0.2, 0.5, 0.4 -> all 1; targets 0, 0, 0, 1
    # sum of (y - o) x_b = -(1,0,0) - (1,0,1) - (1,1,0) = (-3, -1, -1)
    np.testing.assert_allclose(h.weights[1], w0 + 0.1 * np.array([-3.0, -1.0, -1.0]))
    assert h.updates.tolist() == [0, 1]


def test_the_online_rule_on_or_from_zero_by_hand():
    """OR from w = 0 with η = 1, examples in table order: (1,0,1), (0,0,1), (0,1,1)."""
    X, y = perceptron.truth_table("or")
    h = perceptron.train(X, y, lr=1.0, epochs=10, w0=[0.0, 0.0, 0.0])
    np.testing.assert_array_equal(h.weights, [[0, 0, 0], [1, 0, 1], [1, 1, 1], [0, 1, 1]])
    assert h.converged_at == 3 and h.updates.tolist() == [0, 1, 2, 1]


def test_history_records_errors_outputs_and_misclassified():
    X, y = perceptron.truth_table("xor")
    h = perceptron.train(X, y, lr=0.1, epochs=20, rng=3, stop=False)
    assert h.weights.shape == (21, 3) and h.outputs.shape == (21, 4) and h.errors.shape == (21,)
    for e in (0, 7, 20):
        np.testing.assert_array_equal(h.outputs[e], perceptron.predict(h.weights[e], X))
        assert h.misclassified(e).sum() == h.errors[e]
    with pytest.raises(ValueError, match="epoch"):
        h.misclassified(21)
    assert "not converged" in repr(h)


def test_xor_online_rule_falls_into_a_cycle():
    """With a fixed example order the weights repeat, so the rule loops for ever."""
    X, y = perceptron.truth_table("xor")
    h = perceptron.train(X, y, lr=0.1, epochs=200, rng=1, stop=False)
    assert np.allclose(h.weights[-1], h.weights[-2], atol=1e-12)
    assert h.updates[-1] > 0          # it keeps making updates that cancel out over the epoch


def test_same_seed_same_run_and_shuffle_uses_rng():
    X, y = perceptron.truth_table("and")
    a = perceptron.train(X, y, rng=11, shuffle=True, epochs=50)
    b = perceptron.train(X, y, rng=np.random.default_rng(11), shuffle=True, epochs=50)
    np.testing.assert_array_equal(a.weights, b.weights)
    c = perceptron.train(X, y, rng=12, shuffle=True, epochs=50)
    assert not np.array_equal(a.weights[0], c.weights[0])
    assert np.all(np.abs(perceptron.train(X, y, rng=0, init_scale=0.05).weights[0]) <= 0.05)


def test_truth_tables():
    X, y = perceptron.truth_table("XOR")
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert perceptron.truth_table("nand")[1].tolist() == [1, 1, 1, 0]


BAD = [
    ("X is 1-D", lambda: perceptron.train([0, 1], [0, 1]), ValueError, ["X", "2-dimensional"]),
    ("X holds NaN", lambda: perceptron.train([[np.nan, 0.0]], [1]), ValueError, ["X", "NaN"]),
    ("X holds text", lambda: perceptron.train([["a", "b"]], [1]), TypeError, ["X"]),
    ("y has the wrong length", lambda: perceptron.train(np.zeros((4, 2)), [0, 1, 1]), ValueError, ["y", "(4,)"]),
    ("y is not 0/1", lambda: perceptron.train(np.zeros((2, 2)), [-1, 1]), ValueError, ["y", "0 and 1"]),
    ("y has two columns", lambda: perceptron.train(np.zeros((2, 2)), np.zeros((2, 2))), ValueError, ["y"]),
    ("zero learning rate", lambda: perceptron.train(*perceptron.truth_table("and"), lr=0), ValueError, ["lr"]),
    ("learning rate as text", lambda: perceptron.train(*perceptron.truth_table("and"), lr="big"), TypeError, ["lr"]),
    ("zero epochs", lambda: perceptron.train(*perceptron.truth_table("and"), epochs=0), ValueError, ["epochs", ">= 1"]),
    ("float epochs", lambda: perceptron.train(*perceptron.truth_table("and"), epochs=2.5), TypeError, ["epochs"]),
    ("unknown rule", lambda: perceptron.train(*perceptron.truth_table("and"), rule="pocket"), ValueError, ["rule", "pocket"]),
    ("w0 of the wrong length", lambda: perceptron.train(*perceptron.truth_table("and"), w0=[0, 0]), ValueError, ["w0", "(3,)"]),
    ("rng is text", lambda: perceptron.train(*perceptron.truth_table("and"), rng="seed"), TypeError, ["rng"]),
    ("shuffle a batch", lambda: perceptron.train(*perceptron.truth_table("and"), rule="batch", shuffle=True), ValueError, ["shuffle"]),
    ("shuffle not a bool", lambda: perceptron.train(*perceptron.truth_table("and"), shuffle=1), TypeError, ["shuffle"]),
    ("negative init_scale", lambda: perceptron.train(*perceptron.truth_table("and"), init_scale=-1, rng=0), ValueError, ["init_scale"]),
    ("unknown gate", lambda: perceptron.truth_table("implies"), ValueError, ["gate", "implies"]),
    ("gate not text", lambda: perceptron.truth_table(3), TypeError, ["gate"]),
    ("update: w too short", lambda: perceptron.update([0.0, 1.0], [1, 1], 1, 0.1), ValueError, ["w", "(3,)"]),
    ("update: target 2", lambda: perceptron.update([0, 0, 0], [1, 1], 2, 0.1), ValueError, ["y"]),
    ("update: negative lr", lambda: perceptron.update([0, 0, 0], [1, 1], 1, -0.1), ValueError, ["lr"]),
    ("predict: width mismatch", lambda: perceptron.predict([0, 0, 0], [[1, 2, 3]]), ValueError, ["w", "(4,)"]),
]


@pytest.mark.parametrize("desc, call, exc, words", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_naming_the_argument(desc, call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{desc}: {word!r} not in {info.value}"


def test_perceptron_is_numeric_core():
    code = ("import sys, dlcore.nn.perceptron; "
            "bad = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
