"""Fast re-rendering of a figure whose layout is fixed, with matplotlib's blitting API.

A panel that redraws the same figure with new data spends most of a full matplotlib draw
laying out and rasterising what did not change (axes, ticks, labels, legends). A
``BlitFigure`` is laid out once; the artists that change are marked *dynamic*
(``animated``), everything else is the static layer. The static layer's pixels are kept per
*key* (by default the axes' view limits) with ``canvas.copy_from_bbox``, so a frame is
``canvas.restore_region`` of the cached layer plus ``draw_artist`` of the dynamic artists,
then the canvas buffer encoded as a PNG. A figure can be split into *regions* (rectangles
that each hold some axes with all their decorations): only a region whose key is new is
drawn again.

Measured on the 2-core development machine (``benchmarks/render_paths.py``; the training
explorer's figure, 720 × 530 px, 22 changing texts; medians):

* matplotlib's blitting API restores the static layer in about the time the earlier
  hand-written numpy copies took (≈ 1 ms), so it replaced them;
* matplotlib draws a changing text in ≈ 1.3 ms (it rasterises the string on every draw):
  22 texts take ≈ 30 ms, half the 60 ms budget of a panel update. ``GlyphText`` draws
  them in ≈ 1 ms from glyphs rasterised once, so it is kept for figures with many
  changing texts (``BlitFigure(glyph_text=True)``); figures with a few texts use matplotlib;
* Pillow encodes the 720 × 530 RGBA frame in ≈ 10 ms at ``compress_level=1`` (its
  encoder chooses a filter per row), ``encode_png`` in ≈ 2.5 ms (rows unfiltered, one
  ``zlib.compress`` call). The panel budget is 60 ms from the input event to the image in
  the browser, so ``encode_png`` is kept; Pillow remains the reference in the tests.

A panel's figure uses the Agg canvas only (no pyplot), so it never appears on its own in a
notebook and never needs closing; a chapter's figure (``pyplot=True``) is shown by
``plt.show()`` like any other.
"""
from __future__ import annotations

import struct
import zlib
from collections import OrderedDict

import numpy as np
from matplotlib import rcParams
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import findfont, get_font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text
from matplotlib.transforms import Bbox, offset_copy

__all__ = ["BlitFigure", "GlyphText", "LiveAxis", "encode_png", "tick_text"]


def _chunk(tag, data):
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def encode_png(rgba, compress_level=1):
    """PNG bytes of an ``(h, w, 4)`` uint8 RGBA image: 8-bit RGBA, rows unfiltered, zlib at
    ``compress_level``. Level 1 keeps a mostly white figure small (≈ 40-70 kB at 720 × 530);
    ≈ 2.5 ms against Pillow's ≈ 10 ms for the same image (see the module docstring)."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"rgba must be an (h, w, 4) uint8 array, got {rgba.shape} {rgba.dtype}")
    h, w = rgba.shape[:2]
    rows = np.empty((h, 1 + 4 * w), np.uint8)
    rows[:, 0] = 0                                       # each row's filter byte: "None"
    rows[:, 1:] = rgba.reshape(h, 4 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)   # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows, compress_level)) + _chunk(b"IEND", b""))


class GlyphText:
    """Draws simple ``Text`` artists from cached glyph bitmaps with numpy.

    Matplotlib lays out and rasterises a string on every draw (≈ 1.3 ms a label on this
    machine); here each character is rasterised once by Agg (same font, size and hinting)
    and a string is its glyphs placed at their advances (no kerning, so positions can
    differ from matplotlib's by a pixel or two) and alpha-blended into the buffer.
    ``supports(text)`` says whether a Text can be drawn this way (one line, no rotation,
    no mathtext); other texts should be drawn by matplotlib.
    """

    def __init__(self, dpi):
        self.dpi = dpi
        self._glyphs = {}     # (font key, char) -> (mask (h, w) uint8, dx, dy, advance)
        self._lp = {}         # font key -> (ascent, descent) of "lp", as matplotlib uses
        self._strings = OrderedDict()   # (font key, string) -> _string(...), most recent last
        self._files = {}      # font properties -> font file

    @staticmethod
    def supports(text):
        s = text.get_text()
        return (type(text) is Text and text.get_rotation() == 0 and "\n" not in s
                and not text.get_usetex() and s.count("$") < 2 and text.get_bbox_patch() is None)

    def _font(self, prop):
        """(font file, size, weight): what a glyph's bitmap depends on. ``findfont`` hashes
        every property, so its answer is kept per set of the properties that matter here."""
        props = (tuple(prop.get_family()), prop.get_style(), prop.get_weight(), prop.get_stretch())
        if props not in self._files:
            self._files[props] = findfont(prop)
        return (self._files[props], prop.get_size_in_points(), prop.get_weight())

    def _glyph(self, prop, key, ch):
        if (key, ch) not in self._glyphs:
            size = int(4 * prop.get_size_in_points() * self.dpi / 72) + 8
            r = RendererAgg(size, size, self.dpi)
            gc = r.new_gc()
            gc.set_foreground("black")
            pad, base = size // 4, (3 * size) // 4
            r.draw_text(gc, pad, base, ch, prop, 0)     # y is the baseline row (top-down)
            mask = np.asarray(r.buffer_rgba())[..., 3]
            ys, xs = np.nonzero(mask)
            if ys.size:
                mask = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1].copy()
                dx, dy = int(xs.min()) - pad, int(ys.min()) - base
            else:                                          # a space
                mask, dx, dy = np.zeros((0, 0), np.uint8), 0, 0
            font = get_font(key[0])
            font.set_size(key[1], self.dpi)
            hinting = rcParams.get("text.hinting_factor") or 1   # 8 before matplotlib 3.10: x8 widths
            self._glyphs[key, ch] = (mask, dx, dy, font.load_char(ord(ch)).horiAdvance / 64 / hinting)
        return self._glyphs[key, ch]

    def _line_metrics(self, prop, key):
        if key not in self._lp:
            _, h, d = RendererAgg(8, 8, self.dpi).get_text_width_height_descent("lp", prop, False)
            self._lp[key] = (round(h - d), round(d))
        return self._lp[key]

    def _string(self, prop, s):
        """(mask (h, w) uint8, ascent, descent, width, dx) of ``s``: the glyphs placed at
        their advances from a pen at column ``-dx``, the baseline at row ``ascent``."""
        key = self._font(prop)
        if (key, s) in self._strings:
            self._strings.move_to_end((key, s))
            return self._strings[key, s]
        glyphs, pen, pens = [self._glyph(prop, key, ch) for ch in s], 0.0, []
        for g in glyphs:
            pens.append(round(pen) + g[1])
            pen += g[3]
        ascent, descent = self._line_metrics(prop, key)
        inked = [(g, c) for g, c in zip(glyphs, pens) if g[0].size]
        for (mask, _, dy, _), _ in inked:
            ascent, descent = max(ascent, -dy), max(descent, dy + mask.shape[0])
        left = min([c for _, c in inked] + [0])
        right = max([c + g[0].shape[1] for g, c in inked] + [1])
        out = np.zeros((ascent + descent, right - left), np.uint8)
        for (mask, _, dy, _), c in inked:
            h, w = mask.shape
            np.maximum(out[ascent + dy:ascent + dy + h, c - left:c - left + w], mask,
                       out=out[ascent + dy:ascent + dy + h, c - left:c - left + w])
        self._strings[key, s] = (out, ascent, descent, pen, -left)
        if len(self._strings) > 512:
            self._strings.popitem(last=False)
        return self._strings[key, s]

    def draw(self, buf, text):
        """Blend ``text`` (a Text for which ``supports`` is True) into ``buf`` (h, w, 4)."""
        s = text.get_text()
        if not s or not text.get_visible():
            return
        mask, ascent, descent, width, dx = self._string(text.get_fontproperties(), s)
        x, y = text.get_transform().transform(text.get_unitless_position())
        x -= {"left": 0.0, "center": width / 2, "right": width}[text.get_horizontalalignment()]
        base = {"top": y - ascent, "bottom": y + descent, "center": y - (ascent - descent) / 2,
                "baseline": y}.get(text.get_verticalalignment(), y)
        H, W = buf.shape[:2]
        r0, c0 = H - round(base) - ascent, round(x) - dx
        h, w = mask.shape
        rs, cs = slice(max(r0, 0), min(r0 + h, H)), slice(max(c0, 0), min(c0 + w, W))
        if rs.start >= rs.stop or cs.start >= cs.stop:
            return
        mask = mask[rs.start - r0:rs.stop - r0, cs.start - c0:cs.stop - c0]   # clipped to buf
        rgba = to_rgba(text.get_color(), text.get_alpha())
        a = mask[..., None] * (rgba[3] / 255.0)
        dst = buf[rs, cs, :3]
        dst[...] = (dst * (1.0 - a) + np.multiply(rgba[:3], 255.0) * a + 0.5).astype(np.uint8)


def tick_text(v):
    """Compact tick label: 0, 0.25, 300, 5000, 2e−5, 3e6 (with a proper minus sign)."""
    if v == 0:
        return "0"
    text = f"{v:g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return text.replace("-", "−")


class LiveAxis:
    """An axis whose limits change with every update, redrawn without redrawing the axes.

    The axes keep the fixed view 0 … 1 along this axis; ``set_limits(lo, hi)`` chooses the
    ticks with matplotlib's own locators (``MaxNLocator``, or ``LogLocator`` when ``log``)
    and moves the tick marks, the tick labels and the grid lines, which are dynamic artists
    of ``figure`` (a ``BlitFigure``). Data is placed with ``map(values)``. The axes' cached
    pixels stay valid however the limits move.
    """

    def __init__(self, figure, ax, which="y", *, log=False, nbins=6, fontsize=9, grid=True):
        from matplotlib.collections import LineCollection
        from matplotlib.lines import Line2D
        from matplotlib.markers import TICKDOWN, TICKLEFT
        from matplotlib.ticker import LogLocator, MaxNLocator

        self.ax, self.which, self.log = ax, which, log
        self.locator = LogLocator(numticks=nbins) if log else MaxNLocator(nbins=nbins)
        y = which == "y"
        (ax.set_ylim if y else ax.set_xlim)(0.0, 1.0)
        (ax.set_yticks if y else ax.set_xticks)([])
        edge = ax.get_yaxis_transform() if y else ax.get_xaxis_transform()   # (axes, data) or (data, axes)
        self.marks = figure.dynamic(ax.add_line(Line2D([], [], ls="", marker=TICKLEFT if y else TICKDOWN,
                                                       color="black", ms=3.5, mew=0.8, transform=edge,
                                                       clip_on=False)))
        self.grid = figure.dynamic(ax.add_collection(LineCollection([], colors="0.85", linewidths=0.8,
                                                                    transform=edge, zorder=0))) if grid else None
        pad = offset_copy(edge, fig=figure.fig, x=-5 if y else 0, y=0 if y else -5, units="points")
        self.labels = [figure.dynamic(ax.text(0, 0, "−0.000", transform=pad, fontsize=fontsize,
                                              ha="right" if y else "center", va="center" if y else "top"))
                       for _ in range(nbins + 4)]
        (ax.yaxis if y else ax.xaxis).labelpad = 4.6 * fontsize if y else 1.6 * fontsize   # clear of the labels
        self.lo, self.hi = 0.0, 1.0

    def _t(self, v):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(v) if self.log else np.asarray(v, float)

    def map(self, values):
        """Where ``values`` sit on the fixed 0 … 1 view."""
        lo, hi = self._t(self.lo), self._t(self.hi)
        return (self._t(np.asarray(values, float)) - lo) / (hi - lo)

    def set_limits(self, lo, hi):
        """Show ``lo`` … ``hi``: ticks where matplotlib's locator puts them."""
        self.lo, self.hi = float(lo), float(hi)
        ticks = [t for t in self.locator.tick_values(lo, hi) if lo <= t <= hi]
        if self.which == "x":           # a label centred on either end would reach past the axes
            ticks = [t for t in ticks if 0.02 < self.map(t) < 0.98] or ticks
        ticks = ticks[:len(self.labels)]
        at = self.map(ticks)
        other = np.zeros(len(ticks))
        xy = (other, at) if self.which == "y" else (at, other)
        self.marks.set_data(*xy)
        if self.grid is not None:
            self.grid.set_segments([[(0, u), (1, u)] if self.which == "y" else [(u, 0), (u, 1)] for u in at])
        for k, label in enumerate(self.labels):
            label.set_visible(k < len(ticks))
            if k < len(ticks):
                label.set_position((0.0, at[k]) if self.which == "y" else (at[k], 0.0))
                label.set_text(tick_text(ticks[k]))


class BlitFigure:
    """A figure laid out once and redrawn by blitting; subclass it for each panel's figure.

    A subclass builds its axes and artists in ``__init__`` (after calling this one), marks
    every artist that an update changes with ``self.dynamic(artist)`` and implements
    ``update(...)``, which changes only data, texts, visibility and view limits. ``render()``
    then returns the pixels and ``png()`` the PNG bytes; ``self.fig`` is always a complete
    matplotlib Figure (``savefig`` draws the dynamic artists too).

    Parameters
    ----------
    figsize : (float, float)
        Inches.
    dpi : float
        Pixels per inch of ``render()`` and ``png()``.
    glyph_text : bool
        Draw changing one-line texts with ``GlyphText`` (for figures with many of them).
    max_keys : int
        Static layers kept per region (least recently used dropped).
    pyplot : bool
        Create the figure through pyplot, so that ``plt.show()`` shows it in a notebook (for
        a chapter's figures; a panel's figure is never shown on its own and needs no pyplot).
    """

    def __init__(self, figsize, dpi=80, *, glyph_text=True, max_keys=6, pyplot=False):
        if pyplot:
            import matplotlib.pyplot as plt
            self.fig = plt.figure(figsize=figsize, dpi=dpi, layout="constrained")
        else:
            self.fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
            FigureCanvasAgg(self.fig)
        self.dpi = dpi
        self._dynamic = []
        self._figure_level = []       # dynamic artists of the figure, not of an axes
        self._regions = None          # [(axes list, Bbox)] once laid out
        self._cache = []              # per region: OrderedDict key -> saved pixels
        self._blank = []              # per region: the empty figure background
        self.max_keys = max_keys
        self.misses = 0               # static regions drawn from scratch (tests, benchmarks)
        self.text = GlyphText(dpi) if glyph_text else None

    def dynamic(self, artist):
        """Mark ``artist`` as changing: it is left out of the cached static layer, and (unless
        it is an axes' title or the figure's suptitle, whose room the layout keeps) out of the
        layout, so that what it shows at the first draw cannot move the axes. An axes'
        artist is marked ``animated`` (left out of a canvas draw, drawn by ``savefig``); a
        figure-level one (a suptitle) is hidden while the static layer is drawn instead,
        since ``savefig`` never draws a figure-level animated artist (titles went missing)."""
        if artist.axes is None:
            self._figure_level.append(artist)
        else:
            artist.set_animated(True)
        titles = [t for ax in self.fig.axes for t in (ax.title, ax._left_title, ax._right_title)]
        if artist is not self.fig._suptitle and not any(artist is t for t in titles):
            artist.set_in_layout(False)
        self._dynamic.append(artist)
        return artist

    def title_lines(self, ax, n, fontsize=10):
        """``n`` changing one-line texts stacked above ``ax``, left-aligned, first on top:
        a title of several lines that ``GlyphText`` can draw (it draws one line a text)."""
        ax.set_title("\n".join(["Ag"] * n), fontsize=fontsize, loc="left", color="none",
                     linespacing=1.45)                                      # keeps their room
        lines = []
        for i in range(n):
            offset = offset_copy(ax.transAxes, fig=self.fig, y=6 + (n - 1 - i) * 1.2 * fontsize, units="points")
            text = ax.text(0.0, 1.0, "", transform=offset, ha="left", va="bottom", fontsize=fontsize)
            text.set_in_layout(False)    # a long line may reach past the axes without squeezing them
            lines.append(self.dynamic(text))
        return lines

    def regions(self):
        """``[(axes, (x0, y0, x1, y1))]`` in display pixels, tiling the figure; the default is
        one region holding every axes. Override to let axes' static layers change apart."""
        return [(list(self.fig.axes), (0.0, 0.0, self.fig.bbox.width, self.fig.bbox.height))]

    def key(self, axes):
        """What the static layer of ``axes`` depends on (default: the view limits)."""
        return tuple((ax.get_xlim(), ax.get_ylim()) for ax in axes)

    def settled(self):
        """Draw once and return the Figure: matplotlib's constrained layout settles over two
        draws, so a figure shown by a notebook (which draws it once more) or saved gets the
        settled layout."""
        self.fig.canvas.draw()
        return self.fig

    def _layout(self):
        """Solve the constrained layout (two draws; none when a subclass placed its axes and
        turned the layout engine off), freeze it, and keep each region's empty background."""
        canvas = self.fig.canvas
        if isinstance(self.fig.get_layout_engine(), ConstrainedLayoutEngine):
            canvas.draw()
            canvas.draw()
            self.fig.set_layout_engine("none")
        else:
            canvas.get_renderer()   # placed axes: nothing to solve, and the first frame draws
        renderer = canvas.get_renderer()
        self._regions = [(axes, Bbox.from_extents(*box)) for axes, box in self.regions()]
        renderer.clear()
        self.fig.patch.draw(renderer)
        self._blank = [canvas.copy_from_bbox(box) for _, box in self._regions]
        self._cache = [OrderedDict() for _ in self._regions]
        self._whole = len(self._regions) == 1     # one region: draw the figure as a whole

    def _restore(self):
        canvas = self.fig.canvas
        renderer = canvas.get_renderer()
        saved = []
        for (axes, box), cache, blank in zip(self._regions, self._cache, self._blank):
            key = self.key(axes)
            if key not in cache:
                if self._whole:
                    shown = [a.get_visible() for a in self._figure_level]
                    for a in self._figure_level:
                        a.set_visible(False)
                    canvas.draw()                  # skips the dynamic (animated) artists
                    for a, visible in zip(self._figure_level, shown):
                        a.set_visible(visible)
                else:
                    canvas.restore_region(blank)
                    for ax in axes:
                        ax.draw(renderer)
                cache[key] = canvas.copy_from_bbox(box)
                self.misses += 1
                if len(cache) > self.max_keys:
                    cache.popitem(last=False)
            cache.move_to_end(key)
            saved.append(cache[key])
        for pixels in saved:                       # after every miss has drawn
            canvas.restore_region(pixels)

    def render(self):
        """The figure's pixels: an ``(h, w, 4)`` uint8 RGBA view of the canvas, made of the
        cached static layer and the dynamic artists drawn on top."""
        if self._regions is None:
            self._layout()
        self._restore()
        buf = np.asarray(self.fig.canvas.get_renderer().buffer_rgba())
        for a in self._dynamic:
            if not a.get_visible():
                continue
            if self.text is not None and isinstance(a, Text) and self.text.supports(a):
                self.text.draw(buf, a)
            else:
                self.fig.draw_artist(a)
        return buf

    def png(self, compress_level=1):
        """``render()`` encoded as PNG bytes."""
        return encode_png(self.render(), compress_level)
