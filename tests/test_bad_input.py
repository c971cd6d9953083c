"""Bad input raises a clear ValueError/TypeError that names the argument."""
import numpy as np
import pytest

import dlcore as dl

D = dl.datasets.power_plant()


@pytest.fixture
def net():
    return dl.datasets.kelleher_network()


CASES = [
    # (description, call, exception, words the message must contain)
    ("X has the wrong width", lambda n: n.predict(np.ones((4, 3))), ValueError, ["X", "(n, 2)", "(4, 3)"]),
    ("X is 1-D", lambda n: n.predict(np.ones(2)), ValueError, ["X", "2-dimensional"]),
    ("X contains NaN", lambda n: n.predict(np.array([[np.nan, 0.1]])), ValueError, ["X", "NaN"]),
    ("X contains inf", lambda n: dl.fit(n, np.array([[np.inf, 0.1]]), [[0.1]], lr=0.1), ValueError, ["X", "finite"]),
    ("X is empty", lambda n: n.predict(np.ones((0, 2))), ValueError, ["X", "empty"]),
    ("X holds strings", lambda n: n.predict([["a", "b"]]), TypeError, ["X", "numbers"]),
    ("T has the wrong shape", lambda n: n.loss(D.X, np.ones((4, 2))), ValueError, ["T", "(4, 1)", "(4, 2)"]),
    ("T has the wrong length", lambda n: dl.fit(n, D.X, np.ones((3, 1)), lr=0.1), ValueError, ["T", "(4, 1)"]),
    ("T contains NaN", lambda n: n.loss(D.X, np.full((4, 1), np.nan)), ValueError, ["T", "NaN"]),
    ("zero learning rate", lambda n: dl.fit(n, D.X, D.T, lr=0.0), ValueError, ["lr", "0"]),
    ("negative learning rate", lambda n: dl.fit(n, D.X, D.T, lr=-0.1), ValueError, ["lr", "-0.1"]),
    ("learning rate as text", lambda n: dl.fit(n, D.X, D.T, lr="fast"), TypeError, ["lr", "real number"]),
    ("zero epochs", lambda n: dl.fit(n, D.X, D.T, lr=0.1, epochs=0), ValueError, ["epochs", ">= 1"]),
    ("batch larger than data", lambda n: dl.fit(n, D.X, D.T, lr=0.1, batch_size=10), ValueError, ["batch_size", "4"]),
    ("batch size zero", lambda n: dl.fit(n, D.X, D.T, lr=0.1, batch_size=0), ValueError, ["batch_size"]),
    ("unknown reduction", lambda n: dl.fit(n, D.X, D.T, lr=0.1, reduction="avg"), ValueError, ["reduction", "avg", "mean"]),
    ("negative tol", lambda n: dl.fit(n, D.X, D.T, lr=0.1, tol=-1), ValueError, ["tol"]),
    ("momentum of 1", lambda n: dl.fit(n, D.X, D.T, lr=0.1, momentum=1.0), ValueError, ["momentum"]),
    ("rng is a string", lambda n: dl.fit(n, D.X, D.T, lr=0.1, rng="seed"), TypeError, ["rng"]),
    ("unknown activation", lambda n: dl.Dense(2, 3, activation="swish"), ValueError, ["activation", "swish", "relu"]),
    ("activation not a name", lambda n: dl.Dense(2, 3, activation=3), TypeError, ["activation"]),
    ("unknown loss", lambda n: dl.Network([dl.Dense(2, 1, rng=0)], loss="hinge"), ValueError, ["loss", "hinge", "sse"]),
    ("unknown initialiser", lambda n: dl.Dense(2, 3, init="orthogonal"), ValueError, ["init", "orthogonal", "xavier"]),
    ("negative sigma", lambda n: dl.Dense(2, 3, init="normal", init_kwargs={"sigma": -1}), ValueError, ["sigma"]),
    ("zero neurons", lambda n: dl.Dense(2, 0), ValueError, ["n_out", ">= 1"]),
    ("float neuron count", lambda n: dl.Dense(2.5, 3), TypeError, ["n_in", "integer"]),
    ("mismatched layers", lambda n: dl.Network([dl.Dense(2, 3, rng=0), dl.Dense(4, 1, rng=0)]), ValueError, ["layers[1]", "4 inputs", "3 outputs"]),
    ("empty network", lambda n: dl.Network([]), ValueError, ["layers", "non-empty"]),
    ("softmax in a hidden layer", lambda n: dl.Network([dl.Dense(2, 3, "softmax", rng=0), dl.Dense(3, 1, rng=0)]), ValueError, ["softmax", "output"]),
    ("one-hot rows not summing to 1", lambda n: dl.Network([dl.Dense(2, 2, "softmax", rng=0)], loss="cross_entropy").loss(np.ones((1, 2)), [[1.0, 1.0]]), ValueError, ["T", "sum to 1"]),
    ("label smoothing of 1", lambda n: dl.losses.CrossEntropy(label_smoothing=1.0), ValueError, ["label_smoothing"]),
    ("unknown dtype", lambda n: dl.Dense(2, 3, dtype=np.int32), ValueError, ["dtype", "float32"]),
    ("leaky alpha above 1", lambda n: dl.activations.get("leaky_relu", alpha=2), ValueError, ["alpha"]),
    ("one_hot label out of range", lambda n: dl.one_hot([0, 3], 3), ValueError, ["labels", "[0, 2]"]),
    ("one_hot fractional labels", lambda n: dl.one_hot([0.5, 1]), ValueError, ["labels", "whole"]),
    ("range_normalize constant column", lambda n: dl.range_normalize(np.ones((3, 2))), ValueError, ["max", "min"]),
    ("range_normalize min of wrong length", lambda n: dl.range_normalize(D.raw, min=[0, 0], max=[1, 1]), ValueError, ["min", "(3,)"]),
    ("backward with a foreign trace", lambda n: n.backward("trace", D.T), TypeError, ["trace"]),
    ("gradcheck of a non-network", lambda n: dl.gradcheck("net", D.X, D.T), TypeError, ["network"]),
    ("unknown kelleher activation", lambda n: dl.datasets.kelleher_network("softmax"), ValueError, ["activation"]),
    ("binary cross-entropy targets above 1", lambda n: dl.Network([dl.Dense(2, 1, rng=0)], loss="binary_cross_entropy").loss(np.ones((1, 2)), [[2.0]]), ValueError, ["T", "[0, 1]"]),
]


@pytest.mark.parametrize("what, call, exc, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_clear_error(net, what, call, exc, words):
    with pytest.raises(exc) as info:
        call(net)
    message = str(info.value)
    for w in words:
        assert w in message, f"{what}: {w!r} not in {message!r}"
