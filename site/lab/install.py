"""Install the book's JupyterLab settings into the environment JupyterLab runs from.

    python site/lab/install.py          (Windows: python site\\lab\\install.py)
    python site/lab/install.py --prefix /path/to/env

``make lab`` runs it; so does Binder's ``postBuild``; a student without make runs it once
after ``pip install -e ".[lab]"`` (see the README). It copies into ``sys.prefix``:

* ``overrides.json`` → ``share/jupyter/lab/settings/``: chapters (``book/*.md``) open as
  notebooks on a double click; autosave on (safe: opening and saving a chapter changes no
  byte, see ``site/lab_canonical.py``); no "Jupyter news" pop-up and no update check; the
  file browser without its "last modified" column;
* ``jupyter_lab_config.py`` → ``etc/jupyter/``: JupyterLab keeps its workspaces inside the
  environment ...
* ``default-37a8.jupyterlab-workspace`` → ``share/jupyter/lab/workspaces/``: ... starting
  from one whose file browser is wide enough for every chapter's name (a quarter of the
  window; JupyterLab's default is 250 px).

Existing files are replaced; nothing outside the environment is touched.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {
    "overrides.json": ("share", "jupyter", "lab", "settings"),
    "jupyter_lab_config.py": ("etc", "jupyter"),
    "default-37a8.jupyterlab-workspace": ("share", "jupyter", "lab", "workspaces"),
}


def install(prefix=sys.prefix):
    """Copy the three files into ``prefix``; returns the paths written."""
    written = []
    for name, parts in TARGETS.items():
        folder = Path(prefix).joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(HERE / name, folder / name)
        written.append(folder / name)
    return written


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prefix", default=sys.prefix, help="the environment (default: this Python's)")
    for path in install(parser.parse_args().prefix):
        print(f"installed {path}")
