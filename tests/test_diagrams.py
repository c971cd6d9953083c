"""The computation diagrams: thinned networks (Figure 29), the influence diagram and the
multiplicative unit (CMU lecture), the recurrent diagrams (Figures 37-42).

Each test reads what the figure actually draws (lines, circles, texts) and compares it
with what the arguments ask for, counted or computed independently.
"""
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch

from dlcore.viz.diagrams import thinned_network_diagram
from dlcore.viz.flows import influence_diagram, multiplicative_unit_diagram
from dlcore.viz.recurrent_diagrams import (
    LSTM_BACKWARD_KEYS,
    LSTM_FORWARD_KEYS,
    bptt_iterations_diagram,
    folded_rnn_diagram,
    lstm_unit_diagram,
    unrolled_rnn_diagram,
)


def texts(fig):
    return " ".join(t.get_text() for ax in fig.axes for t in ax.texts)


def dashed_arrows(fig):
    return [p for p in fig.axes[0].patches
            if isinstance(p, FancyArrowPatch) and p.get_linestyle() not in ("-", "solid")]


# ---------------------------------------------------------------------- thinned networks
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thinned_network_draws_only_the_edges_between_kept_units(seed):
    rng = np.random.default_rng(seed)
    sizes = [4, 5, 3, 2]
    masks = [rng.integers(0, 2, n) for n in sizes[:-1]] + [None]
    fig = thinned_network_diagram(sizes, masks)
    ax = fig.axes[0]
    kept = [m if m is not None else np.ones(n, int) for m, n in zip(masks, sizes)]
    expected_edges = sum(int(kept[l].sum() * kept[l - 1].sum()) for l in range(1, len(sizes)))
    assert len([line for line in ax.lines if isinstance(line, Line2D)]) == expected_edges
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == sum(sizes)
    grey = [c for c in circles if c.get_linestyle() not in ("-", "solid")]
    assert len(grey) == sum(int((m == 0).sum()) for m in masks if m is not None)
    plt.close(fig)


def test_thinned_network_without_masks_is_the_full_network():
    fig = thinned_network_diagram([3, 4, 1])
    assert len(fig.axes[0].lines) == 3 * 4 + 4 * 1
    plt.close(fig)


@pytest.mark.parametrize("sizes, masks, match", [
    ([3], None, "at least two layers"),
    ([3, 0], None, "at least two layers"),
    ([3, 2], [None], "one entry"),
    ([3, 2], [np.ones(2), None], "masks\\[0\\] must have 3 entries"),
])
def test_thinned_network_refuses_bad_input(sizes, masks, match):
    with pytest.raises(ValueError, match=match):
        thinned_network_diagram(sizes, masks)


# ------------------------------------------------------------------------- flows
def test_influence_diagram_draws_each_path_forward_and_back():
    fig = influence_diagram("$x$", ["$g_1$", "$g_2$", "$g_3$"], "$y$", into=["a", "b", "c"],
                            out_of=["d", "e", "f"], arriving=["p", "q", "r"], backward=["u", "v", "w"],
                            total="dy/dx = u + v + w")
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3 * 4                 # per path: two edges, each forward and back
    assert len(dashed_arrows(fig)) == 6
    for piece in ("$g_3$", "a", "f", "r", "w", "dy/dx = u + v + w"):
        assert piece in texts(fig)
    plt.close(fig)
    fig = influence_diagram("$x$", ["$g$"], "$y$")        # no gradients: no backward arrows
    assert not dashed_arrows(fig)
    plt.close(fig)


@pytest.mark.parametrize("kwargs, match", [
    (dict(paths="g"), "list of at least one"),
    (dict(paths=[]), "list of at least one"),
    (dict(paths=["g1", "g2"], into=["a"]), "into must give one label for each of the 2"),
])
def test_influence_diagram_refuses_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        influence_diagram("x", target="y", **kwargs)


def test_multiplicative_unit_writes_the_forward_product_and_the_swapped_backward_rule():
    y_j, y_l, grad = 0.6, -0.25, 2.0
    fig = multiplicative_unit_diagram(y_j, y_l, grad, decimals=3)
    text = texts(fig)
    assert "-0.150" in text                     # o = 0.6 × (−0.25)
    assert "-0.500" in text                     # ∂Div/∂y_j = y_l × 2
    assert "1.200" in text                      # ∂Div/∂y_l = y_j × 2
    assert len(dashed_arrows(fig)) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="forward values"):
        multiplicative_unit_diagram(grad_o=1.0)
    with pytest.raises(ValueError, match="names"):
        multiplicative_unit_diagram(names=("a", "b"))


# ----------------------------------------------------------------------- recurrent
def test_folded_rnn_has_its_loop_and_three_weights():
    fig = folded_rnn_diagram()
    for piece in ("$x_t$", "$h_t$", "$y_t$", "$W_{hx}$", "$W_{yh}$", "$W_{hh}$"):
        assert piece in texts(fig)
    plt.close(fig)


def test_unrolled_rnn_draws_the_backward_sweep_when_given_gradients():
    fig = unrolled_rnn_diagram(3, own=["a1", "a2", "a3"], carried=["c1", "c2", None])
    assert len(dashed_arrows(fig)) == 3 + 2         # every own gradient, two carried back
    for piece in ("a3", "c1", "c2", "from steps > 1"):
        assert piece in texts(fig)
    plt.close(fig)
    fig = unrolled_rnn_diagram(2)
    assert not dashed_arrows(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="one label for each of the 3 time steps"):
        unrolled_rnn_diagram(3, own=["a"])
    with pytest.raises(ValueError, match="between 1 and 8"):
        unrolled_rnn_diagram(9)


def test_bptt_iterations_send_each_error_back_through_its_copies():
    grads = [["g11"], ["g21", "g22"], ["g31", "g32", "g33"]]
    fig = bptt_iterations_diagram(grads)
    assert len(dashed_arrows(fig)) == 1 + 2 + 3     # iteration t backpropagates through t copies
    assert "g32" in texts(fig) and "$E_3$" in texts(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="grads\\[1\\]"):
        bptt_iterations_diagram([["a"], ["b"]])


def test_lstm_unit_labels_what_it_is_given_and_refuses_unknown_names():
    forward = {k: f"F{i}" for i, k in enumerate(LSTM_FORWARD_KEYS)}
    backward = {k: f"B{i}" for i, k in enumerate(LSTM_BACKWARD_KEYS)}
    fig = lstm_unit_diagram(forward, backward)
    text = texts(fig)
    assert all(v in text for v in forward.values()) and all(v in text for v in backward.values())
    assert len(dashed_arrows(fig)) == len(LSTM_BACKWARD_KEYS) + 1     # + the sum's pass-through
    plt.close(fig)
    bare = lstm_unit_diagram()
    assert not dashed_arrows(bare) and "Forget" in texts(bare)
    plt.close(bare)
    with pytest.raises(ValueError, match="forward may only name"):
        lstm_unit_diagram({"g": 1})


def test_node_refuses_unknown_kinds_and_shapes():
    from dlcore.viz.flows import node
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="kind"):
        node(ax, (0, 0), "x", kind="neuron")
    with pytest.raises(ValueError, match="shape"):
        node(ax, (0, 0), "x", shape="hexagon")
    plt.close(fig)
