"""Incremental book builds re-execute exactly the chapters whose code changed (site/_ext/code_deps.py).

A small book of two chapters, each importing one module of a small package, is built with
the book's own extension and ``execute_notebooks: cache``; then a module's printed output
changes, and then a chapter's prose. The rebuilt pages must show the new output, only the
chapter importing the changed module may be executed again, and a prose edit executes nothing.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# Chapter {name}

Some prose.

```{{code-cell}} ipython3
from toypkg import {module}
{module}.say()
```
"""


def _book(root: Path):
    (root / "toypkg").mkdir()
    (root / "toypkg" / "__init__.py").write_text("")
    (root / "toypkg" / "shared.py").write_text("WORD = 'v1'\n")
    for module in ("alpha", "beta"):
        (root / "toypkg" / f"{module}.py").write_text(
            f"from .shared import WORD\n\n\ndef say():\n    print('{module} says', WORD)\n")
    (root / "intro.md").write_text("# A small book\n")
    (root / "a.md").write_text(CHAPTER.format(name="A", module="alpha"))
    (root / "b.md").write_text(CHAPTER.format(name="B", module="beta"))
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n- file: a\n- file: b\n")
    (root / "_config.yml").write_text(textwrap.dedent(f"""\
        title: deps
        only_build_toc_files: true
        execute:
          execute_notebooks: cache
        sphinx:
          local_extensions:
            code_deps: {REPO / "site" / "_ext"}
          config:
            code_deps_package: toypkg
        """))


def _build(root: Path) -> str:
    script = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(script), "build", str(root)], cwd=root, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def _executed(log: str) -> set[str]:
    return {Path(line.split(":")[0]).stem for line in log.splitlines()
            if "Executing notebook" in line}


def _page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / f"{name}.html").read_text()


@pytest.mark.skipif(not Path(sys.executable).with_name("jupyter-book").exists(),
                    reason="the book toolchain (jupyter-book) is not installed")
def test_rebuilds_follow_the_code_each_chapter_imports(tmp_path):
    _book(tmp_path)
    assert _executed(_build(tmp_path)) == {"a", "b"}
    assert "alpha says v1" in _page(tmp_path, "a")

    # unchanged sources: nothing is read or executed again
    assert _executed(_build(tmp_path)) == set()

    # a change in a module only chapter a imports: a runs again and shows it, b is untouched
    (tmp_path / "toypkg" / "alpha.py").write_text(
        "from .shared import WORD\n\n\ndef say():\n    print('alpha now says', WORD)\n")
    assert _executed(_build(tmp_path)) == {"a"}
    assert "alpha now says v1" in _page(tmp_path, "a")

    # a change in a module both import (indirectly): both run again
    (tmp_path / "toypkg" / "shared.py").write_text("WORD = 'v2'\n")
    assert _executed(_build(tmp_path)) == {"a", "b"}
    assert "alpha now says v2" in _page(tmp_path, "a") and "beta says v2" in _page(tmp_path, "b")

    # a prose edit: the page is rebuilt from the cached outputs, nothing is executed
    text = (tmp_path / "b.md").read_text().replace("Some prose.", "Some better prose.")
    (tmp_path / "b.md").write_text(text)
    assert _executed(_build(tmp_path)) == set()
    assert "Some better prose." in _page(tmp_path, "b") and "beta says v2" in _page(tmp_path, "b")
