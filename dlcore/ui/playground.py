"""The playground panel: train a small network on 2-D data and watch it learn.

``playground(code=None, controls=None, **settings)`` returns the panel (an ipywidgets VBox);
its ``.playground`` is the ``Playground`` behind it (``dlcore.ui.playground_model``).

* Data: the four toy sets with noise, test-share and seed controls; your own CSV file (two
  feature columns and a label) through an upload button, with the reason shown when a
  file is refused; and points added or removed by clicking on the plot, the class chosen
  by a toggle. Clicks come from ipyevents (a maintained widget library for mouse events),
  created only in a live kernel; without ipyevents the panel works, without clicks.
* Training animates: the figure is redrawn every 100 epochs, with the train and test loss and
  the first hidden layer's units.
* Sharing: the code box always holds the current state's code; ``playground(code=...)``
  reproduces it exactly (same data, weights, losses and figure).
* Classroom mode: ``controls=["noise", "lr"]`` shows only those controls; every other
  setting stays as given (or as the code says).

On the static site (``static_mode()``) the panel is precomputed frames over the four data
sets with the given settings: no mouse-event widget is ever created at build time.
"""
from __future__ import annotations

import io
from collections import OrderedDict

import ipywidgets as W

from ..data import toy
from .live import Ahead, roomy_slider, log_slider, neighbours
from ..viz.playground import PlaygroundFigure
from .playground_model import ACTIVATIONS, DPI, Playground
from .share import visible
from .static import frames_panel, static_mode

__all__ = ["playground", "CONTROLS", "static_playground"]

CONTROLS = ("dataset", "noise", "test_fraction", "layers", "neurons", "activation", "lr", "epochs",
            "seed", "click", "upload")
CLICK = ("add class 0", "add class 1", "remove nearest")
# Sliders retrain while dragged, as every panel's do: a change restarts training, whose frames
# (every 100 epochs, ≈ 0.2 s each) follow while the mouse moves; the front end sends the value
# where the mouse is once the last change is drawn. Each track keeps ≥ 160 px (``roomy_slider``); the
# rows wrap where the page is narrower than three sliders.
_SLIDER = dict(continuous_update=True, style={"description_width": "initial"})


def png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})   # fast to encode
    return buf.getvalue()


_FIGURES = OrderedDict()     # layout key -> PlaygroundFigure, the last few


def frame_png(pg):
    """PNG of ``pg``'s current state, blitted into the figure of its layout (made once)."""
    key = PlaygroundFigure.layout_key(pg)
    if key not in _FIGURES:
        _FIGURES[key] = PlaygroundFigure(pg)
        if len(_FIGURES) > 8:
            _FIGURES.popitem(last=False)
    _FIGURES.move_to_end(key)
    figure = _FIGURES[key]
    figure.update(pg)
    return figure.png()


def trained(code, show=None):
    """Train ``Playground(code=code)``; returns (the final frame's PNG, the network, the
    history). ``show(png)``, when given, receives every frame as it is drawn (the animation);
    in the background only the final frame is drawn."""
    pg, last = Playground(code=code), {}

    def frame(p):
        last["png"], last["epoch"] = frame_png(p), p.history[-1][0]
        show(last["png"])

    pg.train(on_frame=frame if show is not None else None)
    if last.get("epoch") != pg.history[-1][0]:      # training stopped between frames (divergence)
        last["png"] = frame_png(pg)
    return last["png"], pg.net, pg.history


# Every state's run, kept: going back to a setting shows its last frame at once, and the
# slider positions next to the one just moved to are trained ahead, in the background.
_RUNS = Ahead(trained, max_items=128)


def _changed(settings, name, value):
    """The settings after a control sets ``name`` to ``value``: new data (another set, noise,
    seed or test share) drops the points added or removed by clicks, and another set the CSV."""
    new = {**settings, name: value}
    if name in ("dataset", "noise", "seed", "test_fraction"):
        new.update(added=[], removed=[], csv=None if name == "dataset" else settings["csv"])
    return new


def _frame_alt(pg):
    _, train, test = pg.history[-1]
    return (f"Playground on the {pg.settings['dataset']} data after {pg.settings['epochs']} epochs: "
            f"decision regions of a network with {pg.settings['layers']} hidden layers of "
            f"{pg.settings['neurons']} {pg.settings['activation']} units, train loss {train:.3f}, "
            f"test loss {test:.3f}, and the regions of the first hidden layer's units.")


def static_playground(pg):
    """Frames over the four data sets with ``pg``'s other settings, switched in the browser."""
    runs = {}

    def run(dataset):
        if dataset not in runs:
            runs[dataset] = Playground(**{**pg.settings, "dataset": dataset, "added": [], "removed": [],
                                          "csv": None}).train()
        return runs[dataset]

    start = pg.settings["dataset"] if pg.settings["csv"] is None else toy.DATASETS[0]
    box = frames_panel(lambda dataset: run(dataset).figure(), {"dataset": list(toy.DATASETS)},
                       value={"dataset": start}, labels={"dataset": "data set"},
                       alt=lambda dataset: _frame_alt(run(dataset)))
    note = W.HTML("<i>On this page the playground shows precomputed runs. Open the notebook in "
                  "JupyterLab to change the network, click points in or upload your own CSV.</i>")
    box.children = (note,) + tuple(box.children)
    box.playground = run(start)
    return box


def _controls(s):
    return {
        "dataset": W.Dropdown(options=toy.DATASETS, value=s["dataset"], description="data"),
        "noise": W.FloatSlider(value=s["noise"], min=0, max=0.5, step=0.01, description="noise", **_SLIDER),
        "test_fraction": W.FloatSlider(value=s["test_fraction"], min=0.1, max=0.9, step=0.05,
                                       description="test share", **_SLIDER),
        "layers": W.IntSlider(value=s["layers"], min=0, max=4, description="hidden layers", **_SLIDER),
        "neurons": W.IntSlider(value=s["neurons"], min=1, max=8, description="neurons per layer", **_SLIDER),
        "activation": W.Dropdown(options=ACTIVATIONS, value=s["activation"], description="activation"),
        "lr": log_slider(s["lr"], -3, 1, 0.1, description="learning rate α", readout_format=".3g", **_SLIDER),
        "epochs": W.IntSlider(value=s["epochs"], min=0, max=2000, step=50, description="epochs", **_SLIDER),
        "seed": W.BoundedIntText(value=s["seed"], min=0, max=10_000, description="seed",
                                 layout=W.Layout(width="160px")),
        "click": W.ToggleButtons(options=CLICK, value=CLICK[1], description="a click will"),
        "upload": W.FileUpload(accept=".csv,text/csv", multiple=False, description="your CSV"),
    }


def _mouse(image, on_click):
    """An ipyevents click listener on ``image``, or None when ipyevents is not installed."""
    try:
        from ipyevents import Event
    except ImportError:  # pragma: no cover - ipyevents comes with the lab extra
        return None
    events = Event(source=image, watched_events=["click"], prevent_default_action=True)
    events.on_dom_event(on_click)
    return events


def _handlers(pg, widgets, status, retrain):
    """The upload and click handlers: both change the data, then retrain and redraw."""
    def on_upload(change):
        files = change["new"]
        if not files:
            return
        try:
            X, y = toy.read_csv(bytes(files[0]["content"]))
        except (TypeError, ValueError) as exc:
            status.value = f"<span style='color:#D55E00'>{files[0]['name']}: {exc}</span>"
            return
        pg.settings.update(csv=[[float(a), float(b), float(c)] for (a, b), c in zip(X, y)], added=[], removed=[])
        retrain()
        status.value = f"loaded {len(y)} points from {files[0]['name']}"

    def on_click(event):
        if "arrayX" in event:
            px, py, w, h = event["arrayX"], event["arrayY"], 800, 352
        else:
            px, py, w, h = event["relativeX"], event["relativeY"], event["boundingRectWidth"], event["boundingRectHeight"]
        x1, x2 = pg.to_data(px, py, w, h)
        (xa, xb), (ya, yb) = pg.extent()
        if not (xa <= x1 <= xb and ya <= x2 <= yb):
            return
        mode = widgets["click"].value
        pg.remove_near(x1, x2) if mode == CLICK[2] else pg.add(x1, x2, CLICK.index(mode))
        retrain()

    return on_upload, on_click


def playground(code=None, controls=None, **settings):
    """The playground panel (see the module docstring)."""
    pg = Playground(code=code, **settings)
    shown = visible(controls, CONTROLS)
    if static_mode():
        return static_playground(pg)
    widgets = _controls(pg.settings)
    image = W.Image(format="png", layout=W.Layout(width="800px", max_width="100%"))
    code_box = W.Text(description="share code", style={"description_width": "initial"},
                      layout=W.Layout(width="720px"))
    status = W.HTML()

    def show(frame):
        image.value = frame

    def retrain(*_):
        code_box.value = key = pg.code()
        kept = _RUNS.done(key)
        if not kept:
            status.value = "<i>training … (a frame every 100 epochs)</i>"     # the busy state
        frame, pg.net, pg.history = _RUNS.get(key, wait=0.0, show=show)   # the first frame comes sooner here
        image.value = frame
        status.value = ""

    def ahead(change):
        name = next(k for k, w in widgets.items() if w is change["owner"])
        _RUNS.plan([pg.code(**_changed(pg.settings, name, v)) for v in neighbours(change["owner"], change["new"])])

    def on_change(change):
        name = next(k for k, w in widgets.items() if w is change["owner"])
        pg.settings.update(_changed(pg.settings, name, change["new"]))
        retrain()

    on_upload, on_click = _handlers(pg, widgets, status, retrain)

    for name, w in widgets.items():
        if name == "upload":
            w.observe(on_upload, names="value")
        elif name != "click":
            w.observe(on_change, names="value")
            if isinstance(w, (W.FloatSlider, W.FloatLogSlider, W.IntSlider)):
                w.observe(ahead, names="value")
    events = _mouse(image, on_click)
    retrain()
    rows = [W.HBox([roomy_slider(widgets[n]) for n in group if n in shown], layout=W.Layout(flex_flow="row wrap"))
            for group in
            (("dataset", "activation", "seed", "upload"), ("noise", "test_fraction", "epochs"),
             ("layers", "neurons", "lr"), ("click",))]
    box = W.VBox([r for r in rows if r.children] + [image, status, code_box])
    box.playground, box.controls, box.image, box.code_box, box.events, box.status = \
        pg, {n: widgets[n] for n in shown}, image, code_box, events, status
    box.click = on_click
    return box
