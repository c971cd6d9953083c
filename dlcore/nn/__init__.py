"""The numeric core: the kernels a student reads beside the lecture's equations.

Rule: numpy only; imports nothing from dlcore but ``_validate`` (never matplotlib, ipywidgets,
or the train, data, viz, ui, teaching and chapters layers above it).
"""
