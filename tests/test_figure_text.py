"""No label collides with data or with another label, in any figure of the book or any
precomputed frame, and the frames' text is at least 9 px (issue 14, item 5).

The checker (``tests/layout_check.py``) is tested first on figures made to fail; then each
chapter runs in this process as the book build runs it (``DLCORE_STATIC_PANELS=1``, so the
panels precompute their frames), and every figure it shows and every frame it precomputes
is checked.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from layout_check import problems

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.name for p in (REPO / "book").glob("[0-9][0-9]_*.md"))
MIN_PX = 9


# ------------------------------------------------------------------ the checker itself
def test_overlapping_texts_are_found():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.text(0.5, 0.5, "converged: epoch 1149")
    ax.text(0.52, 0.5, "tolerance 0.0001")
    found = problems(fig)
    assert any("overlap" in p and "tolerance" in p for p in found), found


def test_a_legend_on_a_curve_is_found_and_one_beside_it_is_not():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    x = np.linspace(0, 1, 50)
    ax.plot(x, 0.93 + 0 * x, label="flat, high")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert any("covers the curve" in p for p in problems(fig))
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.plot(x, 0.1 + 0 * x, label="flat, low")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert problems(fig) == []


def test_a_text_across_the_frame_and_small_text_are_found():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.set_xlim(0, 10)
    ax.text(9.5, 0.5, "10000 epochs")
    assert any("crosses the frame" in p for p in problems(fig))
    fig, ax = plt.subplots(figsize=(4, 3), dpi=80)
    ax.set_title("tiny", fontsize=6)
    assert any("px high" in p for p in problems(fig, min_px=MIN_PX))
    assert not any("px high" in p for p in problems(fig))


# ------------------------------------------------------------------ every chapter
@pytest.fixture
def static_panels(monkeypatch):
    monkeypatch.setenv("DLCORE_STATIC_PANELS", "1")
    monkeypatch.chdir(REPO / "book")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_and_frame_of_the_chapter_is_readable(chapter, static_panels, monkeypatch):
    import jupytext
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from dlcore.ui import static

    found = []
    real_html = static.figure_html

    def checked_html(fig, alt, dpi=80):
        fig.set_dpi(dpi)
        found.extend(f"frame '{alt[:60]}': {p}" for p in problems(fig, min_px=MIN_PX))
        plt.close(fig)
        return '<img alt="checked">'

    monkeypatch.setattr(static, "figure_html", checked_html)
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    nb = jupytext.read(REPO / "book" / chapter, fmt="md:myst")
    try:
        for k, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            with capture_output():
                result = shell.run_cell(cell.source, store_history=False)
            assert result.success, f"{chapter}, code cell {k + 1} failed: {result.error_in_exec!r}"
            for num in plt.get_fignums():
                fig = plt.figure(num)
                found.extend(f"figure of code cell {k + 1}: {p}" for p in problems(fig))
                plt.close(fig)
    finally:
        static.figure_html = real_html
        plt.close("all")
    assert not found, f"{chapter}: {len(found)} problems:\n" + "\n".join(found[:40])
