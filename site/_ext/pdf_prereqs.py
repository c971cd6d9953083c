"""What the book's PDF needs from Debian, and which of it is missing.

    python3 site/_ext/pdf_prereqs.py           # exit 0 if `make pdf` can run, else name the packages
    python3 site/_ext/pdf_prereqs.py --test    # also what tests/test_pdf.py reads the PDF with
    python3 site/_ext/pdf_prereqs.py --packages [--test]   # every package, for `apt-get install`

Standard library only, so `.ci/run` can call it with the system Python before the
project's virtual environment exists. Each requirement is probed the way xelatex finds it
(a program on PATH, a TeX file through ``kpsewhich``, a system font through fontconfig)
and maps to the Debian package that ships it.
"""
from __future__ import annotations

import shutil
import subprocess
import sys

# (kind, what, Debian package). texlive-latex-extra pulls in texlive-latex-recommended and
# texlive-pictures; texlive-xetex pulls in fonts-lmodern (Latin Modern Math).
BUILD = [
    ("program", "xelatex", "texlive-xetex"),
    ("program", "latexmk", "latexmk"),
    ("tex", "ucharclasses.sty", "texlive-xetex"),        # loaded by sphinx-jupyterbook-latex
    ("tex", "unicode-math.sty", "texlive-latex-recommended"),
    ("tex", "fncychap.sty", "texlive-latex-extra"),      # Sphinx's chapter headings
    ("tex", "tabulary.sty", "texlive-latex-extra"),      # Sphinx's tables
    ("tex", "changepage.sty", "texlive-latex-extra"),    # indented cell outputs
    ("tex", "pzdr.tfm", "texlive-fonts-recommended"),    # the dingbats Sphinx's boxes use
    ("font", "FreeSerif", "fonts-freefont-otf"),         # text (Sphinx's xelatex default)
    ("font", "DejaVu Sans Mono", "fonts-dejavu-core"),   # code
    ("font", "Latin Modern Math", "fonts-lmodern"),      # equations (unicode-math's default)
]
TEST = [
    ("program", "pdftotext", "poppler-utils"),
    ("program", "pdfimages", "poppler-utils"),
]


def _present(kind: str, what: str) -> bool:
    if kind == "program":
        return shutil.which(what) is not None
    if kind == "tex":
        if shutil.which("kpsewhich") is None:
            return False
        return subprocess.run(["kpsewhich", what], capture_output=True, text=True).stdout.strip() != ""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(["fc-list", what, "family"], capture_output=True, text=True).stdout
    return any(what in line.split(",") for line in found.replace(":", ",").splitlines())


def requirements(test: bool = False) -> list[tuple[str, str, str]]:
    return BUILD + (TEST if test else [])


def packages(test: bool = False) -> list[str]:
    """Every Debian package the PDF (and with ``test``, its test) needs, in install order."""
    return list(dict.fromkeys(pkg for _, _, pkg in requirements(test)))


def missing(test: bool = False) -> dict[str, list[str]]:
    """``{package: [what is missing from it, ...]}``; empty when everything is there."""
    out: dict[str, list[str]] = {}
    for kind, what, pkg in requirements(test):
        if not _present(kind, what):
            out.setdefault(pkg, []).append(f"{kind} {what}")
    return out


def message(gaps: dict[str, list[str]]) -> str:
    lines = ["The PDF needs TeX and fonts from Debian that are not installed:"]
    lines += [f"  {pkg:28s} (for {', '.join(items)})" for pkg, items in gaps.items()]
    lines += ["Install them with:",
              f"  sudo apt-get install -y --no-install-recommends {' '.join(gaps)}"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    test = "--test" in argv
    if "--packages" in argv:
        print(" ".join(packages(test)))
        return 0
    gaps = missing(test)
    if gaps:
        print(message(gaps), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
