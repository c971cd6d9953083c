"""Figures that no single chapter owns: style, curves, diagrams, regions, images, rendering.

Rule: matplotlib is allowed here; imports the layers below (``train``, ``data``, ``teaching``,
``nn``), never ``ui`` or ``chapters``, and no ipywidgets.
"""
