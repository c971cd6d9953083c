"""The explorer's runs: the network and data a panel's settings describe, trained.

``train(key)`` trains one run from scratch (what the background process computes ahead).
``Course`` keeps one run's training paused, so that the epochs slider is answered without
training from scratch: the run for e epochs is the same whatever the budget until epoch e's
stop check (``dlcore.train.fit.Training``), so a course trained to 1,200 epochs answers
1,200 at once, 1,250 after 50 more epochs, and (for first-iteration histograms, which do
not depend on where training ends) any smaller number from its history. Dragging the
epochs slider from 200 to 2,000 used to train each new position from scratch, ≈ 3 s for
the last ones, with one or two frames a second while they trained.
"""
from __future__ import annotations

import copy

import numpy as np

from .._validate import check_int
from ..data import datasets
from ..nn.layers import Dense, Dropout
from ..nn.network import Network
from ..teaching.variance import predicted_variances
from ..train.fit import Training, fit
from ..train.record import Recorder
from ..viz.explorer import layer_values

__all__ = ["build_network", "run_key", "train", "Course"]


def _data(name, seed):
    if name == "power plant":
        d = datasets.power_plant()
        return d.X, d.T, None, None, "sse"
    if name == "noisy sine":
        return (*datasets.noisy_sine(n_val=100, rng=seed), "sse")
    return (*datasets.xor_blobs(n_train=100, n_val=100, rng=seed), "binary_cross_entropy")


def build_network(n_in, n_out, *, depth, width, activation, init, sigma, dropout, loss, seed):
    """``depth`` hidden layers of ``width`` units (each followed by dropout when rate > 0)
    and an output layer: logistic for binary cross-entropy, otherwise linear, except on
    the power-plant data whose lecture network uses the hidden activation throughout."""
    rng = np.random.default_rng(seed)
    layers, fan_in = [], n_in
    for _ in range(depth):
        layers.append(Dense(fan_in, width, activation, init=init, rng=rng,
                            init_kwargs={"sigma": sigma} if init == "normal" else None))
        if dropout > 0:
            layers.append(Dropout(dropout))
        fan_in = width
    out_act = "logistic" if loss == "binary_cross_entropy" else ("linear" if n_in == 1 else activation)
    layers.append(Dense(fan_in, n_out, out_act, init=init, rng=rng,
                        init_kwargs={"sigma": sigma} if init == "normal" else None))
    return Network(layers, loss=loss)


def run_key(settings):
    """Settings as a hashable key; floats to 10 significant digits, so a value the browser
    computed and the same value computed here are one key."""
    return tuple(sorted((k, float(f"{v:.10g}") if isinstance(v, float) else v) for k, v in settings.items()))


def train(key, progress=None):
    """Train with the settings of ``key`` (see ``run_key``); returns the run: ``history``,
    per-layer ``values`` of z, a and δ (float32), ``names``, ``settings`` and eq. 58's
    ``predicted`` variances (first-iteration histograms only, else None).

    ``progress(epoch, partial)``, if given, is called after every epoch; ``partial()``
    returns the run so far (its history until this epoch, the values at these weights)."""
    s = dict(key)
    return Course(s, s["epochs"]).run(s["epochs"], progress)


class Course:
    """One run's training, paused between requests for it (see the module docstring).

    ``Course(settings, budget)`` sets up the run of ``settings`` (a settings dict; its
    ``epochs`` is not used) with room for ``budget`` epochs. ``missing(settings)`` is the
    number of epochs ``run`` still has to train for those settings, or None when this course
    cannot give their run; ``run(epochs, progress)`` returns the run ``train`` returns for
    these settings with ``epochs``.
    """

    def __init__(self, settings, budget):
        budget = check_int(budget, "budget", minimum=1)
        s = self.settings = dict(run_key(settings))   # floats as the key has them: one run per key
        self.base = run_key({**s, "epochs": 0})
        self.X, self.T, Xv, Tv, loss = _data(s["dataset"], s["seed"])
        net = build_network(self.X.shape[1], self.T.shape[1], depth=s["depth"], width=s["width"],
                            activation=s["activation"], init=s["init"], sigma=s["sigma"],
                            dropout=s["dropout"], loss=loss, seed=s["seed"])
        self.dense = [l for l, layer in enumerate(net.layers, start=1) if isinstance(layer, Dense)]
        self.rec, self.first = Recorder(epochs=[0]), s["histograms"] == "first iteration"
        self.predicted, self.progress = None, None
        with np.errstate(all="ignore"):
            if self.first:   # eq. 58 uses the weights as drawn, before any update
                trace = net.forward(self.X)
                delta_out = float(np.var(net.backward(trace, self.T, reduction="mean").delta[self.dense[-1]]))
                self.predicted = predicted_variances(net, self.X, delta_out)
                self.predicted["z"][-1] = np.nan   # one output unit: its z has no spread to predict
        self.names = [f"hidden {i + 1}" for i in range(len(self.dense) - 1)] + ["output"]
        self.training = Training(net, self.X, self.T, lr=s["lr"], epochs=budget, reduction="mean",
                                 rng=s["seed"] + 1, validation=None if Xv is None else (Xv, Tv),
                                 patience=(s["patience"] or None) if Xv is not None else None,
                                 recorder=self.rec, callback=self._epoch_done)

    def missing(self, settings):
        if run_key({**settings, "epochs": 0}) != self.base:
            return None
        e, t = settings["epochs"], self.training
        if t.stopped and t.history.epochs <= e:
            return 0                              # stopped before e: the same run
        if e >= t.epoch:
            return None if e > t.run.epochs else e - t.epoch
        return 0 if self.first else None          # earlier: its history; the histograms are epoch 0's

    def run(self, epochs, progress=None):
        t, target = self.training, {**self.settings, "epochs": epochs}
        if not 1 <= epochs <= t.run.epochs:
            raise ValueError(f"epochs must be between 1 and this course's budget ({t.run.epochs}), got {epochs}")
        if progress is not None:
            self.progress = lambda epoch, net, h: progress(epoch, lambda: self._run(target, h, net))
        try:
            t.advance(epochs)
        finally:
            self.progress = None
        if (t.stopped and t.history.epochs <= epochs) or t.epoch == epochs:
            h, params = t.ended_here()
            net = None
            if not (self.first and len(self.rec)):    # values at the weights the run ends with
                net = copy.deepcopy(t.run.network)    # (a copy: this training goes on from its own)
                net.set_params(params)
            return self._run(target, h, net)
        return self._run(target, t.history_until(epochs), None)

    def _epoch_done(self, epoch, net, h):
        if self.progress is not None:
            self.progress(epoch, net, h)

    def _run(self, settings, h, net):
        """The run with history ``h`` and values at ``net``'s weights (or the first iteration's)."""
        with np.errstate(all="ignore"):
            at = self.rec[0] if self.first and len(self.rec) else _capture(net, self.X, self.T)
        values = {q: [v.astype(np.float32) for v in vs] for q, vs in layer_values(at, self.dense).items()}
        return {"history": h, "values": values, "settings": settings, "predicted": self.predicted,
                "names": self.names}


def _capture(net, X, T):
    """One (deterministic) iteration's z, a, δ and ∂E/∂W at the network's weights, recorded."""
    trace = net.forward(X)
    rec = Recorder(epochs=[0])
    rec.capture(0, trace, net.backward(trace, T, reduction="mean"))
    return rec[0]


