"""Panels that follow the mouse: controls wired to a ``BlitFigure``, redrawn while dragging.

``live_panel`` puts controls beside (or above) an ``ipywidgets.Image`` showing a
``dlcore.viz.render.BlitFigure``. Every slider gets ``continuous_update=True``: the figure
is redrawn while the slider is dragged, not only on release. ipywidgets' front end sends
at most one change at a time and keeps only the latest value while one is pending, so a
fast redraw follows the mouse and the value where the mouse stops is always drawn. The
image is replaced in place (a new PNG for the same ``<img>``), so nothing on the page
moves.

Work that takes longer than a redraw (training a network for a setting not seen before)
is kept per setting, and ``Ahead`` computes the settings a student is about to reach in a
background process. When a redraw still has to wait for training, the panel first says
so in its status line (the visible busy state), then draws.
"""
from __future__ import annotations

import contextlib
import functools
import html
import math
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import ipywidgets as W

from .a11y import name_sliders

__all__ = ["Ahead", "Frames", "live_panel", "log_slider", "log_values", "neighbours", "roomy_slider",
           "one_blas_thread", "BACKGROUND"]

# ``DLCORE_BACKGROUND=0`` turns background computations off (the test suite does, so that
# panels created by tests start no process and train nothing while other tests run).
BACKGROUND = os.environ.get("DLCORE_BACKGROUND", "1") not in ("0", "false", "False", "")

_POOL = []          # the one background process, started by the first Ahead.plan
_BLAS = []          # the threadpoolctl controller (or None without threadpoolctl)
_CHILD_LIMIT = []


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread, if threadpoolctl is installed (it
    comes with scikit-learn); otherwise it changes nothing. A panel's matrices are small (at
    most a few hundred × 100): threads cannot speed them up, and on a busy 2-core machine
    (the kernel, the background process and the browser) OpenBLAS's waiting threads made a
    100 × 100 product take 40 ms instead of 0.05 ms."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
            _BLAS.append(ThreadpoolController())
        except ImportError:  # pragma: no cover - depends on the installation
            _BLAS.append(None)
    return contextlib.nullcontext() if _BLAS[0] is None else _BLAS[0].limit(limits=1, user_api="blas")


def _child_start():
    """In the background process: draw with Agg if a computation imports pyplot; one BLAS
    thread (``one_blas_thread``), the kernel and the browser need the other core."""
    os.environ["MPLBACKEND"] = "Agg"
    _CHILD_LIMIT.append(one_blas_thread())      # kept for the process's life
    _CHILD_LIMIT[0].__enter__()


def _pool():
    if not _POOL:
        ctx = multiprocessing.get_context("spawn")     # no fork of a kernel that runs threads
        _POOL.append(ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_child_start))
    return _POOL[0]


class Ahead:
    """Results of ``compute(key)`` per key, some computed ahead of time in a background process.

    ``compute`` must be a module-level function of ``key`` alone (it is sent to the
    background process by reference) and return picklable data; training a network with
    numpy is what it is for. ``get(key)`` returns the result: kept, or waited for if the
    background process is computing that very key, or computed here and now.
    ``done(key)`` says whether ``get`` would return at once. ``plan(keys)`` replaces the
    queue of keys to compute in the background, first first; each ``Ahead`` keeps one key
    at a time in the process, so a new plan takes effect after the key in progress.

    The background process (one for the kernel, started on the first plan) runs on the
    machine's other core: it never competes with the kernel for Python's GIL, so a
    redraw or a cell runs as fast while it works (a thread would halve their speed).
    """

    def __init__(self, compute, max_items=512):
        self.compute = compute
        self.max_items = max_items
        self._results = OrderedDict()
        self._futures = {}
        self._queue = []
        self._lock = threading.RLock()

    def done(self, key):
        with self._lock:
            return key in self._results

    def get(self, key, wait=None, **kwargs):
        """The result for ``key``; ``kwargs`` go to ``compute`` when it runs here (say, a
        progress callback), not when the result is kept or comes from the background.
        ``wait``: the most seconds to wait for the background process if it is computing
        ``key`` (then it is computed here, where progress can be shown); None waits."""
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
            future = self._futures.get(key)
        value = None
        if future is not None:
            try:
                value = future.result(timeout=wait)
            except Exception:  # noqa: BLE001 - a time-out, or an error shown when computed below
                future = None
        if future is None:
            with one_blas_thread():
                value = self.compute(key, **kwargs)
        self.put(key, value)
        return value

    def put(self, key, value):
        """Keep ``value`` as the result for ``key`` (computed elsewhere)."""
        with self._lock:
            self._results[key] = value
            while len(self._results) > self.max_items:
                self._results.popitem(last=False)

    def plan(self, keys):
        """Compute ``keys`` (those not done yet) in the background, in this order (nothing
        happens when ``BACKGROUND`` is off)."""
        if not BACKGROUND:
            return
        with self._lock:
            self._queue = [k for k in keys if k not in self._results and k not in self._futures]
        self._feed()

    def pending(self):
        with self._lock:
            return len(self._queue) + len(self._futures)

    def _feed(self):
        with self._lock:
            if self._futures:
                return
            while self._queue:
                key = self._queue.pop(0)
                if key not in self._results:
                    break
            else:
                return
            try:
                future = _pool().submit(self.compute, key)
            except (BrokenProcessPool, OSError, RuntimeError):   # no background process: work on demand
                self._queue = []
                return
            self._futures[key] = future
        future.add_done_callback(lambda f, key=key: self._finished(key, f))

    def _finished(self, key, future):
        if not future.cancelled() and future.exception() is None:
            self.put(key, future.result())
        with self._lock:
            self._futures.pop(key, None)
        self._feed()


def frame_png(render, key, dpi=80):
    """PNG bytes of ``render(**dict(key))`` (a new matplotlib Figure, closed after)."""
    import io

    import matplotlib.pyplot as plt

    fig = render(**dict(key))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


class Frames:
    """The figure of a panel whose layout changes with its setting (say, one band and one
    column per bin for a number of bins): ``render(**values) -> Figure``, a module-level
    function, draws a setting; its PNG is kept, so going back to a setting costs nothing.
    ``warm(settings)`` draws those settings ahead, in the background process."""

    def __init__(self, render, dpi=80):
        self.frames = Ahead(functools.partial(frame_png, render, dpi=dpi), max_items=256)
        self._key = None

    def update(self, **values):
        self._key = tuple(sorted(values.items()))

    def done(self, **values):
        return self.frames.done(tuple(sorted(values.items())))

    def warm(self, settings):
        self.frames.plan([tuple(sorted(v.items())) for v in settings])

    def png(self):
        return self.frames.get(self._key)


def _follow(control):
    """Sliders redraw while dragged (text boxes and dropdowns update on change anyway)."""
    if "continuous_update" in control.trait_names() and not isinstance(control, W.Text):
        control.continuous_update = True
    return control


def _log_grid(value, lo, hi, step):
    """(min, number of steps) of a log₁₀ grid of ``step`` spanning about [lo, hi] that passes
    through ``value`` exactly."""
    n = int(round((hi - lo) / step))
    k = min(max(int(round((math.log10(value) - lo) / step)), 0), n)
    return math.log10(value) - k * step, n


def log_slider(value, lo, hi, step, **kwargs):
    """A ``FloatLogSlider`` (base 10) from about 10^lo to 10^hi whose grid holds ``value``.

    The browser snaps a slider's value to its grid as soon as the slider is shown, and sends
    the snapped value back: chapter 7's α = 0.2 on the grid 10^(−2 + 0.05 k) became 0.1995,
    and the panel, titled "α = 0.2" (three digits), showed convergence at epoch 7,422
    instead of the lecture's 7,405. Shifting the grid (by less than half a step) keeps the
    value the student asked for."""
    low, n = _log_grid(value, lo, hi, step)
    return W.FloatLogSlider(value=value, base=10, min=low, max=low + n * step, step=step, **kwargs)


def log_values(value, lo, hi, step):
    """Every value of ``log_slider(value, lo, hi, step)``, rounded to 6 decimal places
    (the keys under which panels keep their runs)."""
    low, n = _log_grid(value, lo, hi, step)
    return tuple(round(10 ** (low + k * step), 6) for k in range(n + 1))


def _positions(w):
    """Every value slider ``w`` can take, in order."""
    if isinstance(w, W.FloatLogSlider):
        n = int(round((w.max - w.min) / w.step))
        return [float(w.base ** (w.min + k * w.step)) for k in range(n + 1)]
    n = int(round((w.max - w.min) / w.step))
    return [w.min + k * w.step for k in range(n + 1)]


def neighbours(w, value, reach=4):
    """The ``reach`` positions on either side of ``value`` on slider ``w``, nearest first."""
    pos = _positions(w)
    log = isinstance(w, W.FloatLogSlider) and value > 0
    i = min(range(len(pos)), key=lambda j: abs(math.log(pos[j] / value)) if log and pos[j] > 0
            else abs(pos[j] - value))
    order = [j for d in range(1, reach + 1) for j in (i + d, i - d)]
    return [pos[j] for j in order if 0 <= j < len(pos)]


TRACK_PX = 160     # the least length of a slider's track in a row of controls


def roomy_slider(control):
    """A slider in a row of controls, made wide enough for a track of ``TRACK_PX``: at
    ipywidgets' 300 px a long label left a track of 40-60 px (chapter 3's "neurons per
    hidden layer": 40 px, 5 px a step), too short to drag. The label's width is estimated
    at 7 px a character of JupyterLab's 13 px font (measured: 164 px for those 24)."""
    if isinstance(control, (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider)) \
            and not control.layout.width:
        label = 7 * len(control.description) + 8 if control.style.description_width == "initial" else 80
        if control.style.description_width == "initial":
            # a width of its own: sized to its text ("initial"), the label's first letter lost
            # a pixel or two of ink at its left edge (chapter 12's "weight decay λ")
            control.style.description_width = f"{label}px"
        control.layout.width = f"{max(300, label + 96 + TRACK_PX)}px"
        control.layout.max_width = "100%"      # a phone's page is narrower than that
    return control


def live_panel(controls, figure, update, *, busy=None, alt=None, controls_width=None,
               image_width=None):
    """Controls → ``update(**values)`` on ``figure`` (a ``BlitFigure``) → PNG in an Image.

    Parameters
    ----------
    controls : dict
        ``{name: widget}``; ``update`` receives every widget's ``value`` by name.
    figure : BlitFigure
        The panel's figure, laid out once (any object with ``png()`` will do).
    update : callable
        ``update(**values)``: set the figure's data for these values (it may train through
        an ``Ahead``; it never builds a new figure).
    busy : callable, optional
        ``busy(**values) -> str or None``: a message shown while ``update`` has slow work to
        do for these values (e.g. "training α = 0.05 …"), None when it is fast.
    alt : callable, optional
        ``alt(**values) -> str``: the figure's text for screen readers (the image's alt text).
    controls_width : str, optional
        With a CSS width (e.g. "300px") the controls form a column beside the figure (wrapping
        below it on a narrow screen); without, a row above it that wraps.
    image_width : str, optional
        CSS width of the image (default: its natural size, never wider than the page).

    Returns a Box with ``.controls``, ``.image``, ``.status``, ``.figure`` and ``.redraw()``.
    """
    controls = {k: _follow(w) for k, w in controls.items()}
    name_sliders()
    status = W.HTML(value="", layout=W.Layout(min_height="1.6em"))

    def values():
        return {k: w.value for k, w in controls.items()}

    first = values()
    update(**first)
    # The widget is created with its first picture (an Image widget created empty showed a
    # JavaScript error in JupyterLab). ipywidgets 8.1's Image cannot carry a tooltip (its
    # view fails to render) nor alt text: the figure's description goes into a visually
    # hidden text after it, which dlcore.ui.a11y's script copies into the image's alt.
    image = W.Image(value=figure.png(), format="png",
                    layout=W.Layout(max_width="100%", height="auto", width=image_width or "auto"))
    described = W.HTML(_hidden(alt(**first)) if alt is not None else "")
    # The description follows once the controls rest (0.4 s): an HTML widget's text is
    # typeset by the page's MathJax on every change, too slow to redo while dragging.
    later = _Later(0.4)

    def describe_later(v):
        later.call(lambda: setattr(described, "value", _hidden(alt(**v))))

    def redraw(*_):
        v = values()
        message = busy(**v) if busy is not None else None
        status.value = f"<i>{message}</i>" if message else ""
        update(**v)
        image.value = figure.png()
        if alt is not None:
            describe_later(values())     # as update left them (it may have moved a control)
        if message:
            status.value = ""

    for w in controls.values():
        w.observe(redraw, names="value")
    if controls_width:
        side = W.VBox(list(controls.values()) + [status],
                      layout=W.Layout(width=controls_width, flex="0 0 auto"))
        shown = W.VBox([image, described], layout=W.Layout(flex="0 1 auto"))
        box = W.HBox([side, shown], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
    else:
        row = W.HBox([roomy_slider(w) for w in controls.values()], layout=W.Layout(flex_flow="row wrap"))
        # the PNG at its own size (never wider than the page): stretched to the output's
        # width, as a VBox does by default, its text was blurred up to 2.4 times
        image.layout.align_self = "flex-start"
        box = W.VBox([row, status, image, described])
    box.controls, box.image, box.status, box.figure, box.redraw = controls, image, status, figure, redraw
    box.description = described
    return box


class _Later:
    """``call(fn)``: run ``fn`` once ``delay`` seconds pass without another call (the last
    ``fn`` given), on one thread per panel. A ``threading.Timer`` per redraw cost ≈ 0.9 ms of
    the kernel's time to start its thread, on every frame of a drag."""

    def __init__(self, delay):
        self.delay, self.fn, self.due, self.thread = delay, None, 0.0, None
        self.cond = threading.Condition()

    def call(self, fn):
        with self.cond:
            self.fn, self.due = fn, time.monotonic() + self.delay
            if self.thread is None:
                self.thread = threading.Thread(target=self._wait, daemon=True)
                self.thread.start()
            self.cond.notify()

    def _wait(self):
        while True:
            with self.cond:
                while self.fn is None:
                    self.cond.wait()
                if self.due > time.monotonic():
                    self.cond.wait(self.due - time.monotonic())
                    continue
                fn, self.fn = self.fn, None
            fn()


def _hidden(text):
    """``text`` in a span that screen readers read and no one sees (the usual clip pattern)."""
    return ('<span class="dlcore-alt" style="position:absolute;width:1px;height:1px;overflow:hidden;'
            f'clip:rect(0 0 0 0);white-space:nowrap">{html.escape(text)}</span>')
