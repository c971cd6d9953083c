"""The built static site, loaded page by page in headless Chromium.

One fresh build per session (``jupyter-book build -W -n --keep-going`` into a temporary
folder, executing every notebook), served from 127.0.0.1; then, for every page listed in
``_toc.yml``, Debian's Chromium (driven by Playwright) must see:

* no page errors, no console errors;
* no failed request, no HTTP status >= 400, no request to any host but 127.0.0.1
  (the site must work offline: MathJax and the widget manager are vendored);
* typeset maths: ``mjx-container`` elements where the page has maths, and no raw TeX
  (``$$``, ``\\(``, ``\\begin{`` ...) left in the visible prose;
* every ``<img>`` loaded (``naturalWidth > 0``);
* on pages with saved ipywidgets state, rendered widgets.

Missing Chromium / Playwright / vendored JavaScript skip these tests locally and fail
them when ``CI=true``.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from site_fixtures import LOCAL_HOST, REPO

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_SELECTOR = ".jupyter-widgets, .widget-slider, .widget-output"
# TeX that must not survive typesetting in the prose (code blocks are ignored).
RAW_TEX = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\frac\b|\\sum\b|\\partial\b")


def _toc_pages() -> list[str]:
    """Every document of _toc.yml, in reading order, as an html path ("book/00_x.html")."""
    sys.path.insert(0, str(REPO / "site"))
    import axe_report              # the one reader of _toc.yml for the site's tests

    return axe_report.pages(REPO)[1:]         # without the root redirect page


PAGES = _toc_pages()


# --------------------------------------------------------------------------- helpers

# Text of the article outside code, scripts and typeset maths.
_PROSE_TEXT_JS = """
() => {
  const root = document.querySelector("main") || document.body;
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .output";
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement && !n.parentElement.closest(skip)) parts.push(n.nodeValue);
  }
  return parts.join(" ");
}
"""

_MATH_STATE_JS = """
async () => {
  const mj = window.MathJax;
  // startup.promise resolves after MathJax's initial typesetting of the page
  if (mj && mj.startup && mj.startup.promise) {
    await Promise.race([mj.startup.promise, new Promise(r => setTimeout(r, 20000))]);
  }
  const maths = Array.from(document.querySelectorAll(".math"));
  return {
    loaded: !!(mj && mj.version),
    maths: maths.length,
    untypeset: maths.filter(m => !m.querySelector("mjx-container"))
                    .map(m => m.textContent.trim().slice(0, 80)),
    containers: document.querySelectorAll("mjx-container").length,
  };
}
"""

_WIDGET_LABELS_RAW_JS = """
() => Array.from(document.querySelectorAll(".widget-label"))
  .filter(l => /\\$[^$]+\\$/.test(l.textContent) && !l.querySelector("mjx-container"))
  .map(l => l.textContent)
"""
_WIDGET_LABELS_TYPESET_JS = f"() => ({_WIDGET_LABELS_RAW_JS.strip()})().length === 0"

_IMAGES_JS = """
async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = "eager"; }
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  return imgs.filter(img => !(img.complete && img.naturalWidth > 0))
             .map(img => img.currentSrc || img.src || img.outerHTML.slice(0, 120));
}
"""


def _check_page(browser, base_url: str, path: str, shots: Path) -> list[str]:
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about", "chrome-extension"):
            return
        if parts.hostname != LOCAL_HOST:
            problems.append(f"request to a non-local host: {request.url}")

    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(f"console error: {msg.text} @ {msg.location}")
        if msg.type == "error" else None,
    )
    page.on("request", on_request)
    page.on(
        "requestfailed",
        lambda req: problems.append(f"request failed: {req.url} ({req.failure})"),
    )
    page.on(
        "response",
        lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None,
    )
    try:
        response = page.goto(f"{base_url}/{path}", wait_until="networkidle", timeout=60_000)
        if response is None or not response.ok:
            problems.append(f"could not load {path}: {response and response.status}")

        # Saved widget state -> the html-manager must have rendered widgets.
        if page.locator(f'script[type="{WIDGET_STATE}"]').count():
            try:
                page.wait_for_selector(WIDGET_SELECTOR, state="attached", timeout=20_000)
            except Exception:
                problems.append("page has saved widget state but no widget was rendered")
            page.wait_for_load_state("networkidle")
            # Descriptions such as r"$\eta$" are typeset through the MathJax-2 API shim.
            try:
                page.wait_for_function(_WIDGET_LABELS_TYPESET_JS, timeout=10_000)
            except Exception:
                untypeset = page.evaluate(_WIDGET_LABELS_RAW_JS)
                problems.append(f"widget labels with untypeset maths: {untypeset}")

        maths = page.evaluate(_MATH_STATE_JS)
        if maths["maths"]:
            if not maths["loaded"]:
                problems.append(f"{maths['maths']} maths elements but MathJax did not load")
            if maths["containers"] == 0:
                problems.append("page has maths but no mjx-container was rendered")
            for tex in maths["untypeset"]:
                problems.append(f"maths not typeset: {tex!r}")
        prose = page.evaluate(_PROSE_TEXT_JS)
        for match in sorted({m.group(0) for m in RAW_TEX.finditer(prose)}):
            at = prose.find(match)
            problems.append(f"raw TeX {match!r} in the text: ...{prose[max(0, at - 60):at + 60]!r}...")

        for src in page.evaluate(_IMAGES_JS):
            problems.append(f"image not loaded: {src}")

        page.wait_for_timeout(300)  # let late console errors (e.g. async typesetting) arrive
        if problems:
            shot = shots / (path.replace("/", "__") + ".png")
            page.screenshot(path=str(shot), full_page=True)
            problems.append(f"(screenshot: {shot})")
    finally:
        context.close()
    return problems


# --------------------------------------------------------------------------- tests


def test_the_chapters_were_executed_on_both_cores_before_the_build(built_site):
    """site/execute_parallel.py filled the execution cache under the keys myst-nb looks up:
    the build itself found every chapter cached and executed none."""
    log = (built_site.parents[1] / "build.log").read_text()
    executed = re.findall(r"execute_parallel: (\S+\.md) in", log)
    cached = re.findall(r"(\S+\.md): Using cached notebook", log)
    assert len(executed) >= 17, log[-3000:]
    assert sorted(Path(c).name for c in cached) == sorted(executed)
    assert "Executed notebook" not in log.split("Running Jupyter-Book", 1)[1]


def test_toc_lists_pages():
    assert PAGES, "_toc.yml lists no pages"
    assert len(PAGES) == len(set(PAGES)), f"duplicate pages in _toc.yml: {PAGES}"


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_offline(browser, built_site, server, path, tmp_path):
    assert (built_site / path).exists(), f"{path} listed in _toc.yml was not built"
    problems = _check_page(browser, server, path, tmp_path)
    assert not problems, f"{path}:\n  " + "\n  ".join(problems)


def test_index_redirects_to_root_page(browser, built_site, server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server}/index.html", wait_until="networkidle")
        page.wait_for_url(f"{server}/{PAGES[0]}", timeout=10_000)
    finally:
        context.close()


def test_widget_pages_render_every_saved_view(browser, built_site, server):
    """Each saved widget view (one per interactive cell) is rendered, not just one."""
    widget_pages = [
        p for p in PAGES if WIDGET_STATE in (built_site / p).read_text(encoding="utf8")
    ]
    if not widget_pages:
        pytest.skip("no page carries saved widget state")
    problems = []
    for path in widget_pages:
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(f"{server}/{path}", wait_until="networkidle")
            page.wait_for_selector(WIDGET_SELECTOR, state="attached", timeout=20_000)
            views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
            rendered = page.evaluate(
                """() => Array.from(document.querySelectorAll(
                       'script[type="application/vnd.jupyter.widget-view+json"]'))
                     .filter(s => s.previousElementSibling &&
                                  s.previousElementSibling.querySelector('.jupyter-widgets'))
                     .length"""
            )
            if rendered < views:
                problems.append(f"{path}: {rendered} of {views} saved widget views rendered")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


def test_precomputed_slider_changes_the_figure_without_a_kernel(browser, built_site, server):
    """Chapter 07's panel on the static site: moving the learning-rate slider (no kernel,
    no network) shows a different precomputed figure; so does picking another activation."""
    path = "book/07_backprop_by_hand.html"
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server}/{path}", wait_until="networkidle")
        # html-manager draws a SelectionSlider as .widget-slider with a noUiSlider handle
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.wait_for(state="visible", timeout=30_000)

        def shown():  # the src of the frame currently visible
            return page.evaluate(
                """() => Array.from(document.querySelectorAll('.jupyter-widgets img'))
                       .filter(i => i.offsetParent !== null).map(i => i.src)""")

        first = shown()
        assert len(first) == 1, f"expected one visible frame, found {len(first)}"
        handle.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        second = shown()
        assert len(second) == 1 and second != first, "the slider did not change the figure"
        page.locator(".widget-dropdown select").first.select_option(index=2)
        page.wait_for_timeout(300)
        third = shown()
        assert len(third) == 1 and third not in (first, second), "the dropdown did not change the figure"
        assert not errors, errors
    finally:
        context.close()


def test_precomputed_dropout_slider_moves_on_the_static_site(browser, built_site, server):
    """Chapter 12's dropout panel on the static site: one step right on the dropout-rate
    slider (no kernel) swaps that panel's frame for the rate-0.3 one and leaves the early-
    stopping panel above it alone."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})   # closes its own context
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    visible_frames = """() => [...document.querySelectorAll('.jupyter-widgets img')]
                              .filter(i => i.offsetParent !== null).map(i => [i.alt, i.src])"""
    try:
        page.goto(f"{server}/book/12_regularisation.html", wait_until="networkidle")
        slider = page.locator(".widget-slider", has_text="dropout rate")
        slider.locator(".noUi-handle").first.wait_for(state="visible", timeout=30_000)
        before = page.evaluate(visible_frames)
        dropout = [alt for alt, _ in before if "dropout rate" in alt]
        assert len(dropout) == 1 and "dropout rate 0.2 " in dropout[0], before
        slider.locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(300)
        after = page.evaluate(visible_frames)
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert len(after) == len(before) and len(changed) == 1, "expected exactly one frame to change"
        (old, new), = changed
        assert "dropout rate 0.3 " in new[0] and new[1] != old[1], new[0]
        assert not errors, errors
    finally:
        page.close()
