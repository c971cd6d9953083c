"""Progress bar and panels for chapters 11 and 13 (softmax; classifying digits).

* ``TrainingProgress``: a callback for ``fit`` that moves an ipywidgets progress bar and
  records the validation accuracy after every epoch (one widget, updated in place, so a
  long run does not flood the notebook with output).
* ``softmax_panel``: three logit sliders and a temperature slider → softmax bars.
* ``digits_panel``: learning-rate slider and initialisation controls → loss and
  validation-accuracy curves of Kaplan's one-hidden-layer ReLU network on the digits.

Each panel draws its default state on creation (``dlcore.widgets.show_figure``); sliders
recompute on release, and runs are cached so returning to a setting is instant. While the
book is built (``widgets_static.static_mode()``) each panel instead precomputes its figure
on a small grid of settings around the requested one, with controls linked to the frames in
the browser, so the static site's panels move without a kernel.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as W
import numpy as np

from . import datasets
from ._validate import as_float_array, as_rng, check_choice, check_int, check_real
from .activations import softmax
from .layers import Dense
from .network import Network
from .plots_classify import as_labels, softmax_bars, training_plot
from .train import fit
from .widgets import show_figure
from .widgets_static import frames_panel, static_mode

__all__ = ["AccuracyMonitor", "TrainingProgress", "classifier", "accuracy", "softmax_panel",
           "digits_run", "digits_figure", "digits_panel", "PANEL_INITS"]

PANEL_INITS = ("he", "xavier", "normal")


def classifier(n_in=64, n_hidden=100, n_out=10, *, init="he", sigma=0.01, rng=0,
               dtype=np.float64):
    """Kaplan's classifier (section 4): n_in inputs, one hidden layer of ReLUs, softmax output,
    trained with cross-entropy. ``init`` names the initialiser; ``sigma`` is the standard
    deviation used when ``init="normal"``."""
    check_choice(init, "init", PANEL_INITS)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    rng = as_rng(rng)
    kw = {"init_kwargs": {"sigma": sigma}} if init == "normal" else {}
    return Network([Dense(n_in, n_hidden, "relu", init=init, rng=rng, dtype=dtype, **kw),
                    Dense(n_hidden, n_out, "softmax", init=init, rng=rng, dtype=dtype, **kw)],
                   loss="cross_entropy")


def accuracy(network, X, y):
    """Fraction of rows of X whose largest output is the label in y."""
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    y = as_labels(y, "y", network.n_out)
    X = network.check_X(X)
    if X.shape[0] != y.size:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.size} labels")
    return float(np.mean(network.predict(X).argmax(axis=1) == y))


class AccuracyMonitor:
    """A ``fit`` callback recording the accuracy on (X, y) after every epoch.

    ``accuracy[e]`` is measured on the same parameters as ``history.loss[e]`` (before
    epoch e's updates), so the last entry belongs to the trained network.
    """

    def __init__(self, X, y):
        self.X = as_float_array(X, "X", ndim=2)
        self.y = as_labels(y, "y")
        if self.X.shape[0] != self.y.size:
            raise ValueError(f"X has {self.X.shape[0]} rows but y has {self.y.size} labels")
        self.accuracy = []

    def __call__(self, epoch, network, history):
        if self.y.max() >= network.n_out:
            raise ValueError(f"y must lie in [0, {network.n_out - 1}] for a network with "
                             f"{network.n_out} outputs, got labels up to {self.y.max()}")
        self.accuracy.append(accuracy(network, self.X, self.y))
        return False


class TrainingProgress(AccuracyMonitor):
    """``AccuracyMonitor`` plus a progress bar: ``display(p.widget)`` then ``fit(..., callback=p)``."""

    def __init__(self, epochs, X_val, y_val, description="training"):
        super().__init__(X_val, y_val)
        self.epochs = check_int(epochs, "epochs", minimum=1)
        self.bar = W.IntProgress(value=0, min=0, max=self.epochs, description=description,
                                 bar_style="info", style={"description_width": "initial"})
        self.label = W.Label(value=f"epoch 0 of {self.epochs}")
        self.widget = W.HBox([self.bar, self.label])

    def __call__(self, epoch, network, history):
        super().__call__(epoch, network, history)
        self.bar.value = min(epoch, self.epochs)
        self.label.value = (f"epoch {epoch} of {self.epochs}: training loss {history.loss[-1]:.4f}, "
                            f"validation accuracy {self.accuracy[-1]:.1%}")
        if epoch >= self.epochs:
            self.bar.bar_style = "success"
        return False

    def finish(self, history):
        """Mark the bar with how training ended (call after ``fit`` returns)."""
        if history.status == "diverged":
            self.bar.bar_style = "danger"
            self.label.value = history.message


# ------------------------------------------------------------------------ chapter 11
def softmax_panel(logits=(1.5, -0.9, 0.6), temperature=1.0, labels=("l0", "l1", "l2")):
    """Sliders for three logits and a temperature T → the bars of softmax(z / T).

    Starts at Kelleher's Table 14 logits (1.5, −0.9, 0.6) with T = 1.
    """
    z = as_float_array(logits, "logits", ndim=1)
    if z.size != 3:
        raise ValueError(f"logits must hold three values, got {z.size}")
    check_real(temperature, "temperature", low=0.1, high=10.0)
    if len(labels) != 3:
        raise ValueError(f"labels must name the three logits, got {len(labels)}")
    if static_mode():
        return _softmax_frames([float(v) for v in z], float(temperature), tuple(labels))
    sliders = [W.FloatSlider(value=float(v), min=-6, max=6, step=0.1, description=lab,
                             continuous_update=False) for v, lab in zip(z, labels)]
    temp = W.FloatLogSlider(value=temperature, base=10, min=-1, max=1, step=0.05,
                            description="temperature T", readout_format=".2f",
                            continuous_update=False, style={"description_width": "initial"})
    out = W.Output()

    def redraw(*_):
        show_figure(out, softmax_bars([s.value for s in sliders], temp.value, labels=labels))

    for control in [*sliders, temp]:
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([W.VBox(sliders), temp]), out])


# ------------------------------------------------------------------------ chapter 13
@lru_cache(maxsize=4)
def _digits(seed):
    return datasets.digits(seed)


@lru_cache(maxsize=64)
def _run(lr, init, sigma, epochs, batch_size, seed):
    data = _digits(seed)
    net = classifier(init=init, sigma=sigma, rng=seed)
    monitor = AccuracyMonitor(data.X_val, data.y_val)
    h = fit(net, data.X_train, data.T_train, lr=lr, epochs=epochs, batch_size=batch_size,
            reduction="mean", rng=seed, validation=(data.X_val, data.T_val), callback=monitor)
    return h, tuple(monitor.accuracy)


def digits_run(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0):
    """Train the 64-100-10 classifier on ``digits(seed)``; returns (History, accuracies)."""
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(init, "init", PANEL_INITS)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    sigma = round(sigma, 6) if init == "normal" else 0.01   # σ only matters for "normal"
    return _run(round(lr, 6), init, sigma, epochs, batch_size, seed)


def _describe(lr, init, sigma):
    return f"α = {lr:.3g}, " + (f"N(0, σ = {sigma:.3g})" if init == "normal" else init)


def digits_figure(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0, *,
                  reference=(0.5, "he", 0.01)):
    """Loss and validation-accuracy curves for one setting, beside a reference run."""
    h, acc = digits_run(lr, init, sigma, epochs, batch_size, seed)
    runs = {_describe(lr, init, sigma): (h, acc)}
    if reference is not None and tuple(reference) != (lr, init, sigma):
        runs[_describe(*reference) + " (reference)"] = digits_run(*reference, epochs, batch_size, seed)
    end = f"validation accuracy {acc[-1]:.1%}" if acc else "no epoch completed"
    state = {"diverged": f"diverged at epoch {h.epochs}"}.get(h.status, f"{h.epochs} epochs")
    return training_plot(runs, title=f"{_describe(lr, init, sigma)}: {state}, {end}")


def digits_panel(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0):
    """Learning-rate slider, initialiser dropdown and σ slider → training curves.

    σ is the standard deviation of the "normal" initialiser and is ignored by He and
    Xavier, which choose their own scale from the layer sizes.
    """
    digits_run(lr, init, sigma, epochs, batch_size, seed)   # validates, warms the cache
    if static_mode():
        return _digits_frames(float(lr), init, float(sigma), epochs, batch_size, seed)
    style = {"description_width": "initial"}
    lr_s = W.FloatLogSlider(value=lr, base=10, min=-2, max=1, step=0.1, description="learning rate α",
                            readout_format=".3g", continuous_update=False, style=style)
    init_d = W.Dropdown(options=PANEL_INITS, value=init, description="initialisation", style=style)
    sigma_s = W.FloatLogSlider(value=sigma, base=10, min=-4, max=0.5, step=0.25,
                               description="σ (normal only)", readout_format=".3g",
                               continuous_update=False, style=style, disabled=init != "normal")
    out = W.Output()

    def redraw(*_):
        sigma_s.disabled = init_d.value != "normal"
        show_figure(out, digits_figure(lr_s.value, init_d.value, sigma_s.value, epochs,
                                       batch_size, seed))

    for control in (lr_s, init_d, sigma_s):
        control.observe(redraw, names="value")
    redraw()
    return W.VBox([W.HBox([lr_s, init_d, sigma_s]), out])


# ------------------------------------------------------------ static (precomputed) forms
def _softmax_frames(z, temperature, labels):
    """The first logit (equal to each of the others, as requested, above them all) × five
    temperatures from 0.1 to 10; the other two logits stay as requested."""
    firsts = sorted({z[0], z[1], z[2], round(max(z) + 1.5, 6)})

    def alt(first, temperature):
        p = softmax(np.array([first, z[1], z[2]]) / temperature)
        return (f"Softmax bars for logits ({first:g}, {z[1]:g}, {z[2]:g}) at temperature "
                f"{temperature:g}: probabilities " + ", ".join(f"{q:.3f}" for q in p))
    return frames_panel(lambda first, temperature: softmax_bars([first, z[1], z[2]], temperature,
                                                                labels=labels),
                        {"first": firsts, "temperature": sorted({0.1, 0.5, 1.0, 2.0, 10.0} | {temperature})},
                        value={"first": z[0], "temperature": temperature},
                        labels={"first": labels[0], "temperature": "temperature T"}, alt=alt)


def _digits_frames(lr, init, sigma, epochs, batch_size, seed):
    """Learning rates 0.05, 0.5 and 2 × He, Xavier and N(0, σ = 1) (or the requested σ)."""
    inits = {"he": ("he", sigma), "xavier": ("xavier", sigma),
             **{f"normal, σ = {s:g}": ("normal", s) for s in sorted({1.0} | ({sigma} if init == "normal"
                                                                              else set()))}}
    start = next(k for k, (i, s) in inits.items() if i == init and (i != "normal" or s == sigma))

    def alt(lr, init):
        h, acc = digits_run(lr, *inits[init], epochs, batch_size, seed)
        end = f"validation accuracy {acc[-1]:.1%}" if acc else "no epoch completed"
        return (f"Training and validation loss and validation accuracy of the 64-100-10 ReLU "
                f"network on the digits, learning rate {lr:g}, {init} initialisation: "
                f"{h.status.replace('_', ' ')} after {h.epochs} epochs, {end}")
    return frames_panel(lambda lr, init: digits_figure(lr, *inits[init], epochs, batch_size, seed),
                        {"lr": sorted({0.05, 0.5, 2.0} | {lr}), "init": list(inits)},
                        value={"lr": lr, "init": start},
                        labels={"lr": "learning rate α", "init": "initialisation"}, alt=alt)
