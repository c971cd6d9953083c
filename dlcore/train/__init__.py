"""How parameters move: the update rules, ``fit`` (the one epoch loop), stopping and recording.

Rule: numpy only; imports ``nn`` and ``_validate`` below it, never its siblings ``data`` and
``teaching``, nor matplotlib or ipywidgets.
"""
