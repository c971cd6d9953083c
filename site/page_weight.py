"""Report the weight of every page of the built book, as a reader's browser loads it.

    .venv/bin/python site/page_weight.py [_build/html]

Serves the built site on 127.0.0.1, opens each page of ``_toc.yml`` in headless Chromium
(Debian's, via Playwright) and prints, per page, the HTML size (saved figures and
precomputed slider frames live in it) and the total bytes of everything the page loaded
(scripts, styles, fonts, images). Shared files are counted on every page that loads them,
as a first visit would; a browser cache makes later pages cheaper.
"""
from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from site_fixtures import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one Chromium setup)
from test_site import PAGES  # noqa: E402  (the pages of _toc.yml, in reading order)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def measure(html_dir: Path) -> list[tuple[str, int, int, int]]:
    """``[(page, html_bytes, loaded_bytes, requests), ...]`` for every page."""
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in PAGES:
                page = browser.new_page()
                sizes = []
                page.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
                page.goto(f"{base}/{path}", wait_until="networkidle")
                page.close()
                rows.append((path, (html_dir / path).stat().st_size, sum(sizes), len(sizes)))
            browser.close()
    finally:
        httpd.shutdown()
    return rows


def main(argv: list[str]) -> None:
    html_dir = Path(argv[0] if argv else REPO / "_build" / "html").resolve()
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"no built site in {html_dir}: run `make book` first")
    rows = measure(html_dir)
    print(f"{'page':42} {'HTML':>9} {'loaded':>9} {'requests':>9}")
    for path, html, loaded, n in rows:
        print(f"{path:42} {html / 1e6:8.2f}M {loaded / 1e6:8.2f}M {n:9d}")
    print(f"{'largest':42} {max(r[1] for r in rows) / 1e6:8.2f}M {max(r[2] for r in rows) / 1e6:8.2f}M")


if __name__ == "__main__":
    main(sys.argv[1:])
