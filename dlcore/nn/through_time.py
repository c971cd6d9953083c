"""How the error signal travels back through time in a recurrent network.

``hidden_gradients`` runs a network forward and back and returns one recurrent layer's BPTT
sweep; ``gradient_norms`` reduces it to ‖∂E/∂h_t‖ (or ‖∂E/∂c_t‖ for an LSTM) per time step: the
size of the error signal that reaches step t, which vanishes or explodes geometrically with
the distance from the end (chapters 15 and 16).
"""
from __future__ import annotations

import numpy as np

from .._validate import check_int
from .network import Network
from .recurrent import BPTTResult

__all__ = ["hidden_gradients", "gradient_norms"]


def hidden_gradients(network, X, T, layer=None, reduction="sum") -> BPTTResult:
    """Run ``network`` forward and back on (X, T) and return the BPTT sweep of one layer.

    ``layer`` is the index into ``network.layers`` of a recurrent layer (``SimpleRNN`` or
    ``LSTM``); by default the last recurrent layer. The result's ``dh[:, t]`` is ∂E/∂h_t.
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a dlcore.Network, got {type(network).__name__}")
    recurrent = [i for i, lay in enumerate(network.layers) if hasattr(lay, "bptt")]
    if not recurrent:
        raise ValueError("network has no recurrent layer (SimpleRNN or LSTM)")
    if layer is None:
        layer = recurrent[-1]
    layer = check_int(layer, "layer", minimum=0)
    if layer not in recurrent:
        raise ValueError(f"layer must be the index of a recurrent layer, one of {recurrent}; got {layer}")
    trace = network.forward(X)
    grads = network.backward(trace, T, reduction)
    l = layer + 1                                     # the lectures' 1-based layer number
    dA = network.layers[layer + 1].input_grad(grads.delta[l + 1], trace.cache[l + 1])
    return network.layers[layer].bptt(dA, trace.z[l], trace.cache[l])


def gradient_norms(network, X, T, layer=None, reduction="sum", which="h"):
    """‖∂E/∂h_t‖ for t = 1 … time (``which="c"``: ‖∂E/∂c_t‖ of an LSTM), shape (time,).

    Each entry is the mean over the examples of the Euclidean norm of that example's
    gradient vector at step t.
    """
    r = hidden_gradients(network, X, T, layer, reduction)
    if which not in ("h", "c"):
        raise ValueError(f"which must be 'h' or 'c', got {which!r}")
    if which == "c" and r.dc is None:
        raise ValueError("which='c' needs an LSTM layer (a simple RNN has no cell state)")
    g = r.dh if which == "h" else r.dc
    return np.linalg.norm(g, axis=2).mean(axis=0)


