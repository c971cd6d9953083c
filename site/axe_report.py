"""Run axe-core (from the npm registry, ``site/node_modules/axe-core``) on every page of a built
book in headless Chromium and count the violations by rule and impact.

    python site/axe_report.py [_build/html] [--json out.json]

Every page of ``_toc.yml`` (and the root redirect page) is loaded from a local server with
the light and the dark theme, axe's ``axe.run`` is called once the page has settled (MathJax
typeset, widgets rendered), and each violation is counted once per offending element.
``tests/test_site_a11y.py`` asserts on the same counts; the instructor's guide explains
how to read them.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import sys
import threading
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "site"))
from toc import documents  # noqa: E402

AXE = REPO / "site" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SETTLE_JS = """async () => {
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) {
    await Promise.race([mj.startup.promise, new Promise(r => setTimeout(r, 15000))]);
  }
  await new Promise(r => setTimeout(r, 500));
}"""
RUN_JS = """async () => {
  const r = await axe.run(document, {resultTypes: ["violations"]});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                 nodes: v.nodes.map(n => n.html.slice(0, 160))}));
}"""


def pages(html: Path | None = None) -> list[str]:
    """The root redirect page, then every document of _toc.yml in reading order, as html paths
    ("book/00_x.html"). ``html`` (the built site) is not needed: the paths come from the toc."""
    return ["index.html"] + [re.sub(r"\.(md|ipynb)$", "", d) + ".html" for d in documents()]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(html: Path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def audit(browser, base: str, path: str, modes=("light", "dark")) -> dict[str, list[dict]]:
    """axe's violations on one page in each colour mode: {mode: violations}.

    The page is loaded once; for the next mode the browser's colour scheme is switched and the
    theme (which follows it: ``html_theme_options.default_mode`` is auto) restyles the page in
    place, which saves a load and MathJax's typesetting per mode."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=modes[0])
    page = context.new_page()
    found = {}
    try:
        page.goto(f"{base}/{path}", wait_until="networkidle", timeout=60_000)
        page.add_script_tag(content=AXE.read_text())
        for mode in modes:
            page.emulate_media(color_scheme=mode)
            page.wait_for_function(f"document.documentElement.dataset.theme === '{mode}'", timeout=15_000)
            page.evaluate(SETTLE_JS)
            found[mode] = page.evaluate(RUN_JS)
        return found
    finally:
        context.close()


def run(html: Path, browser, modes=("light", "dark")) -> dict:
    """{(page, mode): violations}; needs ``make vendor`` (axe-core in site/node_modules)."""
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run `make vendor` (npm ci in site/)")
    httpd, base = serve(html)
    try:
        return {(p, m): v for p in pages(html) for m, v in audit(browser, base, p, modes).items()}
    finally:
        httpd.shutdown()


def counts(results: dict) -> Counter:
    """Offending elements per (rule, impact) over every page and mode."""
    c = Counter()
    for violations in results.values():
        for v in violations:
            c[v["id"], v["impact"]] += len(v["nodes"])
    return c


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html", nargs="?", type=Path, default=REPO / "_build" / "html")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        results = run(args.html, browser)
        browser.close()
    for (rule, impact), n in sorted(counts(results).items(), key=lambda kv: -kv[1]):
        print(f"{n:5d}  {impact:<9} {rule}")
    serious = sum(n for (_, impact), n in counts(results).items() if impact in ("serious", "critical"))
    print(f"{serious} serious or critical over {len(results)} page views")
    if args.json:
        args.json.write_text(json.dumps({f"{p} ({m})": v for (p, m), v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
