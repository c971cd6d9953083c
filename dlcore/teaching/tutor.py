"""The backprop tutor: checks a student's hand-computed forward and backward pass, value by value.

``check_backprop(net, x, t, answers)`` takes the numbers a student worked out for one example
(or a small batch) and checks them in the order backpropagation produces them (Kelleher et
al., Algorithm 1: the forward pass layer by layer, then the δs from the output back, then the
weight gradients). It stops at the first wrong value and names it, what it depends on and the
equation to use, with a hint when the value matches a typical mistake, and never shows the
correct value.

Keys (layers 1 … L; ``i``, ``k`` are 0-based positions within their layers; diagrams show
Kelleher's neuron numbers beside them)::

    "z[l][i]", "a[l][i]", "delta[l][i]"      one example (or "z[l][j,i]" for example j of a batch)
    "dW[l][i,k]", "db[l][i]"                 ∂E/∂w_i,k and ∂E/∂w_i,0, combined over the batch

Answers are numbers or strings. A string keeps the precision written: "0.1200" is checked to
±0.00005 and "0.12" to ±0.005 (a number is read as Python prints it: 0.12 means "0.12").
Every value is checked against what the student's own accepted answers imply, widened by how
far their rounding can move it, so correct hand-rounding is never punished downstream.

``steps(net, x, t)`` is the "show me" mode: every node in the same order with its equation,
the numbers filled in and the value, for a step-through view that reveals one at a time.
"""
from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from .._validate import as_float_array, check_choice
from ..nn.layers import Dense
from .tutor_rules import Node, fmt, label, rule

__all__ = ["check_backprop", "Report", "steps", "Step", "order", "parse_key"]

KINDS = ("z", "a", "delta", "dW", "db")
_KEY = re.compile(r"^\s*(z|a|delta|dW|db)\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]\s*$")
SLACK = 1e-9          # floating-point slack, relative to the size of the value (and absolute)


@dataclass
class Report:
    """What ``check_backprop`` found. ``checked`` lists the accepted keys in checking order."""

    ok: bool
    first_wrong: str | None
    message: str
    checked: list = field(default_factory=list)
    hint: str | None = None
    equation: str | None = None

    def __str__(self):
        return self.message


@dataclass
class Step:
    """One node of the "show me" walk: its key, lecture name, equation, numbers and value."""

    key: str
    name: str
    equation: str
    numbers: str
    value: float
    phase: str


# ----------------------------------------------------------------------- inputs
def _check_net(net):
    from ..nn.network import Network
    if not isinstance(net, Network):
        raise TypeError(f"net must be a dlcore Network, got {type(net).__name__}")
    bad = [f"layer {l} ({type(layer).__name__})" for l, layer in enumerate(net.layers, start=1)
           if type(layer) is not Dense]
    if bad:
        raise ValueError("the tutor checks networks of Dense layers only (the lectures' hand "
                         f"computations); this network has {', '.join(bad)}")
    return net


def _inputs(net, x, t):
    X = as_float_array(x, "x", ndim=(1, 2), dtype=np.float64)
    X = X[None, :] if X.ndim == 1 else X
    if X.shape[1] != net.n_in:
        raise ValueError(f"x must hold {net.n_in} input value(s) per example, got shape {np.shape(x)}")
    T = as_float_array(t, "t", ndim=(0, 1, 2), dtype=np.float64)
    T = T.reshape(X.shape[0], -1) if T.ndim < 2 else T
    return X, net.check_T(T, X.shape[0], "t")


def parse_key(key, net, m):
    """The ``Node`` a key names, or ``ValueError`` saying what a key looks like."""
    if not isinstance(key, str):
        raise TypeError(f"answer keys must be strings such as 'delta[2][1]', got {key!r}")
    match = _KEY.match(key)
    if not match:
        raise ValueError(f"answer key {key!r} is not of the form 'z[l][i]', 'a[l][i]', 'delta[l][i]', "
                         "'dW[l][i,k]' or 'db[l][i]' (and 'z[l][j,i]' for example j of a batch)")
    kind, l, p, q = match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)
    L = len(net.layers)
    if not 1 <= l <= L:
        raise ValueError(f"answer key {key!r}: the layer must be 1 … {L}, got {l}")
    n_out, n_in = net.layers[l - 1].W.shape
    if kind == "dW":
        if q is None or p >= n_out or int(q) >= n_in:
            raise ValueError(f"answer key {key!r}: dW[{l}] needs [i,k] with 0 ≤ i < {n_out}, 0 ≤ k < {n_in}")
        return Node(kind, l, p, k=int(q))
    if kind == "db":
        if q is not None or p >= n_out:
            raise ValueError(f"answer key {key!r}: db[{l}] needs [i] with 0 ≤ i < {n_out}")
        return Node(kind, l, p)
    j, i = (0, p) if q is None else (p, int(q))
    if q is None and m > 1:
        raise ValueError(f"answer key {key!r}: with a batch of {m} examples name the example, "
                         f"'{kind}[{l}][j,i]'")
    if j >= m or i >= n_out:
        raise ValueError(f"answer key {key!r}: {kind}[{l}] needs example j < {m} and neuron i < {n_out}")
    return Node(kind, l, i, j=j)


def _number(key, value):
    """(value, half a unit of its last written decimal) of an answer."""
    if isinstance(value, (bool, np.bool_)) or value is None:
        raise TypeError(f"answer {key!r} must be a number or a string such as '0.0852', got {value!r}")
    text = value.strip().replace("−", "-") if isinstance(value, str) else repr(float(value))
    try:
        dec = Decimal(text)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"answer {key!r} must be a number such as '0.0852', got {value!r}") from exc
    if not dec.is_finite():
        raise ValueError(f"answer {key!r} must be a finite number, got {value!r}")
    return float(dec), 0.5 * 10.0 ** dec.as_tuple().exponent


# ------------------------------------------------------------------------ state
class _State:
    """The values the check has reached: the student's accepted answers where given, otherwise
    what those imply; ``eps`` is how far each may be off because of the student's rounding."""

    def __init__(self, net, X, T, reduction):
        self.net, self.T, self.reduction, self.m = net, T, reduction, X.shape[0]
        sizes = [layer.n_out for layer in net.layers]
        shapes = {"z": [None] + [(self.m, n) for n in sizes], "a": [X.shape] + [(self.m, n) for n in sizes],
                  "delta": [None] + [(self.m, n) for n in sizes],
                  "dW": [None] + [layer.W.shape for layer in net.layers],
                  "db": [None] + [(n,) for n in sizes]}
        self.val = {q: [None if s is None else np.full(s, np.nan) for s in v] for q, v in shapes.items()}
        self.eps = {q: [None if s is None else np.zeros(s) for s in v] for q, v in shapes.items()}
        self.val["a"][0] = X

    def key(self, kind, l, j, i):
        return f"{kind}[{l}][{i}]" if self.m == 1 else f"{kind}[{l}][{j},{i}]"

    def node_key(self, nd):
        if nd.kind == "dW":
            return f"dW[{nd.l}][{nd.i},{nd.k}]"
        if nd.kind == "db":
            return f"db[{nd.l}][{nd.i}]"
        return self.key(nd.kind, nd.l, nd.j, nd.i)

    def index(self, nd):
        return (nd.i, nd.k) if nd.kind == "dW" else (nd.i,) if nd.kind == "db" else (nd.j, nd.i)

    def set(self, nd, value, eps):
        self.val[nd.kind][nd.l][self.index(nd)] = value
        self.eps[nd.kind][nd.l][self.index(nd)] = eps


def order(net, m=1):
    """Every node in checking order: z then a per layer (1 … L), the δs (L … 1), then per layer
    (L … 1) and neuron the bias gradient and the weight gradients (Kelleher's Table 6)."""
    L = len(net.layers)
    for l in range(1, L + 1):
        n = net.layers[l - 1].n_out
        for kind in ("z", "a"):
            yield from (Node(kind, l, i, j=j) for j in range(m) for i in range(n))
    for l in range(L, 0, -1):
        yield from (Node("delta", l, i, j=j) for j in range(m) for i in range(net.layers[l - 1].n_out))
    for l in range(L, 0, -1):
        n_out, n_in = net.layers[l - 1].W.shape
        for i in range(n_out):
            yield Node("db", l, i)
            yield from (Node("dW", l, i, k=k) for k in range(n_in))


def _implied(r):
    """The node's value from what it reads, and how far the inputs' rounding can move it
    (each input moved by its own ±eps in turn; the moves add up, a first-order bound)."""
    value = float(r.f(r.v))
    spread = 0.0
    for n in np.flatnonzero(r.eps):
        moved = []
        for sgn in (1.0, -1.0):
            w = r.v.copy()
            w[n] += sgn * r.eps[n]
            moved.append(abs(float(r.f(w)) - value))
        spread += max(moved)
    return value, spread


def _agrees(answer, tol, value, eps):
    return abs(answer - value) <= tol + eps + SLACK * (1.0 + abs(value))


def _phase(nd):
    return {"z": "forward", "a": "forward", "delta": "backward"}.get(nd.kind, "gradients")


# ------------------------------------------------------------------------ check
def check_backprop(net, x, t, answers, *, reduction="sum"):
    """Check a student's hand-computed values for ``net`` on example ``x`` with target ``t``.

    Parameters
    ----------
    net : Network
        A network of ``Dense`` layers (any elementwise activation; softmax on the output).
    x : array (n_in,) or (m, n_in)
        One example, or a small batch of m examples (then name examples in the keys).
    t : number or array (n_out,) or (m, n_out)
        The target(s).
    answers : dict
        Key (see the module docstring) -> number or string.
    reduction : "sum" or "mean"
        How the gradients dW, db combine a batch: summed (Kelleher eq. 29) or averaged
        (Kaplan's η/m). The δs are per example either way.

    Returns a ``Report``: ``ok``, ``first_wrong`` (a key or None), ``message``, ``checked``.
    """
    net = _check_net(net)
    X, T = _inputs(net, x, t)
    check_choice(reduction, "reduction", ("sum", "mean"))
    if not hasattr(answers, "items"):
        raise TypeError(f"answers must be a dict of key -> value, got {type(answers).__name__}")
    st = _State(net, X, T, reduction)
    given = {}
    for key, value in answers.items():
        nd = parse_key(key, net, st.m)
        if nd in given:
            raise ValueError(f"answers name {st.node_key(nd)} twice (as {given[nd][2]!r} and {key!r})")
        given[nd] = (*_number(key, value), key)
    checked, left = [], len(given)
    with np.errstate(over="ignore"):
        for nd in order(net, st.m):
            if not left:
                break
            r = rule(st, nd)
            value, eps = _implied(r)
            if nd not in given:
                st.set(nd, value, eps)
                continue
            answer, tol, key = given[nd]
            if not _agrees(answer, tol, value, eps):
                return _wrong(st, nd, r, (answer, tol, key), (value, eps), checked)
            st.set(nd, answer, tol)
            checked.append(key)
            left -= 1
    return Report(True, None, _all_right(st, given, checked), checked)


def _wrong(st, nd, r, given, implied, checked):
    answer, tol, key = given
    value, eps = implied
    hint = next((h for h, alt in r.mistakes
                 if np.isfinite(alt) and _agrees(answer, tol, alt, eps) and not _agrees(alt, tol, value, eps)),
                None)
    name = label(st.net, nd, st.m)
    lines = [f"✗ {key} ({name}) does not follow from the values it depends on: you wrote {answer:g}, "
             f"checked to ±{tol:.2g}.",
             f"It depends on: {', '.join(r.reads)} (and the weights, which are given).",
             f"Use: {r.equation}.",
             "Hint: " + (hint or "recompute it from those values with the equation; if you rounded a "
                         "value you did not hand in, hand it in too, since each answer is checked "
                         "against your own earlier ones.")]
    if checked:
        lines.append(f"Accepted before it ({len(checked)}): {', '.join(checked)}.")
    return Report(False, key, _wrap(lines), checked, hint, r.equation)


def _all_right(st, given, checked):
    if not checked:
        return "No answers yet: hand in values such as {'z[1][0]': '-0.0042', 'delta[3][0]': '0.0852'}."
    msg = [f"✓ All {len(checked)} answers agree, checked in backpropagation order: {', '.join(checked)}."]
    coarse = [key for (_, tol, key) in given.values() if tol > 0.5e-3]
    if coarse:
        msg.append(f"Note: {', '.join(coarse)} had at most two decimals, so they were only checked to "
                   "that precision; write more decimals for a stricter check.")
    return _wrap(msg)


def _wrap(lines, width=88):
    """The message's paragraphs, each wrapped for a notebook's output (continuations indented)."""
    return "\n".join(textwrap.fill(line, width, subsequent_indent="  ", break_on_hyphens=False)
                     for line in lines)


# --------------------------------------------------------------------- show me
def steps(net, x, t, *, reduction="sum", phases=("forward", "backward", "gradients")):
    """Every node in checking order as a ``Step`` with its equation and the numbers filled in.

    ``phases`` picks "forward" (z, a), "backward" (δ) and "gradients" (dW, db). This is the
    "show me" mode: it computes the values from the network, never from a student's answers.
    """
    net = _check_net(net)
    X, T = _inputs(net, x, t)
    check_choice(reduction, "reduction", ("sum", "mean"))
    unknown = set(phases) - {"forward", "backward", "gradients"}
    if unknown:
        raise ValueError(f"phases may hold 'forward', 'backward', 'gradients'; got {sorted(unknown)}")
    st, out = _State(net, X, T, reduction), []
    for nd in order(net, st.m):
        r = rule(st, nd)
        value = float(r.f(r.v))
        st.set(nd, value, 0.0)
        if _phase(nd) in phases:
            out.append(Step(st.node_key(nd), label(net, nd, st.m), r.equation,
                            f"{r.numbers} = {fmt(value)}", value, _phase(nd)))
    return out
