"""Launch buttons and downloadable notebooks (site/_ext/launch_notebooks.py, binder/).

What the built site does with them is checked in test_site_publish.py; these tests need
no build: the setup cell's logic, the Colab address, and the Binder environment.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml

REPO = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))


def _extension():
    spec = importlib.util.spec_from_file_location(
        "launch_notebooks", REPO / "site" / "_ext" / "launch_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ext = _extension()
URL, BRANCH = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
REF = "0123456789abcdef0123456789abcdef01234567"   # a commit the site could be built from
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf8"))["project"]["version"]


def test_repository_is_configured_once_and_used_by_the_launch_buttons():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", URL), URL
    assert CONFIG["launch_buttons"]["binderhub_url"].startswith("https://")
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert "jupyterhub_url" in CONFIG["launch_buttons"]
    assert CONFIG["sphinx"]["local_extensions"]["launch_notebooks"] == "site/_ext"
    # no other file hard-codes the repository address (the setup cell is generated from it)
    for path in ["README.md", "pyproject.toml", *map(str, (REPO / "book").glob("*.md"))]:
        assert URL not in (REPO / path).read_text(encoding="utf8"), f"{path} repeats {URL}"


def test_install_spec_points_at_the_configured_repository_and_commit():
    assert ext.install_spec(URL, REF) == f"dlcore[data] @ git+{URL}@{REF}"
    with pytest.raises(ValueError, match="repository.url"):
        ext.install_spec("", REF)
    with pytest.raises(ValueError, match="ref"):
        ext.install_spec(URL, "")


def test_build_ref_is_the_checked_out_commit_or_the_release_tag(tmp_path):
    """Downloaded chapters install the code the site was built from, never the moving branch."""
    head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert ext.build_ref(REPO) == head
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "dlcore"\nversion = "9.8.7"\n')
    assert ext.build_ref(tmp_path) == "v9.8.7"       # sources that are not a git checkout
    assert ext.package_version(REPO) == VERSION


def _run_setup_cell(monkeypatch, dlcore_importable: bool) -> list:
    calls = []
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: (real_find_spec(name, *a) if dlcore_importable or name != "dlcore"
                                          else None))
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    exec(ext.setup_cell(URL, REF, VERSION)["source"], {})
    return calls


def test_setup_cell_does_nothing_where_dlcore_is_installed(monkeypatch, capsys):
    assert _run_setup_cell(monkeypatch, dlcore_importable=True) == []
    assert capsys.readouterr().out == ""        # the same version: nothing to say


def test_setup_cell_names_a_different_installed_version(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append((a, k)))
    exec(ext.setup_cell(URL, REF, "0.0.1")["source"], {})
    assert calls == [] and "built with dlcore 0.0.1" in capsys.readouterr().out


def test_setup_cell_installs_the_project_where_dlcore_is_missing(monkeypatch):
    calls = _run_setup_cell(monkeypatch, dlcore_importable=False)
    assert len(calls) == 1
    (argv,), kwargs = calls[0]
    assert argv[:4] == [sys.executable, "-m", "pip", "install"]
    assert argv[-1] == ext.install_spec(URL, REF)
    assert kwargs == {"check": True}


def test_add_setup_cell_is_idempotent_and_keeps_a_valid_notebook(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
                                         nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "ch.ipynb"
    nbformat.write(nb, path)
    ext.add_setup_cell(path, URL, REF, VERSION)
    ext.add_setup_cell(path, URL, REF, VERSION)
    out = nbformat.read(path, as_version=4)
    nbformat.validate(out)
    assert [c.source for c in out.cells[1:]] == ["# Title", "x = 1"]
    assert out.cells[0].metadata.tags == [ext.SETUP_TAG]
    assert sum(ext.SETUP_TAG in c.metadata.get("tags", []) for c in out.cells) == 1


def test_colab_link_opens_the_published_notebook():
    assert ext.colab_url("https://colab.research.google.com/", "https://github.com/org/repo",
                         "gh-pages", "book/07_backprop_by_hand") == (
        "https://colab.research.google.com/github/org/repo/blob/gh-pages/_sources/"
        "book/07_backprop_by_hand.ipynb")
    with pytest.raises(ValueError, match="GitHub"):
        ext.colab_url("https://colab.research.google.com", "https://gitlab.com/org/repo",
                      "gh-pages", "book/x")


def test_binder_environment_installs_the_project_with_the_lab_extras():
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf8"))
    extras = pyproject["project"]["optional-dependencies"]
    lines = [line.strip() for line in (REPO / "binder" / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == [".[lab,data]"]
    assert any(req.startswith("jupytext") for req in extras["lab"])   # .md chapters open
    assert any(req.startswith("scikit-learn") for req in extras["data"])
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    version = runtime.removeprefix("python-")
    low = re.search(r">=\s*(\d+\.\d+)", pyproject["project"]["requires-python"]).group(1)
    assert tuple(map(int, version.split("."))) >= tuple(map(int, low.split(".")))


def test_binder_postbuild_makes_chapters_open_as_notebooks(tmp_path):
    env = dict(os.environ, NB_PYTHON_PREFIX=str(tmp_path))
    subprocess.run(["bash", str(REPO / "binder" / "postBuild")], cwd=REPO, env=env, check=True)
    written = json.loads((tmp_path / "share/jupyter/lab/settings/overrides.json").read_text())
    assert written == json.loads((REPO / "site" / "lab" / "overrides.json").read_text())
    assert (tmp_path / "share/jupyter/lab/workspaces/default-37a8.jupyterlab-workspace").exists()
    assert (tmp_path / "etc/jupyter/jupyter_lab_config.py").exists()
    viewers = written["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers["markdown"] == "Jupytext Notebook"
