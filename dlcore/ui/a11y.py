"""Names that a screen reader reads out for the panels' sliders, in JupyterLab and on the site.

ipywidgets draws a slider with noUiSlider: each handle is an element with ``role="slider"``
and its value, but without a name (axe's rule ``aria-input-field-name``), and ipywidgets
8 offers no option to give it one. ``SLIDER_NAMES_JS`` gives every handle the text of its
slider's label as ``aria-label`` (a two-handle range slider: "… (lower end)", "… (upper
end)"), now and for every slider drawn later (a ``MutationObserver``); it also gives a
live panel's figure (an ipywidgets Image, which has no alt text) the description the panel
writes, visually hidden, next to it (``dlcore.ui.live``). The book's Sphinx
extension (``site/_ext/offline_assets.py``) adds it to every page with widgets; in
JupyterLab, ``name_sliders()`` shows it once per kernel as an HTML output, whose script
JupyterLab runs (outputs produced in the session are trusted).
"""
from __future__ import annotations

__all__ = ["SLIDER_NAMES_JS", "name_sliders"]

SLIDER_NAMES_JS = """\
(function () {
  "use strict";
  if (window.__dlcoreSliderNames) { return; }
  window.__dlcoreSliderNames = true;
  function name(root) {
    var sliders = root.querySelectorAll(".widget-slider, .jupyter-widget-slider, .widget-hslider");
    Array.prototype.forEach.call(sliders, function (slider) {
      var label = slider.querySelector(".widget-label, label");
      var text = label ? label.textContent.trim() : "";
      var handles = slider.querySelectorAll(".noUi-handle");
      Array.prototype.forEach.call(handles, function (handle, i) {
        var wanted = text + (handles.length > 1 ? (i === 0 ? " (lower end)" : " (upper end)") : "");
        if (text && handle.getAttribute("aria-label") !== wanted) { handle.setAttribute("aria-label", wanted); }
      });
    });
  }
  function describe(root) {  // live panels: alt text from the hidden description after the image
    var images = root.querySelectorAll("img.widget-image");
    Array.prototype.forEach.call(images, function (img) {
      var box = img.closest(".widget-box, .widget-vbox, .jupyter-widgets");
      var text = box && box.parentElement ? box.parentElement.querySelector(".dlcore-alt") : null;
      var wanted = text ? text.textContent : "";
      if (wanted && img.getAttribute("alt") !== wanted) { img.setAttribute("alt", wanted); }
    });
  }
  var pending = false;
  function later() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; name(document); describe(document); });
  }
  function start() {
    name(document);
    describe(document);
    new MutationObserver(later).observe(document.body, {childList: true, subtree: true, characterData: true});
  }
  if (document.body) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
"""

_SHOWN = []


def name_sliders():
    """In a notebook, once per kernel: an (invisible) HTML output whose script names every
    slider handle of the page after its label. Does nothing outside IPython."""
    if _SHOWN:
        return
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return
    if get_ipython() is None or not hasattr(get_ipython(), "kernel"):
        return
    _SHOWN.append(True)
    display(HTML(f"<script>{SLIDER_NAMES_JS}</script>"))
