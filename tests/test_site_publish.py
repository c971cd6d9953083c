"""The published book beyond "every page loads" (test_site.py): launch buttons, downloadable
notebooks that run in a fresh Python, captions and alt text, dark mode, search and page
weight. Uses the session's single book build (site_fixtures.py).
"""
from __future__ import annotations

import base64
import html as html_lib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from site_fixtures import REPO

CONFIG = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))
URL, BRANCH = CONFIG["repository"]["url"], CONFIG["repository"]["branch"]
# the commit the site is built from: downloaded chapters install exactly that code
HEAD = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                      check=True).stdout.strip()
ORG, NAME = URL.split("github.com/")[1].split("/")[:2]
CHAPTERS = sorted(p.stem for p in (REPO / "book").glob("[0-9][0-9]_*.md"))
SETUP_TAG = "dlcore-setup"
PAGE_BUDGET = 4_000_000   # bytes of HTML per page (saved figures and precomputed frames included)


def _page(built_site: Path, stem: str) -> str:
    return (built_site / "book" / f"{stem}.html").read_text(encoding="utf8")


# --------------------------------------------------------------------------- launch buttons

@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_has_binder_colab_and_download_links(built_site, stem):
    page = html_lib.unescape(_page(built_site, stem))
    binder = (f"{CONFIG['launch_buttons']['binderhub_url']}/v2/gh/{ORG}/{NAME}/{BRANCH}"
              f"?urlpath=lab/tree/book/{stem}.md")
    colab = (f"{CONFIG['launch_buttons']['colab_url']}/github/{ORG}/{NAME}/blob/"
             f"{CONFIG['sphinx']['config']['colab_notebook_branch']}/_sources/book/{stem}.ipynb")
    assert binder in page, f"no Binder link {binder}"
    assert colab in page, f"no Colab link {colab}"
    assert f"_sources/book/{stem}.ipynb" in page, "no 'download .ipynb' link"


@pytest.mark.parametrize("stem", CHAPTERS)
def test_downloadable_notebook_is_the_chapter_plus_a_setup_cell(built_site, stem):
    nb = nbformat.read(built_site / "_sources" / "book" / f"{stem}.ipynb", as_version=4)
    nbformat.validate(nb)
    setup = nb.cells[0]
    assert setup.cell_type == "code" and setup.metadata.get("tags") == [SETUP_TAG]
    assert f"git+{URL}@{HEAD}" in setup.source
    source = jupytext.read(REPO / "book" / f"{stem}.md", fmt="md:myst")
    assert [c.source for c in nb.cells[1:]] == [c.source for c in source.cells]
    # executed: every code cell of the chapter carries its outputs
    assert all(c.execution_count for c in nb.cells[1:] if c.cell_type == "code" and c.source.strip())


def _venv_without_dlcore(path: Path) -> Path:
    """A fresh venv that sees this environment's packages but not dlcore (no network needed)."""
    venv.create(path, with_pip=False)   # pip too comes from this environment (ensurepip's is older)
    python = path / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # a plain path line: the editable install's own .pth (dlcore's finder) is NOT processed
    ours = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "outer.pth").write_text("\n".join(ours) + "\n")
    return python


def test_downloaded_notebook_installs_the_project_and_runs(built_site, tmp_path):
    """Chapter 7's downloaded notebook in a Python without dlcore: the setup cell installs the
    project from the repository (a local clone stands in for GitHub, pip stays offline) and
    every cell then runs: what Colab or a student's own Jupyter does with it."""
    if not shutil.which("git"):
        pytest.fail("git is needed to install from a git URL", pytrace=False)
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", HEAD], check=True)
    python = _venv_without_dlcore(tmp_path / "venv")
    probe = subprocess.run([str(python), "-c", "import dlcore"], cwd=tmp_path, capture_output=True)
    assert probe.returncode != 0, "the fresh venv must not see dlcore before the setup cell"

    nb = nbformat.read(built_site / "_sources/book/07_backprop_by_hand.ipynb", as_version=4)
    remote = f"git+{URL}@{HEAD}"
    assert remote in nb.cells[0].source
    nb.cells[0].source = nb.cells[0].source.replace(remote, f"git+file://{clone}@{HEAD}")
    nbformat.write(nb, tmp_path / "ch07.ipynb")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MPL", "JUPYTER", "PYTHON"))}
    env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1",
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter"), JUPYTER_PATH=str(tmp_path / "venv/share/jupyter"),
               HOME=str(tmp_path))
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(tmp_path / "venv"),
                    "--name", "python3"], env=env, check=True, capture_output=True)
    run = subprocess.run(
        [str(python), "-c",
         "import nbformat, nbclient, sys; nb = nbformat.read(sys.argv[1], as_version=4); "
         "nbclient.NotebookClient(nb, timeout=600, kernel_name='python3').execute(); "
         "nbformat.write(nb, sys.argv[1])", str(tmp_path / "ch07.ipynb")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    installed = subprocess.run([str(python), "-c", "import dlcore; print(dlcore.__file__)"],
                               cwd=tmp_path, capture_output=True, text=True, env=env)
    assert str(tmp_path / "venv") in installed.stdout, installed.stdout + installed.stderr


# --------------------------------------------------------------------------- accessibility

_IMG = re.compile(r"<img\b[^>]*>", re.S)
_ALT = re.compile(r'\balt="([^"]*)"')
_WIDGET_STATE = re.compile(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', re.S)


def _strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _html_pages(built_site: Path) -> list[Path]:
    return sorted([built_site / "book" / f"{s}.html" for s in CHAPTERS]
                  + [built_site / "book" / "instructors_guide.html"])


def test_every_image_has_alt_text_and_every_figure_a_caption(built_site):
    problems = []
    for path in _html_pages(built_site):
        text = path.read_text(encoding="utf8")
        body = _WIDGET_STATE.sub("", text)
        for tag in _IMG.findall(body):
            alt = _ALT.search(tag)
            if not (alt and alt.group(1).strip()):
                problems.append(f"{path.name}: <img> without alt text: {tag[:120]}")
        for output in re.findall(r'<div class="cell_output docutils container">(.*?)</div>\s*</div>',
                                 body, flags=re.S):
            if "<img" in output and "<figcaption" not in output:
                problems.append(f"{path.name}: figure output without a caption: {output[:160]}")
        # the precomputed frames of the static panels (HTML strings inside the saved widget state)
        for state in _WIDGET_STATE.findall(text):
            for tag in (t for string in _strings(json.loads(state)) for t in _IMG.findall(string)):
                alt = _ALT.search(tag)
                if not (alt and alt.group(1).strip()):
                    problems.append(f"{path.name}: a precomputed frame without alt text")
    assert not problems, "\n".join(problems[:40])


def _opaque(png: bytes) -> bool:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGBA")
    w, h = image.size
    return all(image.getpixel(p)[3] == 255 for p in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)])


def test_figures_have_an_opaque_background_for_dark_mode(built_site):
    """A transparent figure would put black axis labels on the dark theme's background."""
    transparent = [p.name for p in sorted((built_site / "_images").glob("*.png"))
                   if not _opaque(p.read_bytes())]
    for path in _html_pages(built_site):
        for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", path.read_text(encoding="utf8")):
            if not _opaque(base64.b64decode(data)):
                transparent.append(f"a frame on {path.name}")
    assert not transparent, f"figures with a transparent background: {transparent[:20]}"


def test_page_weight_within_budget(built_site):
    heavy = {p.name: p.stat().st_size for p in _html_pages(built_site) if p.stat().st_size > PAGE_BUDGET}
    assert not heavy, f"pages over {PAGE_BUDGET:,} bytes of HTML: {heavy}"


# Relative luminance and contrast ratio (WCAG 2.x), computed in the page.
_CAPTION_CONTRAST_JS = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const v = c.slice(0, 3).map(x => { x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = el => { for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c; }
    return [255, 255, 255]; };
  return Array.from(document.querySelectorAll("figcaption")).map(f => {
    const a = lum(rgb(getComputedStyle(f).color)), b = lum(background(f));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_captions_readable_in_light_and_dark_mode(browser, built_site, server, scheme, tmp_path):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{server}/book/07_backprop_by_hand.html", wait_until="networkidle")
        # the theme's script resolves data-theme from "auto" to the browser's colour scheme
        page.wait_for_function("document.documentElement.dataset.theme !== 'auto'", timeout=10_000)
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        ratios = page.evaluate(_CAPTION_CONTRAST_JS)
        page.screenshot(path=str(tmp_path / f"07_{scheme}.png"))
        assert len(ratios) >= 3, "chapter 7 has three captioned figures"
        assert min(ratios) >= 4.5, f"caption contrast below WCAG AA (4.5:1) in {scheme} mode: {ratios}"
        assert not errors, errors
    finally:
        context.close()


def test_search_finds_the_chapters(browser, built_site, server):
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(f"{server}/search.html?q=backpropagation", wait_until="networkidle")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(e => e.href)")
        assert any("07_backprop_by_hand" in h for h in hits), hits
        assert any("08_backprop_matrix_form" in h for h in hits), hits
    finally:
        context.close()


def test_chapters_and_figures_carry_the_chapter_numbers(built_site):
    """Numbered parts in _toc.yml: chapter NN's title reads "NN. ..." and its figures "Fig. NN.k"."""
    for stem in ("01_neurons_and_activations", "07_backprop_by_hand", "16_lstm"):
        n = int(stem[:2])
        page = _page(built_site, stem)
        titles = re.findall(r'<h1><span class="section-number">([\d.]+) </span>', page)
        assert titles == [f"{n}."], titles   # the article's title (the theme repeats it unnumbered)
        numbers = re.findall(r'<span class="caption-number">Fig\. ([\d.]+) </span>', page)
        assert numbers and numbers[0] == f"{n}.1", numbers
