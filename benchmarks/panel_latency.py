"""Panels in JupyterLab, in Chromium: input event → new figure in the page (issue 14, item 3).

A throw-away notebook holds one cell per panel of the book (the calls the chapters make).
JupyterLab serves it (``tests/lab_session.py``: loopback, a token, ``make lab``'s settings),
Debian's Chromium runs every cell, then for every slider of every panel:

1. **cold sweep**: ``--positions`` clicks spread along the slider's track, left to right,
   each waited for: the latency of a click is the time from the mouse-down event to the
   ``load`` event of the panel's new image (both taken in the page with
   ``performance.now()``). A setting never drawn before may need training; whether the
   panel showed a busy message first is recorded;
2. **warm sweep**: after the panel's background work settles (``--settle`` s), the same
   clicks again: what a student sees once training is cached or computed ahead;
3. **drag**: the handle is dragged across the track in 40 mouse moves over about a second;
   the images that load between mouse-down and mouse-up are counted, beside the number
   of times the handle's value changed (a drag that did not move the handle shows 0/0).

Dropdowns (``--dropdowns``; always for a panel without sliders, such as chapter 8's): every
option chosen in turn and then the first again, cold and then warm, timed from the select's
``change`` event to the new image's ``load``.

Each slider is measured in turn, the others at the panel's own setting (each slider is put
back with the keyboard after its drag).

Per panel it prints the cold and warm p50/p95 (all of its sliders together), the slowest
first touch, whether a busy message showed for every click slower than 150 ms, and the
figure updates during the drags. Goal: warm p50 ≤ 60 ms and p95 ≤ 150 ms, first touch
≤ 500 ms with a busy message, ≥ 1 update during every drag. The load average is printed:
on a shared 2-core machine other jobs can double every number.

    python benchmarks/panel_latency.py [--panels ch07 ch12-dropout ...] [--positions 12]

``PYTHONPATH=<old checkout>`` measures another version of ``dlcore`` with the same script.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lab_session import code_cell_count, lab_server, launch_chromium, run_all  # noqa: E402

PANELS = {
    # the floor: an ipywidgets slider and Image showing one of two PNGs made beforehand (no
    # drawing, no encoding): what JupyterLab, the kernel's messaging and Chromium cost alone
    "floor": "import ipywidgets as W, io, matplotlib.pyplot as plt\n"
             "def _png(c):\n"
             "    f = plt.figure(figsize=(8, 4), dpi=80); f.patch.set_facecolor(c); b = io.BytesIO()\n"
             "    f.savefig(b, format='png'); plt.close(f); return b.getvalue()\n"
             "_pngs = [_png('white'), _png('0.9')]\n"
             "_s = W.IntSlider(value=0, min=0, max=40, description='floor')\n"
             "_i = W.Image(value=_pngs[0], format='png')\n"
             "_n = [0]\n"
             "def _swap(ch):\n"
             "    _n[0] += 1; _i.value = _pngs[_n[0] % 2]\n"
             "_s.observe(_swap, names='value')\n"
             "W.VBox([_s, _i])",
    "ch01-activation": "from dlcore.chapters.ch01_neurons import activation_panel\n"
                       "activation_panel('leaky_relu', z_range=(-6, 6))",
    "ch02-perceptron": "from dlcore.chapters.ch02_perceptrons import perceptron_panel\n"
                       "perceptron_panel(gate='and', rule='online', lr=0.1, epochs=30, seed=1)",
    "ch03-depth": "from dlcore.chapters.ch03_networks import depth_panel\n"
                  "depth_panel(n_layers=3, width=5, activation='tanh')",
    "ch04-binning": "from dlcore.chapters.ch04_encoding import binning_panel\nbinning_panel(n_bins=3)",
    "ch05-loss": "from dlcore.chapters.ch05_losses import loss_panel\n"
                 "loss_panel(target=1.0, loss='both', smoothing=0.0)",
    "ch06-step": "from dlcore.chapters.ch06_descent import step_size_panel\n"
                 "step_size_panel(lr=0.1, curvature=4.0)",
    "ch06-descent": "from dlcore.chapters.ch06_descent import descent_panel\n"
                    "descent_panel(batch='mini-batches of 5', lr=0.3, momentum=0.0, epochs=10)",
    "ch07-backprop": "from dlcore.chapters.ch07_backprop import backprop_panel\n"
                     "backprop_panel(lr=0.2, activation='logistic')",
    "ch08-delta": "from dlcore.chapters.ch08_matrix_form import delta_panel\n"
                  "delta_panel(example=1, neuron=7, activation='logistic')",
    "ch09-relu": "from dlcore.chapters.ch09_relu import relu_panel\nrelu_panel(lr=0.2, activation='relu')",
    "ch10-explorer": "from dlcore.ui.explorer import explorer\n"
                     "explorer(dataset='xor blobs', activation='linear', init='normal', sigma=0.01,\n"
                     "         depth=5, width=100, epochs=10, lr=0.01)",
    "ch11-softmax": "from dlcore.chapters.ch11_softmax import softmax_panel\n"
                    "softmax_panel(logits=(1.5, -0.9, 0.6), temperature=1.0)",
    "ch12-early-stopping": "from dlcore.chapters import ch12_regularisation as reg\n"
                           "reg.early_stopping_panel(patience=150)",
    "ch12-dropout": "from dlcore.chapters import ch12_regularisation as reg\nreg.dropout_panel(rate=0.2)",
    "ch12-weight-decay": "from dlcore.chapters.ch12_weight_decay import decay_panel\ndecay_panel(3e-3)",
    "ch13-digits": "from dlcore.chapters.ch13_digits import digits_panel\n"
                   "digits_panel(lr=0.5, init='he', epochs=20)",
    "ch14-conv": "from dlcore.chapters.ch14_convolution import conv_panel\nconv_panel()",
    "ch15-rnn": "from dlcore.chapters.ch15_rnn import rnn_gradient_panel\n"
                "rnn_gradient_panel(scale=1.0, activation='tanh', length=30)",
    "ch16-lstm": "from dlcore.chapters.ch16_lstm import lstm_gradient_panel\n"
                 "lstm_gradient_panel(length=40, forget_bias=2.0)",
    # the playground retrains on every change and animates the training (frames every 100
    # epochs): a click's latency is to its first frame, at epoch 0
    "playground": "from dlcore.ui.playground import playground\n"
                  "playground(dataset='xor', layers=1, neurons=4, epochs=300)",
}

# In the page: remember every image load and every busy message inside a cell's output.
RECORDER = """(cell) => {
  const rec = {loads: [], busy: [], downs: []};
  cell.addEventListener('load', (e) => { if (e.target.tagName === 'IMG') rec.loads.push(performance.now()); }, true);
  cell.addEventListener('pointerdown', () => rec.downs.push(performance.now()), true);
  cell.addEventListener('change', (e) => { if (e.target.tagName === 'SELECT') rec.downs.push(performance.now()); }, true);
  new MutationObserver(() => {
    const t = Array.from(cell.querySelectorAll('.widget-html')).map(e => e.textContent).join(' ');
    if (/…|\\.\\.\\.|training/i.test(t)) rec.busy.push(performance.now());
  }).observe(cell, {subtree: true, childList: true, characterData: true});
  cell.__rec = rec;
}"""


def notebook(panels):
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": PANELS[name]} for name in panels]
    return {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                         "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def handle_values(track):
    return track.evaluate("(t) => Array.from(t.querySelectorAll('.noUi-handle')).map(h => h.getAttribute('aria-valuenow'))")


def click_and_wait(page, cell, track, x, y, timeout_ms):
    """Click at (x, y); return (latency ms or None, busy shown before the image), or None
    when the click did not change the slider's value (it was already there)."""
    before = handle_values(track)
    t0 = page.evaluate("() => performance.now()")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.up()
    time.sleep(0.05)
    if handle_values(track) == before:
        return None
    return image_after(page, cell, t0, timeout_ms)


def image_after(page, cell, t0, timeout_ms):
    """(ms from the first input event after ``t0`` to the first image loaded after it, busy
    message shown in between), or (None, False) when no image came within ``timeout_ms``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        got = page.evaluate("""(args) => {
            const r = args[0].__rec, t0 = args[1];
            const downs = r.downs.filter(t => t > t0);
            if (!downs.length) return null;
            const loads = r.loads.filter(t => t > downs[0]);
            if (!loads.length) return null;
            return [downs[0], loads[0], r.busy.some(t => t > downs[0] && t < loads[0])];
        }""", [cell, t0])
        if got:
            return got[1] - got[0], got[2]
        time.sleep(0.005)
    return None, False


def sweep(page, lab, cell, tracks, positions, timeout_ms):
    out = []
    for track in tracks:
        track.scroll_into_view_if_needed()
        box = track.bounding_box()
        for k in range(positions):
            x = box["x"] + box["width"] * (0.02 + 0.96 * k / max(positions - 1, 1))
            got = click_and_wait(page, cell, track, x, box["y"] + box["height"] / 2, timeout_ms)
            if got is not None:
                out.append(got)
            wait_idle(lab)
            time.sleep(0.35)       # noUiSlider ignores a tap during the last one's 300 ms transition
    return out


def drag(page, lab, cell, track):
    # noUiSlider ignores a drag that starts while a click's 300 ms tap transition runs
    time.sleep(0.5)
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    handle = track.locator(".noUi-handle").first.bounding_box()
    y = box["y"] + box["height"] / 2
    right = box["x"] + box["width"] * 0.98
    left = box["x"] + box["width"] * 0.02
    centre = handle["x"] + handle["width"] / 2
    # grab the handle on the side it will move to: at the track's right end the readout
    # beside the slider covers the handle's right half
    x0 = handle["x"] + handle["width"] * (0.25 if right - centre < centre - left else 0.75)
    page.mouse.move(x0, y)
    page.mouse.down()
    t_down = page.evaluate("() => performance.now()")
    target = right if right - centre > centre - left else left
    values = [handle_values(track)]
    for i in range(1, 41):
        page.mouse.move(x0 + (target - x0) * i / 40, y)
        time.sleep(0.025)
        values.append(handle_values(track))
    t_up = page.evaluate("() => performance.now()")
    page.mouse.up()
    during = page.evaluate("(args) => args[0].__rec.loads.filter(t => t > args[1] && t < args[2]).length",
                           [cell, t_down, t_up])
    wait_idle(lab)
    moved = sum(a != b for a, b in zip(values, values[1:]))    # the handle's value changes while dragged
    return during, moved


def choose_and_wait(page, cell, select, value, timeout_ms):
    """Pick ``value`` in a dropdown; (latency ms from its change event to the new image's
    load, busy shown before the image)."""
    t0 = page.evaluate("() => performance.now()")
    select.select_option(value)
    return image_after(page, cell, t0, timeout_ms)


def pick_sweep(page, lab, cell, select, timeout_ms):
    """Every other option of a dropdown in turn, then its own again."""
    start = select.input_value()
    options = [o for o in select.locator("option").evaluate_all("(os) => os.map(o => o.value)") if o != start]
    out = []
    for value in options + [start]:
        out.append(choose_and_wait(page, cell, select, value, timeout_ms))
        wait_idle(lab)
        time.sleep(0.1)
    return out


def measure_dropdowns(page, lab, cell, args):
    """Dropdown by dropdown: every option once (cold), a pause, every option again (warm)."""
    handle = cell.element_handle()
    selects = [s for s in cell.locator("select").all() if s.is_enabled()]
    cold, warm, by_dropdown = [], [], {}
    for select in selects:
        label = select.evaluate("(s) => { const w = s.closest('.widget-dropdown'); "
                                "const l = w && w.querySelector('.widget-label'); return l ? l.textContent : '?'; }")
        select.scroll_into_view_if_needed()
        c = pick_sweep(page, lab, handle, select, args.timeout * 1000)
        time.sleep(args.settle)
        wait_idle(lab)
        w = pick_sweep(page, lab, handle, select, args.timeout * 1000)
        cold, warm = cold + c, warm + w
        by_dropdown[label] = {"cold": c, "warm": w}
    return {"dropdowns": len(selects), "cold": cold, "warm": warm, "by_dropdown": by_dropdown}


def wait_idle(lab, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while not lab.kernels_idle() and time.monotonic() < deadline:
        time.sleep(0.02)


def measure_panel(page, lab, cell, args):
    """Slider by slider (the others left where they are): a cold sweep, a pause for the
    background work, the same sweep again (warm), then a drag."""
    page.evaluate(RECORDER, cell.element_handle())
    handle = cell.element_handle()
    tracks = [t for t in cell.locator(".noUi-target").all() if t.get_attribute("disabled") is None]
    if not tracks:
        return None
    cold, warm, drags, by_slider = [], [], [], {}
    for track in tracks:
        label = track.evaluate("(t) => { const s = t.closest('.widget-hslider'); "
                               "const l = s && s.querySelector('.widget-label'); return l ? l.textContent : '?'; }")
        start = handle_values(track)
        c = sweep(page, lab, handle, [track], args.positions, args.timeout * 1000)
        time.sleep(args.settle)
        wait_idle(lab)
        w = sweep(page, lab, handle, [track], args.positions, args.timeout * 1000)
        d = drag(page, lab, handle, track)
        put_back(page, lab, track, start)
        cold, warm = cold + c, warm + w
        drags.append(d)
        by_slider[label] = {"cold": c, "warm": w, "drag": d}
    return {"sliders": len(tracks), "cold": cold, "warm": warm, "drags": drags, "by_slider": by_slider}


def put_back(page, lab, track, start, most=400):
    """Return a slider to where it started (End, then ← step by step, handle by handle, the
    upper one first), so that the next control is measured at the panel's own setting and
    not where the drag left this one (chapter 3's width slider was measured at one layer,
    where width changes nothing; chapter 1's slope at a z range where it showed nothing)."""
    time.sleep(0.5)                       # past the drag's tap transition
    knobs = track.locator(".noUi-handle").all()
    for i in reversed(range(len(knobs))):
        knobs[i].focus()
        page.keyboard.press("End")
        for _ in range(most):
            if handle_values(track)[i] == start[i]:
                break
            page.keyboard.press("ArrowLeft")
    wait_idle(lab)


def dropdown_summary(name, r):
    cold = [lat for lat, _ in r["cold"] if lat is not None]
    warm = [lat for lat, _ in r["warm"] if lat is not None]
    missing = sum(lat is None for lat, _ in r["cold"] + r["warm"])
    slow = [busy for lat, busy in r["cold"] if lat is not None and lat > 150]
    return (f"{name:<21} {r['dropdowns']:>2} dropdowns cold p50 {percentile(cold, 50):6.0f} p95 "
            f"{percentile(cold, 95):6.0f} max {max(cold, default=float('nan')):6.0f}   warm p50 "
            f"{percentile(warm, 50):6.0f} p95 {percentile(warm, 95):6.0f} ms   busy shown for slow "
            f"choices: {'yes' if all(slow) else 'NO'} ({len(slow)})"
            + (f"   no image after {missing} choices" if missing else ""))


def summary(name, r):
    cold = [lat for lat, _ in r["cold"] if lat is not None]
    warm = [lat for lat, _ in r["warm"] if lat is not None]
    missing = sum(lat is None for lat, _ in r["cold"] + r["warm"])
    slow = [(lat, busy) for lat, busy in r["cold"] if lat is not None and lat > 150]
    busy_ok = all(b for _, b in slow)
    drag_counts = [f"{n}/{moved}" for n, moved in r["drags"]]
    return (f"{name:<21} {r['sliders']:>2} sliders  cold p50 {percentile(cold, 50):6.0f} p95 {percentile(cold, 95):6.0f}"
            f" max {max(cold, default=float('nan')):6.0f}   warm p50 {percentile(warm, 50):6.0f} p95 "
            f"{percentile(warm, 95):6.0f} ms   busy shown for slow clicks: "
            f"{'yes' if busy_ok else 'NO'} ({len(slow)})   images/value changes during drags {drag_counts}"
            + (f"   no image after {missing} clicks" if missing else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--panels", nargs="*", default=list(PANELS), choices=list(PANELS))
    parser.add_argument("--positions", type=int, default=12, help="clicks per slider and sweep")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds between the sweeps")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an image")
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    parser.add_argument("--dropdowns", action="store_true",
                        help="also measure every dropdown (always for a panel without sliders)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sys.stdout.reconfigure(line_buffering=True)
    print("before: load average", " ".join(f"{x:.2f}" for x in os.getloadavg()), f"on {os.cpu_count()} cores")
    tmp = Path(tempfile.mkdtemp(prefix="panel-latency-"))
    root = tmp / "notebooks"
    root.mkdir()
    (root / "panels.ipynb").write_text(json.dumps(notebook(args.panels)))
    results, picks = {}, {}
    settings = {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
                "@jupyterlab/docmanager-extension:plugin": {"autosave": False}}
    with lab_server(root, tmp / "lab", user_settings=settings,
                    env={"PYTHONPATH": os.environ.get("PYTHONPATH", "")}) as lab, sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(lab.url("/lab/tree/panels.ipynb"), wait_until="domcontentloaded")
        nb = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
        nb.wait_for(state="visible", timeout=120_000)
        took = run_all(page, lab, nb, code_cell_count(lab, "panels.ipynb"), timeout_s=900)
        print(f"all panels created in {took:.1f} s")
        cells = nb.locator(".jp-CodeCell").all()
        for name, cell in zip(args.panels, cells):
            r = measure_panel(page, lab, cell, args)
            if r is not None:
                results[name] = r
                print(summary(name, r), flush=True)
            if args.dropdowns or r is None:      # a panel of dropdowns only is measured by them
                d = measure_dropdowns(page, lab, cell, args)
                if d["dropdowns"]:
                    picks[name] = d
                    print(dropdown_summary(name, d), flush=True)
        browser.close()
    print("after: load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    warm = [lat for r in [*results.values(), *picks.values()] for lat, _ in r["warm"] if lat is not None]
    print(f"all panels, warm: p50 {percentile(warm, 50):.0f} ms, p95 {percentile(warm, 95):.0f} ms "
          f"(median of per-panel p50: {statistics.median(percentile([l for l, _ in r['warm'] if l], 50) for r in [*results.values(), *picks.values()]):.0f} ms)")
    if args.json:
        args.json.write_text(json.dumps({**results, "dropdowns": picks}, indent=1))


if __name__ == "__main__":
    main()
