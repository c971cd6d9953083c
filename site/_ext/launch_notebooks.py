"""Sphinx extension: launch buttons and downloadable notebooks that run anywhere.

Registered in ``_config.yml`` under ``sphinx.local_extensions``. The repository the
buttons point at is configured in ONE place, ``repository:`` in ``_config.yml`` (Jupyter
Book passes it to the theme as ``repository_url`` / ``repository_branch``).

sphinx-book-theme already makes the Binder and JupyterHub buttons and, for a MyST-Markdown
chapter, copies the executed notebook to ``_sources/<page>.ipynb`` for the "download as
.ipynb" button. Two things are missing for a book whose chapters are ``.md`` files:

1. **A setup cell.** A notebook downloaded from the site, or opened in Colab, runs in a
   Python that has never seen ``dlcore``. Each copied ``.ipynb`` therefore gets a first
   cell that installs the project from the configured repository when ``dlcore`` is not
   importable (and switches on Colab's widget manager when running there). It installs the
   *commit the site was built from* (``git rev-parse HEAD`` at build time; ``v<version>``,
   the release tag, where the sources are not a git checkout; ``dlcore_install_ref`` in
   ``_config.yml`` overrides both), never the moving branch, so a published chapter always
   runs against the code that produced its outputs. Where ``dlcore`` is installed already
   it installs nothing and only says so if that ``dlcore`` is another version.
2. **A Colab link Colab can open.** The theme links Colab to ``book/NN.md`` on the source
   branch, which Colab cannot read. Colab opens notebooks from GitHub only, so the link
   is pointed at the executed notebook the published site carries,
   ``_sources/book/NN.ipynb`` on the branch GitHub Pages serves (``colab_notebook_branch``,
   default ``gh-pages``: what ``ghp-import`` pushes; see the instructor's guide).
"""
from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

SETUP_TAG = "dlcore-setup"   # the setup cell's tag, so tests and tools can find it
EXTRA = "data"              # the optional dependencies the chapters need (scikit-learn's digits)


def package_version(srcdir: Path) -> str:
    """The version in ``pyproject.toml`` (the one ``dlcore.__version__`` reports)."""
    return tomllib.loads(Path(srcdir, "pyproject.toml").read_text(encoding="utf8"))["project"]["version"]


def build_ref(srcdir: Path) -> str:
    """The git ref the site is built from: the checked-out commit, else the release tag."""
    try:
        head = subprocess.run(["git", "-C", str(srcdir), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = ""
    return head or f"v{package_version(srcdir)}"


def install_spec(repository_url: str, ref: str) -> str:
    """The pip requirement that installs the book's package at ``ref`` from its git repository."""
    if not repository_url:
        raise ValueError("repository.url in _config.yml is empty; launch buttons need it")
    if not ref:
        raise ValueError("the git ref to install (a commit or tag) is empty")
    return f"dlcore[{EXTRA}] @ git+{repository_url.rstrip('/')}@{ref}"


def setup_cell(repository_url: str, ref: str, version: str) -> dict[str, Any]:
    """A code cell (nbformat 4 dict) that installs ``dlcore`` at ``ref`` if it is missing."""
    spec = install_spec(repository_url, ref)
    source = f"""\
# Setup for Colab, Binder or any Jupyter without this book's package (added by the book build).
# Installs the dlcore this page was built with ({version}, {ref[:12]}); where dlcore is
# importable already it installs nothing.
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("dlcore") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    {spec!r}], check=True)
    importlib.invalidate_caches()
else:
    import dlcore
    if dlcore.__version__ != {version!r}:
        print(f"Note: this chapter was built with dlcore {version}, you have {{dlcore.__version__}}.")
if "google.colab" in sys.modules:  # Colab shows ipywidgets 8 through its custom manager
    from google.colab import output
    output.enable_custom_widget_manager()"""
    return {"cell_type": "code", "execution_count": None, "id": SETUP_TAG,
            "metadata": {"tags": [SETUP_TAG]}, "outputs": [], "source": source}


def add_setup_cell(path: Path, repository_url: str, ref: str, version: str) -> None:
    """Insert ``setup_cell`` at the top of the notebook at ``path`` (idempotent)."""
    nb = json.loads(path.read_text(encoding="utf8"))
    nb.get("metadata", {}).get("kernelspec", {}).pop("code_digest", None)   # the build's cache key
    cells = [c for c in nb["cells"] if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
    nb["cells"] = [setup_cell(repository_url, ref, version)] + cells
    nb["nbformat"], nb["nbformat_minor"] = 4, max(nb.get("nbformat_minor", 5), 5)  # cell ids
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf8")


def colab_url(colab: str, repository_url: str, notebook_branch: str, pagename: str) -> str:
    """Colab's address for the published notebook of ``pagename`` on GitHub."""
    if "github.com/" not in repository_url:
        raise ValueError(f"Colab opens notebooks from GitHub only, got repository {repository_url!r}")
    org, repo = repository_url.rstrip("/").split("github.com/")[-1].split("/")[:2]
    return f"{colab.rstrip('/')}/github/{org}/{repo}/blob/{notebook_branch}/_sources/{pagename}.ipynb"


def _theme(app: Sphinx) -> dict[str, Any]:
    return app.config.html_theme_options or {}


def _on_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """After the theme's buttons (priority 501): add the setup cell, re-point Colab."""
    if not context.get("ipynb_source"):
        return   # not a notebook page, or launch buttons are switched off
    theme = _theme(app)
    repository_url = theme.get("repository_url", "")
    ref = app.config.dlcore_install_ref or build_ref(app.srcdir)
    add_setup_cell(Path(app.outdir, "_sources", context["ipynb_source"]), repository_url, ref,
                   package_version(app.srcdir))
    colab = theme.get("launch_buttons", {}).get("colab_url", "")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            if button.get("text") == "Colab":
                button["url"] = colab_url(colab, repository_url,
                                          app.config.colab_notebook_branch, pagename)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("colab_notebook_branch", "gh-pages", "html")
    app.add_config_value("dlcore_install_ref", "", "html")   # "" = the commit being built
    app.connect("html-page-context", _on_page, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
