"""The built site with a screen reader and on a phone (issue 14, items 6 and 7).

* axe-core (the npm package pinned in ``site/package.json``, injected into each page by
  ``site/axe_report.py``) finds no serious or critical violation on any page, in the light
  and in the dark theme;
* the site's details: ``/favicon.ico`` exists, no page logs Ajv's "strict mode" message,
  search results start with the page's text, widget controls are dark in the dark theme;
* at 390 × 844 (a phone) no page is wider than the screen: precomputed frames keep their
  size and scroll sideways inside their box, and their controls wrap.

Uses the session's site build and Chromium (``tests/site_fixtures.py``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "site"))
import axe_report  # noqa: E402

WIDGET_PAGES = ["book/07_backprop_by_hand.html", "book/10_initialisation.html", "book/12_regularisation.html"]


@pytest.fixture(scope="module")
def axe_results(built_site, browser):
    if not axe_report.AXE.exists():
        pytest.fail("axe-core is missing: run `make vendor` (it installs site/package.json)", pytrace=False)
    return axe_report.run(built_site, browser)


def test_no_serious_or_critical_violation_on_any_page(axe_results):
    bad = {f"{page} ({mode})": [f"{v['id']} ({v['impact']}): {v['nodes'][0]}" for v in violations
                                if v["impact"] in ("serious", "critical")]
           for (page, mode), violations in axe_results.items()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, "axe-core violations:\n" + "\n".join(f"{k}: {v}" for k, v in list(bad.items())[:20])


def test_every_page_was_audited(axe_results, built_site):
    pages = {page for page, _ in axe_results}
    assert "index.html" in pages and all(p in pages for p in WIDGET_PAGES)
    assert len(axe_results) == 2 * len(axe_report.pages(built_site))


def _open(browser, server, path, **kwargs):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **kwargs})
    page = context.new_page()
    messages = []
    page.on("console", lambda msg: messages.append(msg.text))
    page.goto(f"{server}/{path}", wait_until="networkidle", timeout=60_000)
    page.evaluate(axe_report.SETTLE_JS)
    return context, page, messages


def test_site_details(browser, server):
    context, page, messages = _open(browser, server, "book/12_regularisation.html")
    try:
        assert page.request.get(f"{server}/favicon.ico").status == 200
        assert not [m for m in messages if "allowUnionTypes" in m], messages
        # the names are set on the next animation frame after the widgets render
        try:
            page.wait_for_function("() => { const h = document.querySelectorAll('[role=slider]');"
                                   " return h.length && Array.from(h).every(e => e.getAttribute('aria-label')); }",
                                   timeout=20_000)
        except Exception:       # noqa: BLE001 - the assertion below says what is missing
            pass
        names = page.evaluate("() => Array.from(document.querySelectorAll('[role=slider]'))"
                              ".map(h => h.getAttribute('aria-label'))")
        assert names and all(names), f"slider handles without a name: {names}"
    finally:
        context.close()
    context, page, _ = _open(browser, server, "search.html?q=patience")
    try:
        page.wait_for_selector("#search-results li", timeout=30_000)
        excerpt = page.locator("#search-results li p.context").first.inner_text()
        assert not excerpt.lstrip().startswith(("Binder", "Colab", "JupyterHub", ".ipynb", ".md")), excerpt
    finally:
        context.close()


def test_widget_controls_are_dark_in_the_dark_theme(browser, server):
    context, page, _ = _open(browser, server, WIDGET_PAGES[0], color_scheme="dark")
    try:
        page.evaluate("() => document.documentElement.setAttribute('data-theme', 'dark')")
        rgb = page.evaluate("""() => getComputedStyle(document.querySelector('.widget-dropdown select, .widget-readout'))
                               .backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)""")
        assert sum(rgb) / 3 < 100, f"a widget control stays light in the dark theme: rgb{tuple(rgb)}"
    finally:
        context.close()


@pytest.mark.parametrize("path", WIDGET_PAGES)
def test_pages_fit_a_phone(browser, server, path):
    context, page, _ = _open(browser, server, path, viewport={"width": 390, "height": 844})
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 391, f"{path} is {width} px wide on a 390 px screen"
        outside = page.evaluate("""() => Array.from(document.querySelectorAll('.widget-dropdown, .widget-slider'))
            .filter(e => e.offsetParent !== null)
            .map(e => e.getBoundingClientRect()).filter(r => r.right > 392).length""")
        assert outside == 0, f"{outside} controls reach past the right edge of a 390 px screen"
        frames = page.locator(".dlcore-frame img")
        assert frames.count() > 0
        natural = page.evaluate("() => Array.from(document.querySelectorAll('.dlcore-frame img'))"
                                ".every(i => !i.complete || i.width === i.naturalWidth)")
        assert natural, "a frame is shrunk below its natural size (its text would be smaller than 9 px)"
    finally:
        context.close()
