"""Shared runs of words between the book's prose and the lecture decks.

The book must say everything in its own words: a run of eight or more consecutive words that
also occurs in a deck is allowed only inside quotation marks (a quote, with its citation).
This module extracts the prose a reader sees from a MyST chapter (Markdown text, figure
captions and alt text; not code, not maths, not quoted passages), turns both texts into
lower-case words with a crude stemming (so that a changed verb ending does not hide a copied
sentence) and reports every run of at least ``N`` words the two share.

Kept out of the package on purpose: it reads the decks, which are not part of the project.
"""
from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import yaml

N = 8                                   # the shortest shared run that counts
BREAK = "\x00"                           # where removed text was: runs never cross it

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
_MATH_BLOCK = re.compile(r"\$\$.*?\$\$", re.S)
_MATH = re.compile(r"(?<!\\)\$[^$\n]+?\$")
_CODE = re.compile(r"`[^`\n]*`")
_QUOTE = re.compile(r"\"(?:[^\"\n]|\n(?![ \t]*\n))*\"|“[^”]*”")   # may wrap, not span paragraphs
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_DIRECTIVE = re.compile(r"^(:{3,}|`{3,})\{?[\w-]*\}?.*$|^:[\w-]+:.*$", re.M)


def lectures_dir() -> Path | None:
    """The decks' folder: $DLCORE_LECTURES, else ``shared/lectures`` beside the repository."""
    env = os.environ.get("DLCORE_LECTURES")
    candidates = [Path(env)] if env else []
    root = Path(__file__).resolve().parents[1]
    candidates += [root.parent / "shared" / "lectures", root / "lectures"]
    return next((p for p in candidates if p.is_dir() and list(p.glob("*.txt"))), None)


def stem(word: str) -> str:
    """A crude stem, so that "finds" matches "find" and "taking" matches "takes"."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            return word[:-len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-case, crudely stemmed words; the breaks left by removed text stay as ``BREAK``."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for piece in re.split(f"({BREAK})", text):
        out.extend([BREAK] if piece == BREAK else [stem(w) for w in _WORD.findall(piece)])
    return out


def ngrams(tokens: list[str], n: int = N) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)
            if BREAK not in tokens[i:i + n]}


def _figure_text(meta: str) -> list[str]:
    """The caption and alt text of a code cell's YAML header."""
    try:
        data = yaml.safe_load(meta) or {}
    except yaml.YAMLError:
        return []
    nb = data.get("mystnb", {}) if isinstance(data, dict) else {}
    found = [nb.get("figure", {}).get("caption"), nb.get("image", {}).get("alt")]
    return [str(t) for t in found if t]


def prose(markdown: str) -> str:
    """What a reader reads in a MyST notebook: text, captions and alt text, with code, maths,
    inline code and quoted passages replaced by breaks."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)       # front matter
    captions = []

    def cell(match):
        body = match.group(1)
        head = re.match(r"---\n(.*?)\n---\n", body, re.S)
        if head:
            captions.extend(_figure_text(head.group(1)))
        return BREAK
    text = _CELL.sub(cell, text)
    text = _FENCE.sub(BREAK, text)
    text = "\n".join(captions + [text])
    for pattern in (_COMMENT, _MATH_BLOCK, _MATH, _CODE, _QUOTE):
        text = pattern.sub(BREAK, text)
    text = _LINK.sub(r"\1", text)
    text = _DIRECTIVE.sub(BREAK, text)
    text = "\n".join(BREAK if line.lstrip().startswith(">") else line for line in text.splitlines())
    return text


def shared_runs(book_tokens: list[str], deck_grams: set, n: int = N) -> list[str]:
    """Every maximal run of at least ``n`` book words whose every n-gram is in a deck."""
    hits = [i for i in range(len(book_tokens) - n + 1)
            if BREAK not in book_tokens[i:i + n] and tuple(book_tokens[i:i + n]) in deck_grams]
    runs, start, end = [], None, None
    for i in hits:
        if start is not None and i <= end - n + 1:
            end = i + n
        else:
            if start is not None:
                runs.append(" ".join(book_tokens[start:end]))
            start, end = i, i + n
    if start is not None:
        runs.append(" ".join(book_tokens[start:end]))
    return runs


def deck_ngrams(folder: Path, n: int = N) -> set:
    grams = set()
    for deck in sorted(folder.glob("*.txt")):
        grams |= ngrams(words(deck.read_text(encoding="utf-8")), n)
    return grams
