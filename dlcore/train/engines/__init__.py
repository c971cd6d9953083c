"""Engines: how one epoch of updates is computed behind ``fit(..., engine=...)``, same numbers either way.

Rule: numpy only, as the rest of ``train``; an engine calls the kernels of ``nn`` and ``optim``.
"""
from __future__ import annotations

from .fused import FusedEngine, unsupported
from .reference import ReferenceEngine

__all__ = ["NAMES", "build", "FusedEngine", "ReferenceEngine", "unsupported"]

NAMES = ("auto", "reference", "fused")


def build(run):
    """The engine ``run.engine`` names ("auto": fused where it applies, else reference)."""
    why = unsupported(run.network)
    if run.engine == "reference" or (run.engine == "auto" and why):
        return ReferenceEngine(run)
    if why:
        raise ValueError(f"engine='fused' cannot train this network: {why}; use engine='auto' "
                         "(or 'reference'), which trains any network")
    return FusedEngine(run)
