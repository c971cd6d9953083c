"""Chapter 13, classifying handwritten digits: Kaplan's classifier, its curves and its errors.

* ``classifier``: Kaplan's one-hidden-layer ReLU network with a softmax output
* ``confusion_counts`` / ``confusion_plot``, ``image_grid`` / ``misclassified_plot``
* ``training_plot``: training and validation loss, and validation accuracy, per epoch
* ``digits_run`` / ``digits_figure`` / ``digits_panel``: learning rate and initialisation
  controls → those curves on the 8×8 digits
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .._validate import (
    as_float_array,
    as_labels,
    as_rng,
    check_choice,
    check_int,
    check_real,
)
from ..data import datasets
from ..nn.layers import Dense
from ..nn.network import Network
from ..train.fit import fit
from ..train.rates import fit_rates
from ..train.record import AccuracyMonitor
from ..train.stopping import History
from ..ui.live import Ahead, live_panel, log_slider, log_values
from ..ui.static import frames_panel, static_mode
from ..viz.render import BlitFigure
from ..viz.style import BLUE, GREY, LINE_COLORS, LINESTYLES, VERMILION

__all__ = ["PANEL_INITS", "classifier", "as_images", "confusion_counts", "confusion_plot",
           "image_grid", "misclassified_plot", "training_plot", "digits_run", "digits_figure",
           "digits_panel"]


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


def as_images(images, n=None, name="images", allow_empty=False):
    """Images as (n, h, w) floats from rows (n, h·w with h = w), (n, h, w) or (n, 1, h, w)."""
    arr = np.asarray(images)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    arr = as_float_array(arr, name, ndim=(2, 3, 4), allow_empty=allow_empty)
    if arr.ndim == 2:
        side = int(round(np.sqrt(arr.shape[1])))
        if side * side != arr.shape[1]:
            raise ValueError(f"{name} given as rows must have a square number of pixels "
                             f"(64 for 8x8, 784 for 28x28), got {arr.shape[1]}")
        arr = arr.reshape(-1, side, side)
    elif arr.ndim == 4:
        if arr.shape[1] != 1:
            raise ValueError(f"{name} of shape (n, channels, h, w) must have one channel, got {arr.shape}")
        arr = arr[:, 0]
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} must hold {n} images, one per label, got {arr.shape[0]}")
    return arr


def confusion_counts(y_true, y_pred, n_classes=10):
    """C[i, j] = how many examples of class i were predicted as class j."""
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    t = as_labels(y_true, "y_true", n_classes)
    p = as_labels(y_pred, "y_pred", n_classes)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {t.size} and {p.size}")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def confusion_plot(y_true, y_pred, n_classes=10, *, title=None, figsize=(4.6, 4.2)):
    """The confusion matrix as a grid of counts; the diagonal holds the correct answers."""
    C = confusion_counts(y_true, y_pred, n_classes)
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    off = C.astype(float)
    np.fill_diagonal(off, np.nan)
    ax.imshow(np.where(np.eye(n_classes, dtype=bool), np.nan, np.log1p(C)), cmap="Oranges",
              vmin=0, vmax=np.log1p(max(1, np.nanmax(off) if np.isfinite(off).any() else 1)) * 1.3)
    for i in range(n_classes):
        for j in range(n_classes):
            if C[i, j] or i == j:
                ax.text(j, i, str(C[i, j]), ha="center", va="center", fontsize=8,
                        color=BLUE if i == j else "black", fontweight="bold" if i == j else None)
    ax.set_xticks(range(n_classes))
    ax.set_yticks(range(n_classes))
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = np.trace(C) / C.sum()
    ax.set_title(title or f"Confusion matrix: {C.sum() - np.trace(C)} errors, accuracy {acc:.1%}",
                 fontsize=10)
    return fig


def misclassified_plot(images, y_true, y_pred, probs=None, *, max_images=24, ncols=8,
                       title=None):
    """The images with y_pred ≠ y_true, each captioned "true → predicted (probability)"."""
    t = as_labels(y_true, "y_true")
    p = as_labels(y_pred, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length, got {t.size} and {p.size}")
    imgs = as_images(images, t.size)
    max_images = check_int(max_images, "max_images", minimum=1)
    if probs is not None:
        probs = as_float_array(probs, "probs", ndim=2)
        if probs.shape[0] != t.size or probs.shape[1] <= max(t.max(), p.max()):
            raise ValueError(f"probs must have shape ({t.size}, n_classes), got {probs.shape}")
    wrong = np.flatnonzero(t != p)
    shown = wrong[:max_images]
    captions = [f"{t[k]} → {p[k]}" + (f" ({probs[k, p[k]]:.2f})" if probs is not None else "")
                for k in shown]
    return image_grid(imgs[shown], captions, ncols=ncols, color=VERMILION,
                      title=title or f"{len(wrong)} misclassified of {t.size}"
                      + (f" (first {len(shown)} shown)" if len(shown) < len(wrong) else "")
                      + ": true → predicted" + (" (its probability)" if probs is not None else ""))


def image_grid(images, captions=None, *, ncols=10, color="black", title=None):
    """Images (rows of pixels, (n, h, w) or (n, 1, h, w)) in a grid, each with a caption."""
    imgs = as_images(images, allow_empty=True)
    ncols = check_int(ncols, "ncols", minimum=1)
    if captions is not None and len(captions) != imgs.shape[0]:
        raise ValueError(f"captions must have one entry per image ({imgs.shape[0]}), got {len(captions)}")
    rows = max(1, int(np.ceil(imgs.shape[0] / ncols)))
    fig, axes = plt.subplots(rows, ncols, figsize=(1.15 * ncols, 1.35 * rows + 0.4),
                             squeeze=False, layout="constrained")
    for ax in axes.ravel():
        ax.axis("off")
    for k, ax in enumerate(axes.ravel()[:imgs.shape[0]]):
        ax.imshow(imgs[k], cmap="gray_r", interpolation="nearest")
        if captions is not None:
            ax.set_title(str(captions[k]), fontsize=8, color=color)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def training_plot(runs, *, title=None, figsize=(8.4, 3.2)):
    """Loss (left, log scale) and validation accuracy (right) per epoch.

    ``runs`` maps a label to ``(history, accuracy)``: a ``History`` with ``loss`` and
    ``val_loss`` and a list of validation accuracies per epoch (or None). The first run
    is drawn in colour, later ones in grey as references.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a non-empty mapping label -> (history, accuracy)")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    for i, (label, run) in enumerate(runs.items()):
        if not (isinstance(run, tuple) and len(run) == 2 and isinstance(run[0], History)):
            raise TypeError(f"runs[{label!r}] must be a pair (History, accuracy list or None)")
        h, acc = run
        color = LINE_COLORS[0] if i == 0 else GREY
        style = "-" if i == 0 else LINESTYLES[1 + (i - 1) % 3]
        loss = np.asarray(h.loss, dtype=float)
        ok = np.isfinite(loss)
        ax1.plot(np.flatnonzero(ok), loss[ok], color=color, ls=style, lw=2, label=f"{label}: training")
        if h.val_loss:
            v = np.asarray(h.val_loss, dtype=float)
            okv = np.isfinite(v)
            ax1.plot(np.flatnonzero(okv), v[okv], color=VERMILION if i == 0 else GREY, ls=":",
                     lw=1.6, label=f"{label}: validation")
        if acc is not None and len(acc):
            ax2.plot(np.arange(len(acc)), 100 * np.asarray(acc), color=color, ls=style, lw=2, label=label)
    ax1.set_yscale("log")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("mean cross-entropy")
    ax1.legend(fontsize=7)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("validation accuracy (%)")
    ax2.set_ylim(0, 100)
    ax2.axhline(97, color=GREY, lw=0.8, ls="--")
    ax2.legend(fontsize=7, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


@lru_cache(maxsize=4)
def _digits(seed):
    return datasets.digits(seed)


def _train_digits(key):
    lr, init, sigma, epochs, batch_size, seed = key
    data = _digits(seed)
    net = classifier(init=init, sigma=sigma, rng=seed)
    monitor = AccuracyMonitor(data.X_val, data.y_val)
    h = fit(net, data.X_train, data.T_train, lr=lr, epochs=epochs, batch_size=batch_size,
            reduction="mean", rng=seed, validation=(data.X_val, data.T_val), callback=monitor,
            epoch_loss="full")   # curves from the untrained network on, on the whole training set
    return h, tuple(monitor.accuracy)


_RUNS = Ahead(_train_digits)     # (lr, init, σ, epochs, batch size, seed) -> (History, accuracies)
LRS = log_values(0.5, -2, 1, 0.1)     # the panel's α slider: 31 rates ≈ 0.01 … 10, Kaplan's 0.5 among them


def _train_lrs(key):
    """Every α of the slider for one (init, σ, epochs, batch size, seed), stacked
    (``fit_rates``: 2.1 s for the 31, against 3.2 s one by one, ``benchmarks/rates_sweep.py
    --task digits``; the same runs, bit for bit)."""
    init, sigma, epochs, batch_size, seed = key
    data = _digits(seed)
    runs, accuracies = fit_rates(classifier(init=init, sigma=sigma, rng=seed), data.X_train, data.T_train, LRS,
                                 epochs=epochs, batch_size=batch_size, reduction="mean", rng=seed,
                                 validation=(data.X_val, data.T_val), accuracy=data.y_val, epoch_loss="full")
    return {lr: (h, tuple(acc)) for lr, h, acc in zip(LRS, runs, accuracies)}


_BATCHES = Ahead(_train_lrs, max_items=16)    # (init, σ, epochs, batch size, seed) -> {α: run}


def _in_batch(key):
    return key[0] in LRS and _BATCHES.done(key[1:])


def _trained(key):
    return _in_batch(key) or _RUNS.done(key)


def _key(lr, init, sigma, epochs, batch_size, seed):
    lr = check_real(lr, "lr", low=0.0, low_open=True)
    check_choice(init, "init", PANEL_INITS)
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    sigma = round(sigma, 6) if init == "normal" else 0.01   # σ only matters for "normal"
    return (round(lr, 6), init, sigma, epochs, batch_size, seed)


def digits_run(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0):
    """Train the 64-100-10 classifier on ``digits(seed)``; returns (History, accuracies)."""
    key = _key(lr, init, sigma, epochs, batch_size, seed)
    return _BATCHES.get(key[1:])[key[0]] if _in_batch(key) else _RUNS.get(key)


def _describe(lr, init, sigma):
    return f"α = {lr:.3g}, " + (f"N(0, σ = {sigma:.3g})" if init == "normal" else init)


class DigitsFigure(BlitFigure):
    """Loss (left, log scale) and validation accuracy (right) per epoch for one setting,
    beside a reference run in grey, on axes fixed for every setting."""

    def __init__(self, epochs=20, batch_size=32, seed=0, reference=(0.5, "he", 0.01), pyplot=False, dpi=80):
        super().__init__((8.4, 3.9), dpi, pyplot=pyplot)
        ax1, ax2 = self.fig.subplots(1, 2)
        self.lines = {k: self.dynamic(ax.plot([], [], color=c, ls=ls, lw=w)[0]) for k, ax, c, ls, w in (
            ("ref loss", ax1, GREY, "--", 1.6), ("ref acc", ax2, GREY, "--", 1.6),
            ("loss", ax1, LINE_COLORS[0], "-", 2), ("val", ax1, VERMILION, ":", 1.6), ("acc", ax2, LINE_COLORS[0], "-", 2))}
        ax1.set_yscale("log")
        ax1.set(xlim=(0, epochs), ylim=(1e-3, 30.0))
        ax1.set_xlabel("epoch")
        ax1.set_ylabel("mean cross-entropy")
        ax2.set(xlim=(0, epochs), ylim=(0, 100))
        ax2.axhline(97, color=GREY, lw=0.8, ls="--")
        ax2.set_xlabel("epoch")
        ax2.set_ylabel("validation accuracy (%)")
        for ax in (ax1, ax2):
            ax.grid(True, alpha=0.3)
        handles = [Line2D([], [], color=LINE_COLORS[0], lw=2), Line2D([], [], color=VERMILION, ls=":", lw=1.6),
                   Line2D([], [], color=GREY, ls="--", lw=1.6)]
        self.fig.legend(handles, ["this run: training loss, accuracy", "this run: validation loss",
                                  f"reference: {_describe(*reference)}"], loc="outside lower center", ncols=3,
                        fontsize=9, frameon=False)
        self.title = self.dynamic(self.fig.suptitle("Ag", fontsize=10))
        self.settings, self.reference = (epochs, batch_size, seed), tuple(reference)

    def update(self, lr=0.5, init="he", sigma=0.01):
        """Show the run of (lr, init, σ); returns (History, accuracies)."""
        h, acc = digits_run(lr, init, sigma, *self.settings)
        ref = None if self.reference == (lr, init, sigma) else digits_run(*self.reference, *self.settings)
        for key, run in (("", (h, acc)), ("ref ", ref)):
            shown = run is not None
            for part in ("loss", "acc") + (("val",) if not key else ()):
                self.lines[key + part].set_visible(shown)
            if not shown:
                continue
            loss = np.asarray(run[0].loss, float)
            ok = np.flatnonzero(np.isfinite(loss))
            self.lines[key + "loss"].set_data(ok, np.clip(loss[ok], 1e-3, 30.0))
            self.lines[key + "acc"].set_data(np.arange(len(run[1])), 100 * np.asarray(run[1]))
            if not key:
                v = np.asarray(run[0].val_loss, float)
                okv = np.flatnonzero(np.isfinite(v))
                self.lines["val"].set_data(okv, np.clip(v[okv], 1e-3, 30.0))
        end = f"validation accuracy {acc[-1]:.1%}" if acc else "no epoch completed"
        state = {"diverged": f"diverged at epoch {h.epochs}"}.get(h.status, f"{h.epochs} epochs")
        self.title.set_text(f"{_describe(lr, init, sigma)}: {state}, {end}")
        return h, acc


def digits_figure(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0, *,
                  reference=(0.5, "he", 0.01)):
    """Loss and validation-accuracy curves for one setting, beside a reference run."""
    _key(lr, init, sigma, epochs, batch_size, seed)
    figure = DigitsFigure(epochs, batch_size, seed, reference, pyplot=True)
    figure.update(lr, init, sigma)
    return figure.settled()


def digits_panel(lr=0.5, init="he", sigma=0.01, epochs=20, batch_size=32, seed=0):
    """Learning-rate slider, initialiser dropdown and σ slider → training curves.

    σ is the standard deviation of the "normal" initialiser and is ignored by He and
    Xavier, which choose their own scale from the layer sizes. All 31 learning rates of the
    slider are trained together while the panel is made (≈ 2 s), the other
    initialisations' in the background; a setting off the slider's grid (or needed before
    its batch is done) is trained on its own, with a busy message.
    """
    _key(lr, init, sigma, epochs, batch_size, seed)                 # validates
    if static_mode():
        return _digits_frames(float(lr), init, float(sigma), epochs, batch_size, seed)
    figure = DigitsFigure(epochs, batch_size, seed)
    style = {"description_width": "initial"}
    controls = {"lr": log_slider(lr, -2, 1, 0.1, description="learning rate α", readout_format=".3g", style=style),
                "init": W.Dropdown(options=PANEL_INITS, value=init, description="initialisation", style=style),
                "sigma": log_slider(sigma, -4, 0.5, 0.25, description="σ (normal only)", readout_format=".3g",
                                    style=style, disabled=init != "normal")}

    def show(lr, init, sigma):
        controls["sigma"].disabled = init != "normal"
        figure.update(lr, init, sigma)

    def ahead(*_):       # every α of the slider, for this initialisation and then the others
        v = {k: w.value for k, w in controls.items()}
        inits = sorted(PANEL_INITS, key=lambda i: i != v["init"])
        _BATCHES.plan([_key(v["lr"], i, v["sigma"], epochs, batch_size, seed)[1:] for i in inits])

    _BATCHES.get(_key(lr, init, sigma, epochs, batch_size, seed)[1:])   # this init's 31 rates, here
    box = live_panel(controls, figure, show,
                     busy=lambda lr, init, sigma: None if _trained(_key(lr, init, sigma, epochs, batch_size, seed))
                     else "training this setting (once; then it is kept) …",
                     alt=lambda lr, init, sigma: _digits_alt(lr, init, sigma, epochs, batch_size, seed))
    for w in controls.values():
        w.observe(ahead, names="value")
    ahead()
    return box


def _digits_alt(lr, init, sigma, epochs, batch_size, seed, name=None):
    h, acc = digits_run(lr, init, sigma, epochs, batch_size, seed)
    end = f"validation accuracy {acc[-1]:.1%}" if acc else "no epoch completed"
    return (f"Training and validation loss and validation accuracy of the 64-100-10 ReLU "
            f"network on the digits, learning rate {lr:g}, {name or init} initialisation: "
            f"{h.status.replace('_', ' ')} after {h.epochs} epochs, {end}")


def _digits_frames(lr, init, sigma, epochs, batch_size, seed):
    """Learning rates 0.05, 0.5 and 2 × He, Xavier and N(0, σ = 1) (or the requested σ)."""
    inits = {"he": ("he", sigma), "xavier": ("xavier", sigma),
             **{f"normal, σ = {s:g}": ("normal", s) for s in sorted({1.0} | ({sigma} if init == "normal"
                                                                              else set()))}}
    start = next(k for k, (i, s) in inits.items() if i == init and (i != "normal" or s == sigma))

    figure = DigitsFigure(epochs, batch_size, seed)

    def frame(lr, init):
        figure.update(lr, *inits[init])
        return figure.fig

    def alt(lr, init):
        return _digits_alt(lr, *inits[init], epochs, batch_size, seed, name=init)
    return frames_panel(frame,
                        {"lr": sorted({0.05, 0.5, 2.0} | {lr}), "init": list(inits)},
                        value={"lr": lr, "init": start},
                        labels={"lr": "learning rate α", "init": "initialisation"}, alt=alt)
