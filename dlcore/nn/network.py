"""``Network``: a stack of layers with a loss, a traced forward pass and backpropagation.

Indices follow the lectures: ``trace.a[0]`` is the input X, layers are 1 … L, and
index 0 of ``z``, ``delta``, ``dW`` and ``db`` is ``None``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_float_array, as_rng, check_bool, check_choice, check_real
from . import losses as _losses
from .layers import Layer
from .shapes import example_shape, layer_shapes

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
            first = next(j for j, other in enumerate(layers) if other is layer)
            if first != i:
                raise ValueError(f"layers[{first}] and layers[{i}] are the same layer object; create "
                                 "a new layer for each position (one object would share its weights "
                                 "and be updated twice per step)")
        if getattr(layers[-1], "activation", None) is None:
            raise ValueError(f"the last layer must produce the output (a layer with an activation, "
                             f"such as Dense), got {type(layers[-1]).__name__}")
        for i, layer in enumerate(layers[:-1]):
            act = getattr(layer, "activation", None)
            if act is not None and act.name == "softmax":
                raise ValueError(f"layers[{i}]: softmax can only be the activation of the output layer")
        self.layers = layers
        self.loss_fn = _losses.get(loss)
        _check_output(layers[-1], len(layers) - 1, self.loss_fn)
        shape = example_shape(layers)
        if shape is not None:            # the first layer fixes the input: check every layer now
            layer_shapes(layers, shape, strict=False)
        self._checked_shape = None       # the last input shape checked through every layer

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
        """X as an array of the network's dtype, its shape checked through every layer."""
        first = self.layers[0]
        X = as_float_array(X, name, ndim=first.input_ndim, dtype=self.dtype)
        if hasattr(first, "check_input"):
            first.check_input(X, name)   # layers with structured inputs check their own shape
        elif X.ndim == 2 and self.n_in is not None and X.shape[1] != self.n_in:
            raise ValueError(f"{name} must have shape (n, {self.n_in}) for this network, got {X.shape}")
        if X.shape[1:] != self._checked_shape:
            layer_shapes(self.layers, X.shape[1:], strict=False)
            self._checked_shape = X.shape[1:]
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
    def forward(self, X, training=False, rng=None, *, check=True) -> Trace:
        """Propagate X (n, n_in) through every layer, keeping z and a of each layer.

        ``training=True`` switches on training-only behaviour such as dropout, whose
        random masks come from ``rng``. ``check=False`` skips validating X, for callers
        that have checked it already (``fit`` checks once, not once per batch).
        """
        if check:
            X = self.check_X(X)
            training = check_bool(training, "training")
            rng = as_rng(rng) if training else None
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

    def loss(self, X, T, reduction="sum", *, weight_decay=0.0, check=True):
        """E over the data set (``"sum"`` over examples, or ``"mean"``), plus λ R(W) with
        ``weight_decay`` λ (see ``penalty``)."""
        if check:
            X = self.check_X(X)
            T = self.check_T(T, X.shape[0])
            weight_decay = check_real(weight_decay, "weight_decay", low=0.0)
        E = self.trace_loss(self.forward(X, check=False), T, reduction, check=check)
        return E + weight_decay * self.penalty() if weight_decay else E

    def penalty(self):
        """R(W) = ½ Σ_l ‖W_l‖², the L2 penalty on every weight (not the biases) of the
        backprop lecture's objective J = (1/N) Σ L + λ R(W, b); ∂R/∂W = W."""
        return 0.5 * sum(float(np.vdot(w, w)) for layer in self.layers
                         for w in layer.weights(layer.params))

    def decay(self, grads, weight_decay):
        """Add ∂(λ R)/∂W = λ W to the weight gradients in ``grads`` (one dict per layer, in
        order), in place."""
        for layer, g in zip(self.layers, grads):
            for dw, w in zip(layer.weights(g), layer.weights(layer.params)):
                dw += weight_decay * w

    def trace_loss(self, trace, T, reduction="sum", *, check=True):
        """E of a forward pass already made (``trace``), without running it again."""
        if check:
            T = self._check_trace(trace, T, reduction)
        return self.output_loss(trace.z[-1], trace.a[-1], T, reduction)

    def output_loss(self, zL, aL, T, reduction="sum"):
        """E from the output layer's z_L and a_L (n, n_out): from the logits where the loss
        has a stabler form for them (log-sum-exp: softmax + cross-entropy, logistic + binary
        cross-entropy), else from a_L. Arguments are not checked."""
        if self.loss_takes_logits:
            return self.loss_fn.value_from_logits(zL, T, self.layers[-1].activation, reduction,
                                                  check=False)
        return self.loss_fn.value(aL, T, reduction, check=False)

    def output_losses(self, zL, aL, T):
        """E of each example, unreduced: ``output_loss``'s terms, for z_L and a_L of any
        leading shape (…, n, n_out), such as several networks stacked. Not checked."""
        if self.loss_takes_logits:
            return self.loss_fn.per_example_from_logits(zL, T, self.layers[-1].activation)
        return self.loss_fn.per_example(aL, T)

    @property
    def loss_takes_logits(self):
        """True for softmax + cross-entropy and logistic + binary cross-entropy, whose loss
        is computed from z_L and whose δ_L is simply a − t (eq. 81)."""
        return (self.loss_fn.name, self.layers[-1].activation.name) in (
            ("cross_entropy", "softmax"), ("binary_cross_entropy", "logistic"))

    # ----------------------------------------------------------------- backward
    def backward(self, trace: Trace, T, reduction="sum", *, weight_decay=0.0, check=True) -> Grads:
        """Backpropagate: δ_L from the loss, then δ_l = (δ_{l+1} W_{l+1}) ⊙ φ'(z_l).

        ``reduction="sum"`` adds the per-example gradients (Kelleher eq. 29);
        ``"mean"`` divides them by the number of examples (Kaplan's η/m). ``weight_decay``
        λ adds λ W to each weight's gradient, the gradient of λ R(W) (see ``penalty``).
        """
        if check:
            T = self._check_trace(trace, T, reduction)
            weight_decay = check_real(weight_decay, "weight_decay", low=0.0)
        L = len(self.layers)
        delta, params = [None] * (L + 1), [None] * (L + 1)
        dA, delta_L = self.output_gradient(trace.z[L], trace.a[L], T)
        for l in range(L, 0, -1):            # one step of the recursion per layer, output first
            layer, cache = self.layers[l - 1], trace.cache[l]
            delta[l], params[l] = layer.backward(dA, trace.z[l], trace.a[l], trace.a[l - 1], cache,
                                                 delta_L if l == L else None)
            if l > 1:
                dA = layer.input_grad(delta[l], cache)      # ∂E/∂a_{l−1} = δ_l W_l
        if reduction == "mean":
            scale = 1.0 / T.shape[0]
            for g in params[1:]:
                for v in g.values():
                    v *= scale
        if weight_decay:
            self.decay(params[1:], weight_decay)
        return Grads(delta, params, reduction)

    def output_gradient(self, zL, aL, T):
        """(∂E/∂a_L, None), or (None, δ_L) where the loss gives δ_L directly: softmax +
        cross-entropy and logistic + binary cross-entropy give δ_L = a − t (eq. 81).
        Arguments are not checked."""
        act = self.layers[-1].activation
        if self.loss_takes_logits:
            return None, self.loss_fn.delta(aL, T, zL, act, check=False)
        return self.loss_fn.grad(aL, T, check=False), None

    def _check_trace(self, trace, T, reduction):
        """Check a trace from ``forward``, its targets and the reduction; return T as an array."""
        if not isinstance(trace, Trace):
            raise TypeError(f"trace must be the Trace returned by forward(), got {type(trace).__name__}")
        if len(trace.a) != len(self.layers) + 1:
            raise ValueError(f"trace has {len(trace.a) - 1} layers but the network has {len(self.layers)}")
        check_choice(reduction, "reduction", _losses.REDUCTIONS)
        return self.check_T(T, trace.a[0].shape[0])

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
                if not np.all(np.isfinite(v)):
                    raise ValueError(f"state for layer {l} parameter {k} holds non-finite values "
                                     "(NaN or inf); a network keeps finite parameters only")
            for k, v in saved.items():
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


# The output activation each loss needs: with any other the loss (clipped to probabilities)
# and its gradient would disagree, and a student would be shown a wrong number.
_OUTPUT_FOR = {"cross_entropy": ("softmax", "its outputs must be probabilities that sum to 1"),
               "binary_cross_entropy": ("logistic", "its outputs must be probabilities in (0, 1)")}


def _check_output(out, index, loss_fn):
    """Refuse an output layer whose activation the loss cannot be computed (and
    backpropagated) from consistently, naming the layer, the loss and the fix."""
    needed = _OUTPUT_FOR.get(loss_fn.name)
    act = out.activation.name
    if needed is not None and act != needed[0]:
        raise ValueError(f"loss {loss_fn.name!r} needs a {needed[0]} output layer ({needed[1]}); "
                         f"layers[{index}] has activation {act!r}. Use activation={needed[0]!r} on "
                         "the last layer, or a loss for real-valued outputs such as loss='sse'")
    if loss_fn.name == "cross_entropy" and getattr(out, "n_out", None) == 1:
        raise ValueError(f"layers[{index}] has a single softmax output, which is always 1, so the "
                         "cross-entropy is always 0: use two or more softmax outputs (one per "
                         "class), or one logistic output with loss='binary_cross_entropy'")
