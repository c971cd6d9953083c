"""Backprop tutor panels: a form that checks hand-computed values, and a "show me" walk.

* ``tutor_form(net, x, t)``: the network diagram, then one column of boxes per layer laid out
  like it (each neuron: z, a and δ boxes, labelled with Kelleher's neuron numbers), a box
  for weight gradients, and a Check button that runs ``dlcore.tutor.check_backprop`` on
  whatever was filled in. Accepted boxes turn green, the first wrong one vermilion, and the
  tutor's message says why, without the correct value.
* ``show_me(net, x, t)``: the step-through view, separate from checking. A slider (and, in
  a live kernel, ◀ ▶ buttons) moves through the nodes in backpropagation order; each step
  shows the equation with the numbers filled in and the value. Steps are revealed one at a
  time, only when asked. The steps are HTML linked to the slider in the browser
  (``jslink``), so the walk also works on the static site.
"""
from __future__ import annotations

import html
import io
import re

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

from ..teaching import tutor
from ..teaching.tutor_rules import neuron_number
from ..viz.diagrams import network_diagram
from .static import static_mode

__all__ = ["tutor_form", "show_me", "read_gradients", "svg_html"]

OK_BORDER, WRONG_BORDER = "2px solid #009E73", "3px solid #D55E00"
_GRAD_LINE = re.compile(r"^\s*((?:dW|db)\s*\[[^=]*\])\s*=\s*(\S+)\s*$")


def read_gradients(text):
    """{key: value text} from lines such as ``dW[3][0,1] = 0.0476``; ``ValueError`` for others."""
    out = {}
    for n, line in enumerate(str(text).splitlines(), start=1):
        if not line.strip():
            continue
        match = _GRAD_LINE.match(line)
        if not match:
            raise ValueError(f"gradient line {n} ({line.strip()!r}) should look like "
                             "'dW[3][0,1] = 0.0476' or 'db[3][0] = 0.0852'")
        out[re.sub(r"\s+", "", match.group(1))] = match.group(2)
    return out


def svg_html(fig, label):
    """``fig`` as inline SVG (sharp at any width, text as outlines) labelled for screen
    readers with ``label``; closes ``fig``."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    head = (f'<svg role="img" aria-label="{html.escape(label, quote=True)}" '
            'style="max-width:100%;height:auto"')
    return head + svg[len("<svg"):]


def _neuron_card(net, l, i, boxes):
    n = neuron_number(net, l, i)
    # italic, not grey: the theme's greys fall below axe's 4.5:1 contrast on the static site
    rows = [W.HTML(f"<b>neuron {n}</b> <i>(layer {l}, i = {i})</i>")]
    for kind, sym in (("z", "z"), ("a", "a"), ("delta", "δ")):
        box = W.Text(placeholder="e.g. 0.1234", description=f"{sym}{n}", continuous_update=False,
                     layout=W.Layout(width="170px"), style={"description_width": "36px"})
        boxes[f"{kind}[{l}][{i}]"] = box
        rows.append(box)
    return W.VBox(rows, layout=W.Layout(border="1px solid #ccc", padding="4px", margin="4px"))


def _columns(net, x, boxes):
    inputs = W.VBox([W.HTML(f"<b>input {k + 1}</b><br>d{k + 1} = {float(v):g}") for k, v in enumerate(x)],
                    layout=W.Layout(justify_content="space-around", margin="4px"))
    cols = [inputs]
    for l, layer in enumerate(net.layers, start=1):
        cols.append(W.VBox([_neuron_card(net, l, i, boxes) for i in range(layer.n_out)],
                           layout=W.Layout(justify_content="space-around")))
    return W.HBox(cols, layout=W.Layout(align_items="stretch", overflow="auto"))


def tutor_form(net, x, t, *, reduction="sum", title="Your backward pass, checked value by value"):
    """The checking form for one example ``x`` with target ``t`` (see the module docstring).

    The returned VBox has ``.boxes`` (key -> Text), ``.gradients`` (Textarea),
    ``.check_button``, ``.result`` (HTML) and ``.check()``, which runs the check and
    returns the ``Report`` (what the button does).
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be one example (a 1-D array) for the form, got shape {x.shape}")
    tutor.check_backprop(net, x, t, {}, reduction=reduction)      # validates net, x and t
    sizes = [net.n_in] + [layer.n_out for layer in net.layers]
    diagram = W.HTML(svg_html(
        network_diagram(net, show=("weights", "bias"), title=title, figsize=(8.0, 4.6)),
        label=f"Diagram of the network with layers of {', '.join(map(str, sizes))} neurons, numbered "
            f"1 to {sum(sizes)} from the inputs, every edge labelled with its weight and every neuron "
            "with its bias; the boxes below it take z, a and δ of each neuron."))
    boxes = {}
    grid = _columns(net, x, boxes)
    grads = W.Textarea(placeholder="weight gradients, one per line: dW[3][0,1] = 0.0476 or db[3][0] = 0.0852",
                       layout=W.Layout(width="520px", height="90px"))
    button = W.Button(description="Check", button_style="primary", icon="check")
    note = "" if not static_mode() else (" <i>Checking needs a running kernel (JupyterLab or "
                                         "Binder); on this page the form only shows its layout.</i>")
    result = W.HTML("Fill in any boxes (as text, e.g. <code>0.0852</code>: the digits you write set "
                    "the precision checked) and press Check." + note)

    def check(*_):
        for box in boxes.values():
            box.layout.border = None
        try:
            answers = {k: b.value for k, b in boxes.items() if b.value.strip()}
            answers.update(read_gradients(grads.value))
            report = tutor.check_backprop(net, x, t, answers, reduction=reduction)
        except (TypeError, ValueError) as exc:
            result.value = f"<span style='color:#D55E00'>{html.escape(str(exc))}</span>"
            return None
        for key in report.checked:
            if key in boxes:
                boxes[key].layout.border = OK_BORDER
        if report.first_wrong in boxes:
            boxes[report.first_wrong].layout.border = WRONG_BORDER
        colour = "#009E73" if report.ok else "#D55E00"
        result.value = (f"<div style='border-left:4px solid {colour};padding-left:8px'>"
                        + "<br>".join(html.escape(s) for s in report.message.splitlines()) + "</div>")
        return report

    button.on_click(check)
    box = W.VBox([diagram, grid, grads, button, result])
    box.boxes, box.gradients, box.check_button, box.result, box.check = boxes, grads, button, result, check
    return box


def _step_html(n, total, step):
    phase = {"forward": "forward pass", "backward": "backward pass", "gradients": "weight gradients"}
    return (f"<div style='font-size:1.05em;line-height:1.6'><b>Step {n} of {total}</b> · "
            f"{phase[step.phase]} · <code>{html.escape(step.key)}</code><br>"
            f"<i>{html.escape(step.equation)}</i><br>"
            f"<span style='font-family:monospace'>{html.escape(step.numbers)}</span></div>")


def show_me(net, x, t, *, reduction="sum", phases=("forward", "backward", "gradients")):
    """The step-through view: step 0 hides everything; each further step reveals one node.

    The returned VBox has ``.slider``, ``.stack`` (one HTML page per step) and ``.steps``.
    """
    walk = tutor.steps(net, x, t, reduction=reduction, phases=phases)
    intro = W.HTML("<i>Show me: move the slider (or press ▶) to reveal the computation one node "
                   f"at a time, in backpropagation order ({len(walk)} steps). Nothing is shown "
                   "until you ask.</i>")
    pages = [intro] + [W.HTML(_step_html(n, len(walk), s)) for n, s in enumerate(walk, start=1)]
    slider = W.IntSlider(value=0, min=0, max=len(walk), description="show step",
                         style={"description_width": "initial"}, layout=W.Layout(width="420px"))
    stack = W.Stack(pages, selected_index=0)
    link = W.jslink((slider, "value"), (stack, "selected_index"))   # works without a kernel
    controls = [slider]
    if not static_mode():
        back = W.Button(description="◀", layout=W.Layout(width="48px"))
        ahead = W.Button(description="▶ show me", layout=W.Layout(width="110px"))
        back.on_click(lambda *_: setattr(slider, "value", max(slider.value - 1, 0)))
        ahead.on_click(lambda *_: setattr(slider, "value", min(slider.value + 1, len(walk))))
        slider.observe(lambda ch: setattr(stack, "selected_index", ch["new"]), names="value")
        controls = [back, ahead, slider]
    box = W.VBox([W.HBox(controls), stack])
    box.slider, box.stack, box.steps, box.link = slider, stack, walk, link
    return box
