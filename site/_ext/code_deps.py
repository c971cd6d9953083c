"""Sphinx extension: a chapter is re-executed exactly when its code, or the dlcore code it
imports, has changed, and never served with outputs older than that code.

Two mechanisms decide what an incremental ``make book`` recomputes, and neither knows about
the package the chapters import:

* Sphinx re-reads a page only when its source file changed;
* myst-nb's execution cache (jupyter-cache, ``execute_notebooks: cache``) reuses a
  notebook's outputs while its code cells (and the ``kernelspec`` metadata) are unchanged.

This extension closes both gaps. For every chapter it follows the imports of its code cells
through the package's own imports (parsed, not run) and hashes the source of every package
module reached: the chapter's *code digest*.

1. ``env-get-outdated``: a chapter whose digest differs from the one recorded when it was
   last read is re-read, although its file did not change.
2. ``source-read``: the digest is written into the chapter's ``kernelspec`` metadata (front
   matter) before myst-nb parses it, so the execution cache's key changes with the code the
   chapter runs. A prose edit keeps the digest, so the cached outputs are reused and nothing
   is executed; an edit to a module the chapter imports re-executes that chapter only.

3. On a cache hit, myst-nb (1.4) renders the page from the notebook with the cached outputs
   but writes the notebook it *read* to ``jupyter_execute/``, without outputs (it merges the
   outputs into a copy). The downloadable notebooks and the PDF test read that file, so
   ``_merge_in_place`` makes the hit fill the notebook myst-nb writes.

Configuration (``_config.yml`` → ``sphinx: config:``): ``code_deps_package`` (the importable
package's name, default ``"dlcore"``), looked up next to the book's source folder.
"""
from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx

KEY = "code_digest"                     # the kernelspec field the digest is written to
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
_KERNELSPEC = re.compile(r"^(kernelspec:[ \t]*\n)", re.M)


def _modules(package: Path) -> dict[str, Path]:
    """{dotted module name: file} for every module of the package."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(tree: ast.AST, here: str, is_package: bool, known: dict) -> set[str]:
    """The package modules an AST imports (``here``: the importing module, for relative imports)."""
    found = set()
    base = here.split(".") if is_package else here.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                mod = ".".join(base[:len(base) - node.level + 1] + ([mod] if mod else []))
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:      # `import dlcore.nn.layers` also loads dlcore.nn
                name = name.rpartition(".")[0]
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if name)
    return {m for m in found if m in known}


class CodeDeps:
    """The package's import graph, and chapters' digests over it."""

    def __init__(self, package: Path):
        self.known = _modules(package)
        self.graph = {m: _imports(ast.parse(p.read_text(encoding="utf8")), m, p.name == "__init__.py",
                                  self.known) for m, p in self.known.items()}

    def closure(self, roots):
        seen, todo = set(), list(roots)
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(self.graph.get(m, ()))
        return seen

    def digest(self, text: str) -> str:
        """The digest of the package code a chapter's code cells import ("" if none)."""
        roots = set()
        for cell in _CELL.findall(text):
            code = "\n".join(line for line in cell.splitlines() if not line.startswith((":", "%", "!")))
            try:
                roots |= _imports(ast.parse(code), "", False, self.known)
            except SyntaxError:
                continue          # a cell of shell magic: it imports nothing of ours
        h = hashlib.sha256()
        for m in sorted(self.closure(roots)):
            h.update(m.encode() + b"\0" + self.known[m].read_bytes() + b"\0")
        return h.hexdigest()[:16] if roots else ""


def _deps(app: Sphinx) -> CodeDeps:
    package = Path(app.srcdir, app.config.code_deps_package)
    if getattr(app, "_code_deps", None) is None:
        app._code_deps = CodeDeps(package)
    return app._code_deps


def _digest_of(app: Sphinx, docname: str) -> str:
    path = Path(app.env.doc2path(docname))
    return _deps(app).digest(path.read_text(encoding="utf8")) if path.suffix == ".md" else ""


def _outdated(app: Sphinx, env, added, changed, removed):
    """Chapters whose imported code changed since they were last read."""
    known = getattr(env, "code_digests", {})
    return [doc for doc, digest in known.items()
            if doc in env.found_docs and doc not in changed and _digest_of(app, doc) != digest]


def _source_read(app: Sphinx, docname: str, source: list) -> None:
    """Record the chapter's digest and put it into its kernelspec (the cache key)."""
    digest = _deps(app).digest(source[0])
    if not hasattr(app.env, "code_digests"):
        app.env.code_digests = {}
    app.env.code_digests[docname] = digest
    source[0] = with_digest(source[0], digest)


def with_digest(text: str, digest: str) -> str:
    """The chapter's text with ``digest`` in its kernelspec (what myst-nb then reads and hashes)."""
    if digest and text.startswith("---"):
        return _KERNELSPEC.sub(lambda m: f"{m.group(1)}  {KEY}: {digest}\n", text, count=1)
    return text


def _purge(app: Sphinx, env, docname: str) -> None:
    getattr(env, "code_digests", {}).pop(docname, None)


def _merge_in_place() -> None:
    """Patch myst-nb's cache client: on a hit, the cached outputs go into the notebook object
    myst-nb later writes to ``jupyter_execute/`` (see point 3 of the module docstring)."""
    from myst_nb.core.execute.cache import NotebookClientCache

    start = NotebookClientCache.start_client
    if getattr(start, "merges_in_place", False):
        return

    def start_client(self):
        read = self._notebook
        start(self)
        if self._notebook is not read:           # a hit: myst-nb merged into a copy
            read.cells, read.metadata = self._notebook.cells, self._notebook.metadata
            self._notebook = read

    start_client.merges_in_place = True
    NotebookClientCache.start_client = start_client


def setup(app: Sphinx) -> dict[str, Any]:
    _merge_in_place()
    app.add_config_value("code_deps_package", "dlcore", "env")
    app.connect("env-get-outdated", _outdated)
    app.connect("source-read", _source_read)
    app.connect("env-purge-doc", _purge)
    return {"version": "0.1", "parallel_read_safe": False, "parallel_write_safe": True,
            "env_version": 1}
