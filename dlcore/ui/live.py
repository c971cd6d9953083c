"""Panels that follow the mouse: controls wired to a ``BlitFigure``, redrawn while dragging.

``live_panel`` puts controls beside (or above) an ``ipywidgets.Image`` showing a
``dlcore.viz.render.BlitFigure``. Every slider gets ``continuous_update=True``: the figure
is redrawn while the slider is dragged, not only on release. ipywidgets' front end sends
at most one change at a time and keeps only the latest value while one is pending, so a
fast redraw follows the mouse and the value where the mouse stops is always drawn. The
image is replaced in place (a new PNG for the same ``<img>``), so nothing on the page
moves.

Work that takes longer than a redraw (training a network for a setting not seen before)
is cached per setting, and ``Ahead`` computes the settings a student is about to reach in
a background thread. When a redraw still has to wait for training, the panel first says
so in its status line (the visible busy state), then draws.
"""
from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict

import ipywidgets as W

__all__ = ["Ahead", "live_panel", "paused"]

# Background computations start an item only while no notebook cell and no panel redraw
# runs (one kernel, one GIL: anything else would slow down what the student is doing).
_IDLE = threading.Event()
_IDLE.set()
_STATE = {"pauses": 0, "cell": False, "hooked": False}
_LOCK = threading.Lock()


def _set_state(pauses=0, **changes):
    """Change the state (``pauses`` is added) and set or clear the idle event to match."""
    with _LOCK:
        _STATE.update(changes)
        _STATE["pauses"] += pauses
        if _STATE["pauses"] == 0 and not _STATE["cell"]:
            _IDLE.set()
        else:
            _IDLE.clear()


def _hook_ipython():
    """Follow IPython's run-cell events, so background work waits while a cell runs."""
    if _STATE["hooked"]:
        return
    _STATE["hooked"] = True
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    shell = get_ipython()
    if shell is not None:
        shell.events.register("pre_run_cell", lambda *_: _set_state(cell=True))
        shell.events.register("post_run_cell", lambda *_: _set_state(cell=False))
        try:   # hooked from inside a running cell: its pre_run_cell event has passed
            header = shell.kernel.get_parent()["header"]
            _set_state(cell=header.get("msg_type") == "execute_request")
        except (AttributeError, KeyError, TypeError):
            pass


@contextlib.contextmanager
def paused():
    """Foreground work (a redraw): no background computation starts meanwhile (one that
    already runs finishes its item)."""
    _set_state(pauses=+1)
    try:
        yield
    finally:
        _set_state(pauses=-1)


class Ahead:
    """Results of ``compute(key)`` per key, computed ahead of time in a background thread.

    ``compute`` must depend on ``key`` only and must not touch matplotlib or widgets
    (training a network with numpy is what it is for). ``get(key)`` returns the result,
    computing it in the calling thread if no one has (or waiting for the background thread
    if it is computing that very key); ``done(key)`` says whether ``get`` would return at
    once; ``plan(keys)`` replaces the queue of keys to compute in the background, first
    first. Background work starts an item only while no cell and no redraw runs.
    """

    def __init__(self, compute, max_items=512):
        self.compute = compute
        self.max_items = max_items
        self._results = OrderedDict()
        self._running = set()
        self._queue = []
        self._cv = threading.Condition()
        self._thread = None

    def done(self, key):
        with self._cv:
            return key in self._results

    def get(self, key):
        with self._cv:
            while key in self._running:
                self._cv.wait()
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
            self._running.add(key)
        try:
            value = self.compute(key)
        finally:
            with self._cv:
                self._running.discard(key)
                self._cv.notify_all()
        self._store(key, value)
        return value

    def _store(self, key, value):
        with self._cv:
            self._results[key] = value
            while len(self._results) > self.max_items:
                self._results.popitem(last=False)
            self._cv.notify_all()

    def plan(self, keys):
        """Compute ``keys`` (those not done yet) in the background, in this order."""
        _hook_ipython()
        with self._cv:
            self._queue = [k for k in keys if k not in self._results]
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, daemon=True, name="dlcore-ahead")
                self._thread.start()
            self._cv.notify_all()

    def pending(self):
        with self._cv:
            return len(self._queue) + len(self._running)

    def _work(self):
        while True:
            with self._cv:
                while not self._queue:
                    self._cv.wait()
            _IDLE.wait()
            with self._cv:
                if not self._queue:
                    continue
                key = self._queue.pop(0)
                if key in self._results or key in self._running:
                    continue
            try:
                self.get(key)
            except Exception:  # noqa: BLE001 - the foreground will raise it for the student
                pass


def _follow(control):
    """Sliders redraw while dragged (text boxes and dropdowns update on change anyway)."""
    if "continuous_update" in control.trait_names() and not isinstance(control, W.Text):
        control.continuous_update = True
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
        ``alt(**values) -> str``: the figure's text for screen readers (the image's title).
    controls_width : str, optional
        With a CSS width (e.g. "300px") the controls form a column beside the figure (wrapping
        below it on a narrow screen); without, a row above it that wraps.
    image_width : str, optional
        CSS width of the image (default: its natural size, never wider than the page).

    Returns a Box with ``.controls``, ``.image``, ``.status``, ``.figure`` and ``.redraw()``.
    """
    controls = {k: _follow(w) for k, w in controls.items()}
    image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto",
                                                  width=image_width or "auto"))
    status = W.HTML(value="", layout=W.Layout(min_height="1.6em"))

    def values():
        return {k: w.value for k, w in controls.items()}

    def redraw(*_):
        v = values()
        with paused():
            message = busy(**v) if busy is not None else None
            status.value = f"<i>{message}</i>" if message else ""
            update(**v)
            png = figure.png()
            image.value = png
            if alt is not None:
                image.tooltip = alt(**v)
            if message:
                status.value = ""

    for w in controls.values():
        w.observe(redraw, names="value")
    redraw()
    if controls_width:
        side = W.VBox(list(controls.values()) + [status],
                      layout=W.Layout(width=controls_width, flex="0 0 auto"))
        box = W.HBox([side, image], layout=W.Layout(flex_flow="row wrap", align_items="flex-start"))
    else:
        row = W.HBox(list(controls.values()), layout=W.Layout(flex_flow="row wrap"))
        box = W.VBox([row, status, image])
    box.controls, box.image, box.status, box.figure, box.redraw = controls, image, status, figure, redraw
    return box
