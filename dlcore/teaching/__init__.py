"""What the chapters need to teach: check cells against lecture values, exercises, the figures CLI.

Rule: imports ``nn`` and ``_validate`` below it, never its siblings ``train`` and ``data``,
nor ``viz``, ``ui`` or ``chapters`` above it.
"""
