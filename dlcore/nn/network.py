"""``Network``: a stack of layers with a loss, a traced forward pass and backpropagation.

Indices follow the lectures: ``trace.a[0]`` is the input X, layers are 1 … L, and
index 0 of ``z``, ``delta``, ``dW`` and ``db`` is ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_float_array, as_rng, check_choice
from . import losses as _losses
from .layers import Layer

__all__ = ["Network", "Trace", "Grads"]


@dataclass
class Trace:
    """What the forward pass computed: ``z[l]`` and ``a[l]`` for l = 0 … L (z[0] is None)."""

    z: list
    a: list
    cache: list = field(default_factory=list)

    @property
    def output(self):
        return self.a[-1]


@dataclass
class Grads:
    """What backpropagation computed, indexed by layer l = 1 … L (index 0 is None).

    ``delta[l]`` is δ_l = ∂E/∂z_l for each example (rows), as in Kelleher's worked example;
    ``dW[l]`` and ``db[l]`` are ∂E/∂W_l and ∂E/∂b_l combined over the batch by the
    reduction; ``params[l]`` holds the gradient of every parameter of layer l by name
    (``"W"``, ``"b"``, ``"lam"`` for PReLU). ``dW[l]`` is None for layers without weights.
    """

    delta: list
    params: list
    reduction: str = "sum"

    @property
    def dW(self):
        return [None if g is None else g.get("W") for g in self.params]

    @property
    def db(self):
        return [None if g is None else g.get("b") for g in self.params]


class Network:
    """A feed-forward network: ``Network([Dense(...), ...], loss="sse")``.

    ``loss`` is a name from ``dlcore.losses.names()`` or a ``Loss`` object
    (``losses.CrossEntropy(label_smoothing=0.1)``).
    """

    def __init__(self, layers, loss="sse"):
        if isinstance(layers, Layer):
            layers = [layers]
        layers = list(layers) if not isinstance(layers, (str, bytes)) else None
        if not layers:
            raise ValueError("layers must be a non-empty list of layers, got "
                             f"{layers!r}")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a dlcore layer, got {type(layer).__name__}")
        prev = None  # the feature count flowing out of the layers so far, when known
        for i, layer in enumerate(layers):
            n_in = getattr(layer, "n_in", None)
            if n_in is not None and prev is not None and n_in != prev:
                raise ValueError(f"layers[{i}] expects {n_in} inputs but the layer before it "
                                 f"gives {prev} outputs")
            n_out = getattr(layer, "n_out", None)
            prev = n_out if n_out is not None else (prev if layer.preserves_shape else None)
        if getattr(layers[-1], "activation", None) is None:
            raise ValueError(f"the last layer must produce the output (a layer with an activation, "
                             f"such as Dense), got {type(layers[-1]).__name__}")
        self.layers = layers
        self.loss_fn = _losses.get(loss)
        for layer in layers[:-1]:
            act = getattr(layer, "activation", None)
            if act is not None and act.name == "softmax":
                raise ValueError("softmax can only be the activation of the output layer")

    # ------------------------------------------------------------------ helpers
    @property
    def stochastic(self):
        """True when some layer (such as dropout) behaves randomly in training."""
        return any(getattr(layer, "stochastic", False) for layer in self.layers)

    @property
    def n_in(self):
        """Input features the network expects (None when the first layer does not fix it)."""
        for layer in self.layers:
            if layer.n_in is not None or not layer.preserves_shape:
                return layer.n_in
        return None

    @property
    def n_out(self):
        return self.layers[-1].n_out

    @property
    def dtype(self):
        return next((l.W.dtype for l in self.layers if hasattr(l, "W")), np.dtype(np.float64))

    def check_X(self, X, name="X"):
        first = self.layers[0]
        X = as_float_array(X, name, ndim=first.input_ndim, dtype=self.dtype)
        if hasattr(first, "check_input"):
            first.check_input(X, name)   # layers with structured inputs check their own shape
        elif X.ndim == 2 and self.n_in is not None and X.shape[1] != self.n_in:
            raise ValueError(f"{name} must have shape (n, {self.n_in}) for this network, got {X.shape}")
        return X

    def check_T(self, T, n, name="T"):
        T = as_float_array(T, name, ndim=(1, 2), dtype=self.dtype)
        if T.ndim == 1 and self.n_out == 1:
            T = T[:, None]
        if T.shape != (n, self.n_out):
            raise ValueError(f"{name} must have shape ({n}, {self.n_out}) to match the "
                             f"{n} examples and {self.n_out} outputs, got {T.shape}")
        self.loss_fn.check_targets(T)
        return T

    # ------------------------------------------------------------------ forward
    def forward(self, X, training=False, rng=None) -> Trace:
        """Propagate X (n, n_in) through every layer, keeping z and a of each layer.

        ``training=True`` switches on training-only behaviour such as dropout, whose
        random masks come from ``rng``.
        """
        X = self.check_X(X)
        return self._forward(X, training, as_rng(rng) if training else None)

    def _forward(self, X, training=False, rng=None) -> Trace:
        z, a, cache = [None], [X], [None]
        for layer in self.layers:
            zl, al, cl = layer.forward(a[-1], training, rng)
            z.append(zl)
            a.append(al)
            cache.append(cl)
        return Trace(z, a, cache)

    def predict(self, X):
        """The network's outputs a_L for X, shape (n, n_out)."""
        return self.forward(X).output

    def loss(self, X, T, reduction="sum"):
        """E over the data set (``"sum"`` over examples, or ``"mean"``)."""
        X = self.check_X(X)
        T = self.check_T(T, X.shape[0])
        check_choice(reduction, "reduction", _losses.REDUCTIONS)
        return self._loss(self._forward(X), T, reduction)

    def _loss(self, trace, T, reduction="sum"):
        out = self.layers[-1]
        if not out.activation.parametric:
            return self.loss_fn.value_from_logits(trace.z[-1], T, out.activation, reduction)
        return self.loss_fn.value(trace.a[-1], T, reduction)

    # ----------------------------------------------------------------- backward
    def backward(self, trace: Trace, T, reduction="sum") -> Grads:
        """Backpropagate: δ_L from the loss, then δ_l = (δ_{l+1} W_{l+1}) ⊙ φ'(z_l).

        ``reduction="sum"`` adds the per-example gradients (Kelleher eq. 29);
        ``"mean"`` divides them by the number of examples (Kaplan's η/m).
        """
        if not isinstance(trace, Trace):
            raise TypeError(f"trace must be the Trace returned by forward(), got {type(trace).__name__}")
        if len(trace.a) != len(self.layers) + 1:
            raise ValueError(f"trace has {len(trace.a) - 1} layers but the network has {len(self.layers)}")
        T = self.check_T(T, trace.a[0].shape[0])
        check_choice(reduction, "reduction", _losses.REDUCTIONS)
        return self._backward(trace, T, reduction)

    def _backward(self, trace, T, reduction="sum") -> Grads:
        L = len(self.layers)
        delta, params = [None] * (L + 1), [None] * (L + 1)
        scale = 1.0 / T.shape[0] if reduction == "mean" else 1.0
        out = self.layers[-1]
        zL, aL = trace.z[L], trace.a[L]
        if self._fused_output():
            delta[L], extra = self.loss_fn.delta(aL, T, zL, out.activation), {}
        else:
            delta[L], extra = out.activation_backward(self.loss_fn.grad(aL, T), zL, aL, trace.cache[L])
        for l in range(L, 0, -1):
            layer = self.layers[l - 1]
            if l < L:
                delta[l], extra = layer.activation_backward(dA, trace.z[l], trace.a[l], trace.cache[l])
            g = layer.param_grads(delta[l], trace.a[l - 1])
            g.update(extra)
            if scale != 1.0:
                for v in g.values():
                    v *= scale
            params[l] = g
            if l > 1:
                dA = layer.input_grad(delta[l])
        return Grads(delta, params, reduction)

    def _fused_output(self):
        """Softmax + cross-entropy and logistic + binary cross-entropy give δ_L = a − t directly."""
        act = self.layers[-1].activation
        return (self.loss_fn.name, act.name) in (
            ("cross_entropy", "softmax"), ("binary_cross_entropy", "logistic"))

    # --------------------------------------------------------------- parameters
    def parameters(self):
        """Every parameter as (layer index l, name, array); arrays are the live ones."""
        return [(l, name, arr) for l, layer in enumerate(self.layers, start=1)
                for name, arr in layer.params.items()]

    def get_params(self):
        """A deep copy of all parameters, to restore later with ``set_params``."""
        return [{k: v.copy() for k, v in layer.params.items()} for layer in self.layers]

    def set_params(self, state):
        """Copy parameters saved by ``get_params`` back into the layers (in place)."""
        if not isinstance(state, (list, tuple)) or len(state) != len(self.layers):
            raise ValueError(f"state must be a list of {len(self.layers)} parameter dicts from get_params()")
        for l, (layer, saved) in enumerate(zip(self.layers, state), start=1):
            current = layer.params
            if set(saved) != set(current):
                raise ValueError(f"state for layer {l} has parameters {sorted(saved)}, expected {sorted(current)}")
            for k, v in saved.items():
                if np.shape(v) != current[k].shape:
                    raise ValueError(f"state for layer {l} parameter {k} has shape {np.shape(v)}, "
                                     f"expected {current[k].shape}")
                current[k][...] = v

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        return f"Network([\n    {inner}],\n    loss={self.loss_fn!r})"

    # ------------------------------------------------------------ saving, loading
    def save(self, path):
        """Write this network to ``path`` as ``.npz`` + JSON metadata (``dlcore.nn.serialize``)."""
        from . import serialize
        return serialize.save(self, path)

    @classmethod
    def load(cls, path):
        """Read a network written by ``save``, checking every array (``dlcore.nn.serialize``)."""
        from . import serialize
        return serialize.load(path, cls)
