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
   importable (and switches on Colab's widget manager when running there); anywhere the
   project is installed already it does nothing.
2. **A Colab link Colab can open.** The theme links Colab to ``book/NN.md`` on the source
   branch, which Colab cannot read. Colab opens notebooks from GitHub only, so the link
   is pointed at the executed notebook the published site carries,
   ``_sources/book/NN.ipynb`` on the branch GitHub Pages serves (``colab_notebook_branch``,
   default ``gh-pages``: what ``ghp-import`` pushes; see the instructor's guide).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

SETUP_TAG = "dlcore-setup"   # the setup cell's tag, so tests and tools can find it
EXTRA = "data"              # the optional dependencies the chapters need (scikit-learn's digits)


def install_spec(repository_url: str, branch: str) -> str:
    """The pip requirement that installs the book's package from its git repository."""
    if not repository_url:
        raise ValueError("repository.url in _config.yml is empty; launch buttons need it")
    return f"dlcore[{EXTRA}] @ git+{repository_url.rstrip('/')}@{branch}"


def setup_cell(repository_url: str, branch: str) -> dict[str, Any]:
    """A code cell (nbformat 4 dict) that installs ``dlcore`` if it is missing."""
    spec = install_spec(repository_url, branch)
    source = f"""\
# Setup for Colab, Binder or any Jupyter without this book's package (added by the book build).
# Installs dlcore from the book's repository once; does nothing where it is importable already.
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("dlcore") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    {spec!r}], check=True)
    importlib.invalidate_caches()
if "google.colab" in sys.modules:  # Colab shows ipywidgets 8 through its custom manager
    from google.colab import output
    output.enable_custom_widget_manager()"""
    return {"cell_type": "code", "execution_count": None, "id": SETUP_TAG,
            "metadata": {"tags": [SETUP_TAG]}, "outputs": [], "source": source}


def add_setup_cell(path: Path, repository_url: str, branch: str) -> None:
    """Insert ``setup_cell`` at the top of the notebook at ``path`` (idempotent)."""
    nb = json.loads(path.read_text(encoding="utf8"))
    cells = [c for c in nb["cells"] if SETUP_TAG not in c.get("metadata", {}).get("tags", [])]
    nb["cells"] = [setup_cell(repository_url, branch)] + cells
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
    branch = theme.get("repository_branch") or "main"
    add_setup_cell(Path(app.outdir, "_sources", context["ipynb_source"]), repository_url, branch)
    colab = theme.get("launch_buttons", {}).get("colab_url", "")
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", []) if group.get("label") == "launch-buttons" else []:
            if button.get("text") == "Colab":
                button["url"] = colab_url(colab, repository_url,
                                          app.config.colab_notebook_branch, pagename)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("colab_notebook_branch", "gh-pages", "html")
    app.connect("html-page-context", _on_page, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
