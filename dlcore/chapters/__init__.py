"""One companion module per chapter: its data, networks, settings, figures and panels.

Rule: only ``book/`` and chapter modules' own tests import these; a chapter module imports
the generic layers (``ui``, ``viz``, ``train``, ``data``, ``nn``), never another chapter's module.
"""
