"""Recurrent layers: ``SimpleRNN`` trained by backpropagation through time (BPTT).

Sequences are batches of shape (n, time, features). A simple recurrent layer
(Kelleher et al., eq. 104) keeps a hidden state h that it updates once per time step:

    z_t = W_hh h_{t−1} + W_hx x_t + w_0        (as rows: z_t = h_{t−1} W_hhᵀ + x_t W_hxᵀ + b)
    h_t = φ(z_t),            h_0 = 0

and an output layer reads the last state (eq. 105: y_t = φ(W_yh h_t)), which in
``dlcore`` is simply a ``Dense`` layer after the recurrent one:
``Network([SimpleRNN(n_features, n_hidden), Dense(n_hidden, n_out)])``.
With ``return_sequences=True`` the layer returns every h_t, shape (n, time, hidden),
to feed another recurrent layer.

Backpropagation through time unrolls the layer into one copy per time step, all
sharing W_hh, W_hx and b, and runs ordinary backpropagation through the copies from the
last step back to the first (Algorithm 3; see ``bptt``):

    ∂E/∂h_t = ∂E/∂a_t (from the layer above, if h_t is an output) + δ_{t+1} W_hh
    δ_t     = ∂E/∂h_t ⊙ φ'(z_t)
    ∂E/∂W_hh = Σ_t δ_tᵀ h_{t−1},  ∂E/∂W_hx = Σ_t δ_tᵀ x_t,  ∂E/∂b = Σ_t δ_t

Summing over t is Algorithm 3's "sum the weight updates across the unrolled network".
Algorithm 3 as printed re-runs the unrolled network once per target time step; one
backward sweep gives the same sum because backpropagation is linear in the errors.
``through_time.gradient_norms`` reports ‖∂E/∂h_t‖ per step: the size of the error signal that
reaches step t, which vanishes or explodes geometrically with the distance from the end.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_float_array, as_rng, check_dtype, check_int, check_real
from . import activations as _act
from . import initializers as _init
from .layers import Layer

__all__ = ["SimpleRNN", "BPTTResult", "orthogonal", "check_sequence", "Recurrent"]


def check_sequence(X, n_features, name="X"):
    """Check that X is a batch of sequences (n, time, n_features) of finite numbers."""
    X = as_float_array(X, name, allow_empty=True)
    if X.ndim != 3:
        raise ValueError(f"{name} must be a 3-dimensional array (n, time, features), "
                         f"got shape {X.shape}")
    if X.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {X.shape}")
    if X.shape[2] != n_features:
        raise ValueError(f"{name} must have shape (n, time, {n_features}): this layer takes "
                         f"{n_features} feature(s) per time step, got shape {X.shape}")
    return X


def check_state(h, n, size, name):
    """Check an (n, size) state such as h_{t−1} or c_{t−1} (a 1-D vector means n = 1)."""
    h = as_float_array(h, name, ndim=(1, 2))
    if h.ndim == 1:
        h = h[None, :]
    if h.shape != (n, size):
        raise ValueError(f"{name} must have shape ({n}, {size}) (one row of {size} values per "
                         f"example), got {h.shape}")
    return h


def orthogonal(n, rng=None, scale=1.0, dtype=np.float64):
    """``scale`` times a random orthogonal n×n matrix: every eigenvalue has modulus ``scale``.

    Used to set the recurrent weights' scale exactly (the spectral radius of W_hh).
    """
    n = check_int(n, "n", minimum=1)
    scale = check_real(scale, "scale")
    q, r = np.linalg.qr(as_rng(rng).normal(size=(n, n)))
    q *= np.sign(np.diag(r))            # make the draw uniform over orthogonal matrices
    return (scale * q).astype(check_dtype(dtype), copy=False)


def _init_matrix(init, n_in, n_out, rng, dtype, kwargs):
    if init == "orthogonal":
        if n_in != n_out:
            raise ValueError("init 'orthogonal' needs a square matrix (the recurrent weights)")
        return orthogonal(n_out, rng, dtype=dtype, **kwargs)
    if "scale" in kwargs:
        raise TypeError(f"scale is an option of init='orthogonal', not of init={init!r}")
    return _init.initialize(init, n_in, n_out, rng, dtype=dtype, **kwargs)


@dataclass
class BPTTResult:
    """What one backward sweep through time computed (arrays over (n, time, ·)).

    ``delta[:, t]`` is δ_t = ∂E/∂z_t (for an LSTM the four gates' δs side by side),
    ``dh[:, t]`` is ∂E/∂h_t, ``dc[:, t]`` ∂E/∂c_t (LSTM only) and ``grads`` the weight
    gradients summed over time and examples.
    """

    delta: np.ndarray
    dh: np.ndarray
    grads: dict
    dc: np.ndarray | None = None

    def delta_and_grads(self):
        """(δ, weight gradients): what a layer's ``backward`` returns."""
        return self.delta, self.grads


class Recurrent(Layer):
    """What SimpleRNN and LSTM share: sequences in, n_hidden values per step out."""

    input_ndim = 3

    @property
    def n_features(self):
        return self.n_in

    @property
    def n_hidden(self):
        return self.n_out

    def check_input(self, X, name="X"):
        check_sequence(X, self.n_in, name)

    @property
    def example_shape(self):
        return (None, self.n_in)

    def output_shape(self, shape):
        """(time, n_hidden) with ``return_sequences``, else (n_hidden,), for one sequence."""
        shape = tuple(shape)
        if len(shape) != 2 or shape[1] not in (None, self.n_in):
            raise ValueError(f"expects one sequence of {self.n_in} inputs per step (time, "
                             f"{self.n_in}) per example, got examples of shape {shape}")
        return (shape[0], self.n_out) if self.return_sequences else (self.n_out,)


class SimpleRNN(Recurrent):
    """A simple recurrent layer h_t = φ(W_hh h_{t−1} + W_hx x_t + w_0) (Kelleher eq. 104).

    Parameters
    ----------
    n_features, n_hidden : int
        Features per time step of the input and size of the hidden state.
    activation : str
        φ, an elementwise activation ("tanh" by default, as is usual).
    return_sequences : bool
        Return every h_t (n, time, hidden) instead of only the last one (n, hidden).
    init, recurrent_init : str
        Initialisers of W_hx (n_hidden, n_features) and W_hh (n_hidden, n_hidden);
        ``"orthogonal"`` is also accepted for W_hh. Biases start at zero.

    ``trace.z[l]`` holds every z_t, shape (n, time, hidden), and ``grads.delta[l]`` every
    δ_t. The layer has no output activation of its own: follow it with a ``Dense`` layer.
    """

    def __init__(self, n_features, n_hidden, activation="tanh", return_sequences=False,
                 init="xavier", recurrent_init="xavier", rng=None, dtype=np.float64, *,
                 init_kwargs=None, recurrent_init_kwargs=None):
        self.n_in = check_int(n_features, "n_features", minimum=1)
        self.n_out = check_int(n_hidden, "n_hidden", minimum=1)
        self.hidden_activation = _act.get(activation)
        if not self.hidden_activation.elementwise or self.hidden_activation.parametric:
            raise ValueError("SimpleRNN needs an elementwise activation without parameters, "
                             f"got {self.hidden_activation.name!r}")
        if not isinstance(return_sequences, bool):
            raise TypeError(f"return_sequences must be True or False, got {return_sequences!r}")
        self.return_sequences = return_sequences
        self.dtype = check_dtype(dtype)
        rng = as_rng(rng)
        self.W_hx = _init_matrix(init, self.n_in, self.n_out, rng, self.dtype,
                                 _init.check_options(init_kwargs))
        self.W_hh = _init_matrix(recurrent_init, self.n_out, self.n_out, rng, self.dtype,
                                 _init.check_options(recurrent_init_kwargs, "recurrent_init_kwargs",
                                                     extra=("scale",)))
        self.b = np.zeros(self.n_out, dtype=self.dtype)

    @property
    def params(self):
        return {"W_hh": self.W_hh, "W_hx": self.W_hx, "b": self.b}

    def weights(self, arrays):
        return [arrays["W_hh"], arrays["W_hx"]]

    # ------------------------------------------------------------------ forward
    def step(self, x_t, h_prev):
        """One time step (eq. 104) for a batch: returns (z_t, h_t), each (n, hidden)."""
        x_t = as_float_array(x_t, "x_t", ndim=(1, 2))
        x_t = x_t[None, :] if x_t.ndim == 1 else x_t
        if x_t.shape[1] != self.n_in:
            raise ValueError(f"x_t must have {self.n_in} feature(s) per example, got shape {x_t.shape}")
        h_prev = check_state(h_prev, x_t.shape[0], self.n_out, "h_prev")
        z = h_prev @ self.W_hh.T + x_t @ self.W_hx.T + self.b
        return z, self.hidden_activation.forward(z)

    def forward(self, a_prev, training=False, rng=None):
        X = check_sequence(a_prev, self.n_in, "the input of SimpleRNN")
        n, T, _ = X.shape
        XW = X @ self.W_hx.T + self.b            # the input's share of every z_t at once
        Z = np.empty((n, T, self.n_out), dtype=XW.dtype)
        Hs = np.zeros((n, T + 1, self.n_out), dtype=XW.dtype)   # Hs[:, t] is h_t; h_0 = 0
        for t in range(T):
            Z[:, t] = XW[:, t] + Hs[:, t] @ self.W_hh.T
            Hs[:, t + 1] = self.hidden_activation.forward(Z[:, t])
        a = Hs[:, 1:] if self.return_sequences else Hs[:, T]
        return Z, a, (X, Hs)

    # ----------------------------------------------------------------- backward
    def bptt(self, dA, Z, cache):
        """Backpropagation through time from ∂E/∂(layer output) ``dA``.

        ``dA`` is (n, hidden) for the last state, or (n, time, hidden) with
        ``return_sequences``. Returns a ``BPTTResult`` with every δ_t, ∂E/∂h_t and the
        summed weight gradients.
        """
        X, Hs = cache
        n, T, H = Z.shape
        dA = np.asarray(dA)
        want = (n, T, H) if self.return_sequences else (n, H)
        if dA.shape != want:
            raise ValueError(f"dA must have shape {want}, got {dA.shape}")
        phi = self.hidden_activation
        delta, dh_all = np.empty_like(Z), np.empty_like(Z)
        dh_next = np.zeros((n, H), dtype=Z.dtype)    # what step t+1 sends back to h_t
        for t in range(T - 1, -1, -1):
            if self.return_sequences:
                dh = dh_next + dA[:, t]
            else:
                dh = dh_next + dA if t == T - 1 else dh_next
            dh_all[:, t] = dh
            delta[:, t] = phi.backward(dh, Z[:, t], Hs[:, t + 1])
            dh_next = delta[:, t] @ self.W_hh
        return BPTTResult(delta, dh_all, self.weight_grads(delta, cache))

    def weight_grads(self, delta, cache):
        """Every copy's gradient summed over time (Algorithm 3) and examples:
        ∂E/∂W_hh = Σ_t δ_tᵀ h_{t−1}, ∂E/∂W_hx = Σ_t δ_tᵀ x_t, ∂E/∂b = Σ_t δ_t."""
        X, Hs = cache
        return {"W_hh": np.tensordot(delta, Hs[:, :-1], axes=([0, 1], [0, 1])),
                "W_hx": np.tensordot(delta, X, axes=([0, 1], [0, 1])),
                "b": delta.sum(axis=(0, 1))}

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """Every δ_t by one backward sweep through time (``bptt``), and the weight gradients."""
        if delta is None:
            return self.bptt(dA, z, cache).delta_and_grads()
        return delta, self.weight_grads(delta, cache)

    def input_grad(self, delta, cache):
        """∂E/∂x_t = δ_t W_hx for every step: shape (n, time, features)."""
        return delta @ self.W_hx

    def __repr__(self):
        return (f"SimpleRNN({self.n_in}, {self.n_out}, activation={self.hidden_activation.name!r}"
                f"{', return_sequences=True' if self.return_sequences else ''})")
