"""Root conftest: collect book/NN_*.md notebooks with nbval (read through jupytext)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

# Panels created by tests and by the chapters nbval runs train nothing in the background
# (dlcore.ui.live.BACKGROUND): other tests and cells would pay for it. Tests of the
# background work switch it on themselves.
os.environ.setdefault("DLCORE_BACKGROUND", "0")

_CHAPTER = re.compile(r"^\d\d_.+\.md$")


def pytest_collect_file(file_path: Path, parent):
    if file_path.parent.name == "book" and _CHAPTER.match(file_path.name):
        import jupytext
        import nbval.plugin as nbval_plugin

        class MarkdownNotebook(nbval_plugin.IPyNbFile):
            """nbval's notebook collector, reading MyST Markdown through jupytext."""

            def collect(self):
                real_read = nbval_plugin.nbformat.read
                nbval_plugin.nbformat.read = lambda fp, as_version=4: jupytext.read(fp, fmt="md:myst")
                try:
                    yield from super().collect()
                finally:
                    nbval_plugin.nbformat.read = real_read

        return MarkdownNotebook.from_parent(parent, path=file_path)
    return None
