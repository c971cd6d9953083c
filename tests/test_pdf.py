"""The book as one PDF (`make pdf`): every chapter, figure, equation and panel; no line past the margin.

The PDF is built with Sphinx's LaTeX builder into the folder the site tests build the site
in (``built_site``), so it reuses those executed chapters instead of running them again,
and is read back with poppler: ``pdfinfo -dests`` (where each chapter starts),
``pdftotext`` (its words, with ``-bbox`` their positions) and ``pdfimages -list`` (the
embedded raster images). What each chapter must contain comes from its source
(``book/*.md``) and from the lectures, never from the PDF build itself.

Missing TeX or poppler skips these tests locally and fails them in CI, like the site tests.
"""
from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from site_fixtures import REPO, _jupyter_book_cmd, _unavailable

sys.path.insert(0, str(REPO / "site" / "_ext"))
import pdf_prereqs  # noqa: E402  (stdlib only; what `make pdf` checks)

PDF_TIMEOUT_S = 900
WIDGET = "application/vnd.jupyter.widget-view+json"

# One number per chapter that the chapter asserts, as it prints it. Chapters 2, 12 and 15
# accompany lecture sections that print no numbers; for them it is a value the chapter's
# own worked example asserts.
ASSERTED = {
    "00_how_to_use": "0.17921847",              # Kelleher et al., Table 4: SSE
    "01_neurons_and_activations": "-0.004200",  # Kelleher et al., Table 5: z3 for d2
    "02_perceptrons": "[0.2, -0.1, 0.15]",      # one perceptron-rule step (the chapter's example)
    "03_networks_as_matrices": "-0.189800",     # Kelleher et al., Table 5: z4 for d2
    "04_encoding": "0.81",                      # Kelleher et al., Table 3: humidity of d1
    "05_losses": "0.17921847",                  # Kelleher et al., Table 4: SSE
    "06_gradient_descent": "0.00153726",        # Kelleher et al., Table 7: batch Δw7,5
    "07_backprop_by_hand": "0.21949225",        # Kelleher et al., Table 4: squared error of d1
    "08_backprop_matrix_form": "0.667874356",   # Kelleher et al., Table 14: softmax
    "09_relu_networks": "0.58336829",           # Kelleher et al., Table 10: SSE
    "10_initialisation": "0.000002",            # Kelleher et al., eq. 60: var(z)
    "11_softmax_cross_entropy": "6.71037753",   # Kelleher et al., Table 14: Σ e^l
    "12_regularisation": "0.1343",              # validation loss at the restored epoch (the chapter's run)
    "13_digits": "70000",                       # Kaplan, Sec. 4: 70,000 MNIST images
    "14_convolutional_networks": "765",         # Kelleher et al., eq. 87
    "15_recurrent_networks": "0.537",           # h_1 of the chapter's worked RNN example
    "16_lstm": "0.575420058",                   # Kelleher et al., eq. 133: o†
}


# --- what the book should contain, from its sources --------------------------------------

def toc_files() -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as ``book/NN_slug`` paths."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def title(page: str) -> str:
    for line in (REPO / f"{page}.md").read_text(encoding="utf8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    raise AssertionError(f"{page}.md has no '# ' title")


def captioned_figures(page: str) -> int:
    """Code cells whose metadata give their figure a caption (mystnb.figure.caption); a
    cell shown as an example inside a ```` fence (the instructor's guide) is not one."""
    text = (REPO / f"{page}.md").read_text(encoding="utf8")
    text = re.sub(r"^````.*?^````", "", text, flags=re.M | re.S)
    return len(re.findall(r"^  figure:\n    caption:", text, flags=re.M))


def text_margin() -> float:
    """The left and right margin in points, from the PDF settings in ``_config.yml``."""
    setup = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))
    options = setup["sphinx"]["config"]["latex_elements"]["sphinxsetup"]
    value, unit = re.search(r"hmargin=([\d.]+)(in|pt|cm)", options).groups()
    return float(value) * {"in": 72.0, "pt": 1.0, "cm": 72 / 2.54}[unit]


def normalise(text: str) -> str:
    """Compatibility forms (ligatures), straight quotes, one space; for comparing text."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", text.replace("“", '"').replace("”", '"')).strip().casefold()


# --- the PDF -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pdf_build(built_site) -> tuple[Path, str]:
    """Build the PDF beside the site tests' build, reusing its executed chapters: the PDF
    and the build's log."""
    gaps = pdf_prereqs.missing(test=True)
    if gaps:
        _unavailable(pdf_prereqs.message(gaps))
    out = built_site.parents[1]              # <out>/_build/html -> <out>
    env = dict(os.environ, LATEXOPTS="-interaction=nonstopmode -halt-on-error")
    env.pop("MPLBACKEND", None)              # as for the site build
    cmd = _jupyter_book_cmd() + ["build", "-W", "-n", "--keep-going", "--builder", "pdflatex",
                                 "--path-output", str(out), str(REPO)]
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
    pdf = out / "_build" / "latex" / "book.pdf"
    if proc.returncode != 0 or not pdf.exists():
        log = (proc.stdout + "\n" + proc.stderr)[-6000:]
        pytest.fail(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{log}", pytrace=False)
    print(f"\nPDF built in {time.monotonic() - start:.1f} s")
    return pdf, proc.stdout


@pytest.fixture(scope="session")
def book_pdf(pdf_build) -> Path:
    return pdf_build[0]


def _run(*cmd) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="session")
def pages(book_pdf) -> list[str]:
    """The text of each page (index 0 is page 1)."""
    return _run("pdftotext", "-enc", "UTF-8", str(book_pdf), "-").split("\f")[:-1]


@pytest.fixture(scope="session")
def chapter_pages(book_pdf, pages) -> dict[str, range]:
    """``{page of _toc.yml: range of PDF page indices}`` from the named destinations LaTeX
    leaves at every chapter (``chapter.N``) and at page 1 of the main matter (chapter 0)."""
    dests = {}
    for line in _run("pdfinfo", "-dests", str(book_pdf)).splitlines():
        m = re.match(r"\s*(\d+) \[.*\] \"(.+)\"$", line)
        if m:
            dests.setdefault(m.group(2), int(m.group(1)) - 1)
    files = toc_files()
    starts = [dests["page.1"]] + [dests.get(f"chapter.{n}") for n in range(1, len(files))]
    assert None not in starts, f"chapters without a start in the PDF: {starts}"
    ends = starts[1:] + [len(pages)]
    return {Path(f).name: range(s, e) for f, s, e in zip(files, starts, ends)}


def _chapter_text(pages, chapter_pages, name) -> str:
    return normalise(" ".join(pages[i] for i in chapter_pages[name]))


def _images_per_page(book_pdf) -> dict[int, int]:
    """Raster images drawn on each page (soft masks not counted), page index -> count."""
    counts: dict[int, int] = {}
    for line in _run("pdfimages", "-list", str(book_pdf)).splitlines()[2:]:
        fields = line.split()
        if fields[2] == "image":
            counts[int(fields[0]) - 1] = counts.get(int(fields[0]) - 1, 0) + 1
    return counts


def _executed(built_site, page) -> dict:
    """The executed notebook of a chapter (a page without a kernelspec is plain text)."""
    if "kernelspec:" not in (REPO / f"{page}.md").read_text(encoding="utf8").split("\n---", 1)[0]:
        return {"cells": []}
    path = built_site.parents[0] / "jupyter_execute" / f"{page}.ipynb"
    return json.loads(path.read_text(encoding="utf8"))


def _outputs(notebook) -> list[dict]:
    return [o.get("data", {}) for cell in notebook["cells"] for o in cell.get("outputs", [])]


# --- the tests -----------------------------------------------------------------------------

def test_the_pdf_reuses_the_sites_executed_chapters(pdf_build):
    """The LaTeX build re-reads (and so re-executes) no chapter the site build executed."""
    assert re.search(r"updating environment: (\x1b\[[\d;]*m)*0 added, 0 changed, 0 removed", pdf_build[1])


def test_every_chapter_opens_with_its_title(pages, chapter_pages):
    for page in toc_files():
        name = Path(page).name
        first = normalise(pages[chapter_pages[name][0]])
        assert normalise(title(page)) in first, f"{name}: title {title(page)!r} not on its first page"


@pytest.mark.parametrize("name", sorted(ASSERTED))
def test_each_chapter_prints_its_asserted_number(pages, chapter_pages, name):
    assert normalise(ASSERTED[name]) in _chapter_text(pages, chapter_pages, name)


def test_every_figure_and_every_frame_is_embedded(book_pdf, built_site, pages, chapter_pages):
    images = _images_per_page(book_pdf)
    problems = []
    for page in toc_files():
        name = Path(page).name
        text = _chapter_text(pages, chapter_pages, name)
        frames = sum(map(int, re.findall(r"interactive panel, all (\d+) settings", text)))
        embedded = sum(images.get(i, 0) for i in chapter_pages[name])
        expected = captioned_figures(page) + frames
        if embedded < expected:
            problems.append(f"{name}: {embedded} images, expected at least {captioned_figures(page)} "
                            f"captioned figures + {frames} panel frames")
    assert not problems, "\n".join(problems)
    assert sum(images.values()) >= 100


def test_every_panel_prints_as_a_labelled_grid(built_site, pages, chapter_pages):
    """Each panel output of the executed chapters carries its print form, and the PDF shows
    one grid per panel, every frame titled with its settings."""
    for page in toc_files():
        name = Path(page).name
        outputs = _outputs(_executed(built_site, page))
        panels = [o for o in outputs if "application/pdf" in o]
        assert all(WIDGET in o for o in panels), f"{name}: a print form without its widget"
        grids = re.findall(r"interactive panel, all \d+ settings", _chapter_text(pages, chapter_pages, name))
        assert len(grids) == len(panels), f"{name}: {len(panels)} panels, {len(grids)} printed grids"
    # chapter 4's binning panel: 2 to 6 equal-width bins (book/04_encoding.md, binning_panel)
    text = _chapter_text(pages, chapter_pages, "04_encoding")
    assert all(f"number of bins = {n}" in text for n in range(2, 7))
    # chapter 16's panel: sequence lengths 10, 40, 80 in bands, forget-gate biases -1, 0, 2, 4
    text = _chapter_text(pages, chapter_pages, "16_lstm")
    assert all(f"forget-gate bias = {b}" in text for b in (-1, 0, 2, 4))
    assert all(f"length t = {n}" in text for n in (10, 40, 80))


def test_no_widget_prints_as_python_code(pages):
    text = "\n".join(pages)
    leaked = re.findall(r"(?:VBox|HBox|Stack|IntSlider|SelectionSlider)\(\w+=", text)
    assert not leaked, f"widget reprs in the PDF: {leaked[:5]}"


def test_no_line_runs_past_the_text_width(book_pdf):
    """Every word, code included, lies between the left and right margins (1 pt slack):
    long code lines wrap instead of running off the page."""
    margin = text_margin()
    out = _run("pdftotext", "-bbox", str(book_pdf), "-")
    outside = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        for x0, x1, word in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
                                       r'yMax="[\d.]+">(.*?)</word>', page):
            if float(x0) < margin - 1 or float(x1) > width - margin + 1:
                outside.append(f"page {number}: {html.unescape(word)!r} at x = {x0}..{x1}")
    assert not outside, f"{len(outside)} words outside the text width:\n" + "\n".join(outside[:20])


def test_long_code_lines_wrap(pages):
    """Sphinx marks a wrapped code line with ↪ at the start of its continuation; the book has
    code lines longer than the text width, so wrapping must have happened."""
    assert sum(p.count("↪") for p in pages) >= 10


def test_every_character_has_a_glyph_and_every_reference_resolves(book_pdf, pages):
    """xelatex drops a character its font lacks (a δ, ✗ or ⊙) with only a log line, and
    prints an unresolved cross-reference (to a figure, equation or chapter) as ??."""
    log = book_pdf.with_suffix(".log").read_text(encoding="utf8", errors="replace")
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    assert not missing, f"characters printed as nothing: {missing}"
    assert not re.findall(r"Reference `[^']+' on page \d+ undefined", log)
    assert not [i + 1 for i, p in enumerate(pages) if "??" in p]


# --- `make pdf` without TeX ----------------------------------------------------------------

def test_prerequisites_name_the_debian_packages(monkeypatch, capsys):
    monkeypatch.setattr(pdf_prereqs, "_present", lambda kind, what: what not in {"xelatex", "FreeSerif"})
    assert pdf_prereqs.main([]) == 1
    err = capsys.readouterr().err
    assert "apt-get install -y --no-install-recommends texlive-xetex fonts-freefont-otf" in err
    assert "program xelatex" in err and "font FreeSerif" in err


def test_make_pdf_stops_with_the_install_command_when_tex_is_missing(tmp_path):
    """With nothing on PATH, `make pdf` fails before building and says what to install."""
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = subprocess.run(["/usr/bin/make", "--no-print-directory", "-o", ".venv/.installed-stamp", "pdf"],
                          cwd=REPO, env={"PATH": str(empty), "HOME": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "sudo apt-get install -y --no-install-recommends " + " ".join(pdf_prereqs.packages()) in proc.stderr
    assert "jupyter-book" not in proc.stdout     # stopped before the build
