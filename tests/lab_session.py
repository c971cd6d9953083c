"""A JupyterLab server and a Chromium page that opens and runs chapters, for tests and benchmarks.

``lab_server(...)`` starts ``jupyter lab`` on 127.0.0.1 (free port, random token) serving a
folder with the settings ``make lab`` installs (``site/lab/``: the application's overrides
and the default workspace) and throw-away user settings, workspaces and checkpoints;
``open_chapter`` opens a chapter the way a student does (double click in the file
browser) and ``run_all`` runs every cell. Every wait is bounded; the server, its kernels
and its process group are always shut down.

Used by ``tests/test_lab.py`` and ``benchmarks/panel_latency.py`` (which adds this folder
to ``sys.path``).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
SERVER_START_S = 120
SHUTDOWN_S = 20
START_S = 60        # Run All Cells must start some cell within this


class Lab:
    """A running JupyterLab server: ``url(path)`` builds authenticated URLs, ``api`` calls REST."""

    def __init__(self, proc, port, token, runtime_dir, log_path, root):
        self.proc, self.port, self.token = proc, port, token
        self.runtime_dir, self.log_path, self.root = runtime_dir, log_path, Path(root)
        self.base = f"http://127.0.0.1:{port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"

    def api(self, path: str, method: str = "GET", body=None, timeout: float = 10.0):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), method=method, data=data,
                                     headers={"Content-Type": "application/json"} if data else {})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            out = r.read()
        return json.loads(out) if out else None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kernels_idle(self) -> bool:
        """True when the server has a kernel and every kernel is idle (a failed request,
        e.g. a 500 while a kernel is being registered, counts as "not yet")."""
        try:
            kernels = self.api("/api/kernels")
        except (OSError, urllib.error.URLError, ValueError):
            return False
        return bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)

    def kernel_states(self) -> dict:
        """{notebook path: its kernel's execution state} for every session, for messages."""
        try:
            return {x["path"]: (x.get("kernel") or {}).get("execution_state") for x in self.api("/api/sessions")}
        except (OSError, urllib.error.URLError, ValueError) as exc:
            return {"error": str(exc)}

    def notebook_state(self, name: str):
        """The execution state of the kernel of the notebook named ``name`` (None: no session yet)."""
        states = self.kernel_states()
        return next((v for k, v in states.items() if Path(k).name == name), None)

    def end_sessions(self):
        """Shut down every notebook's kernel (a test's kernel, and the background process
        its panels started, would otherwise go on working beside the next test)."""
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            for session in self.api("/api/sessions") or []:
                self.api(f"/api/sessions/{session['id']}", method="DELETE", timeout=30)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(condition, timeout_s, what, poll_s=0.25):
    """Poll ``condition()`` until it is truthy; raise AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(poll_s)


def _kernel_pids(runtime_dir: Path) -> list[int]:
    """Processes whose command line names a connection file in our runtime folder: the
    kernels this server started (they run in their own sessions, outside its group)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(runtime_dir) in cmdline:
            pids.append(int(entry.name))
    return pids


def _shutdown(lab: Lab):
    """Stop the kernels and the server politely, then by signal; never leave a process."""
    try:
        for kernel in lab.api("/api/kernels", timeout=5) or []:
            with contextlib.suppress(OSError, urllib.error.URLError):
                lab.api(f"/api/kernels/{kernel['id']}", method="DELETE", timeout=15)
        lab.api("/api/shutdown", method="POST", timeout=5)
    except (OSError, urllib.error.URLError, ValueError):
        pass
    try:
        lab.proc.wait(timeout=SHUTDOWN_S)
    except subprocess.TimeoutExpired:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(lab.proc.pid, sig)       # the server's own process group
            except ProcessLookupError:
                break
            try:
                lab.proc.wait(timeout=SHUTDOWN_S)
                break
            except subprocess.TimeoutExpired:
                continue
    for pid in _kernel_pids(lab.runtime_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def write_settings(folder: Path, settings: dict):
    """``{"@jupyterlab/x-extension:plugin": {...}}`` as JupyterLab user-settings files."""
    for key, values in settings.items():
        package, plugin = key.rsplit(":", 1)
        path = folder / package / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextlib.contextmanager
def lab_server(root: Path, tmp: Path, user_settings=None, env=None):
    """JupyterLab serving ``root`` with ``make lab``'s overrides; yields a ``Lab``."""
    tmp.mkdir(parents=True, exist_ok=True)
    app_settings = tmp / "app-settings"
    app_settings.mkdir(exist_ok=True)
    (app_settings / "overrides.json").write_bytes((REPO / "site" / "lab" / "overrides.json").read_bytes())
    workspace = REPO / "site" / "lab" / "default-37a8.jupyterlab-workspace"
    (tmp / "workspaces").mkdir(exist_ok=True)
    (tmp / "workspaces" / workspace.name).write_bytes(workspace.read_bytes())
    write_settings(tmp / "user-settings", user_settings or {})
    runtime_dir = tmp / "runtime"
    port, token = free_port(), secrets.token_hex(24)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
           f"--LabApp.app_settings_dir={app_settings}",
           f"--LabApp.user_settings_dir={tmp / 'user-settings'}",
           f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
           # checkpoints go to the temporary folder, not to <root>/.ipynb_checkpoints
           f"--FileCheckpoints.checkpoint_dir={tmp / 'checkpoints'}"]
    full_env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime_dir), **(env or {}))
    full_env.pop("MPLBACKEND", None)       # let the kernel's inline backend capture figures
    log_path = tmp / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(proc, port, token, runtime_dir, log_path, root)
    try:
        def up():
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {proc.returncode}:\n{lab.log()}")
            try:
                return lab.api("/api/status", timeout=2) is not None
            except (OSError, urllib.error.URLError, ValueError):
                return False
        wait(up, SERVER_START_S, f"JupyterLab to answer:\n{lab.log()}", poll_s=0.5)
        yield lab
    finally:
        _shutdown(lab)


def launch_chromium(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)


def open_chapter(page, lab: Lab, name: str, timeout_s=120):
    """Open ``name`` from the file browser with a double click; returns the notebook panel."""
    page.goto(lab.url("/lab"), wait_until="domcontentloaded")
    item = page.locator(f'.jp-DirListing-item[title*="{name}"]').first
    item.wait_for(state="visible", timeout=timeout_s * 1000)
    item.dblclick()
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=name).first
    tab.wait_for(state="visible", timeout=timeout_s * 1000)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").first
    notebook.wait_for(state="visible", timeout=timeout_s * 1000)
    return notebook


def run_all(page, lab: Lab, notebook, n_code: int, timeout_s=600):
    """Wait for the notebook's own kernel to be idle, run *Run → Run All Cells*, wait until
    every code cell has an execution count and that kernel is idle; returns the seconds it
    took. A Run All that started no cell within ``START_S`` (clicked before the page had a
    kernel session: JupyterLab then runs nothing) is clicked again; on a time-out the message says
    what the page and the server showed."""
    code_cells = notebook.locator(".jp-CodeCell")
    wait(lambda: code_cells.count() == n_code, 120, f"{n_code} code cells in the page")
    name = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel") \
        .first.inner_text().strip()
    # this notebook's kernel: another notebook's idle kernel let Run All be clicked while
    # this one was still starting, and no cell ran (seen once in CI, under load)
    wait(lambda: lab.notebook_state(name) == "idle", 180, f"{name}'s kernel to be idle")
    prompts = notebook.locator(".jp-CodeCell .jp-InputPrompt")
    counted = re.compile(r"^\[\d+\]:$")

    def texts():
        return [t.strip() for t in prompts.all_inner_texts()]

    def finished():
        t = texts()
        return len(t) == n_code and all(counted.match(x) for x in t) and lab.notebook_state(name) == "idle"

    started = time.monotonic()
    for attempt in range(3):
        notebook.locator(".jp-CodeCell .jp-InputPrompt").first.click()   # the notebook is active
        page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^\s*Run\s*$")).click()
        page.locator(".lm-Menu-item").filter(has_text=re.compile(r"^\s*Run All Cells")).click()
        with contextlib.suppress(AssertionError):
            wait(lambda: any(x not in ("[ ]:", "") for x in texts()), START_S, "a cell to start")
            break
    try:
        wait(finished, timeout_s, "every cell to run (Run All Cells)", poll_s=0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc} in {name} after {attempt + 1} click(s) of Run All\n"
                             f"prompts: {texts()}\nkernels: {lab.kernel_states()}\n"
                             f"dialogs: {page.locator('.jp-Dialog').all_inner_texts()}\n"
                             f"JupyterLab log:\n{lab.log()[-1500:]}") from None
    return time.monotonic() - started


def code_cell_count(lab: Lab, name: str) -> int:
    model = lab.api(f"/api/contents/{name}?type=notebook&content=1", timeout=60)
    return sum(c["cell_type"] == "code" for c in model["content"]["cells"])
