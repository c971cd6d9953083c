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
from test_lab import (  # noqa: F401
    BOOK,
    KERNEL_IDLE_S,
    REDRAW_S,
    RUN_ALL_S,
    UI_S,
    _assert_no_error_output,
    _kernels_idle,
    _wait,
    lab,
)

PAGE = "appendix_playground.md"


def _open_and_run(page, lab, name):
    model = lab.api(f"/api/contents/{name}?type=notebook&content=1", timeout=60)
    n_code = sum(c["cell_type"] == "code" for c in model["content"]["cells"])
    page.goto(lab.url("/lab"), wait_until="domcontentloaded")
    item = page.locator(f'.jp-DirListing-item[title*="{name}"]').first
    item.wait_for(state="visible")
    item.click(button="right")
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Open With\s*$")).click()
    page.locator('.lm-Menu-item[data-command="filebrowser:open"]').filter(
        has_text=re.compile(r"^\s*Notebook\s*$")).click()
    notebook = page.locator(".jp-NotebookPanel").first
    notebook.wait_for(state="visible")
    _wait(lambda: notebook.locator(".jp-CodeCell").count() == n_code, UI_S, "the code cells")
    _wait(lambda: _kernels_idle(lab), KERNEL_IDLE_S, "an idle kernel")
    notebook.locator(".jp-CodeCell .jp-InputPrompt").first.click()
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
    page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Run All Cells")).click()
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
    _wait(lambda: all(re.match(r"^\[\d+\]:$", t.strip()) for t in prompts.all_inner_texts())
          and _kernels_idle(lab), RUN_ALL_S, "every cell to run")
    return notebook


def test_a_click_on_the_playground_adds_a_point_and_retrains(browser, lab, tmp_path):
    page_file = BOOK / PAGE
    original = page_file.read_bytes()
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
        _wait(lambda: image.get_attribute("src") != before_src, REDRAW_S, "the figure to change")
        _wait(lambda: code.input_value() != before_code, REDRAW_S, "the share code to change")
        _wait(lambda: _kernels_idle(lab), KERNEL_IDLE_S, "the kernel to finish training")
        page.screenshot(path=str(tmp_path / "after-click.png"), full_page=False)
        _assert_no_error_output(notebook, tmp_path, page)
        assert len(code.input_value()) > len(before_code)        # the added point is in the code
        assert not errors, errors
    finally:
        page.close()
        if page_file.read_bytes() != original:
            page_file.write_bytes(original)
            pytest.fail("JupyterLab rewrote the page during the test (restored)")
