"""Interactive panels that no single chapter owns: control-to-figure wiring, static frames, the explorer.

Rule: ipywidgets is allowed here; imports ``viz`` and the layers below it, never ``chapters``.
"""
