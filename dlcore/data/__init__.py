"""Data: the lectures' tables, bundled data sets, MNIST's IDX files and preprocessing.

Rule: numpy (and optionally scikit-learn's bundled digits); imports ``nn`` and ``_validate``
below it, never its siblings ``train`` and ``teaching``, nor matplotlib or ipywidgets.
"""
