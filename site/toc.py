"""The book's documents in reading order, read from ``_toc.yml`` (the one reader of it for
the scripts in ``site/`` and the site's tests)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def documents() -> list[str]:
    """Every document of _toc.yml, root first, as written there ("book/00_how_to_use")."""
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                docs.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    for key in ("parts", "chapters", "sections"):
        walk(toc.get(key))
    return docs
