"""Which way to turn a panel's figure into PNG bytes: matplotlib and Pillow against the
hand-written parts of ``dlcore.viz.render`` (issue 14, item 3).

On the training explorer's figure (chapter 10's settings: five hidden layers of 100 linear
units; 22 texts change with every update) and on a small figure (one line, a title), it
times, per update (median and 95th percentile of ``--repeats`` updates):

* drawing the whole figure (``canvas.draw()``): what a panel that rebuilds or redraws its
  figure pays before encoding;
* matplotlib's blitting API: ``restore_region`` of the cached static layer, then
  ``draw_artist`` of every changing artist (texts drawn by matplotlib);
* the same with the changing texts drawn by ``GlyphText`` (glyphs rasterised once);
* encoding the frame: Pillow (``compress_level`` 1, RGBA and RGB) against ``encode_png``.

    python benchmarks/render_paths.py [--repeats 40]

The machine's load average is printed: on a shared 2-core machine other jobs can double
every number; compare the rows of one run, not runs.
"""
from __future__ import annotations

import argparse
import io
import os
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from PIL import Image  # noqa: E402

from dlcore.ui.explorer import Explorer  # noqa: E402
from dlcore.viz.render import BlitFigure, encode_png  # noqa: E402


def timed(fn, repeats):
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return np.array(out)


def report(name, t):
    print(f"  {name:<52} median {1e3 * np.median(t):7.2f} ms   p95 {1e3 * np.percentile(t, 95):7.2f} ms")


def blit_paths(figure, repeats):
    """(mpl texts, GlyphText) times of one blitted frame of ``figure`` (a BlitFigure)."""
    figure.render()
    canvas = figure.fig.canvas
    dynamic = [a for a in figure._dynamic if a.get_visible()]
    texts = [a for a in dynamic if isinstance(a, Text)]
    glyphs = figure.text or type(figure.text)(figure.dpi) if figure.text else None

    def matplotlib_only():
        figure._restore()
        for a in dynamic:
            figure.fig.draw_artist(a)

    def with_glyphs():
        figure._restore()
        buf = np.asarray(canvas.get_renderer().buffer_rgba())
        for a in dynamic:
            if glyphs is not None and isinstance(a, Text) and glyphs.supports(a):
                glyphs.draw(buf, a)
            else:
                figure.fig.draw_artist(a)

    return timed(matplotlib_only, repeats), (timed(with_glyphs, repeats) if glyphs else None), len(texts)


def encoders(rgba, repeats):
    h, w = rgba.shape[:2]

    def pil(mode):
        def run():
            im = Image.frombuffer("RGBA", (w, h), rgba, "raw", "RGBA", 0, 1)
            if mode == "RGB":
                im = im.convert("RGB")
            buf = io.BytesIO()
            im.save(buf, format="png", compress_level=1)
            return buf.getvalue()
        return run

    rows = {"Pillow, RGBA, compress_level 1": pil("RGBA"), "Pillow, RGB, compress_level 1": pil("RGB"),
            "encode_png (rows unfiltered, zlib level 1)": lambda: encode_png(rgba)}
    return {name: (timed(fn, repeats), len(fn())) for name, fn in rows.items()}


class Small(BlitFigure):
    """One curve and a title: the shape of most chapter panels."""

    def __init__(self):
        super().__init__((6.4, 3.4), 80)
        ax = self.fig.add_subplot()
        ax.set_xlim(0, 10)
        ax.set_ylim(-1.2, 1.2)
        x = np.linspace(0, 10, 400)
        self.line = self.dynamic(ax.plot(x, np.sin(x))[0])
        self.title = self.dynamic(ax.set_title("a title that changes: 0.000"))
        self.x = x

    def update(self, k):
        self.line.set_ydata(np.sin(self.x + k))
        self.title.set_text(f"a title that changes: {k:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    load = "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{load} on {os.cpu_count()} cores")
    ex = Explorer(dataset="xor blobs", activation="linear", init="normal", sigma=0.01, depth=5,
                  width=100, epochs=10, lr=0.01)
    ex.draw()
    small = Small()
    small.update(0.5)
    for name, figure in (("explorer figure (720 × 530 px class)", ex.figure), ("small figure", small)):
        figure.render()
        print(f"{name}: {figure.fig.bbox.width:.0f} × {figure.fig.bbox.height:.0f} px")
        report("full draw (canvas.draw)", timed(figure.fig.canvas.draw, max(5, args.repeats // 4)))
        mpl, glyph, n = blit_paths(figure, args.repeats)
        report(f"blit, {n} changing texts drawn by matplotlib", mpl)
        if glyph is not None:
            report(f"blit, {n} changing texts drawn by GlyphText", glyph)
        rgba = np.ascontiguousarray(figure.render())
        for enc, (t, size) in encoders(rgba, args.repeats).items():
            report(f"{enc} ({size / 1e3:.0f} kB)", t)
    print("after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
