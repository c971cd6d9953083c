"""The backprop tutor's rules: for each node of the computation, its formula as the lecture
writes it, the values it reads, and the typical mistakes a hand computation makes there.

A *node* is one number of forward or backward propagation for a ``Network`` of ``Dense``
layers: ``z[l][j, i]``, ``a[l][j, i]``, ``delta[l][j, i]`` (layer l, example j, neuron i),
``dW[l][i, k]`` and ``db[l][i]`` (combined over the examples). ``rule(state, node)``
returns a ``Rule``: ``f(v)`` computes the node from the vector ``v`` of the values it reads
(so the tutor can feed it the student's own earlier answers and perturb them to see how
far their rounding can move the result), plus the equation and the mistakes to look for.
Equation numbers are Kelleher et al.'s unless another deck is named.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Node", "Rule", "rule", "neuron_number", "label", "fmt", "SLOPES"]


@dataclass(frozen=True)
class Node:
    kind: str            # "z", "a", "delta", "dW", "db"
    l: int               # layer 1 … L
    i: int               # neuron within layer l (0-based)
    j: int | None = None  # example (z, a, delta)
    k: int | None = None  # sending neuron within layer l − 1 (dW)


@dataclass
class Rule:
    v: np.ndarray                  # the values the node reads, as a vector
    eps: np.ndarray                # how far each of them may be off (the student's rounding)
    f: object                      # f(v) -> the node's value
    equation: str                  # symbolic, with the lecture's equation number
    numbers: str                   # the same equation with the numbers filled in
    reads: list = field(default_factory=list)     # keys of what the node depends on
    mistakes: list = field(default_factory=list)  # (hint, value a typical mistake gives)


# symbolic slope, numeric slope text, for each elementwise activation
SLOPES = {
    "logistic": ("a(1 − a) (eq. 15)", lambda z, a, p: f"{fmt(a)} × (1 − {fmt(a)})"),
    "tanh": ("1 − a²", lambda z, a, p: f"(1 − {fmt(a)}²)"),
    "relu": ("1 if z > 0, else 0 (eq. 43)", lambda z, a, p: "1" if z > 0 else "0"),
    "leaky_relu": ("1 if z > 0, else α (eq. 46)", lambda z, a, p: "1" if z > 0 else fmt(p)),
    "prelu": ("1 if z > 0, else λ (eq. 48)", lambda z, a, p: "1" if z > 0 else fmt(p)),
    "linear": ("1", lambda z, a, p: "1"),
    "threshold": ("0 (the step has no slope)", lambda z, a, p: "0"),
}
PHI = {"logistic": "1 / (1 + e^(−z)) (eq. 15)", "tanh": "tanh z", "relu": "max(0, z) (eq. 42)",
       "leaky_relu": "z if z > 0, else α z (eq. 45)", "prelu": "z if z > 0, else λ z (eq. 47)",
       "linear": "z", "threshold": "1 if z ≥ 0, else 0",
       "softmax": "e^(z_i) / Σ_j e^(z_j) (eq. 65)"}


def fmt(v):
    """A number as the step-through shows it: 4 decimals, or 3 significant digits if tiny."""
    v = float(v)
    text = f"{v:.4f}" if v == 0 or abs(v) >= 1e-3 else f"{v:.3g}"
    return text.replace("-", "−")


def _p(v):
    """``fmt`` in brackets when negative, for a factor in a product."""
    return f"({fmt(v)})" if v < 0 else fmt(v)


def neuron_number(net, l, i):
    """Kelleher's numbering: inputs 1 … d, then the neurons layer by layer (3, 4, 5, …)."""
    sizes = [net.n_in] + [layer.n_out for layer in net.layers]
    return 1 + sum(sizes[:l]) + i


def label(net, node, m):
    """The lecture's name of a node: z7, a7, δ7, ∂E/∂w7,5, ∂E/∂w7,0 (", example j" in a batch)."""
    n = neuron_number(net, node.l, node.i)
    ex = f" (example {node.j})" if m > 1 and node.j is not None else ""
    if node.kind == "dW":
        return f"∂E/∂w{n},{neuron_number(net, node.l - 1, node.k)}"
    if node.kind == "db":
        return f"∂E/∂w{n},0"
    return {"z": "z", "a": "a", "delta": "δ"}[node.kind] + f"{n}{ex}"


def _param(layer):
    act = layer.activation
    if act.parametric:
        return layer.lam
    return getattr(act, "alpha", None)


def _lam(layer, i):
    """PReLU's λ of neuron i (all of them when i is None)."""
    return layer.lam if i is None else layer.lam[i:i + 1]


def _slope(layer, z, i=None):
    act = layer.activation
    return act.derivative(z, _lam(layer, i)) if act.parametric else act.derivative(z)


def _backward(layer, dA, z, a, i=None):
    """δ = ∂E/∂a ⊙ φ′(z), with the activation's own formula (a(1 − a) for the logistic);
    ``i`` picks neuron i's parameter when dA, z, a hold that neuron alone."""
    act = layer.activation
    return act.backward(dA, z, a, _lam(layer, i)) if act.parametric else act.backward(dA, z, a)


def rule(st, node):
    """The ``Rule`` of ``node`` given the tutor's current values ``st`` (see ``tutor._State``)."""
    return {"z": _rule_z, "a": _rule_a, "delta": _rule_delta, "dW": _rule_dW, "db": _rule_dW}[node.kind](st, node)


# --------------------------------------------------------------------------- forward
def _rule_z(st, nd):
    net, l, i, j = st.net, nd.l, nd.i, nd.j
    W, b = net.layers[l - 1].W, net.layers[l - 1].b
    v, eps = st.val["a"][l - 1][j].copy(), st.eps["a"][l - 1][j].copy()
    ni, ks = neuron_number(net, l, i), [neuron_number(net, l - 1, k) for k in range(W.shape[1])]
    src = "d" if l == 1 else "a"
    terms = " + ".join(f"w{ni},{k}·{src}{k}" for k in ks)
    nums = " + ".join(f"{_p(W[i, c])} × {_p(v[c])}" for c in range(len(ks)))
    mistakes = [("add the bias w%d,0: it multiplies the constant input a0 = 1 (eq. 1–2)." % ni, W[i] @ v)]
    if l > 1:
        mistakes.append(("you used the previous layer's z values; neuron %d receives the activations "
                         "a_k of the layer before (eq. 1–2)." % ni, b[i] + W[i] @ st.val["z"][l - 1][j]))
    for r in range(W.shape[0]):
        if r != i:
            mistakes.append((f"you used the weights of neuron {neuron_number(net, l, r)}: z{ni} uses the "
                             f"weights w{ni},k coming into neuron {ni} (row {i} of W).", b[r] + W[r] @ v))
    return Rule(v, eps, lambda v: b[i] + W[i] @ v,
                f"z{ni} = w{ni},0 + Σ_k w{ni},k·a_k (Kelleher et al., eq. 1–2, bias w{ni},0 on a0 = 1)",
                f"z{ni} = w{ni},0 + {terms} = {fmt(b[i])} + {nums}",
                [st.key("a", l - 1, j, c) for c in range(len(ks))] if l > 1 else ["the input x"], mistakes)


def _rule_a(st, nd):
    net, l, i, j = st.net, nd.l, nd.i, nd.j
    layer = net.layers[l - 1]
    act = layer.activation
    ni = neuron_number(net, l, i)
    if act.name == "softmax":
        v, eps = st.val["z"][l][j].copy(), st.eps["z"][l][j].copy()
        f = lambda v: act.forward(v)[i]            # noqa: E731
        mistakes = [("that is logistic(z); a softmax output divides e^(z_i) by Σ_j e^(z_j) of its "
                     "whole layer (eq. 65).", 1 / (1 + np.exp(-v[i]))),
                    ("that is e^(z_i) alone; divide by Σ_j e^(z_j) over the layer (eq. 65).", np.exp(v[i]))]
        nums = f"e^{fmt(v[i])} / ({' + '.join('e^' + fmt(x) for x in v)})"
        reads = [st.key("z", l, j, c) for c in range(v.size)]
    else:
        v, eps = st.val["z"][l][j, i:i + 1].copy(), st.eps["z"][l][j, i:i + 1].copy()
        p = layer.lam[i] if act.parametric else None
        f = (lambda v: act.forward(v, p)[0]) if act.parametric else (lambda v: act.forward(v)[0])
        mistakes = [("that is z itself; apply the activation function: a = φ(z).", v[0]),
                    ("that is the slope φ′(z); the activation is φ(z) itself.", _slope(layer, v, i)[0])]
        nums = f"{act.name}({fmt(v[0])})"
        reads = [st.key("z", l, j, i)]
    return Rule(v, eps, f, f"a{ni} = φ(z{ni}) with φ(z) = {PHI.get(act.name, act.name)}",
                f"a{ni} = {nums}", reads, mistakes)


# -------------------------------------------------------------------------- backward
def _rule_delta(st, nd):
    return _rule_output_delta(st, nd) if nd.l == len(st.net.layers) else _rule_hidden_delta(st, nd)


def _slope_mistakes(layer, dA, z, a, ni, i):
    """What forgetting φ′, or evaluating it at a or writing z(1 − z), would give."""
    out = [(f"you left out φ′: multiply ∂E/∂a{ni} by the slope ∂a{ni}/∂z{ni} = "
            f"{SLOPES.get(layer.activation.name, ('φ′(z)',))[0]}.", dA)]
    if layer.activation.elementwise:
        out.append((f"you evaluated the slope at a{ni}; φ′ takes z{ni} (for the logistic "
                    "logistic(z)(1 − logistic(z)) = a(1 − a), eq. 15).", dA * _slope(layer, np.array([a]), i)[0]))
    if layer.activation.name == "logistic":
        out.append((f"you used z{ni} in a(1 − a): the logistic's slope is a{ni}(1 − a{ni}), with the "
                    "activation, not the weighted sum.", dA * z * (1 - z)))
    return out


def _rule_output_delta(st, nd):
    net, l, i, j = st.net, nd.l, nd.i, nd.j
    layer, loss = net.layers[l - 1], net.loss_fn
    n = layer.n_out
    t = st.T[j]
    v = np.concatenate([st.val["a"][l][j], st.val["z"][l][j]])
    eps = np.concatenate([st.eps["a"][l][j], st.eps["z"][l][j]])
    act = layer.activation

    def f(v):
        A, Z = v[None, :n], v[None, n:]
        if act.parametric:
            return _backward(layer, loss.grad(A, t[None]), Z, A)[0, i]
        return loss.delta(A, t[None], Z, act)[0, i]

    ni, val = neuron_number(net, l, i), f(v)
    a, z = v[i], v[n + i]
    fused = (loss.name, act.name) in (("cross_entropy", "softmax"), ("binary_cross_entropy", "logistic"))
    sign = (f"check the sign: δ = ∂E/∂z, and ∂E/∂a{ni} = −(t − a{ni}) = a{ni} − t (eq. 20); "
            "a δ is positive when the output is too large.", -val)
    if fused:
        eq = (f"δ{ni} = a{ni} − t{ni} (softmax with cross-entropy: δ_k = P̂_k − t_k, Kelleher et al., "
              "eq. 80–81; logistic with binary cross-entropy: backprop lecture)")
        nums = f"δ{ni} = {fmt(a)} − {fmt(t[i])}"
        mistakes = [sign, ("with this output and loss the slope cancels: δ = a − t (eq. 80–81); do not "
                           "multiply by a(1 − a).", val * a * (1 - a))]
    else:
        dA = float(loss.grad(v[None, :n], t[None])[0, i])
        sym, num = SLOPES.get(act.name, ("φ′(z)", lambda z, a, p: "φ′(z)"))
        eq = (f"δ{ni} = ∂E/∂a{ni} × ∂a{ni}/∂z{ni}, with ∂E/∂a = −(t − a) for E = ½Σ(t − a)² and "
              f"∂a/∂z = {sym} (Kelleher et al., eq. 14, 20–21)")
        dE = f"−({fmt(t[i])} − {fmt(a)})" if loss.name == "sse" else _p(dA)
        nums = f"δ{ni} = {dE} × {num(z, a, None if not act.elementwise else _param_at(layer, i))}"
        mistakes = [sign, (f"that is the error t − a{ni}; δ needs ∂E/∂a = −(t − a) and the slope.", -dA)]
        if act.elementwise:
            mistakes += _slope_mistakes(layer, dA, z, a, ni, i)
    if st.m > 1 and st.reduction == "mean":
        mistakes.append(("δ is per example: divide by m only when the examples' gradients are combined "
                         "into ∂E/∂w (Kaplan's η/m).", val / st.m))
    return Rule(v, eps, f, eq, nums, [st.key("a", l, j, i), f"t[{i}]", st.key("z", l, j, i)], mistakes)


def _param_at(layer, i):
    p = _param(layer)
    return None if p is None else (p[i] if np.ndim(p) else p)


def _rule_hidden_delta(st, nd):
    net, l, k, j = st.net, nd.l, nd.i, nd.j
    layer, nxt = net.layers[l - 1], net.layers[l]
    W = nxt.W                                                  # (n_{l+1}, n_l): W[i, k] = w_i,k
    n_next = W.shape[0]
    v = np.concatenate([st.val["delta"][l + 1][j], [st.val["z"][l][j, k], st.val["a"][l][j, k]]])
    eps = np.concatenate([st.eps["delta"][l + 1][j], [st.eps["z"][l][j, k], st.eps["a"][l][j, k]]])

    def f(v):
        return _backward(layer, np.array([v[:n_next] @ W[:, k]]), np.array([v[-2]]), np.array([v[-1]]), k)[0]

    nk = neuron_number(net, l, k)
    d, z, a = v[:n_next], v[-2], v[-1]
    dA, val = float(d @ W[:, k]), f(v)
    sym, num = SLOPES.get(layer.activation.name, ("φ′(z)", lambda z, a, p: "φ′(z)"))
    eq = (f"δ{nk} = (Σ_i w_i,{nk}·δ_i) × ∂a{nk}/∂z{nk}, summed over the neurons i that neuron {nk} "
          f"feeds, with ∂a/∂z = {sym} (Kelleher et al., eq. 22–23)")
    terms = " + ".join(f"{_p(W[r, k])} × {_p(d[r])}" for r in range(n_next))
    nums = f"δ{nk} = ({terms}) × {num(z, a, _param_at(layer, k))}"
    one = lambda s: _backward(layer, np.array([s]), np.array([z]), np.array([a]), k)[0]   # noqa: E731
    mistakes = [("check the sign: no extra minus sign enters a hidden δ; the weights and the next "
                 "layer's δs carry their own signs (eq. 23).", -val),
                (f"weight each δ_i by w_i,{nk} before adding them up (eq. 22).", one(d.sum()))]
    mistakes += _slope_mistakes(layer, dA, z, a, nk, k)
    for c in range(W.shape[1]):
        if c != k:
            mistakes.append((f"you used the weights leaving neuron {neuron_number(net, l, c)}; δ{nk} travels "
                             f"back along the weights leaving neuron {nk}, w_i,{nk} (column {k} of W).",
                             one(d @ W[:, c])))
    W_in = layer.W                                             # weights coming into layer l
    if W_in.shape[1] == n_next:
        mistakes.append((f"you used the weights coming into neuron {nk}; δ{nk} travels back along the "
                         f"weights leaving it, w_i,{nk} (eq. 22).", one(d @ W_in[k])))
    if W.shape[0] == W.shape[1]:
        mistakes.append((f"the weight indices are swapped: use w_i,{nk} (into neuron i, from neuron {nk}), "
                         f"not w_{nk},i.", one(d @ W[k])))
    reads = [st.key("delta", l + 1, j, i) for i in range(n_next)] + [st.key("z", l, j, k), st.key("a", l, j, k)]
    return Rule(v, eps, f, eq, nums, reads, mistakes)


def _rule_dW(st, nd):
    """∂E/∂w_i,k = Σ_j δ_i,j × a_k,j (eq. 27, 29), × 1/m for the mean; a_0 = 1 for the bias."""
    net, l, i, k, m = st.net, nd.l, nd.i, nd.k, st.m
    bias = nd.kind == "db"
    scale = 1.0 / m if st.reduction == "mean" else 1.0
    d, ed = st.val["delta"][l][:, i], st.eps["delta"][l][:, i]
    a = np.ones(m) if bias else st.val["a"][l - 1][:, k]
    ea = np.zeros(m) if bias else st.eps["a"][l - 1][:, k]
    v, eps = np.concatenate([d, a]), np.concatenate([ed, ea])
    f = lambda v: scale * float(v[:m] @ v[m:])                  # noqa: E731
    val = f(v)
    ni = neuron_number(net, l, i)
    nk = 0 if bias else neuron_number(net, l - 1, k)
    src = "d" if l == 1 else "a"
    if m == 1:
        eq = f"∂E/∂w{ni},{nk} = δ{ni} × {src}{nk} (Kelleher et al., eq. 27{', with a0 = 1' if bias else ''})"
    else:
        how = "Σ_j" if scale == 1 else "(1/m) Σ_j"
        eq = (f"∂E/∂w{ni},{nk} = {how} δ{ni},j × {src}{nk},j over the m = {m} examples (Kelleher et al., "
              f"eq. 27, 29{'; the mean divides by m as in Kaplan' if scale != 1 else ''}"
              f"{', with a0 = 1' if bias else ''})")
    prod = " + ".join(f"{_p(d[j])} × {_p(a[j])}" for j in range(m))
    nums = f"∂E/∂w{ni},{nk} = {'(1/%d)(' % m if scale != 1 else ''}{prod}{')' if scale != 1 else ''}"
    mistakes = [("check the sign: the gradient is δ_i × a_k; the minus sign belongs to the update "
                 "w ← w − α ∂E/∂w (eq. 28), not to the gradient.", -val)]
    if m > 1:
        mistakes.append((f"you summed over the {m} examples; with reduction='mean' the gradient is "
                         "averaged: divide the sum by m (Kaplan's η/m).", val * m) if scale != 1 else
                        ("you averaged over the examples; with reduction='sum' their gradients are added "
                         "up (Kelleher eq. 29).", val / m))
        for j in range(m):
            for term in {d[j] * a[j], scale * d[j] * a[j]}:
                mistakes.append((f"that is example {j}'s term alone; combine the terms of all {m} "
                                 "examples (eq. 29).", term))
    if not bias:
        mistakes += _weight_index_mistakes(st, nd, scale)
    reads = [st.key("delta", l, j, i) for j in range(m)] + \
        ([] if bias else [st.key("a", l - 1, j, k) if l > 1 else "the input x" for j in range(m)])
    return Rule(v, eps, f, eq, nums, list(dict.fromkeys(reads)), mistakes)


def _weight_index_mistakes(st, nd, scale):
    net, l, i, k = st.net, nd.l, nd.i, nd.k
    dl, al = st.val["delta"][l], st.val["a"][l - 1]
    ni, nk = neuron_number(net, l, i), neuron_number(net, l - 1, k)
    out = []
    if l > 1:
        out.append((f"you multiplied δ{ni} by z{nk}; the weight carries the activation, so "
                    f"∂E/∂w{ni},{nk} = δ{ni} × a{nk} (eq. 26–27).", scale * dl[:, i] @ st.val["z"][l - 1][:, k]))
    if k < dl.shape[1] and i < al.shape[1]:
        out.append((f"the indices are swapped: in w{ni},{nk} the first index is the neuron the weight "
                    f"feeds (use δ{ni}), the second the neuron it comes from (use a{nk}).",
                    scale * dl[:, k] @ al[:, i]))
    for c in range(al.shape[1]):
        if c != k:
            out.append((f"you used a{neuron_number(net, l - 1, c)}; w{ni},{nk} comes from neuron {nk}, "
                        f"so use a{nk}.", scale * dl[:, i] @ al[:, c]))
    for r in range(dl.shape[1]):
        if r != i:
            out.append((f"you used δ{neuron_number(net, l, r)}; w{ni},{nk} feeds neuron {ni}, so use "
                        f"δ{ni}.", scale * dl[:, r] @ al[:, k]))
    if i < st.val["a"][l].shape[1]:
        out.append((f"you multiplied δ{ni} by neuron {ni}'s own activation; use a{nk}, the activation "
                    f"of the neuron the weight comes from.", scale * dl[:, i] @ st.val["a"][l][:, i]))
    return out
