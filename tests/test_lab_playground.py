"""The playground in a real JupyterLab: a click on the plot adds a point and retrains.

Uses the JupyterLab server and Chromium of ``test_lab.py`` (same fixtures, same bounded
waits): opens ``appendix_playground.md`` as a notebook, runs every cell, clicks inside the
decision-region plot and waits for the figure and the share code to change. The click goes
through ipyevents in the browser, so this checks the whole path: the widget's JavaScript,
the comm message, the Python handler and the redraw.
"""
from __future__ import annotations

import re

import pytest
from lab_session import code_cell_count, run_all, wait
from test_lab import BOOK, REDRAW_S, UI_S, _assert_no_error_output, lab  # noqa: F401

PAGE = "appendix_playground.md"


def _open_and_run(page, lab, name):
    """Open ``name`` with *Open With → Notebook* (a second way in besides a double click) and
    run every cell."""
    page.goto(lab.url("/lab"), wait_until="domcontentloaded")
    item = page.locator(f'.jp-DirListing-item[title*="{name}"]').first
    item.wait_for(state="visible")
    item.click(button="right")
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Open With\s*$")).click()
    page.locator('.lm-Menu-item[data-command="filebrowser:open"]').filter(
        has_text=re.compile(r"^\s*Notebook\s*$")).click()
    notebook = page.locator(".jp-NotebookPanel").first
    notebook.wait_for(state="visible")
    run_all(page, lab, notebook, code_cell_count(lab, name))
    return notebook


def test_a_click_on_the_playground_adds_a_point_and_retrains(browser, lab, tmp_path):
    page_file = lab.book / PAGE
    original = (BOOK / PAGE).read_bytes()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(UI_S * 1000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        notebook = _open_and_run(page, lab, PAGE)
        _assert_no_error_output(notebook, tmp_path, page)
        image = notebook.locator("img.widget-image").first
        image.wait_for(state="visible")
        code = notebook.locator(".widget-text").filter(
            has=page.locator(".widget-label", has_text="share code")).locator("input").first
        before_src, before_code = image.get_attribute("src"), code.input_value()
        box = image.bounding_box()
        image.scroll_into_view_if_needed()
        # a point inside the decision-region axes (left 7 %-41 % of the figure, middle height)
        image.click(position={"x": box["width"] * 0.30, "y": box["height"] * 0.35})
        wait(lambda: image.get_attribute("src") != before_src, REDRAW_S, "the figure to change")
        wait(lambda: code.input_value() != before_code, REDRAW_S, "the share code to change")
        wait(lab.kernels_idle, 180, "the kernel to finish training")
        page.screenshot(path=str(tmp_path / "after-click.png"), full_page=False)
        _assert_no_error_output(notebook, tmp_path, page)
        assert len(code.input_value()) > len(before_code)        # the added point is in the code
        assert not errors, errors
    finally:
        page.close()
        lab.end_sessions()
        if page_file.read_bytes() != original:
            pytest.fail("JupyterLab rewrote the page during the test (autosave on): run "
                        "`make canonical` and check book/jupytext.toml")
