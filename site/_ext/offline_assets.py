"""Sphinx extension: keep every page of the book self-contained and error-free offline.

Registered in ``_config.yml`` under ``sphinx.local_extensions``. It acts on each page's
script list just before the page is written (``html-page-context``):

1. Drops duplicate ``<script>`` entries. sphinx-thebe 0.3.1 registers its inline
   ``const THEBE_JS_URL = ...`` snippet twice, which is a JavaScript SyntaxError
   ("Identifier 'THEBE_JS_URL' has already been declared") on every page.
   De-duplicating keeps thebe (and the launch-button mechanism) intact.

2. On pages that carry saved ipywidgets state, adds a tiny MathJax-2 API shim.
   ``@jupyter-widgets/html-manager`` 1.0.6 typesets widget labels with
   ``MathJax.Hub.Queue(["Typeset", MathJax.Hub, el])`` whenever ``window.MathJax``
   exists; with MathJax 3 there is no ``Hub``, so that is a page error. The shim maps
   it onto ``MathJax.typesetPromise``.

3. On the search page, makes result excerpts start with the page's text: Sphinx's search
   takes an excerpt from the page's main element, which with sphinx-book-theme begins with
   the article header's buttons ("Binder", ".ipynb", ...). The page's ``Search.htmlToText``
   is wrapped to drop that header (and the previous/next links) first.

4. Sets ``DLCORE_STATIC_PANELS=1`` for the notebook kernels the build starts, so that
   panels render their precomputed, kernel-free form (see ``dlcore.ui.static``).
"""
from __future__ import annotations

import os
from typing import Any

from sphinx.application import Sphinx

WIDGET_STATE_MIMETYPE = "application/vnd.jupyter.widget-state+json"

# Installed on the real MathJax 3 object once it exists (html-manager renders widgets
# on window "load", after the deferred MathJax script has run; this inline script runs
# earlier, so its "load" listener fires first).
MATHJAX2_SHIM = """\
(function () {
  "use strict";
  function ready() {
    var mj = window.MathJax;
    return (mj && mj.startup && mj.startup.promise) || Promise.resolve();
  }
  function typeset(el) {
    return ready().then(function () {
      var mj = window.MathJax;
      if (el && mj && typeof mj.typesetPromise === "function") {
        return mj.typesetPromise([el]);
      }
    }).catch(function (err) { console.warn("MathJax typeset failed:", err); });
  }
  var Hub = {
    Queue: function () {  // MathJax 2: Queue(["Typeset", MathJax.Hub, element], callback, ...)
      var chain = Promise.resolve();
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset") {
          chain = chain.then(function () { return typeset(job[2]); });
        } else if (typeof job === "function") {
          chain = chain.then(function () { return job(); });
        }
      });
      return chain;
    },
    Typeset: function (el, callback) {
      return typeset(el).then(function () { if (typeof callback === "function") { callback(); } });
    }
  };
  function install() {
    var mj = window.MathJax;
    if (mj && typeof mj === "object" && mj.version && !mj.Hub) { mj.Hub = Hub; }
  }
  document.addEventListener("DOMContentLoaded", install);
  window.addEventListener("load", install);
})();
"""


# Runs before searchtools.js' DOMContentLoaded handler; excerpts are made later, per result.
SEARCH_EXCERPTS = """\
(function () {
  "use strict";
  function patch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search.dlcoreExcerpts) { return; }
    var original = Search.htmlToText;
    Search.htmlToText = function (html, anchor) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      doc.querySelectorAll(".bd-header-article, .header-article-items, .prev-next-area, #pst-back-to-top")
        .forEach(function (el) { el.remove(); });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.dlcoreExcerpts = true;
  }
  document.addEventListener("DOMContentLoaded", patch);
})();
"""


def _script_key(script: Any) -> tuple:
    # Inline scripts come with filename None (app.add_js_file) or "" (builder.add_js_file);
    # treat them alike so the same body registered both ways counts as one script.
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def tidy_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)

    has_widget_state = any(
        (getattr(s, "attributes", {}) or {}).get("type") == WIDGET_STATE_MIMETYPE
        for s in unique
    )
    from sphinx.builders.html._assets import _JavaScript

    if has_widget_state:
        unique.append(_JavaScript("", body=MATHJAX2_SHIM, priority=400))
    if pagename == "search":
        unique.append(_JavaScript("", body=SEARCH_EXCERPTS, priority=400))

    scripts[:] = unique


def setup(app: Sphinx) -> dict[str, Any]:
    # Notebook kernels started by this build inherit the variable: chapters' main panels
    # then precompute their frames and link them in the browser (dlcore.widgets_static).
    os.environ.setdefault("DLCORE_STATIC_PANELS", "1")
    # Run after myst-nb and the themes have added their per-page scripts.
    app.connect("html-page-context", tidy_scripts, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
