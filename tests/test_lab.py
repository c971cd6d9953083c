"""The student's experience in a real browser: JupyterLab + chapter 10 + the explorer.

A headless JupyterLab (``tests/lab_session.py``: 127.0.0.1, a random token, a byte-identical
copy of ``book/`` as its root, the settings ``make lab`` installs, throw-away user settings) and Debian's Chromium,
driven by Playwright, do what a student does, **with autosave on** (every 5 s here, so that
it certainly saves during the run):

1. the file browser shows every chapter's whole name, and no news pop-up covers the page;
2. a double click opens ``10_initialisation.md`` as a notebook (jupytext's contents
   manager; the setting ``make lab`` installs);
3. *Run → Run All Cells*, then every code cell has an execution count and no error output;
   check cells show their message only (no stray ``True``/``False``);
4. the explorer's σ slider: one step with the keyboard redraws the figure; a mouse drag
   redraws it while the mouse moves (ipywidgets' ``continuous_update``);
5. the explorer's controls have names a screen reader reads out (the accessibility tree);
6. after all that and a few autosaves, the chapter's bytes on disk are unchanged.

The copy keeps the repository's files untouched while the test runs: an autosave that wrote
the same bytes would still change a chapter's modification time, and a book build running
beside the test (``pytest -n 2``) would then read that chapter again.

Every wait is bounded. The server, its kernels and the browser are always shut down. Missing
Chromium, Playwright or JupyterLab skips the test locally and fails it when ``CI=true``.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from lab_session import code_cell_count, lab_server, open_chapter, run_all, wait

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
CHAPTER = "10_initialisation.md"
SIGMA_LABEL = "σ (normal init)"       # the explorer's σ slider (dlcore.ui.explorer)
AUTOSAVE_S = 5
UI_S = 120
REDRAW_S = 120


def _unavailable(reason: str):
    """Skip locally; in CI a missing prerequisite is a failure, not a silent skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"JupyterLab browser test prerequisites missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab serving book/ with ``make lab``'s settings and autosave every 5 s."""
    try:
        import ipywidgets  # noqa: F401
        import jupyterlab  # noqa: F401
        import jupytext  # noqa: F401
    except ImportError as exc:
        _unavailable(f"JupyterLab, jupytext or ipywidgets not installed: {exc}")
    settings = {  # every cell stays in the page (no virtual scrolling), autosave often
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
        "@jupyterlab/docmanager-extension:plugin": {"autosave": True, "autosaveInterval": AUTOSAVE_S},
    }
    tmp = tmp_path_factory.mktemp("lab")
    book = tmp / "book"
    shutil.copytree(BOOK, book, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    with lab_server(book, tmp / "server", user_settings=settings) as server:
        server.book = book
        yield server


def test_jupytext_serves_the_chapter_as_a_notebook(lab):
    model = lab.api(f"/api/contents/{CHAPTER}?type=notebook&content=1", timeout=60)
    assert model["type"] == "notebook" and model["format"] == "json"
    assert model["content"]["metadata"]["kernelspec"]["name"] == "python3"
    assert sum(c["cell_type"] == "code" for c in model["content"]["cells"]) >= 10


def test_student_runs_chapter_10_with_autosave_on(browser, lab, tmp_path):
    chapter = lab.book / CHAPTER
    original = (BOOK / CHAPTER).read_bytes()
    assert chapter.read_bytes() == original
    n_code = code_cell_count(lab, CHAPTER)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(UI_S * 1000)
    page_errors = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        notebook = open_chapter(page, lab, CHAPTER)
        _assert_lab_chrome(page)
        run_all_s = run_all(page, lab, notebook, n_code)
        _assert_no_error_output(notebook, tmp_path, page)
        _assert_checks_show_their_message_only(notebook)
        panel = notebook.locator(".jp-CodeCell").filter(has=page.locator(".widget-label", has_text=SIGMA_LABEL))
        figure = panel.locator("img.widget-image").first
        figure.wait_for(state="visible")
        step = _keyboard_step(page, lab, panel, figure)
        during = _drag_sigma(page, lab, panel, figure)
        _assert_controls_have_names(page, panel)
        assert not page_errors, f"JavaScript errors in the page: {page_errors}"
        time.sleep(3 * AUTOSAVE_S)          # several autosaves after everything above
        print(f"\nRun All Cells took {run_all_s:.1f} s; σ {step}; {during} redraws during a drag")
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab.png"), full_page=True)
        print(f"\nscreenshot: {tmp_path / 'jupyterlab.png'}\nJupyterLab log:\n{lab.log()}")
        raise
    finally:
        page.close()
        lab.end_sessions()
        if chapter.read_bytes() != original:
            pytest.fail("JupyterLab rewrote the chapter file (autosave on): run `make canonical` "
                        "and check book/jupytext.toml")


ROW_PANELS = [   # panels with their controls in a row, long slider labels among them
    "from dlcore.chapters.ch01_neurons import activation_panel\np1 = activation_panel('leaky_relu')\np1",
    "from dlcore.chapters.ch03_networks import depth_panel\np3 = depth_panel(n_layers=1, width=2, epochs=30)\np3",
    "from dlcore.chapters.ch07_backprop import backprop_panel\np7 = backprop_panel(lr=0.2, epochs=300)\np7",
    "from dlcore.chapters.ch13_digits import digits_panel\np13 = digits_panel(lr=0.5, epochs=2)\np13",
]
# the log sliders' values in the kernel, once the panels have been shown
LOG_VALUES = ("import ipywidgets as W\nprint([w.value for p in (p7, p13) for w in p.controls.values() "
              "if isinstance(w, W.FloatLogSlider)])")


def test_row_panels_leave_room_to_drag_and_show_figures_at_their_size(browser, lab, tmp_path):
    """Every slider's track is at least 150 px (at 40-60 px a step was a few pixels); each
    figure is shown at most at its own size (stretched to the output's width, its text was
    blurred); and showing a log slider leaves its value as the chapter set it (the browser
    snapped chapter 7's α = 0.2 to 0.1995 on a grid without it)."""
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}
             for src in ROW_PANELS + ["pass"]]
    (lab.book / "row_panels.ipynb").write_text(json.dumps(
        {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                                     "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}))
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.set_default_timeout(UI_S * 1000)
    try:
        # a workspace of its own: the default one may restore chapter 10's tab from the test
        # before, and Run All Cells then went to that tab (seen once in CI: no cell ran)
        page.goto(lab.url("/lab/workspaces/row-panels/tree/row_panels.ipynb?reset"), wait_until="domcontentloaded")
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
        notebook.wait_for(state="visible")
        run_all(page, lab, notebook, len(cells))
        _assert_no_error_output(notebook, tmp_path, page)
        code = notebook.locator(".jp-CodeCell")
        for k in range(len(ROW_PANELS)):          # every slider shown, as a student scrolls past it
            code.nth(k).locator(".jp-OutputArea").first.scroll_into_view_if_needed()
            time.sleep(0.3)
        wait(lab.kernels_idle, UI_S, "an idle kernel")
        last = code.nth(len(ROW_PANELS))
        last.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+A")
        page.keyboard.type(LOG_VALUES)
        page.keyboard.press("Shift+Enter")
        printed = last.locator(".jp-OutputArea-output")
        wait(lambda: printed.count() > 0 and printed.first.inner_text().strip(), UI_S, "the sliders' values")
        values = printed.first.inner_text().strip()
        found = notebook.evaluate("""(nb) => Array.from(nb.querySelectorAll('.jp-CodeCell')).map(c => ({
            tracks: Array.from(c.querySelectorAll('.widget-hslider')).map(s => [
                s.querySelector('.widget-label').textContent,
                s.querySelector('.noUi-target').getBoundingClientRect().width]),
            images: Array.from(c.querySelectorAll('img.widget-image')).map(i => [
                i.naturalWidth, i.getBoundingClientRect().width])}))""")[:len(ROW_PANELS)]
    except Exception:
        page.screenshot(path=str(tmp_path / "row-panels.png"), full_page=True)
        raise
    finally:
        page.close()
        lab.end_sessions()
    # the browser's own log/exp may move a value by an ulp; the grid's snapping moved it by 0.2 %
    assert ast.literal_eval(values) == pytest.approx([0.2, 0.5, 0.01], rel=1e-9), \
        f"log sliders changed their values when shown: {values}"
    assert all(c["tracks"] and c["images"] for c in found)
    short = [(label, round(w)) for c in found for label, w in c["tracks"] if w < 150]
    assert not short, f"slider tracks too short to drag: {short}"
    stretched = [(n, round(w)) for c in found for n, w in c["images"] if w > n + 1]
    assert not stretched, f"figures stretched past their own width (natural, shown): {stretched}"


def _assert_lab_chrome(page):
    """make lab's settings: whole chapter names in the file browser, no news pop-up."""
    names = page.locator(".jp-DirListing-item .jp-DirListing-itemText")
    wait(lambda: names.count() >= 17, UI_S, "the chapters in the file browser")
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-DirListing-itemText'))
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert not cut, f"chapter names cut off in the file browser: {cut}"
    time.sleep(2)    # the news question appears a moment after start-up when it is asked at all
    assert not page.locator(".jp-toast-container .jp-Notification-Toast-content").filter(
        has_text="news").count(), "a 'Jupyter news' pop-up covers the notebook"


def _assert_no_error_output(notebook, tmp_path, page):
    stderr = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    bad = [t for t in stderr.all_inner_texts() if "Error" in t or "Traceback" in t]
    bad += [t for t in notebook.locator(".jp-RenderedText").all_inner_texts() if "Traceback" in t]
    if bad:
        page.screenshot(path=str(tmp_path / "error-output.png"), full_page=True)
    assert not bad, "error output in the notebook:\n" + "\n---\n".join(t[:1500] for t in bad)


def _assert_checks_show_their_message_only(notebook):
    results = notebook.locator(".jp-OutputArea-executeResult").all_inner_texts()
    stray = [t for t in results if t.strip() in ("True", "False")]
    assert not stray, f"cells print a bare True/False after their message: {len(stray)}"


def _keyboard_step(page, lab, panel, figure):
    slider = panel.locator(".widget-hslider").filter(has=page.locator(".widget-label", has_text=SIGMA_LABEL))
    handle, readout = slider.locator(".noUi-handle").first, slider.locator(".widget-readout").first
    before_src, before_value = figure.get_attribute("src"), readout.inner_text().strip()
    handle.scroll_into_view_if_needed()
    handle.focus()
    page.keyboard.press("ArrowRight")
    wait(lambda: figure.get_attribute("src") != before_src, REDRAW_S,
         "the explorer's figure to change after moving the σ slider")
    after_value = readout.inner_text().strip()
    assert float(after_value) > float(before_value), (before_value, after_value)
    wait(lab.kernels_idle, 180, "the kernel to finish the redraw")
    return f"{before_value} -> {after_value}"


def _drag_sigma(page, lab, panel, figure):
    """Drag the σ handle across most of its track; count the images drawn while dragging."""
    page.evaluate("""(img) => { img.__loads = []; img.addEventListener('load',
        () => img.__loads.push(performance.now())); }""", figure.element_handle())
    slider = panel.locator(".widget-hslider").filter(has=page.locator(".widget-label", has_text=SIGMA_LABEL))
    track = slider.locator(".noUi-target").first
    track.scroll_into_view_if_needed()
    box, handle = track.bounding_box(), slider.locator(".noUi-handle").first.bounding_box()
    y, x0 = box["y"] + box["height"] / 2, handle["x"] + handle["width"] / 2
    page.mouse.move(x0, y)
    page.mouse.down()
    t_down = page.evaluate("() => performance.now()")
    for i in range(1, 31):
        page.mouse.move(x0 + (box["x"] + 0.95 * box["width"] - x0) * i / 30, y)
        time.sleep(0.05)
    t_up = page.evaluate("() => performance.now()")
    page.mouse.up()
    wait(lab.kernels_idle, 180, "the kernel to finish after the drag")
    during = page.evaluate("(a) => a[0].__loads.filter(t => t > a[1] && t < a[2]).length",
                           [figure.element_handle(), t_down, t_up])
    assert during >= 2, f"the figure changed {during} times during a 1.5 s drag (continuous_update)"
    return during


def _assert_controls_have_names(page, panel):
    """Every slider handle and every select of the panel has an accessible name."""
    nameless = page.evaluate("""(cell) => {
        const out = [];
        for (const e of cell.querySelectorAll('[role=slider], select, input, button')) {
            const label = e.getAttribute('aria-label') || (e.getAttribute('aria-labelledby') &&
                document.getElementById(e.getAttribute('aria-labelledby'))?.textContent) ||
                (e.id && document.querySelector(`label[for="${e.id}"]`)?.textContent) || e.textContent;
            if (!label || !label.trim()) out.push(e.outerHTML.slice(0, 120));
        }
        return out; }""", panel.element_handle())
    assert not nameless, f"controls without a name a screen reader can read: {nameless}"
