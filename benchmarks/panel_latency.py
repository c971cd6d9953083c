"""Latency of the training explorer: a slider value change to a rendered figure.

Drives the real panel (``dlcore.ui.explorer.explorer``) without a browser: each
step sets a control's value, which runs the widget observer exactly as in JupyterLab
(train, update the figure, encode the PNG, replace the Output's contents), and the
time until the Output holds the new image is recorded. Peers measured in the same run:
the same work with the figure rebuilt from scratch each time (what a naive panel does).
A breakdown then times the stages of one update separately (train, set the figure's
data, render the pixels, encode the PNG). The machine's load average is printed before
and after: on a shared 2-core machine other jobs can double every number.

    python benchmarks/panel_latency.py [--repeats 30]

Goal (issue 3): median ≤ 150 ms and 95th percentile ≤ 300 ms for the default settings.
"""
from __future__ import annotations

import argparse
import os
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlcore.ui.explorer import explorer  # noqa: E402
from dlcore.ui.panel import show_figure  # noqa: E402
from dlcore.viz.explorer import ExplorerFigure  # noqa: E402
from dlcore.viz.render import encode_png  # noqa: E402


def measure(box, control, values):
    times = []
    for v in values:
        before = box.output.outputs
        t0 = time.perf_counter()
        box.controls[control].value = v      # runs the observer: train, draw, PNG
        times.append(time.perf_counter() - t0)
        assert box.output.outputs is not before
    return np.array(times)


def rebuild_each_time(box, values):
    """Peer: the same training and plotting, but a new figure per change."""
    ex, times = box.explorer, []
    for v in values:
        t0 = time.perf_counter()
        ex.settings["lr"] = v
        run = ex.run()
        fig = ExplorerFigure(run["names"])
        fig.update(run, title=ex.status())
        show_figure(box.output, fig.fig, dpi=80)
        times.append(time.perf_counter() - t0)
    return np.array(times)


def breakdown(box, values):
    """Median and p95 of each stage of an update of the panel's Explorer, in ms."""
    ex, stages = box.explorer, {"train": [], "figure update": [], "render (blit)": [], "encode PNG": []}
    fig = ex.figure
    for v in values:
        ex.settings["lr"] = v
        t0 = time.perf_counter()
        ex.current = ex.run()
        t1 = time.perf_counter()
        fig.update(ex.current, title=ex.status(), epochs=ex.settings["epochs"])
        t2 = time.perf_counter()
        rgba = fig.render()
        t3 = time.perf_counter()
        encode_png(rgba)
        t4 = time.perf_counter()
        for k, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            stages[k].append(dt)
    return {k: np.array(v) for k, v in stages.items()}


def load():
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def report(name, t):
    print(f"{name:<44} median {1e3 * np.median(t):6.1f} ms   p95 {1e3 * np.percentile(t, 95):6.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    print("before:", load())
    box = explorer()                                          # default settings
    lrs = np.geomspace(0.01, 0.5, args.repeats)[np.random.default_rng(0).permutation(args.repeats)]
    sigmas = np.geomspace(0.01, 1.0, args.repeats)
    box.controls["lr"].value = 0.05
    lr_t = measure(box, "lr", lrs)
    box.controls["init"].value = "normal"
    sigma_t = measure(box, "sigma", sigmas)
    box.controls["init"].value = "xavier"
    box.controls["lr"].value = 0.05
    stages = breakdown(box, lrs)
    misses = box.explorer.figure.region_misses
    naive_t = rebuild_each_time(box, lrs[: max(5, args.repeats // 3)])
    plt.close("all")
    print("after: ", load())
    print(f"default settings: {box.explorer.settings}")
    report("learning-rate slider (dlcore panel)", lr_t)
    report("σ slider (dlcore panel)", sigma_t)
    report("peer: figure rebuilt on every change", naive_t)
    for name, t in stages.items():
        report(f"  stage: {name}", t)
    print(f"  static regions drawn from scratch during the run: {misses}")
    both = np.concatenate([lr_t, sigma_t])
    print(f"overall: median {1e3 * np.median(both):.1f} ms (goal ≤ 150), "
          f"p95 {1e3 * np.percentile(both, 95):.1f} ms (goal ≤ 300); "
          f"rebuild/panel median ratio {np.median(naive_t) / np.median(lr_t):.2f}")


if __name__ == "__main__":
    main()
