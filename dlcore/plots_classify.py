"""Figures for chapters 11 and 13 (softmax and classifying digits).

* ``softmax_bars``: logits and their softmax probabilities side by side (Kelleher Table 14).
* ``confusion_counts`` / ``confusion_plot``: the confusion matrix of a classifier.
* ``image_grid`` / ``misclassified_plot``: images with captions; the test images a
  classifier got wrong, with what it said.
* ``training_plot``: training and validation loss, and validation accuracy, per epoch.

Pure functions from results to a matplotlib ``Figure``; every argument is checked so a
wrong shape, a label outside the class range or images of the wrong dtype fail with a
message that names the argument.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from ._validate import as_float_array, check_int, check_real
from .activations import softmax
from .plots import LINE_COLORS, LINESTYLES
from .train import History

__all__ = ["as_labels", "as_images", "confusion_counts", "confusion_plot", "image_grid",
           "misclassified_plot", "softmax_bars", "training_plot"]

BLUE, VERMILION, GREY = "#0072B2", "#D55E00", "#999999"


def as_labels(y, name="y", n_classes=None):
    """``y`` as a 1-D int64 array of class indices in [0, n_classes)."""
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of class labels, got shape {arr.shape}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole-number class labels, got non-integer values")
    elif arr.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if n_classes is not None and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(f"{name} must lie in [0, {n_classes - 1}] for {n_classes} classes, got "
                         f"values in [{arr.min()}, {arr.max()}]")
    return arr


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


def softmax_bars(logits, temperature=1.0, *, labels=None, title=None, figsize=(6.4, 2.8)):
    """Logits (left) and softmax(logits / T) (right) as bar charts."""
    z = as_float_array(logits, "logits", ndim=1)
    T = check_real(temperature, "temperature", low=0.0, low_open=True)
    p = softmax(z / T)
    labels = [f"class {k}" for k in range(z.size)] if labels is None else [str(x) for x in labels]
    if len(labels) != z.size:
        raise ValueError(f"labels must name each of the {z.size} logits, got {len(labels)}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize, layout="constrained")
    x = np.arange(z.size)
    ax1.bar(x, z, color=[BLUE if v >= 0 else VERMILION for v in z])
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title("logits z", fontsize=10)
    ax2.bar(x, p, color=BLUE)
    ax2.set_ylim(0, 1.08)
    ax2.set_title("softmax(z / T)" if T != 1 else "softmax(z)", fontsize=10)
    for k, v in enumerate(p):
        ax2.text(k, v + 0.02, f"{v:.3f}", ha="center", fontsize=8)
    for ax in (ax1, ax2):
        ax.set_xticks(x, labels)
    fig.suptitle(title or f"temperature T = {T:.3g}: the largest logit gets {p.max():.1%} of the "
                 "probability", fontsize=10)
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
