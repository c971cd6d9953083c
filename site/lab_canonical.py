"""Write the chapters (book/*.md) in the exact form JupyterLab saves them.

JupyterLab opens a MyST chapter through jupytext's contents manager and, when it saves
(autosave does so a couple of minutes after opening), writes the notebook back through the
same manager. If the file on disk is not already in that form, opening a chapter changes it:
the student's clone becomes dirty and ``git pull`` conflicts. This script rewrites each
chapter through the contents manager itself (with ``book/jupytext.toml``, as Lab does), so
that the committed form *is* jupytext's form. Only one thing is changed on purpose: a figure
caption or alt text written over several lines becomes one line of text before jupytext
dumps it (Markdown reads a line break inside a paragraph as a space, so nothing changes on
the page), because jupytext re-dumps such multi-line YAML values as quoted strings with
blank lines.

    python site/lab_canonical.py            # rewrite every book/*.md that is not canonical
    python site/lab_canonical.py --check    # list the ones that are not; exit 1 if any
    make canonical                          # the same as the first form

Run it after editing a chapter's cell metadata (``tests/test_lab_roundtrip.py`` fails for a
chapter that is not canonical and says so).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
CONFIG = "jupytext.toml"
# The kernel every chapter names: ipykernel's own default spec, which is what a fresh
# virtual environment (``pip install ipykernel``, ``make lab``) gives JupyterLab, so Lab's
# copy of it into the notebook's metadata changes nothing.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _one_line(value):
    """Multi-line strings inside cell metadata (captions, alt texts) joined into one line."""
    if isinstance(value, str):
        return " ".join(value.split()) if "\n" in value.strip() else value
    if isinstance(value, dict):
        return {k: _one_line(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_one_line(v) for v in value]
    return value


def _save_through_jupytext(folder: Path, name: str, normalise: bool) -> bytes:
    """Open ``folder/name`` as a notebook with jupytext's contents manager and save it back,
    as JupyterLab does; returns the bytes written."""
    from jupytext import TextFileContentsManager

    cm = TextFileContentsManager(root_dir=str(folder))
    model = cm.get(name, type="notebook", content=True)
    nb = model["content"]
    # what JupyterLab adds once the kernel has started (language_info is filtered out)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python", "mimetype": "text/x-python",
                                    "version": ".".join(map(str, sys.version_info[:3]))}
    if normalise:
        for cell in nb.cells:
            cell.metadata = _one_line(dict(cell.metadata))
    cm.save({"type": "notebook", "format": "json", "content": nb}, name)
    return (folder / name).read_bytes()


def canonical_bytes(path: Path) -> bytes:
    """The bytes JupyterLab would leave in ``path`` after opening and saving it twice."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        shutil.copy2(path.parent / CONFIG, folder / CONFIG)
        shutil.copy2(path, folder / path.name)
        first = _save_through_jupytext(folder, path.name, normalise=True)
        second = _save_through_jupytext(folder, path.name, normalise=False)
        if first != second:   # would mean jupytext's own form is not a fixed point
            raise RuntimeError(f"{path.name}: saving twice through jupytext gives different files")
        return second


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only list chapters that are not canonical")
    parser.add_argument("files", nargs="*", type=Path, help="default: every book/*.md")
    args = parser.parse_args(argv)
    files = args.files or sorted(BOOK.glob("*.md"))
    stale = []
    for path in files:
        new = canonical_bytes(path)
        if new != path.read_bytes():
            stale.append(path)
            if not args.check:
                path.write_bytes(new)
    verb = "not in JupyterLab's saved form" if args.check else "rewritten"
    for path in stale:
        print(f"{verb}: {path}")
    if args.check and stale:
        print("run `make canonical` (python site/lab_canonical.py) to rewrite them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
