"""The perceptron: Rosenblatt's training rule (online) and the batch perceptron.

A perceptron with inputs x = (x_1 … x_n) and weights w = (w_0, w_1 … w_n) outputs
(perceptron lecture, "Perceptron" slide)

    o = 1  if  w_0 + Σ_i w_i x_i > 0,   o = 0 otherwise          (x_0 = 1 carries the bias)

Note the strict ``>``: the lecture's perceptron does not fire at z = 0, while the
``"threshold"`` activation of ``dlcore.activations`` (like the lecture's activation slide,
𝕀[z ≥ 0]) does.

The training rule (perceptron lecture, "The perceptron training rule"; the update line
itself did not survive the slides' extraction, this is its standard form) changes every
weight after each example d:

    w_i ← w_i + η (y_d − o_d) x_{d,i}                            i = 0 … n

so nothing changes when the example is classified correctly. The batch perceptron
(backprop lecture, "Batch Perceptron") makes one update per epoch, the sum of those
corrections computed with the weights the epoch started from:

    w_i ← w_i + η Σ_d (y_d − o_d) x_{d,i}

Weight vectors are 1-D arrays of length n + 1 whose entry 0 is the bias w_0 (the
lecture's layout); inputs ``X`` are (m, n), one example per row, targets ``y`` are 0/1.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_rng, check_choice, check_int, check_real

__all__ = ["predict", "net_input", "update", "train", "train_online", "train_batch",
           "PerceptronHistory", "truth_table", "GATES"]

GATES = ("and", "or", "nand", "nor", "xor", "xnor")


def truth_table(gate: str):
    """The four inputs (0/0, 0/1, 1/0, 1/1) and 0/1 targets of a two-input logic gate.

    Returns ``X`` of shape (4, 2) and ``y`` of shape (4,). ``gate`` is one of
    ``"and", "or", "nand", "nor", "xor", "xnor"`` (perceptron lecture, "Some linearly
    separable functions" and "XOR is not linearly separable").
    """
    check_choice(gate.lower() if isinstance(gate, str) else gate, "gate", GATES)
    gate = gate.lower()
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    a, b = X[:, 0].astype(bool), X[:, 1].astype(bool)
    y = {"and": a & b, "or": a | b, "nand": ~(a & b), "nor": ~(a | b),
         "xor": a ^ b, "xnor": ~(a ^ b)}[gate]
    return X, y.astype(float)


# ---------------------------------------------------------------- argument checks
def _check_X(X):
    return as_float_array(X, "X", ndim=2)


def _check_y(y, m):
    y = as_float_array(y, "y", ndim=(1, 2))
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(f"y must have shape ({m},) or ({m}, 1), got {y.shape}")
        y = y[:, 0]
    if y.shape[0] != m:
        raise ValueError(f"y must have one target per row of X: shape ({m},), got {y.shape}")
    if not np.all((y == 0) | (y == 1)):
        bad = np.unique(y[(y != 0) & (y != 1)])[:5]
        raise ValueError(f"y must hold the class labels 0 and 1 only, got values such as {bad.tolist()}")
    return y


def _check_w(w, n, name="w"):
    w = as_float_array(w, name, ndim=1)
    if w.shape != (n + 1,):
        raise ValueError(f"{name} must have shape ({n + 1},): the bias w_0 then one weight per "
                         f"input, got {w.shape}")
    return w


# ---------------------------------------------------------------- the model
def net_input(w, X):
    """z = w_0 + Σ_i w_i x_i for every row of X: shape (m,) (or a scalar for a 1-D x)."""
    w = as_float_array(w, "w", ndim=1)
    X = as_float_array(X, "X", ndim=(1, 2))
    n = X.shape[-1]
    w = _check_w(w, n)
    return w[0] + X @ w[1:]


def predict(w, X):
    """The perceptron's output o = 1 if w_0 + Σ w_i x_i > 0 else 0, for every row of X."""
    return (net_input(w, X) > 0).astype(float)


def update(w, x, y, lr):
    """One step of the perceptron training rule on a single example.

    ``w`` (n + 1,), ``x`` (n,), ``y`` 0 or 1, ``lr`` = η > 0. Returns the new weights
    w + η (y − o) (1, x_1 … x_n); ``w`` itself is not modified.
    """
    x = as_float_array(x, "x", ndim=1)
    w = _check_w(w, x.shape[0])
    y = float(_check_y(np.atleast_1d(y), 1)[0])
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    o = float(w[0] + x @ w[1:] > 0)
    return w + lr * (y - o) * np.concatenate(([1.0], x))


# ---------------------------------------------------------------- training
@dataclass
class PerceptronHistory:
    """The record of a perceptron training run.

    weights    (E + 1, n + 1)  weights[e] after e epochs (weights[0] the initial ones;
                               column 0 is the bias w_0)
    errors     (E + 1,)        how many training examples weights[e] misclassifies
    outputs    (E + 1, m)      the outputs o of weights[e] on every training example
    updates    (E + 1,)        updates[e] = how many examples changed the weights during
                               epoch e (online rule; for the batch rule 1 or 0); updates[0] = 0
    converged  bool            True when some weights[e] classify every example correctly
    epochs     int             E, the number of epochs of updates that were run
    rule       "online" | "batch"
    """

    weights: np.ndarray
    errors: np.ndarray
    outputs: np.ndarray
    updates: np.ndarray
    converged: bool
    epochs: int
    rule: str
    X: np.ndarray
    y: np.ndarray
    lr: float

    @property
    def converged_at(self):
        """The first epoch e with errors[e] == 0, or None."""
        hits = np.flatnonzero(self.errors == 0)
        return int(hits[0]) if hits.size else None

    @property
    def final_weights(self):
        return self.weights[-1].copy()

    def misclassified(self, epoch):
        """Boolean mask (m,) of the examples that weights[epoch] gets wrong."""
        epoch = check_int(epoch, "epoch", minimum=0)
        if epoch > self.epochs:
            raise ValueError(f"epoch must be at most {self.epochs} (the run's last epoch), got {epoch}")
        return self.outputs[epoch] != self.y

    def __repr__(self):
        state = f"converged at epoch {self.converged_at}" if self.converged else \
            f"not converged after {self.epochs} epochs (min errors {int(self.errors.min())})"
        return f"PerceptronHistory(rule={self.rule!r}, {state})"


def _initial_weights(w0, n, rng, init_scale):
    if w0 is not None:
        return _check_w(w0, n, "w0").copy()
    init_scale = check_real(init_scale, "init_scale", low=0.0)
    return as_rng(rng).uniform(-init_scale, init_scale, n + 1)


def train(X, y, lr=0.1, epochs=100, rule="online", *, w0=None, rng=None, init_scale=0.5,
          shuffle=False, stop=True) -> PerceptronHistory:
    """Train a perceptron on X (m, n) and 0/1 targets y (m,) with the online or batch rule.

    Parameters
    ----------
    lr : float
        Learning rate η > 0 (the lecture: "set to value << 1").
    epochs : int
        The most epochs to run; one epoch is one pass over the training data.
    rule : "online" or "batch"
        ``"online"``: w ← w + η (y_d − o_d) x_d after every example d (the perceptron
        training rule). ``"batch"``: w ← w + η Σ_d (y_d − o_d) x_d once per epoch.
    w0 : array (n + 1,) or None
        Initial weights (bias first). When None they are drawn uniformly from
        [−init_scale, init_scale] with ``rng`` ("randomly initialize weights").
    rng : int, numpy.random.Generator or None
        Source of the initial weights and of the shuffling; pass a seed to repeat a run.
    shuffle : bool
        Online rule only: visit the examples in a fresh random order (from ``rng``) every
        epoch instead of the order of X.
    stop : bool
        Stop at the first epoch whose weights classify every example correctly
        ("until convergence"); with False all ``epochs`` epochs are recorded.

    Returns a ``PerceptronHistory`` with the weights, errors and outputs of every epoch.
    """
    X = _check_X(X)
    m, n = X.shape
    y = _check_y(y, m)
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    check_choice(rule, "rule", ("online", "batch"))
    if not isinstance(shuffle, bool):
        raise TypeError(f"shuffle must be True or False, got {shuffle!r}")
    if not isinstance(stop, bool):
        raise TypeError(f"stop must be True or False, got {stop!r}")
    if shuffle and rule == "batch":
        raise ValueError("shuffle only applies to rule='online': a batch update does not "
                         "depend on the order of the examples")
    rng = as_rng(rng)
    w = _initial_weights(w0, n, rng, init_scale)
    Xb = np.hstack([np.ones((m, 1)), X])          # x_0 = 1 carries the bias

    weights, outputs, updates = [w.copy()], [(Xb @ w > 0).astype(float)], [0]
    for _ in range(epochs):
        if stop and np.all(outputs[-1] == y):
            break
        if rule == "online":
            count = 0
            order = rng.permutation(m) if shuffle else range(m)
            for d in order:
                o = float(Xb[d] @ w > 0)
                if o != y[d]:
                    w = w + lr * (y[d] - o) * Xb[d]
                    count += 1
        else:
            o = (Xb @ w > 0).astype(float)
            w = w + lr * ((y - o) @ Xb)
            count = int(np.any(o != y))
        weights.append(w.copy())
        outputs.append((Xb @ w > 0).astype(float))
        updates.append(count)
    outputs = np.array(outputs)
    errors = np.sum(outputs != y, axis=1)
    return PerceptronHistory(weights=np.array(weights), errors=errors, outputs=outputs,
                             updates=np.array(updates), converged=bool(np.any(errors == 0)),
                             epochs=len(weights) - 1, rule=rule, X=X, y=y, lr=lr)


def train_online(X, y, lr=0.1, epochs=100, **kwargs) -> PerceptronHistory:
    """The perceptron training rule, one update per misclassified example; see ``train``."""
    return train(X, y, lr, epochs, rule="online", **kwargs)


def train_batch(X, y, lr=0.1, epochs=100, **kwargs) -> PerceptronHistory:
    """The batch perceptron, one summed update per epoch; see ``train``."""
    return train(X, y, lr, epochs, rule="batch", **kwargs)
