"""Sphinx extension: the LaTeX side of the book's PDF (``make pdf``).

Registered in ``_config.yml`` under ``sphinx.local_extensions``; it changes nothing in the
HTML build. Jupyter Book's ``sphinx-jupyterbook-latex`` turns the table of contents into
parts and wraps notebook cells for LaTeX, but also forces its ``jupyterBook`` document
class, which loads ``bbm`` (Debian's 500 MB ``texlive-fonts-extra``), ``tikz`` and
``pgfplots``, none of which the book uses. This extension runs after it and switches to
``site/_ext/latex/dlcorebook.cls``: Sphinx's ``sphinxmanual`` plus the two cell
environments that extension emits.

It also sets ``numfig_secnum_depth = 2`` when the LaTeX builder starts (so LaTeX numbers
figures per chapter under parts). That value is an environment setting: saved with the
environment it would make the next ``make book`` re-read and re-execute every chapter
("config changed"), and the LaTeX build could never reuse the site's executed outputs.
``KeepEnvironmentConfig`` therefore holds the configured value while the environment is
read and saved, and hands the LaTeX writer that extension's value when writing starts.

That extension also treats the root page as front matter and drops its title (Sphinx
prints the first title of the document as the book's title). The root page is chapter 0
here, so ``RootChapterTitle`` prints its title as an unnumbered chapter in the contents.

Panels need nothing here: each one's output carries its print form, a grid of every frame
(``dlcore.ui.static.FramesPanel``), which the LaTeX builder picks instead of the widget.
A table with a lot of text (the seven-column notation table of chapter 0) would run past
the margin and the foot of the page; ``LongTables`` makes it breakable across pages
(longtable, columns sized to the text width) and sets it a size smaller.

A widget without a print form would print its Python repr ("VBox(children=(HTML(...");
``WidgetNote`` prints a one-line note in its place instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.texescape import escape

HERE = Path(__file__).parent
THEME = "dlcorebook"


def use_book_class(app: Sphinx, config: Config) -> None:
    """Point the LaTeX theme at ``latex/dlcorebook`` and ship its class file with the .tex."""
    config.latex_theme = THEME
    config.latex_theme_path = [*config.latex_theme_path, str(HERE / "latex")]
    cls = str(HERE / "latex" / f"{THEME}.cls")
    if cls not in config.latex_additional_files:
        config.latex_additional_files = [*config.latex_additional_files, cls]


class RootChapterTitle(SphinxPostTransform):
    """In the assembled LaTeX document, open the root page with its own title (chapter 0)."""

    builders = ("latex",)
    default_priority = 800      # after sphinx-jupyterbook-latex has rearranged the root page

    def run(self, **kwargs: Any) -> None:
        root = self.config.root_doc
        if self.app.project.path2doc(self.document.get("source", "")) != root:
            return
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is None or not isinstance(section[0], nodes.title):
            return
        title = escape(self.env.titles[root].astext())
        section.insert(1, nodes.raw("", rf"\chapter*{{{title}}}\addcontentsline{{toc}}{{chapter}}{{{title}}}"
                                        rf"\markboth{{{title}}}{{{title}}}" "\n", format="latex"))


WIDGET = "application/vnd.jupyter.widget-view+json"
PRINTABLE = {"application/pdf", "image/png", "image/jpeg", "text/latex"}
NOTE = ("[An interactive widget is here in the online book and in JupyterLab; "
        "it has no printed form.]")


class WidgetNote(SphinxPostTransform):
    """Give a widget output with nothing printable a note as its plain-text form."""

    builders = ("latex",)
    default_priority = 3        # before myst-nb's SelectMimeType (4) picks text/plain

    def run(self, **kwargs: Any) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            kinds = {child.get("mime_type"): child for child in bundle.children}
            if WIDGET in kinds and not PRINTABLE & set(kinds) and "text/plain" in kinds:
                kinds["text/plain"].children = [nodes.paragraph("", "", nodes.emphasis(NOTE, NOTE))]


LONG = 2000   # characters of text: more than Sphinx's tabulary can set on one page


class LongTables(SphinxPostTransform):
    """Tables with more than ``LONG`` characters: breakable across pages, in footnote size.

    Each column gets a share of the text width in proportion to the average length of its
    cells, but room for three times its longest word (code does not hyphenate) and at least a
    third of an equal share, so long prose columns wrap and short code columns fit.
    """

    builders = ("latex",)
    default_priority = 800

    def run(self, **kwargs: Any) -> None:
        for table in list(self.document.findall(nodes.table)):
            group = next(iter(table.findall(nodes.tgroup)), None)
            if group is None or len(table.astext()) <= LONG:
                continue
            rows = [row.children for row in group.findall(nodes.row)]
            n = group["cols"]
            cells = [[r[j].astext() for r in rows if j < len(r)] for j in range(n)]
            mean = [sum(map(len, col)) / len(rows) for col in cells]
            word = [max((len(w) for c in col for w in c.split()), default=1) for col in cells]
            for spec, m, w in zip(group.findall(nodes.colspec), mean, word):
                spec["colwidth"] = round(max(m, 3 * w, sum(mean) / (3 * n)))
            table["classes"] += ["longtable", "colwidths-given"]
            parent, at = table.parent, table.parent.index(table)
            parent.insert(at + 1, nodes.raw("", "\\endgroup\n", format="latex"))
            parent.insert(at, nodes.raw("", "\\begingroup\\footnotesize\n", format="latex"))


class KeepEnvironmentConfig:
    """Keep ``numfig_secnum_depth`` as configured while the environment is read and saved."""

    def __init__(self, app: Sphinx) -> None:
        self.configured = self.for_latex = None
        app.connect("config-inited", self.remember, priority=900)
        app.connect("builder-inited", self.restore, priority=900)   # after sphinx-jupyterbook-latex
        app.connect("write-started", self.hand_to_writer)           # the environment is saved by then

    def remember(self, app: Sphinx, config: Config) -> None:
        self.configured = config.numfig_secnum_depth

    def restore(self, app: Sphinx) -> None:
        if app.builder.format == "latex":
            self.for_latex, app.config.numfig_secnum_depth = app.config.numfig_secnum_depth, self.configured

    def hand_to_writer(self, app: Sphinx, builder: Any) -> None:
        if self.for_latex is not None:
            app.config.numfig_secnum_depth = self.for_latex


def setup(app: Sphinx) -> dict[str, Any]:
    # sphinx-jupyterbook-latex sets latex_theme = "jupyterBook" on config-inited at the
    # default priority (500); a later priority runs after it.
    app.connect("config-inited", use_book_class, priority=900)
    KeepEnvironmentConfig(app)
    app.add_post_transform(RootChapterTitle)
    app.add_post_transform(WidgetNote)
    app.add_post_transform(LongTables)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
