"""Long short-term memory (Kelleher et al., eq. 106-131, Figures 40-42).

An LSTM unit carries a cell state c alongside the hidden state h. Each step reads
hx_t = [1, h_{t−1}, x_t] (a leading 1 for the bias, as in the lecture) and computes,
with σ the logistic function and ⊙ the elementwise product:

    f_t  = σ(W^(f) · hx_t)            forget gate                       (106)
    c‡   = c_{t−1} ⊙ f_t              what the cell keeps               (107)
    i†_t = σ(W^(i†) · hx_t)           input gate: how much to write     (110)
    i‡_t = tanh(W^(i‡) · hx_t)        candidate values to write         (111)
    i_t  = i†_t ⊙ i‡_t                                                  (112)
    c_t  = c‡ + i_t                   the new cell state                (113)
    o†_t = σ(W^(o†) · hx_t)           output gate: how much to show     (114)
    o‡_t = tanh(c_t)                                                    (115)
    h_t  = o_t = o†_t ⊙ o‡_t          the new hidden state = the output (116-117)

Eq. 115 writes a weight matrix W^(o‡) in front of c_t, but the backward equations
(121-122, 139) treat o‡ as tanh(c_t) with no weights, as the standard LSTM does;
``dlcore`` follows the backward equations.

Parameters, in the lecture's layout: ``W_f``, ``W_i`` (W^(i†)), ``W_c`` (W^(i‡), the
candidate) and ``W_o`` (W^(o†)), each (hidden, 1 + hidden + features) acting on
hx = [1, h, x], so column 0 holds the biases. The backward pass is eq. 118-131 and 139
(``step_backward``); the gradient of each gate's weights is δ_gate · hxᵀ (eq. 131)
summed over time steps and examples.
"""
from __future__ import annotations

import numpy as np

from .._validate import as_float_array, as_rng, check_dtype, check_int, check_real
from . import initializers as _init
from .activations import logistic
from .recurrent import BPTTResult, Recurrent, check_sequence, check_state

__all__ = ["LSTM", "GATES"]

GATES = ("f", "i", "c", "o")   # forget f, input i†, candidate i‡, output o†


class LSTM(Recurrent):
    """A long short-term memory layer over sequences (n, time, features).

    Parameters
    ----------
    n_features, n_hidden : int
        Features per time step and size of the hidden and cell states.
    return_sequences : bool
        Return every h_t (n, time, hidden) instead of the last (n, hidden).
    init : str
        Initialiser of each gate's weights (fan-in hidden + features); biases start at 0
        except the forget gate's, which start at ``forget_bias`` (a positive value makes
        the cell remember by default).

    ``trace.z[l]`` holds the four gates' pre-activations side by side, shape
    (n, time, 4·hidden) in the order f, i†, i‡, o†, and ``grads.delta[l]`` their δs.
    Follow the layer with a ``Dense`` output layer.
    """

    def __init__(self, n_features, n_hidden, return_sequences=False, init="xavier", rng=None,
                 dtype=np.float64, *, forget_bias=0.0, init_kwargs=None):
        self.n_in = check_int(n_features, "n_features", minimum=1)
        self.n_out = check_int(n_hidden, "n_hidden", minimum=1)
        if not isinstance(return_sequences, bool):
            raise TypeError(f"return_sequences must be True or False, got {return_sequences!r}")
        self.return_sequences = return_sequences
        self.dtype = check_dtype(dtype)
        rng = as_rng(rng)
        H, F = self.n_out, self.n_in
        for g in GATES:
            W = np.zeros((H, 1 + H + F), dtype=self.dtype)
            W[:, 1:] = _init.initialize(init, H + F, H, rng, dtype=self.dtype, **_init.check_options(init_kwargs))
            setattr(self, "W_" + g, W)
        self.W_f[:, 0] = check_real(forget_bias, "forget_bias")

    @property
    def params(self):
        return {"W_" + g: getattr(self, "W_" + g) for g in GATES}

    def weights(self, arrays):
        return [arrays["W_" + g][:, 1:] for g in GATES]   # column 0 holds the biases

    def _stacked(self):
        """All gates' weights as one (4·hidden, 1 + hidden + features) matrix."""
        return np.concatenate([self.W_f, self.W_i, self.W_c, self.W_o], axis=0)

    # ------------------------------------------------------------------ one step
    def _gates(self, pre, c_prev):
        """Eq. 106-117 from the four pre-activations (n, 4H) and c_{t−1}."""
        H = self.n_out
        v = {"f": logistic(pre[:, :H], check=False), "i_dag": logistic(pre[:, H:2 * H], check=False),
             "i_ddag": np.tanh(pre[:, 2 * H:3 * H]), "o_dag": logistic(pre[:, 3 * H:], check=False)}
        v["c_prev"] = c_prev
        v["c_dag"] = c_prev * v["f"]                      # (107)
        v["i"] = v["i_dag"] * v["i_ddag"]                 # (112)
        v["c"] = v["c_dag"] + v["i"]                      # (113)
        v["o_ddag"] = np.tanh(v["c"])                     # (115)
        v["o"] = v["o_dag"] * v["o_ddag"]                 # (116); h_t = o_t (117)
        v["z"] = pre
        return v

    def step(self, x_t, h_prev, c_prev):
        """One LSTM step for a batch; returns a dict of every quantity of eq. 106-117.

        Keys: "hx", "z" (the four pre-activations), "f", "c_prev", "c_dag" (c‡), "i_dag"
        (i†), "i_ddag" (i‡), "i", "c", "o_dag" (o†), "o_ddag" (o‡), "o" (= h_t).
        """
        x_t = as_float_array(x_t, "x_t", ndim=(1, 2))
        x_t = x_t[None, :] if x_t.ndim == 1 else x_t
        if x_t.shape[1] != self.n_in:
            raise ValueError(f"x_t must have {self.n_in} feature(s) per example, got shape {x_t.shape}")
        n = x_t.shape[0]
        h_prev = check_state(h_prev, n, self.n_out, "h_prev")
        c_prev = check_state(c_prev, n, self.n_out, "c_prev")
        hx = np.concatenate([np.ones((n, 1)), h_prev, x_t], axis=1)
        v = self._gates(hx @ self._stacked().T, c_prev)
        v["hx"] = hx
        return v

    def step_backward(self, v, dh, dc_next=None):
        """Eq. 118-131 and 139 for one step.

        ``v`` is the dict from ``step``; ``dh`` is ∂E/∂o_t, the total gradient reaching
        h_t = o_t (eq. 118: ∂E_t/∂o_t from this step's output plus ∂E_{t+1}/∂h_t from
        the next step); ``dc_next`` is ∂E_{t+1}/∂c_t from the next step (0 if none).
        Returns a dict with every intermediate and "dW_f" … "dW_o" (eq. 131), "dhx"
        (eq. 139), "dh_prev", "dx" and "dc_prev" (eq. 125).
        """
        if not isinstance(v, dict) or "o_dag" not in v:
            raise TypeError("v must be the dict returned by step()")
        n = v["o"].shape[0]
        dh = check_state(dh, n, self.n_out, "dh")
        dc_next = np.zeros_like(dh) if dc_next is None else check_state(dc_next, n, self.n_out, "dc_next")
        g = self._step_back(v, dh, dc_next)
        if "hx" in v:
            H = self.n_out
            for k, gate in enumerate(GATES):
                g["dW_" + gate] = g["delta"][:, k * H:(k + 1) * H].T @ v["hx"]     # (131)
            g["dhx"] = g["delta"] @ self._stacked()                              # (139)
            g["dh_prev"], g["dx"] = g["dhx"][:, 1:1 + H], g["dhx"][:, 1 + H:]
        return g

    @staticmethod
    def _step_back(v, dh, dc_next):
        g = {"dE_do": dh}                                                  # (118)
        g["dE_do_ddag"] = dh * v["o_dag"]                                  # (119)
        g["dE_do_dag"] = dh * v["o_ddag"]                                  # (120)
        g["delta_o_ddag"] = g["dE_do_ddag"] * (1.0 - v["o_ddag"] ** 2)     # (121)
        g["dE_dc"] = g["delta_o_ddag"] + dc_next                           # (122)
        g["dE_di_ddag"] = g["dE_dc"] * v["i_dag"]                          # (123)
        g["dE_di_dag"] = g["dE_dc"] * v["i_ddag"]                          # (124)
        g["dc_prev"] = g["dE_dc"] * v["f"]                                 # (125)
        g["dE_df"] = g["dE_dc"] * v["c_prev"]                              # (126)
        g["delta_f"] = g["dE_df"] * v["f"] * (1.0 - v["f"])                # (127)
        g["delta_i_dag"] = g["dE_di_dag"] * v["i_dag"] * (1.0 - v["i_dag"])    # (128)
        g["delta_i_ddag"] = g["dE_di_ddag"] * (1.0 - v["i_ddag"] ** 2)         # (129)
        g["delta_o_dag"] = g["dE_do_dag"] * v["o_dag"] * (1.0 - v["o_dag"])    # (130)
        g["delta"] = np.concatenate([g["delta_f"], g["delta_i_dag"], g["delta_i_ddag"],
                                     g["delta_o_dag"]], axis=1)
        return g

    # ---------------------------------------------------------------- sequences
    def forward(self, a_prev, training=False, rng=None):
        X = check_sequence(a_prev, self.n_in, "the input of LSTM")
        n, T, _ = X.shape
        H = self.n_out
        W = self._stacked()
        XW = X @ W[:, 1 + H:].T + W[:, 0]          # bias and input parts of every step at once
        Wh = W[:, 1:1 + H]
        Z = np.empty((n, T, 4 * H), dtype=XW.dtype)
        Hs = np.zeros((n, T + 1, H), dtype=XW.dtype)     # h_0 = 0
        Cs = np.zeros((n, T + 1, H), dtype=XW.dtype)     # c_0 = 0
        steps = []
        for t in range(T):
            Z[:, t] = XW[:, t] + Hs[:, t] @ Wh.T
            v = self._gates(Z[:, t], Cs[:, t])
            Hs[:, t + 1], Cs[:, t + 1] = v["o"], v["c"]
            steps.append(v)
        a = Hs[:, 1:] if self.return_sequences else Hs[:, T]
        return Z, a, (X, Hs, Cs, steps)

    def bptt(self, dA, Z, cache, dc_final=None):
        """Backpropagation through time (eq. 118-131 at every step, last to first).

        ``dA`` is ∂E/∂(layer output): (n, hidden), or (n, time, hidden) with
        ``return_sequences``. Returns a ``BPTTResult`` whose ``dh`` and ``dc`` are
        ∂E/∂h_t and ∂E/∂c_t per step and whose ``grads`` hold "W_f" … "W_o".
        """
        _, Hs, Cs, steps = cache
        n, T, H = Hs.shape[0], Hs.shape[1] - 1, self.n_out
        dA = np.asarray(dA)
        want = (n, T, H) if self.return_sequences else (n, H)
        if dA.shape != want:
            raise ValueError(f"dA must have shape {want}, got {dA.shape}")
        Wh = self._stacked()[:, 1:1 + H]
        delta, dh_all, dc_all = np.empty_like(Z), np.empty_like(Hs[:, 1:]), np.empty_like(Hs[:, 1:])
        dh_next = np.zeros((n, H), dtype=Z.dtype)
        dc_next = (np.zeros((n, H), dtype=Z.dtype) if dc_final is None
                   else check_state(dc_final, n, H, "dc_final"))
        for t in range(T - 1, -1, -1):
            if self.return_sequences:
                dh = dh_next + dA[:, t]
            else:
                dh = dh_next + dA if t == T - 1 else dh_next
            g = self._step_back(steps[t], dh, dc_next)
            dh_all[:, t], dc_all[:, t], delta[:, t] = dh, g["dE_dc"], g["delta"]
            dh_next, dc_next = g["delta"] @ Wh, g["dc_prev"]
        return BPTTResult(delta, dh_all, self.weight_grads(delta, cache), dc_all)

    def weight_grads(self, delta, cache):
        """Eq. 131 summed over steps and examples, with hx_t = [1, h_{t−1}, x_t]."""
        X, Hs, H = cache[0], cache[1], self.n_out
        dW = np.concatenate([delta.sum(axis=(0, 1))[:, None],
                             np.tensordot(delta, Hs[:, :-1], axes=([0, 1], [0, 1])),
                             np.tensordot(delta, X, axes=([0, 1], [0, 1]))], axis=1)
        return {"W_" + gate: dW[k * H:(k + 1) * H] for k, gate in enumerate(GATES)}

    def backward(self, dA, z, a, a_prev, cache, delta=None):
        """Every gate's δ_t by one sweep through time (``bptt``), and the weight gradients."""
        if delta is None:
            return self.bptt(dA, z, cache).delta_and_grads()
        return delta, self.weight_grads(delta, cache)

    def input_grad(self, delta, cache):
        """∂E/∂x_t: the x part of eq. 139, Σ_gates δ_gate W^(gate)_x, for every step."""
        return delta @ self._stacked()[:, 1 + self.n_out:]

    def __repr__(self):
        return (f"LSTM({self.n_in}, {self.n_out}"
                f"{', return_sequences=True' if self.return_sequences else ''})")


# ------------------------------------------------------- the lecture's worked examples


