"""Optional fused epochs behind ``fit``: the same formulas as ``nn``, fewer numpy calls.

Rule: numpy only, as the rest of ``train``; each engine stays equal to the reference loop.
"""
