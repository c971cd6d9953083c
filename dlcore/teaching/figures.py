"""Regenerate every figure of the book as PNG and SVG at slide resolution.

    python -m dlcore.teaching.figures --out figures/            # all chapters
    python -m dlcore.teaching.figures --out figures/ --chapters 07 10 --dpi 300

Each chapter (``book/NN_*.md``) is executed top to bottom in a fresh kernel, exactly
as the book build does, with one addition: every figure the chapter shows (with
``plt.show()``, left open at the end of a cell, or drawn into a panel) is also saved as
``OUT/NN_slug/figNN.png`` and ``.svg``. A progress bar reports each chapter as it runs.
Needs the book toolchain (``pip install -e '.[book]'``, as ``make book`` does).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main", "chapters", "SETUP"]

# Runs first in each chapter's kernel: route every shown figure to files as well.
SETUP = r'''
import io as _io, matplotlib as _mpl
_mpl.use("Agg")
import matplotlib.pyplot as _plt
from matplotlib.figure import Figure as _Figure
_OUT, _DPI, _count, _saving = {out!r}, {dpi}, [0], [False]

def _keep(fig):
    _count[0] += 1
    _saving[0] = True
    try:
        for ext in ("png", "svg"):
            _savefig(fig, f"{{_OUT}}/fig{{_count[0]:02d}}.{{ext}}", dpi=_DPI, bbox_inches="tight",
                     facecolor="white")
    finally:
        _saving[0] = False

def _show_all(*args, **kwargs):
    for num in _plt.get_fignums():
        fig = _plt.figure(num)
        _keep(fig)
        _plt.close(fig)

_savefig = _Figure.savefig
def _savefig_and_keep(self, fname, *args, **kwargs):
    # panels render their figures into memory buffers: keep a copy of those too
    if isinstance(fname, _io.BytesIO) and not _saving[0]:
        _keep(self)
    return _savefig(self, fname, *args, **kwargs)
_Figure.savefig = _savefig_and_keep
try:   # live panels draw their figure with dlcore.viz.render.BlitFigure.png: keep its first frame
    from dlcore.viz.render import BlitFigure as _Blit
    _png, _kept = _Blit.png, set()
    def _png_and_keep(self, *args, **kwargs):
        out = _png(self, *args, **kwargs)
        if id(self) not in _kept:
            _kept.add(id(self))
            _keep(self.fig)
        return out
    _Blit.png = _png_and_keep
except ImportError:
    pass
_plt.show = _show_all
get_ipython().events.register("post_execute", _show_all)
'''


def chapters(book: Path, only=None):
    """The chapter files book/NN_*.md in reading order (optionally only some numbers)."""
    found = sorted(book.glob("[0-9][0-9]_*.md"))
    if only:
        wanted = {str(n).zfill(2) for n in only}
        unknown = wanted - {p.name[:2] for p in found}
        if unknown:
            raise SystemExit(f"error: no chapter numbered {sorted(unknown)} in {book}")
        found = [p for p in found if p.name[:2] in wanted]
    return found


def _bar(done, total, label, width=30):
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label:<40.40}")
    sys.stderr.flush()


def run_chapter(path: Path, out: Path, dpi: int, timeout: int = 600) -> int:
    """Execute one chapter, saving its figures into ``out``; returns how many were saved."""
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("fig*.png")) + list(out.glob("fig*.svg")):
        old.unlink()
    nb = jupytext.read(path, fmt="md:myst")
    nb.cells.insert(0, nbformat.v4.new_code_cell(SETUP.format(out=str(out.resolve()), dpi=dpi)))
    import subprocess

    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(stderr=subprocess.DEVNULL)  # keep the kernel's log out of the progress bar
    return len(list(out.glob("fig*.png")))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcore.teaching.figures", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path, help="folder for the figures (created)")
    parser.add_argument("--book", type=Path, default=Path("book"), help="the chapters' folder (default: book)")
    parser.add_argument("--chapters", nargs="*", help="chapter numbers, e.g. 07 10 (default: all)")
    parser.add_argument("--dpi", type=int, default=200, help="resolution of the PNGs (default 200)")
    args = parser.parse_args(argv)
    if args.dpi < 50 or args.dpi > 1200:
        parser.error(f"--dpi must be between 50 and 1200, got {args.dpi}")
    if not args.book.is_dir():
        parser.error(f"--book {args.book} is not a folder: run from the repository root or pass --book")
    try:
        import jupytext  # noqa: F401
        import nbclient  # noqa: F401
    except ImportError as exc:
        parser.error(f"{exc.name} is missing: install the book toolchain with pip install -e '.[book]'")
    todo = chapters(args.book, args.chapters)
    total, start = 0, time.monotonic()
    for i, path in enumerate(todo):
        _bar(i, len(todo), path.stem)
        total += run_chapter(path, args.out / path.stem, args.dpi)
    _bar(len(todo), len(todo), "done")
    sys.stderr.write("\n")
    print(f"{total} figures from {len(todo)} chapters in {time.monotonic() - start:.0f} s, "
          f"as PNG ({args.dpi} dpi) and SVG, in {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
