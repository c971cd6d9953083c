"""Sphinx extension: what a screen reader needs that the theme and the widgets leave out.

Registered in ``_config.yml`` under ``sphinx.local_extensions``; ``tests/test_site_a11y.py``
runs axe-core on every page and asserts that no serious or critical violation is left.

1. On pages with saved ipywidgets state, names every slider handle after its label
   (``dlcore.ui.a11y.SLIDER_NAMES_JS``): ipywidgets' noUiSlider handles carry
   ``role="slider"`` but no name (axe: ``aria-input-field-name``).
2. Draws myst-nb's "show code cell source" toggle without ``aria-label="Toggle hidden
   content"``, so the name a screen reader reads is the text the reader sees (axe:
   ``label-content-name-mismatch``). It replaces myst-nb's HTML visitor for that node
   (``app.add_node(..., override=True)``); the markup is otherwise the same.

The theme's search and colour-mode buttons are fixed by template overrides in
``site/_templates`` (same reason, see the comment in each).
"""
from __future__ import annotations

from html import escape
from typing import Any

from sphinx.application import Sphinx

WIDGET_STATE_MIMETYPE = "application/vnd.jupyter.widget-state+json"


def add_slider_names(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    if any((getattr(s, "attributes", {}) or {}).get("type") == WIDGET_STATE_MIMETYPE for s in scripts):
        from sphinx.builders.html._assets import _JavaScript

        from dlcore.ui.a11y import SLIDER_NAMES_JS

        scripts.append(_JavaScript("", body=SLIDER_NAMES_JS, priority=500))


def visit_hidden_input(self, node) -> None:
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_hidden_input(self, node) -> None:
    self.body.append("</details>\n")


def override_hidden_input(app: Sphinx, config: Any) -> None:
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_node(HideCodeCellNode, override=True, html=(visit_hidden_input, depart_hidden_input))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", add_slider_names, priority=910)
    # after myst-nb has registered its own visitor (it does so in its setup)
    app.connect("config-inited", override_hidden_input, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
