"""The training explorer: controls for data, learning rate, initialisation, dropout and
shape beside live loss curves, the variance of z, a and δ per layer and their histograms.

``explorer()`` returns the panel (an ipywidgets box); its ``.explorer`` attribute is the
``Explorer`` object behind it, which notebooks and tests can drive directly:
``ex.set(sigma=0.2)`` changes settings and redraws, ``ex.pin()`` keeps the current run
for comparison. All of a panel's state is ``ex.settings``, one dict with the keys of
``DEFAULTS`` (the controls mirror it one to one), plus the pinned run.

Sharing and classroom mode (``dlcore.ui.share``): ``ex.code()`` is the whole state as a short
text code ("ex1-…", shown under the panel and kept up to date); ``explorer(code=...)`` starts
from it and reproduces the run exactly (same numbers, same figure). ``explorer(controls=["lr",
"sigma"])`` shows only those controls; every other setting stays fixed at its given value.

Runs with the same seed start from the same standard-normal draws and see the examples in
the same order, so a pinned run and a new one differ only in the settings that were
changed. Every run is a pure function of the settings and is kept (``dlcore.ui.live.Ahead``);
while a slider is dragged the runs for the next few positions on either side are trained
in the background, so the figure keeps up with the mouse. The epochs slider is followed by
one training kept paused (``explorer_runs.Course``): more epochs train only the epochs
added, fewer come from its history.

On the static site (``dlcore.ui.static.static_mode()``, set by the book build) ``explorer()``
returns precomputed frames instead (``dlcore.ui.explorer_static``).
"""
from __future__ import annotations

import time

import ipywidgets as W
import numpy as np

from .._validate import check_choice, check_int, check_real
from ..viz.explorer import ExplorerFigure
from .explorer_runs import Course, run_key, build_network, train
from .explorer_static import run_alt, static_explorer
from . import share
from .live import Ahead, live_panel, log_slider, neighbours, one_blas_thread
from .static import static_mode

__all__ = ["Explorer", "explorer", "build_network", "train", "DATASETS", "INITS", "ACTIVATIONS",
           "DEFAULTS", "PREFIX"]

DATASETS = ("power plant", "noisy sine", "xor blobs")
INITS = ("normal", "xavier", "he", "zeros")
ACTIVATIONS = ("logistic", "tanh", "relu", "leaky_relu", "linear")
DEFAULTS = dict(dataset="noisy sine", lr=0.05, init="xavier", sigma=0.1, dropout=0.0,
                activation="tanh", depth=3, width=16, epochs=200, patience=0, seed=0,
                histograms="first iteration")
PREFIX = "ex1"        # share codes of this panel, version 1
MAX_DEPTH = 8         # the hidden-layers slider's maximum
EPOCHS_MAX = 2000     # the epochs slider's maximum
CONTROL_WIDTH = "325px"
LABEL_WIDTH = "100px"
CONTROLS = ("dataset", "activation", "init", "sigma", "lr", "depth", "width", "dropout", "epochs",
            "patience", "seed", "histograms")            # the panel's controls, in its order

def validate(s):
    """Check a settings dict (every key of ``DEFAULTS``); raises ValueError/TypeError."""
    check_choice(s["dataset"], "dataset", DATASETS)
    check_choice(s["init"], "init", INITS)
    check_choice(s["activation"], "activation", ACTIVATIONS)
    check_choice(s["histograms"], "histograms", ("first iteration", "end of training"))
    check_real(s["lr"], "lr", low=0.0, low_open=True)
    check_real(s["sigma"], "sigma", low=0.0, low_open=True)
    check_real(s["dropout"], "dropout", low=0.0, high=1.0, high_open=True)
    check_int(s["depth"], "depth", minimum=1)
    check_int(s["width"], "width", minimum=1)
    check_int(s["epochs"], "epochs", minimum=1)
    check_int(s["patience"], "patience", minimum=0)
    check_int(s["seed"], "seed", minimum=0)


class Explorer:
    """The logic of the panel, independent of the widgets (see the module docstring)."""

    def __init__(self, code=None, **settings):
        unknown = set(settings) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"unknown explorer setting(s) {sorted(unknown)}; expected {sorted(DEFAULTS)}")
        base = DEFAULTS if code is None else share.decode(code, defaults=DEFAULTS, prefix=PREFIX)
        self.settings = {**base, **settings}
        validate(self.settings)
        self.runs = Ahead(train, max_items=96)
        self.pinned = None
        self.figure = None
        self.current = None
        self.course = None     # the training that follows the epochs slider (explorer_runs.Course)

    push = None    # set by the panel: shows the current picture (frames while a run trains here)
    every = 0.25   # seconds between those frames

    def run(self, **changes):
        """The run for the current settings (with ``changes``), trained once and kept."""
        s = {**self.settings, **changes}
        key = run_key(s)
        shown = self.push is not None and not changes    # frames go to the panel while it trains
        if not self.runs.done(key) and self._course(s) is not None:
            with one_blas_thread():    # as Ahead trains: the other core is the background's
                run = self.course.run(s["epochs"], progress=self._progress() if shown else None)
            self.runs.put(key, run)
            return run
        if not shown:
            return self.runs.get(key)
        return self.runs.get(key, wait=self.every, progress=self._progress())

    def _course(self, s):
        """The course that answers ``s`` (see ``explorer_runs.Course``), kept when it does or
        started when ``s`` differs from the run shown only in its epochs; else None."""
        if self.course is not None and self.course.missing(s) is not None:
            return self.course
        shown = self.current["settings"] if self.current is not None else None
        if shown is not None and run_key({**shown, "epochs": s["epochs"]}) == run_key(s):
            self.course = Course(s, budget=max(EPOCHS_MAX, s["epochs"]))
            return self.course
        return None

    def _progress(self):
        """``train``'s progress: every ``every`` seconds, the run so far drawn and pushed to
        the page (2,000 epochs of five layers of 100 take ≈ 3 s, and a student dragging the
        epochs slider saw nothing move until they were done)."""
        last = [time.perf_counter()]

        def show(epoch, partial):
            if time.perf_counter() - last[0] >= self.every:
                self._show(partial(), f"training … epoch {epoch:,} of {self.settings['epochs']:,}")
                self.push()
                last[0] = time.perf_counter()
        return show

    def draw(self):
        """Train (or fetch) the current settings' run and update the figure; returns the Figure."""
        self.current = self.run()
        return self._show(self.current, self.status())

    def _show(self, run, title):
        names = run["names"]
        if self.figure is None or len(names) > self.figure.max_layers:
            # one figure, laid out once, for every depth the slider reaches (and deeper if asked)
            self.figure = ExplorerFigure(names, max_layers=max(MAX_DEPTH + 1, len(names)))
        elif self.figure.layer_names != names:
            self.figure.set_layers(names)
        pinned = self.pinned if self.pinned and self.pinned["names"] == names else None
        return self.figure.update(run, pinned, title=title, epochs=self.settings["epochs"],
                                  predicted=run["predicted"])

    def png(self):
        """Train, render and encode: the panel's figure as PNG bytes (the fast path)."""
        self.draw()
        return self.figure.png()

    def status(self):
        """The run's outcome in one line short enough for the loss axes' title (≈ 70 characters)."""
        h, p = self.current["history"], self.settings["patience"]
        if h.status == "max_epochs":
            waited = f"; patience {p}: no early stop" if p and h.val_loss else ""   # the slider's effect, said
            return f"trained {h.epochs} epochs: loss {h.final_loss:.3g}{waited}"
        if h.status == "early_stopped":
            return (f"early stop at epoch {h.epochs}: best validation loss {h.best_val_loss:.3g} "
                    f"at epoch {h.best_epoch}")
        if h.status == "diverged":
            return f"diverged at epoch {h.epochs}: {h.divergence}"
        return h.message

    def set(self, **changes):
        """Change settings (validated) and redraw."""
        if set(changes) - set(DEFAULTS):
            raise TypeError(f"unknown explorer setting(s) {sorted(set(changes) - set(DEFAULTS))}")
        new = {**self.settings, **changes}
        validate(new)
        self.settings = new
        return self.draw()

    def pending(self, **changes):
        """True when the run for these settings still has to be trained (more than a few epochs)."""
        s = {**self.settings, **changes}
        if self.runs.done(run_key(s)):
            return False
        missing = self.course.missing(s) if self.course is not None else None
        return missing is None or missing > 100

    def plan_around(self, name, values):
        """Train, in the background, the runs for ``values`` of setting ``name``."""
        self.runs.plan([run_key({**self.settings, name: v}) for v in values])

    def code(self):
        """The settings as a share code: ``explorer(code=...)`` reproduces this run."""
        return share.encode(self.settings, defaults=DEFAULTS, prefix=PREFIX)

    def pin(self):
        """Keep the current run, drawn over the next ones, to compare them against it."""
        self.pinned = self.current

    def unpin(self):
        self.pinned = None


def _controls(s):
    # a 335 px column beside the 576 px figure fits JupyterLab at 1440 px with its file browser
    # open, and leaves each slider's track 150 px (at 255 px it was 49 px: 4 px per σ step)
    slider = dict(style={"description_width": LABEL_WIDTH}, layout=W.Layout(width=CONTROL_WIDTH))
    pick = dict(style={"description_width": LABEL_WIDTH}, layout=W.Layout(width=CONTROL_WIDTH))
    return {
        "dataset": W.Dropdown(options=DATASETS, value=s["dataset"], description="data", **pick),
        "activation": W.Dropdown(options=ACTIVATIONS, value=s["activation"], description="activation", **pick),
        "init": W.Dropdown(options=INITS, value=s["init"], description="initial weights", **pick),
        "sigma": log_slider(s["sigma"], -3, 0.5, 0.1, description="σ (normal init)", readout_format=".3g", **slider),
        "lr": log_slider(s["lr"], -3, 1, 0.1, description="learning rate α", readout_format=".3g", **slider),
        "depth": W.IntSlider(value=s["depth"], min=1, max=max(MAX_DEPTH, s["depth"]),
                             description="hidden layers", **slider),
        "width": W.IntSlider(value=s["width"], min=2, max=100, description="units per layer", **slider),
        "dropout": W.FloatSlider(value=s["dropout"], min=0, max=0.8, step=0.05,
                                 description="dropout rate", **slider),
        "epochs": W.IntSlider(value=s["epochs"], min=10, max=max(EPOCHS_MAX, s["epochs"]), step=10,
                              description="epochs", **slider),
        "patience": W.IntSlider(value=s["patience"], min=0, max=200, step=5,
                                description="patience", tooltip="early stopping: epochs without a better "
                                "validation loss before training stops (0: off)", **slider),
        "seed": W.BoundedIntText(value=s["seed"], min=0, max=10_000, description="seed", **pick),
        "histograms": W.Dropdown(options=("first iteration", "end of training"), value=s["histograms"],
                                 description="histograms", **pick),
    }


def explorer(code=None, controls=None, **settings):
    """The training explorer panel (see the module docstring).

    ``code``: a share code from ``Explorer.code()`` (the panel shows it under the figure) to
    start from; ``settings`` given by name override it. ``controls``: the names of the
    controls to show (classroom mode, default all); the others keep their values.
    """
    ex = Explorer(code=code, **settings)
    shown = share.visible(controls, CONTROLS)
    if static_mode():
        return static_explorer(ex, INITS)
    every = _controls(ex.settings)
    controls = {name: every[name] for name in shown}
    pin = W.ToggleButton(value=False, description="pin this run to compare",
                         layout=W.Layout(width=CONTROL_WIDTH))
    code_box = W.Text(value=ex.code(), description="share code", disabled=False,
                      style={"description_width": LABEL_WIDTH}, layout=W.Layout(width=CONTROL_WIDTH))

    def update(**values):
        ex.settings.update(values)
        validate(ex.settings)
        every["sigma"].disabled = ex.settings["init"] != "normal"
        every["patience"].disabled = ex.settings["dataset"] == "power plant"    # no validation data
        ex.draw()

    def busy(**values):
        return "training this setting …" if ex.pending(**values) else None

    box = live_panel(controls, _FigureOf(ex), update, busy=busy,
                     alt=lambda **_: run_alt(ex.current), controls_width="335px")
    box.children[0].children = tuple(box.children[0].children) + (pin, code_box)

    def after(change):   # observed after the redraw: the new image is on its way first
        code_box.value = ex.code()
        name = next(k for k, w in controls.items() if w is change["owner"])
        if name != "epochs" and isinstance(change["owner"], (W.FloatLogSlider, W.FloatSlider, W.IntSlider)):
            ex.plan_around(name, neighbours(change["owner"], change["new"]))   # epochs: ex.course

    for w in controls.values():
        w.observe(after, names="value")

    def on_pin(change):
        ex.pin() if change["new"] else ex.unpin()
        pin.description = "unpin" if change["new"] else "pin this run to compare"
        box.redraw()

    pin.observe(on_pin, names="value")
    box.explorer, box.pin_button, box.code_box = ex, pin, code_box
    ex.push = lambda: setattr(box.image, "value", ex.figure.png())
    return box


class _FigureOf:
    """The panel's figure as ``live_panel`` sees it: the explorer's figure of the moment
    (one per depth), drawn by ``png()``."""

    def __init__(self, ex):
        self.ex = ex

    def png(self):
        return self.ex.figure.png()
