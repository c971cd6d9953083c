"""Diagrams of recurrent networks: the recurrent unit, the unrolled network with its forward
and backward flows, the iterations of backpropagation through time, and the LSTM unit.

* ``folded_rnn_diagram``: the simple recurrent architecture, a state that feeds itself
  (Kelleher et al., Figure 37, eq. 104-105)
* ``unrolled_rnn_diagram``: the same network unrolled through T steps (Figure 38), optionally
  with the gradients ∂E/∂h_t that backpropagation through time sends back along it
* ``bptt_iterations_diagram``: Algorithm 3's loop, one row per time step t: the error E_t
  travels back through the t copies before it (Figure 39)
* ``lstm_unit_diagram``: the LSTM unit of Figure 40 with its gates, optionally labelled with
  the forward values of Figure 41 or the backward gradients of Figure 42

Labels are strings (or numbers) chosen by the caller; forward flows are blue, backward
gradients vermilion and dashed, as in every diagram of ``viz.flows``.
"""
from __future__ import annotations

from matplotlib.patches import FancyArrowPatch

from .flows import BACKWARD, FORWARD, finish, flow, flow_pair, labels, node, value_label
from .style import new_axes

__all__ = ["folded_rnn_diagram", "unrolled_rnn_diagram", "bptt_iterations_diagram",
           "lstm_unit_diagram", "LSTM_FORWARD_KEYS", "LSTM_BACKWARD_KEYS"]


def _text(v):
    return v if isinstance(v, str) else f"{v:.3g}"


def _steps(T, most=8):
    T = int(T)
    if not 1 <= T <= most:
        raise ValueError(f"T must be between 1 and {most} time steps to draw, got {T}")
    return T


def folded_rnn_diagram(*, ax=None, title=None, figsize=(4.2, 3.6)):
    """Figure 37: input x_t → state h_t → output y_t, with the state fed back to itself
    through W_hh (the loop is the delay of one time step)."""
    fig, ax = new_axes(ax, figsize)
    px = node(ax, (0, 0), "$x_t$", kind="input")
    ph = node(ax, (0, 1.6), "$h_t$")
    py = node(ax, (0, 3.2), "$y_t$", kind="output")
    flow(ax, (0, 0), (0, 1.6), patches=(px, ph), label="$W_{hx}$", offset=(0.45, 0))
    flow(ax, (0, 1.6), (0, 3.2), patches=(ph, py), label="$W_{yh}$", offset=(0.45, 0))
    ax.add_patch(FancyArrowPatch((0.45, 1.75), (0.45, 1.45), arrowstyle="-|>", mutation_scale=11,
                                 connectionstyle="arc,angleA=0,angleB=0,armA=40,armB=40,rad=8",
                                 lw=1.3, color=FORWARD))
    value_label(ax, (1.55, 1.6), "$W_{hh}$: $h_{t-1}$\ninto $h_t$", ha="left")
    finish(ax, (-1.2, 2.8), (-0.5, 3.7), title)
    return fig


def unrolled_rnn_diagram(T=3, x=None, h=None, y=None, *, own=None, carried=None, ax=None,
                         title=None):
    """A simple RNN unrolled through T steps (Figure 38), with optional values and gradients.

    ``x``, ``h`` and ``y`` are T labels written in the boxes of x_t, h_t and y_t. The backward
    sweep of BPTT is drawn dashed when gradients are given: ``own`` (T labels) is ∂E_t/∂h_t,
    what step t's own output sends down to its state, and ``carried`` (T labels, the last
    None) is what arrives at h_t from the steps after it, W_hhᵀ δ_{t+1}. Their sum is ∂E/∂h_t.
    """
    T = _steps(T)
    xs, hs, ys = (labels(v, T, name, "time step") for v, name in ((x, "x"), (h, "h"), (y, "y")))
    owns, carries = labels(own, T, "own", "time step"), labels(carried, T, "carried", "time step")
    backward = own is not None or carried is not None
    gap = 2.8 if backward else 2.6
    right = 1.7 if backward else 0.9        # room for the last step's gradient label
    fig, ax = new_axes(ax, (gap * T + 0.9 + right, 4.2 if backward else 3.6))
    prev = node(ax, (0, 1.6), "$h_0$\n0")
    for t in range(1, T + 1):
        cx = gap * t
        px = node(ax, (cx, 0), f"$x_{t}$" + (f"\n{xs[t - 1]}" if xs[t - 1] else ""), kind="input",
                  width=1.3, height=0.7)
        ph = node(ax, (cx, 1.6), f"$h_{t}$" + (f"\n{hs[t - 1]}" if hs[t - 1] else ""), width=1.5,
                  height=0.7)
        py = node(ax, (cx, 3.2), f"$y_{t}$" + (f"\n{ys[t - 1]}" if ys[t - 1] else ""), kind="output",
                  width=1.3, height=0.7)
        flow(ax, (cx, 0), (cx, 1.6), patches=(px, ph), label="$W_{hx}$", offset=(-0.35, 0))
        if backward:
            mine = owns[t - 1]
            flow_pair(ax, (cx, 1.6), (cx, 3.2), "$W_{yh}$",
                      f"∂$E_{t}$/∂$h_{t}$\n= {mine}" if mine else False, patches=(ph, py), shift=0.6)
            later = carries[t - 2] if t > 1 else None
            flow_pair(ax, (cx - gap, 1.6), (cx, 1.6), "$W_{hh}$",
                      f"from steps > {t - 1}:\n{later}" if later else False, patches=(prev, ph),
                      shift=0.42)
        else:
            flow(ax, (cx, 1.6), (cx, 3.2), patches=(ph, py), label="$W_{yh}$", offset=(-0.35, 0))
            flow(ax, (cx - gap, 1.6), (cx, 1.6), patches=(prev, ph), label="$W_{hh}$", offset=(0, 0.22))
        prev = ph
    finish(ax, (-0.8, gap * T + right), (-0.6, 3.8), title or
           f"A simple RNN unrolled through {T} time steps: every copy shares $W_{{hh}}$, $W_{{hx}}$, $w_0$")
    return fig


def bptt_iterations_diagram(grads, *, ax=None, title=None):
    """Algorithm 3 drawn as Figure 39: row t unrolls the network through t steps and sends
    the error E_t back through every copy.

    ``grads[t - 1]`` lists t labels: the gradient ∂E_t/∂h_i that reaches copy i = 1 … t in
    iteration t (the last, ∂E_t/∂h_t, is where E_t enters).
    """
    T = _steps(len(grads))
    for t, row in enumerate(grads, start=1):
        if len(row) != t:
            raise ValueError(f"grads[{t - 1}] must give one label for each of the {t} copies of "
                             f"iteration {t}, got {len(row)}")
    gap = 2.9
    fig, ax = new_axes(ax, (gap * T + 3.2, 1.6 * T + 0.6))
    for t in range(1, T + 1):
        cy = -1.6 * (t - 1)
        ax.text(-0.7, cy, f"t = {t}", ha="right", va="center", fontsize=9, weight="bold")
        prev = node(ax, (0, cy), "$h_0$", width=0.7, height=0.5)
        for i in range(1, t + 1):
            ph = node(ax, (gap * i, cy), f"$h_{i}$", width=0.7, height=0.5)
            back = (f"∂$E_{t}$/∂$h_{i - 1}$ = {_text(grads[t - 1][i - 2])}" if i > 1 else False)
            flow_pair(ax, (gap * (i - 1), cy), (gap * i, cy), None, back, patches=(prev, ph),
                      shift=0.3, gap=0.1)
            prev = ph
        pe = node(ax, (gap * (t + 0.75), cy), f"$E_{t}$", kind="output", width=0.7, height=0.5)
        flow_pair(ax, (gap * t, cy), (gap * (t + 0.75), cy), None,
                  f"∂$E_{t}$/∂$h_{t}$ = {_text(grads[t - 1][t - 1])}", patches=(prev, pe),
                  shift=0.3, gap=0.1)
    finish(ax, (-1.6, gap * (T + 0.75) + 0.6), (-1.6 * (T - 1) - 0.7, 0.6), title or
           "Backpropagation through time, Algorithm 3: iteration t sends $E_t$ back through t copies")
    return fig


# ---------------------------------------------------------------------------------- LSTM
LSTM_FORWARD_KEYS = ("c_prev", "h_prev", "x", "f", "c_dag", "i_dag", "i_ddag", "i", "c",
                     "o_dag", "o_ddag", "h")
LSTM_BACKWARD_KEYS = ("dE_do", "dE_dc_next", "dE_do_ddag", "dE_do_dag", "dE_dc", "dE_di_ddag",
                      "dE_di_dag", "dE_df", "dE_dc_prev")

# where each forward value is written, beside the wire it travels on
_FWD_AT = {"c_prev": (1.3, 4.95), "f": (2.2, 3.55), "c_dag": (4.5, 4.95), "i_dag": (4.3, 3.45),
           "i_ddag": (7.7, 3.45), "i": (6.85, 4.1), "c": (10.9, 4.95), "o_dag": (9.2, 2.78),
           "o_ddag": (10.95, 3.05), "h": (11.3, 2.55), "h_prev": (0.8, -0.15), "x": (2.45, -0.5)}
# each gradient's dashed arrow (from, to) beside its wire, and where its label goes
_BWD_AT = {"dE_dc_next": ((12.9, 4.35), (10.2, 4.35), (11.6, 4.05)),
           "dE_do": ((12.9, 1.95), (10.3, 1.95), (11.6, 1.65)),
           "dE_do_ddag": ((10.2, 2.45), (10.2, 3.3), (11.05, 2.75)),
           "dE_do_dag": ((9.75, 1.95), (8.85, 1.95), (9.3, 1.3)),
           "dE_dc": ((9.8, 4.35), (6.3, 4.35), (8.0, 4.05)),
           "dE_di_dag": ((5.8, 3.35), (5.1, 2.5), (4.3, 3.0)),
           "dE_di_ddag": ((6.2, 3.35), (6.9, 2.5), (7.7, 3.0)),
           "dE_df": ((3.2, 4.3), (3.2, 2.5), (2.2, 3.1)),
           "dE_dc_prev": ((2.7, 4.35), (0.2, 4.35), (1.3, 4.05))}
_NAMES = {"c_prev": "$c_{t-1}$", "h_prev": "$h_{t-1}$", "x": "$x_t$", "f": "$f_t$",
          "c_dag": "$c^‡$", "i_dag": "$i^†$", "i_ddag": "$i^‡$", "i": "$i_t$", "c": "$c_t$",
          "o_dag": "$o^†$", "o_ddag": "$o^‡$", "h": "$h_t = o_t$",
          "dE_do": "∂E/∂$o_t$", "dE_dc_next": "∂$E_{t+1}$/∂$c_t$", "dE_do_ddag": "∂E/∂$o^‡$",
          "dE_do_dag": "∂E/∂$o^†$", "dE_dc": "∂E/∂$c_t$", "dE_di_ddag": "∂E/∂$i^‡$",
          "dE_di_dag": "∂E/∂$i^†$", "dE_df": "∂E/∂$f_t$", "dE_dc_prev": "∂E/∂$c_{t-1}$"}


def _check_keys(values, allowed, name):
    if values is None:
        return {}
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"{name} may only name {list(allowed)}; got {sorted(unknown)}")
    return {k: _text(v) for k, v in values.items()}


def lstm_unit_diagram(forward=None, backward=None, *, ax=None, title=None, figsize=(11.5, 5.4)):
    """The LSTM unit of Kelleher et al.'s Figure 40: the cell state along the top, the gates
    below it reading hx = [1, h_{t−1}, x_t], and the products (⊙) and sum (+) that join them.

    ``forward`` maps names of ``LSTM_FORWARD_KEYS`` to labels written beside their wires
    (Figure 41); ``backward`` maps names of ``LSTM_BACKWARD_KEYS`` to gradient labels, drawn
    dashed in vermilion against the direction of the wire (Figure 42).
    """
    fwd = _check_keys(forward, LSTM_FORWARD_KEYS, "forward")
    bwd = _check_keys(backward, LSTM_BACKWARD_KEYS, "backward")
    fig, ax = new_axes(ax, figsize)
    cell_y, gate_y, bus_y = 4.6, 2.2, 0.2
    # the cell state: c_{t-1} → ⊙ (forget) → + (input) → c_t
    mul_f = node(ax, (3, cell_y), "⊙", kind="op", shape="circle", width=0.55, fontsize=13)
    add = node(ax, (6, cell_y), "+", kind="op", shape="circle", width=0.55, fontsize=13)
    mul_i = node(ax, (6, 3.55), "⊙", kind="op", shape="circle", width=0.5, fontsize=12)
    tanh_c = node(ax, (10, 3.55), "tanh", kind="op", width=0.8, height=0.45, fontsize=8)
    mul_o = node(ax, (10, gate_y), "⊙", kind="op", shape="circle", width=0.5, fontsize=12)
    gates = {"f": (3.0, "σ", "forget $f_t$"), "i_dag": (5.2, "σ", "input $i^†$"),
             "i_ddag": (6.8, "tanh", "candidate $i^‡$"), "o_dag": (8.4, "σ", "output $o^†$")}
    boxes = {k: node(ax, (gx, gate_y), sym, kind="gate", width=0.8, height=0.55)
             for k, (gx, sym, _) in gates.items()}
    for k, (gx, _, name) in gates.items():
        ax.text(gx, gate_y - 0.5, name, ha="center", va="center", fontsize=7.5, color="0.3", zorder=5,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
        flow(ax, (gx, bus_y), (gx, gate_y), patches=(None, boxes[k]))
    ax.plot([0.0, 8.4], [bus_y, bus_y], color=FORWARD, lw=1.3, zorder=1)        # the hx bus
    ax.plot([1.6, 1.6], [-0.8, bus_y], color=FORWARD, lw=1.3, zorder=1)         # x_t joins it
    ax.text(-0.1, bus_y, "$h_{t-1}$", ha="right", va="center", fontsize=10)
    ax.text(1.6, -0.9, "$x_t$", ha="center", va="top", fontsize=10)
    ax.text(4.0, bus_y + 0.22, "$hx_t = [1, h_{t-1}, x_t]$", ha="center", fontsize=8, color="0.3")
    ax.text(-0.1, cell_y, "$c_{t-1}$", ha="right", va="center", fontsize=10)
    flow(ax, (0, cell_y), (3, cell_y), patches=(None, mul_f))
    flow(ax, (3, gate_y), (3, cell_y), patches=(boxes["f"], mul_f))
    flow(ax, (3, cell_y), (6, cell_y), patches=(mul_f, add))
    flow(ax, (5.2, gate_y), (6, 3.55), patches=(boxes["i_dag"], mul_i))
    flow(ax, (6.8, gate_y), (6, 3.55), patches=(boxes["i_ddag"], mul_i))
    flow(ax, (6, 3.55), (6, cell_y), patches=(mul_i, add))
    flow(ax, (6, cell_y), (12, cell_y), patches=(add, None))
    ax.plot([10, 10], [cell_y, 3.8], color=FORWARD, lw=1.3, zorder=1)
    flow(ax, (10, 3.55), (10, gate_y), patches=(tanh_c, mul_o))
    flow(ax, (8.4, gate_y), (10, gate_y), patches=(boxes["o_dag"], mul_o))
    flow(ax, (10, gate_y), (12, gate_y), patches=(mul_o, None))
    ax.text(12.1, cell_y, "$c_t$", ha="left", va="center", fontsize=10)
    ax.text(12.1, gate_y, "$h_t$", ha="left", va="center", fontsize=10)
    for label, x0 in (("Forget", 3.0), ("Input", 6.0), ("Output", 9.6)):
        ax.text(x0, 5.75, label, ha="center", fontsize=9, weight="bold", color="0.35")
    for k, v in fwd.items():
        value_label(ax, _FWD_AT[k], f"{_NAMES[k]} = {v}", color=FORWARD, fontsize=7.5)
    for k, v in bwd.items():
        a, b, at = _BWD_AT[k]
        flow(ax, a, b, backward=True)
        value_label(ax, at, f"{_NAMES[k]} = {v}", color=BACKWARD, fontsize=7.5)
    if "dE_dc" in bwd:     # ∂E/∂i_t = ∂E/∂c_t: the sum passes the gradient on unchanged
        flow(ax, (6.2, 4.3), (6.2, 3.85), backward=True)
    finish(ax, (-1.0, 13.6), (-1.5, 6.1), title)
    return fig
