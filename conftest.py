"""Root conftest: collect book/NN_*.md notebooks with nbval (read through jupytext), and keep
what must share a process together when pytest-xdist runs the suite on several workers."""
from __future__ import annotations

import os
import re
from pathlib import Path


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


# Test modules that use the one built site (a session fixture): they run on one worker, so the
# book is built once per run.
_SITE_MODULES = {"test_site.py", "test_site_publish.py", "test_site_a11y.py", "test_pdf.py"}


def pytest_xdist_make_scheduler(config, log):
    """With ``pytest -n N``: send whole files to a worker (a chapter's cells share one kernel, a
    module its fixtures) and all the site's modules to the same worker.

    xdist's ``--dist loadgroup`` would do this with marks, but it rewrites ``item._nodeid``,
    which pytest 9 no longer reads; a scheduler is xdist's documented hook for custom grouping.
    """
    from xdist.scheduler import LoadScopeScheduling

    config.option.loadscopereorder = False     # keep the order below: the site's group first

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "built-site" if Path(path).name in _SITE_MODULES else path

    return ByFile(config, log)


def pytest_collection_modifyitems(config, items):
    """The site's tests first: their group (book build + browser tests) is the longest, so
    under xdist it starts at once on one worker while the other takes everything else."""
    items.sort(key=lambda item: item.path.name not in _SITE_MODULES)
