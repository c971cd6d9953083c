"""Report the weight of every page of the built book, as a reader's browser loads it.

    .venv/bin/python site/page_weight.py [_build/html]

Serves the built site on 127.0.0.1, opens each page of ``_toc.yml`` in headless Chromium
(Debian's, via Playwright) and prints, per page, the HTML size (saved figures and
precomputed slider frames live in it) and the total bytes of everything the page loaded
(scripts, styles, fonts, images), also after gzip, as web servers send it. Shared files are counted on every page that loads them,
as a first visit would; a browser cache makes later pages cheaper.
"""
from __future__ import annotations

import functools
import gzip
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


@functools.lru_cache(maxsize=None)
def _gzipped(html_dir: Path, url_path: str) -> int:
    """Bytes of a served file after gzip, as GitHub Pages and most servers send it."""
    file = html_dir / url_path.split("?")[0].lstrip("/")
    return len(gzip.compress(file.read_bytes(), 6)) if file.is_file() else 0


def measure(html_dir: Path) -> list[tuple[str, int, int, int, int]]:
    """``[(page, html_bytes, loaded_bytes, loaded_gzipped_bytes, requests), ...]`` per page."""
    from playwright.sync_api import sync_playwright

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(_Quiet, directory=str(html_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    rows, biggest = [], {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for path in PAGES:
                page = browser.new_page()
                sizes = {}   # url -> bytes, from the server's Content-Length (no body reads)
                page.on("response", lambda r: sizes.__setitem__(
                    r.url, int(r.headers.get("content-length", 0))) if r.ok else None)
                page.goto(f"{base}/{path}", wait_until="networkidle")
                page.close()
                zipped = sum(_gzipped(html_dir, url.split(base, 1)[-1]) for url in sizes)
                rows.append((path, (html_dir / path).stat().st_size, sum(sizes.values()), zipped,
                             len(sizes)))
                biggest.update(sizes)
            browser.close()
    finally:
        httpd.shutdown()
    measure.biggest = sorted(((n, u.split(base)[-1]) for u, n in biggest.items()), reverse=True)[:8]
    return rows


def main(argv: list[str]) -> None:
    html_dir = Path(argv[0] if argv else REPO / "_build" / "html").resolve()
    if not (html_dir / "index.html").exists():
        raise SystemExit(f"no built site in {html_dir}: run `make book` first")
    rows = measure(html_dir)
    print(f"{'page':42} {'HTML':>9} {'loaded':>9} {'gzipped':>9} {'requests':>9}")
    for path, html, loaded, zipped, n in rows:
        print(f"{path:42} {html / 1e6:8.2f}M {loaded / 1e6:8.2f}M {zipped / 1e6:8.2f}M {n:9d}")
    print(f"{'largest':42} " + " ".join(f"{max(r[i] for r in rows) / 1e6:8.2f}M" for i in (1, 2, 3)))
    print("\nlargest single files:")
    for n, url in measure.biggest:
        print(f"  {n / 1e6:6.2f}M  {url}")


if __name__ == "__main__":
    main(sys.argv[1:])
