"""A student without make: the README's commands, run as written, give a working JupyterLab.

The Linux form of the commands in the README's "Without make" section (the block after the
``student-commands:linux`` marker) runs in a copy of the repository's files: a fresh virtual
environment, ``pip install -e ".[lab,data]"`` (from the package index, with pip's cache),
the book's JupyterLab settings, then ``jupyter lab book``, started with the extra options a
test needs (no browser, loopback, a free port, a token) and a throw-away home folder. Through
the server's REST API the test then opens chapter 7 as a notebook (jupytext), checks the
installed settings and starts the chapter's kernel, which imports ``dlcore``.
"""
from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from lab_session import Lab, _shutdown, free_port, wait  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CHAPTER = "07_backprop_by_hand.md"


def readme_commands():
    """The commands of the README block after the ``student-commands:linux`` marker."""
    text = (REPO / "README.md").read_text(encoding="utf8")
    block = re.search(r"<!-- student-commands:linux.*?-->\s*```bash\n(.*?)```", text, re.S)
    assert block, "README.md: the 'student-commands:linux' block is missing"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_gives_the_four_commands_for_both_systems():
    commands = readme_commands()
    assert [c.split()[0] for c in commands] == ["python3", ".venv/bin/python", ".venv/bin/python",
                                                ".venv/bin/jupyter"]
    text = (REPO / "README.md").read_text(encoding="utf8")
    for windows in (r".venv\Scripts\python -m pip install -e", r"site\lab\install.py", r".venv\Scripts\jupyter lab book"):
        assert windows in text, windows


def _copy_repository(dest: Path):
    """The repository's tracked files as they are now (uncommitted edits included)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed to list the repository's files")
def test_the_linux_commands_install_a_lab_that_opens_a_chapter(tmp_path):
    repo = tmp_path / "book-repo"
    _copy_repository(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTHON", "VIRTUAL_ENV", "MPL"))}
    env.update(HOME=str(tmp_path / "home"), PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), DLCORE_BACKGROUND="0")
    *setup, start = readme_commands()
    for command in setup:
        done = subprocess.run(shlex.split(command), cwd=repo, env=env, capture_output=True, text=True, timeout=1500)
        if done.returncode != 0 and "pip install" in command and "Could not find a version" in done.stderr:
            pytest.skip("the package index is not reachable")
        assert done.returncode == 0, f"`{command}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    extra = ["--no-browser", "--allow-root", f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(shlex.split(start) + extra, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    lab = Lab(proc, port, token, tmp_path / "runtime", log, repo / "book")
    try:
        def up():
            assert proc.poll() is None, f"jupyter lab exited:\n{lab.log()}"
            try:
                return lab.api("/api/status", timeout=2) is not None
            except (OSError, urllib.error.URLError, ValueError):
                return False
        wait(up, 180, "the student's JupyterLab to answer", poll_s=0.5)
        _check_the_chapter_opens(lab)
    finally:
        _shutdown(lab)


def _check_the_chapter_opens(lab):
    model = lab.api(f"/api/contents/{CHAPTER}?type=notebook&content=1", timeout=60)
    assert model["type"] == "notebook", "jupytext does not serve the chapter as a notebook"
    cells = model["content"]["cells"]
    assert sum(c["cell_type"] == "code" for c in cells) >= 10
    # overrides.json changes the defaults in the schema the server sends (user settings: none)
    plugin = lab.api("/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = {**plugin["schema"]["properties"]["defaultViewers"].get("default", {}),
               **plugin["settings"].get("defaultViewers", {})}
    assert viewers.get("markdown") == "Jupytext Notebook", "site/lab/install.py's settings are not in effect"
    specs = lab.api("/api/kernelspecs")
    assert model["content"]["metadata"]["kernelspec"]["display_name"] == \
        specs["kernelspecs"][specs["default"]]["spec"]["display_name"], "Lab would rewrite the chapter's kernel name"
    session = lab.api("/api/sessions", method="POST", timeout=60,
                      body={"path": CHAPTER, "type": "notebook", "name": CHAPTER, "kernel": {"name": "python3"}})
    kernel = session["kernel"]["id"]
    # Ask the kernel itself (the server's execution_state can stay "starting" until a client
    # connects): it must start from the fresh venv and import the copy's dlcore.
    from jupyter_client import BlockingKernelClient

    connection = Path(lab.runtime_dir) / f"kernel-{kernel}.json"
    wait(connection.exists, 120, "the kernel's connection file")
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    printed = []
    try:
        client.wait_for_ready(timeout=300)      # a fresh venv's first start beside the suite: minutes
        reply = client.execute_interactive(
            "import dlcore, jupyterlab, sklearn; print(dlcore.__file__)", timeout=120,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")))
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok", reply["content"]
    assert str(Path(lab.root).parent) in "".join(printed), printed
    time.sleep(0.5)
