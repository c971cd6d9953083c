"""Layers. A layer maps the previous layer's activations a_{l−1} to (z_l, a_l).

Every layer speaks the same small protocol, which ``Network`` drives one layer per step:

* ``forward(a_prev, training, rng) -> (z, a, cache)``: ``cache`` holds whatever the backward
  step needs besides z, a and a_prev (nothing is kept on the layer between calls);
* ``backward(dA, z, a, a_prev, cache, delta=None) -> (delta, grads)``: δ = ∂E/∂z from
  ∂E/∂a (or the δ given, when the loss supplies it directly, as softmax + cross-entropy
  does) and ``grads``, ∂E/∂(each parameter) summed over the examples;
* ``input_grad(delta, cache) -> dA_prev``: ∂E/∂a_{l−1}, what the layer below receives;
* ``params``: a dict of the layer's parameter arrays (updated in place by training).
"""
from __future__ import annotations

import numpy as np

from .._validate import as_rng, check_dtype, check_int, check_real
from . import activations as _act
from . import initializers as _init

__all__ = ["Layer", "Dense"]


class Layer:
    """Base class for layers; see the module docstring for the protocol."""

    n_in = None          # number of input features, when the layer fixes it
    n_out = None         # number of output features, when the layer fixes it
    activation = None
    input_ndim = 2       # rank of the input batch: 2 for (n, features), 4 for images
    preserves_shape = False  # True when the output has the input's shape (dropout)
    stochastic = False   # True when training-mode forward passes are random

    @property
    def params(self) -> dict:
        return {}

    def weights(self, arrays) -> list:
        """The parts of ``arrays`` (this layer's parameters, or their gradients, by name) that
        weight decay acts on: the weights, never the biases (or PReLU's slopes)."""
        return []

    def forward(self, a_prev, training=False, rng=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dA, z, a, a_prev, cache, delta=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def input_grad(self, delta, cache):  # pragma: no cover - abstract
        raise NotImplementedError


class _Weighted(Layer):
    """A layer with weights W, one bias per output and, for PReLU, one slope λ per output."""

    def _init_bias(self, n, lam):
        self.b = np.zeros(n, dtype=self.dtype)
        if self.activation.parametric:
            self.lam = np.full(n, check_real(lam, "lam"), dtype=self.dtype)

    @property
    def params(self):
        p = {"W": self.W, "b": self.b}
        if self.activation.parametric:
            p["lam"] = self.lam
        return p

    def weights(self, arrays):
        return [arrays["W"]]


class Dense(_Weighted):
    """A fully connected layer of ``n_out`` neurons fed by ``n_in`` inputs.

    Shapes (Kelleher's notation): ``W`` is (n_out, n_in) so ``W[i, k]`` is w_i,k, the
    weight from neuron k into neuron i; ``b`` is (n_out,), the lecture's w_i,0.
    For a batch ``a_prev`` of shape (m, n_in):

        z = a_prev @ W.T + b        (m, n_out)      Kelleher eq. 1-3 in matrix form
        a = φ(z)                    (m, n_out)

    Parameters
    ----------
    activation : str or Activation
        One of ``dlcore.activations.names()``; ``"prelu"`` adds a learnable slope
        ``lam`` of shape (n_out,), one λ_i per neuron (eq. 47-51), starting at ``lam``.
    init : str or callable
        An initialiser name (``dlcore.initializers.names()``) or ``f(n_in, n_out, rng)``
        returning an (n_out, n_in) array. ``init_kwargs`` passes options such as
        ``{"sigma": 0.2}`` for ``"normal"``. Biases start at zero.
    rng : int, numpy.random.Generator or None
        Where the random initial weights come from.
    """

    def __init__(self, n_in, n_out, activation="logistic", init="xavier", rng=None,
                 dtype=np.float64, *, init_kwargs=None, lam=0.25):
        self.n_in = check_int(n_in, "n_in", minimum=1)
        self.n_out = check_int(n_out, "n_out", minimum=1)
        self.activation = _act.get(activation)
        self.dtype = check_dtype(dtype)
        init_kwargs = _init.check_options(init_kwargs)
        if callable(init):   # a copy: the layer owns its weights, whatever the function returns
            W = np.array(init(self.n_in, self.n_out, as_rng(rng), **init_kwargs), dtype=self.dtype)
            if W.shape != (self.n_out, self.n_in):
                raise ValueError(f"init must return an array of shape ({self.n_out}, {self.n_in}), "
                                 f"got {W.shape}")
        else:
            W = _init.initialize(init, self.n_in, self.n_out, rng, dtype=self.dtype, **init_kwargs)
        self.W = W
        self._init_bias(self.n_out, lam)

    def forward(self, a_prev, training=False, rng=None):
        """z = a_prev Wᵀ + b, a = φ(z) (eq. 1-3 in matrix form)."""
        z = a_prev @ self.W.T
        z += self.b
        if self.activation.parametric:
            a = self.activation.forward(z, self.lam)
        else:
            a = self.activation.forward(z)
        return z, a, None

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """δ = ∂E/∂a ⊙ φ'(z) (eq. 21-23), ∂E/∂W = δᵀ a_prev (eq. 27 summed over the batch,
        eq. 29), ∂E/∂b = Σ δ, and ∂E/∂λ for a PReLU layer (eq. 49-50)."""
        if delta is None:
            lam = (self.lam,) if self.activation.parametric else ()
            delta = self.activation.backward(dA, z, a, *lam)
        grads = {"W": delta.T @ a_prev, "b": delta.sum(axis=0)}
        if self.activation.parametric:
            grads["lam"] = self.activation.dlam(dA, z)
        return delta, grads

    def input_grad(self, delta, cache):
        """∂E/∂a_prev = δ W: each neuron k collects Σ_i δ_i w_i,k (eq. 23)."""
        return delta @ self.W

    @property
    def example_shape(self):
        return (self.n_in,)

    def output_shape(self, shape):
        """(n_out,) for one example of n_in features; other shapes are refused with the fix."""
        shape = tuple(shape)
        if len(shape) != 1:
            fix = {2: "a sequence (time, features) per example: give the recurrent layer before "
                      "it return_sequences=False, so that only its last state comes out",
                   3: "images (channels, height, width): put a Flatten() before it"}
            raise ValueError(f"Dense expects one vector of {self.n_in} features per example, "
                             f"got {fix.get(len(shape), f'examples of shape {shape}')}")
        if shape[0] is not None and shape[0] != self.n_in:
            raise ValueError(f"expects {self.n_in} inputs but the layer before it gives "
                             f"{shape[0]} outputs")
        return (self.n_out,)

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, activation={self.activation.name!r})"


class Dropout(Layer):
    """Inverted dropout (Kelleher et al., Algorithm 2) on the activations it receives.

    ``rate`` is the probability of *dropping* a unit, so the keep probability is
    ρ = 1 − rate in the lecture's notation. In training each example draws its own mask
    m ~ Bernoulli(ρ) per unit, and

        a'' = a ⊙ m / ρ            (Algorithm 2, lines 2-4)

    so the expected activation is unchanged and nothing needs rescaling at inference,
    where the layer is the identity. On the way back the same mask multiplies the δs,
    δ = ∂E/∂a'' ⊙ m / ρ (line 7; the 1/ρ is the derivative of the scaling in line 4).
    Put it after the input (input dropout) or after any hidden ``Dense`` layer.
    """

    preserves_shape = True
    stochastic = True

    def __init__(self, rate):
        self.rate = check_real(rate, "rate", low=0.0, high=1.0, high_open=True)

    @property
    def keep(self):
        """ρ, the probability that a unit is kept."""
        return 1.0 - self.rate

    def forward(self, a_prev, training=False, rng=None):
        if not training or self.rate == 0.0:
            return a_prev, a_prev, None
        if rng is None:
            raise ValueError("rng is needed for dropout in training mode: pass rng= to "
                             "forward(..., training=True) or to fit")
        scaled_mask = (rng.random(a_prev.shape) < self.keep).astype(a_prev.dtype)
        scaled_mask /= self.keep
        return a_prev, a_prev * scaled_mask, scaled_mask

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """δ = ∂E/∂a'' ⊙ m / ρ with the forward pass's mask (Algorithm 2, line 7); no weights."""
        if delta is None:
            delta = dA if cache is None else dA * cache
        return delta, {}

    def input_grad(self, delta, cache):
        return delta

    def output_shape(self, shape):
        return tuple(shape)

    def __repr__(self):
        return f"Dropout(rate={self.rate:g})"
