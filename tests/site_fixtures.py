"""Fixtures shared by the site tests: one book build per test session, served on loopback,
and one headless Chromium (Debian's, driven by Playwright).

Registered for every test module by ``tests/conftest.py``. Missing Chromium / Playwright /
vendored JavaScript skip the site tests locally and fail them when ``CI=true``.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
BUILD_TIMEOUT_S = 1800
LOCAL_HOST = "127.0.0.1"


def _unavailable(reason: str):
    """Skip locally; in CI a missing prerequisite is a failure, not a silent skip."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"site test prerequisites missing in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _jupyter_book_cmd() -> list[str]:
    script = Path(sys.executable).with_name("jupyter-book")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from jupyter_book.cli.main import main; sys.exit(main())"]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """Build the book once, from scratch, into a temporary folder; return its html dir."""
    if not (REPO / "_vendor" / ".stamp").exists():
        _unavailable("vendored JavaScript missing: run `make vendor` (bash site/vendor.sh)")
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ)
    # The root conftest sets MPLBACKEND=Agg for nbval; inherited by the build's kernels it
    # would stop matplotlib_inline from capturing figures, so let ipykernel choose.
    env.pop("MPLBACKEND", None)
    cmd = _jupyter_book_cmd() + [
        "build", "-W", "-n", "--keep-going", "--path-output", str(out), str(REPO),
    ]
    start = time.monotonic()
    # as `make book`: the chapters executed into the build's cache on both cores first
    ahead = subprocess.run([sys.executable, str(REPO / "site" / "execute_parallel.py"), str(out / "_build")],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
    )
    (out / "build.log").write_text(ahead.stdout + ahead.stderr + "\n" + proc.stdout + proc.stderr)
    elapsed = time.monotonic() - start
    html = out / "_build" / "html"
    if proc.returncode != 0 or not (html / "index.html").exists():
        log = (proc.stdout + "\n" + proc.stderr)[-6000:]
        pytest.fail(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}) after {elapsed:.0f} s:\n{log}",
            pytrace=False,
        )
    print(f"\nbook built in {elapsed:.1f} s into {html}")
    return html


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass


@pytest.fixture(scope="session")
def server(built_site):
    """Serve the built html on 127.0.0.1, a free port, from a background thread."""
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{LOCAL_HOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
