"""``Training``: fit's loop paused and resumed. Every expected value is ``fit`` itself, run
from scratch with the smaller budget (the claim is that the budget changes nothing before
the last epoch's stop check)."""
import numpy as np
import pytest
from helpers import random_network

import dlcore as dl
from dlcore.nn.layers import Dense, Dropout
from dlcore.train.fit import Training


def _data(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def _dropout_net(seed):
    rng = np.random.default_rng(seed)
    return dl.Network([Dense(2, 6, "tanh", rng=rng), Dropout(0.3), Dense(6, 1, "logistic", rng=rng)],
                      loss="binary_cross_entropy")


X, T = _data(0)
Xv, Tv = _data(1, 30)
CASES = {   # name: (network factory, fit's arguments)
    "full batch, sse": (lambda: random_network([2, 4, 1], "tanh", "logistic", "sse", 3),
                        dict(lr=0.5, reduction="mean")),
    "mini-batches, momentum, running loss, validation": (
        lambda: random_network([2, 4, 1], "tanh", "logistic", "sse", 4),
        dict(lr=0.3, batch_size=8, momentum=0.9, rng=5, reduction="mean", validation=(Xv, Tv))),
    "dropout masks from rng, validation, patience": (
        lambda: _dropout_net(6), dict(lr=0.5, rng=7, reduction="mean", validation=(Xv, Tv), patience=15)),
    "weight decay, validation without patience": (
        lambda: random_network([2, 5, 1], "relu", "linear", "sse", 8),
        dict(lr=0.05, weight_decay=0.01, validation=(Xv, Tv), reduction="mean")),
}


def _same(h, params, net_expected, h_expected):
    assert h.loss == h_expected.loss and h.val_loss == h_expected.val_loss
    assert (h.status, h.epochs, h.final_loss, h.message) == (h_expected.status, h_expected.epochs,
                                                              h_expected.final_loss, h_expected.message)
    assert (h.best_epoch, h.best_val_loss) == (h_expected.best_epoch, h_expected.best_val_loss)
    for got, want in zip(params, net_expected.get_params()):
        for k in want:
            np.testing.assert_array_equal(got[k], want[k])


@pytest.mark.parametrize("case", CASES)
def test_paused_training_ends_as_fit_with_that_budget(case):
    make, kwargs = CASES[case]
    training = Training(make(), X, T, epochs=90, **kwargs)
    for e in (1, 12, 40, 90):
        training.advance(e)
        h, params = training.ended_here()
        net = make()
        _same(h, params, net, dl.fit(net, X, T, epochs=e, **kwargs))
    assert training.stopped or training.epoch == 90


@pytest.mark.parametrize("case", CASES)
def test_history_until_an_earlier_budget_is_fits_history(case):
    make, kwargs = CASES[case]
    training = Training(make(), X, T, epochs=60, **kwargs)
    training.advance()
    for e in (3, 20, min(59, training.history.epochs)):
        net = make()
        expected = dl.fit(net, X, T, epochs=e, **kwargs)
        h = training.history_until(e)
        assert (h.loss, h.val_loss, h.status, h.epochs, h.message, h.best_epoch) == (
            expected.loss, expected.val_loss, expected.status, expected.epochs, expected.message,
            expected.best_epoch)


def test_advance_to_the_end_is_fit():
    make, kwargs = CASES["dropout masks from rng, validation, patience"]
    net_a, net_b = make(), make()
    training = Training(net_a, X, T, epochs=300, **kwargs)
    training.advance(17)
    h = training.advance()
    expected = dl.fit(net_b, X, T, epochs=300, **kwargs)
    _same(h, net_a.get_params(), net_b, expected)


def test_a_stopped_training_answers_for_every_larger_budget():
    # diverges at once: α = 50 on a mean squared error (the lecture's "too large a step")
    make = lambda: random_network([2, 4, 1], "tanh", "linear", "sse", 2)   # noqa: E731
    kwargs = dict(lr=50.0, reduction="sum")
    training = Training(make(), X, T, epochs=200, **kwargs)
    assert training.advance() is not None and training.history.status == "diverged"
    stop = training.history.epochs
    for e in (stop, stop + 5, 200):
        net = make()
        expected = dl.fit(net, X, T, epochs=e, **kwargs)
        h, params = training.ended_here()
        _same(training.history_until(e), params, net, expected)
        assert h.status == expected.status == "diverged"


def test_refusals_name_the_argument():
    make, kwargs = CASES["full batch, sse"]
    training = Training(make(), X, T, epochs=20, **kwargs)
    with pytest.raises(ValueError, match="no epoch has run yet"):
        training.ended_here()
    training.advance(5)
    with pytest.raises(ValueError, match=r"epochs must be between 1 and the epochs run so far \(5\), got 6"):
        training.history_until(6)
    with pytest.raises(TypeError, match="until"):
        training.advance(2.5)
    with pytest.raises(ValueError, match="lr"):
        Training(make(), X, T, lr=-1.0)
