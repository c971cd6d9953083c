"""Execute the book's chapters into the build's execution cache on every core, before
``jupyter-book build`` reads them (``make book`` runs it first).

myst-nb executes a chapter while Sphinx reads it, one chapter after another, so a cold build
on two cores used one: 173 s of its 185 s were execution. This script does that execution
beforehand with jupyter-cache and nbclient (the libraries myst-nb itself uses), a chapter per
core, and stores each result under the key myst-nb will look up: the notebook as myst-nb's
own reader makes it from the chapter, with ``site/_ext/code_deps.py``'s digest of the dlcore
code it imports in its kernelspec. The build then finds every chapter cached ("Using cached
notebook") and executes nothing. A chapter that fails here is left to the build, which
executes it again and reports the error with its traceback.

    python site/execute_parallel.py [--jobs N] [BUILD_DIR]      (default: _build)
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from fnmatch import fnmatch
from pathlib import Path

import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "site"), str(REPO / "site" / "_ext")]
from code_deps import CodeDeps, with_digest  # noqa: E402
from toc import documents  # noqa: E402

READER = {"type": "plugin", "name": "myst_nb_md"}     # myst-nb's reader, as its cache records it


def chapters(config: dict) -> list[Path]:
    """The _toc.yml documents that myst-nb would execute (MyST notebooks, not excluded)."""
    docs = documents()
    excluded = config.get("execute", {}).get("exclude_patterns", [])
    paths = [REPO / (d if d.endswith(".md") else d + ".md") for d in docs]
    return [p for p in paths if p.exists() and not any(fnmatch(p.name, x) for x in excluded)
            and is_myst_markdown_notebook(p.read_text(encoding="utf8"))]


def notebook(path: Path, deps: CodeDeps):
    """The notebook myst-nb builds from the chapter (the cache's key is computed from it)."""
    text = path.read_text(encoding="utf8")
    return read_myst_markdown_notebook(with_digest(text, deps.digest(text)), add_source_map=True,
                                       path=str(path))


def _execute(path: str, nb, timeout: int):
    result = single_nb_execution(nb, cwd=str(Path(path).parent), timeout=timeout, allow_errors=False,
                                 meta_override=True)
    return path, nb, result.time, None if result.err is None else f"{type(result.err).__name__}: {result.err}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", type=Path, default=REPO / "_build")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))
    if config.get("execute", {}).get("execute_notebooks") != "cache":
        print("execute_parallel: the book does not use the execution cache; nothing to do")
        return 0
    os.environ.setdefault("DLCORE_STATIC_PANELS", "1")       # as site/_ext/offline_assets.py does
    cache = get_cache(str(args.build / ".jupyter_cache"))
    deps = CodeDeps(REPO / "dlcore")
    todo = []
    for path in chapters(config):
        nb = notebook(path, deps)
        try:
            cache.match_cache_notebook(nb)
        except KeyError:
            todo.append((path, nb))
    timeout = int(config.get("execute", {}).get("timeout", 180))
    start, failed = time.monotonic(), 0
    # the biggest chapters first, so that the last to finish are short ones
    todo.sort(key=lambda item: -item[0].stat().st_size)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(_execute, str(p), nb, timeout) for p, nb in todo]
        for future in as_completed(futures):
            path, nb, seconds, error = future.result()
            if error:
                failed += 1
                print(f"execute_parallel: {Path(path).name} failed ({error}); the build will run it again")
                continue
            record = cache.add_nb_to_project(path, read_data=READER)
            cache.cache_notebook_bundle(CacheBundleIn(nb, record.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"execute_parallel: {Path(path).name} in {seconds:.1f} s")
    print(f"execute_parallel: {len(todo) - failed} of {len(todo)} chapters executed on {args.jobs} "
          f"processes in {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
