"""Engines: how one epoch of updates is computed behind ``fit(..., engine=...)``.

Rule: numpy only, as the rest of ``train``; an engine calls the kernels of ``nn`` and ``optim``.
"""
from __future__ import annotations

from .reference import ReferenceEngine

__all__ = ["NAMES", "build", "ReferenceEngine"]

# "auto" picks the fastest engine that applies. Today that is always the reference engine:
# a fused engine (the same kernels on buffers allocated once) measured 1.03-1.15x faster on
# the chapters' workloads and was removed, since an engine is kept only at >= 1.5x
# (benchmarks/fit_speed.py, benchmarks/mlp_throughput.py; README, Performance).
NAMES = ("auto", "reference")


def build(run):
    """The engine ``run.engine`` names."""
    return ReferenceEngine(run)
