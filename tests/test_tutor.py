"""The backprop tutor (dlcore.teaching.tutor): right answers pass, each typical mistake is
caught at the node where it is made, with a hint about that mistake, and no correct value
is revealed.

Correct answers come from the lecture (Kelleher et al., Tables 5, 6, 11 and eq. 31-37, 44,
printed to 4-8 decimals) or from a naive scalar forward/backward pass written out below with
``math`` (loops over neurons, no dlcore); the wrong answers apply one mistake to those.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import dlcore as dl

KEL_LOGISTIC = {   # d2 through Kelleher's network: Table 5, eq. 31-37, Table 6
    "z[1][0]": "-0.004200", "z[1][1]": "-0.189800", "z[1][2]": "0.120800",
    "a[1][0]": "0.4990", "a[1][1]": "0.4527", "a[1][2]": "0.5302",
    "z[2][0]": "0.207122", "z[2][1]": "0.235460", "a[2][0]": "0.5516", "a[2][1]": "0.5586",
    "z[3][0]": "-0.113108", "a[3][0]": "0.4718",
    "delta[3][0]": "0.0852", "delta[2][0]": "0.0025", "delta[2][1]": "-0.0105",
    "delta[1][0]": "-0.0006", "delta[1][1]": "-0.0003", "delta[1][2]": "0.0003",
    "db[3][0]": "0.0852", "dW[3][0,0]": "0.04699632", "dW[3][0,1]": "0.04759272",
    "db[2][1]": "-0.0105", "dW[2][1,0]": "-0.0052395", "dW[2][1,1]": "-0.00475335",
    "dW[2][1,2]": "-0.0055671", "db[2][0]": "0.0025", "dW[2][0,0]": "0.0012475",
    "dW[1][2,0]": "0.000252", "dW[1][2,1]": "0.000174", "dW[1][0,0]": "-0.000504",
}
KEL_RELU = {       # the ReLU network on d2: Table 11 and eq. 44 (δ7 printed 0.0329, half up)
    "z[1][0]": "-0.004200", "z[1][1]": "-0.189800", "z[1][2]": "0.120800",
    "a[1][0]": "0", "a[1][1]": "0", "a[1][2]": "0.1208",
    "z[2][0]": "0.157248", "z[2][1]": "0.109128", "a[2][0]": "0.1572", "a[2][1]": "0.1091",
    "z[3][0]": "0.064314", "a[3][0]": "0.0643",
    "delta[3][0]": "-0.0657", "delta[2][0]": "-0.0079", "delta[2][1]": "0.0329",
    "delta[1][0]": "0", "delta[1][1]": "0", "delta[1][2]": "-0.0034",
}


@pytest.fixture
def d2():
    data = dl.datasets.power_plant()
    return data.X[1], data.T[1]


def check(net, x, t, answers, **kw):
    return dl.tutor.check_backprop(net, x, t, answers, **kw)


def test_the_lecture_values_pass_for_the_logistic_network(d2):
    report = check(dl.datasets.kelleher_network("logistic"), *d2, KEL_LOGISTIC)
    assert report.ok and report.first_wrong is None
    assert sorted(report.checked) == sorted(KEL_LOGISTIC)
    # backpropagation order: forward, the δs from the output back, then the gradients
    pos = {k: report.checked.index(k) for k in report.checked}
    assert pos["a[3][0]"] < pos["delta[3][0]"] < pos["delta[2][1]"] < pos["delta[1][0]"] < pos["db[3][0]"]


def test_the_lecture_values_pass_for_the_relu_network(d2):
    report = check(dl.datasets.kelleher_network("relu"), *d2, KEL_RELU)
    assert report.ok, report.message


@pytest.mark.parametrize("key, wrong, hint", [
    # sign of δ: −(t − a) dropped to (t − a) × slope
    ("delta[3][0]", "-0.0852", "check the sign"),
    # forgetting φ′ at the output: δ8 = ∂E/∂a8 = a8 − t = 0.3418
    ("delta[3][0]", "0.3418", "left out φ′"),
    # the error t − a itself
    ("delta[3][0]", "-0.3418", "error t − a"),
    # φ′ evaluated at a instead of z: logistic(a8)(1 − logistic(a8)) = 0.2365...
    ("delta[3][0]", f"{0.3418 * (1 / (1 + math.exp(-0.4718))) * (1 - 1 / (1 + math.exp(-0.4718))):.4f}",
     "evaluated the slope at a8"),
    # z(1 − z) in place of a(1 − a): 0.3418 × (−0.113108)(1.113108)
    ("delta[3][0]", f"{0.3418 * -0.113108 * 1.113108:.4f}", "used z8 in a(1 − a)"),
    # forgetting φ′ in a hidden δ: δ7 = w8,7 δ8 = −0.5 × 0.0852
    ("delta[2][1]", "-0.0426", "left out φ′"),
    # sign flipped on a hidden δ
    ("delta[2][1]", "0.0105", "check the sign"),
    # wrong weight index in a hidden δ: δ3 with the weights leaving neuron 4 (w6,4, w7,4)
    ("delta[1][0]", f"{(0.10 * 0.0025 + 0.14 * -0.0105) * 0.4990 * 0.5010:.6f}", "weights leaving neuron 4"),
    # using a instead of z ... in the weight gradient: δ7 × z5 instead of δ7 × a5
    ("dW[2][1,2]", f"{-0.0105 * 0.120800:.8f}", "multiplied δ7 by z5"),
    # wrong weight index in a gradient: δ7 × a3 for w7,5
    ("dW[2][1,2]", f"{-0.0105 * 0.4990:.8f}", "used a3"),
    # swapped indices: ∂E/∂w7,5 as δ5 × a7 does not exist (5 is not in layer 2), but
    # ∂E/∂w6,4 = δ6 a4 swapped is δ7 × a3 (w_{k,i} read as δ_k a_i)
    ("dW[2][0,1]", f"{-0.0105 * 0.4990:.8f}", "indices are swapped"),
    # the bias forgotten in z
    ("z[1][0]", f"{-0.20 * 0.84 + 0.11 * 0.58:.6f}", "add the bias"),
    # the activation forgotten: a = z
    ("a[2][1]", "0.2355", "that is z itself"),
])
def test_each_typical_mistake_is_caught_at_its_node(d2, key, wrong, hint):
    answers = dict(KEL_LOGISTIC, **{key: wrong})
    report = check(dl.datasets.kelleher_network("logistic"), *d2, answers)
    assert not report.ok and report.first_wrong == key
    assert hint in report.hint, report.message
    assert report.checked == [k for k in report.checked if k in KEL_LOGISTIC]
    assert key not in report.checked
    # the message names what the node depends on and the lecture's equation, never the value
    assert "It depends on:" in report.message and "eq." in report.message
    net = dl.datasets.kelleher_network()
    truth = {s.key: s.value for s in dl.tutor.steps(net, *d2)}[key]
    for decimals in (3, 4, 5, 6):
        shown = re.escape(f"{truth:.{decimals}f}")
        assert not re.search(f"(?<![-\\d]){shown}", report.message.replace("−", "-"))


def test_rounding_is_judged_by_the_written_precision(d2):
    net = dl.datasets.kelleher_network()
    assert check(net, *d2, {"delta[3][0]": "0.0852"}).ok            # exact 0.085175...
    assert not check(net, *d2, {"delta[3][0]": "0.08520"}).ok       # claims ±0.000005
    assert check(net, *d2, {"delta[3][0]": 0.0852}).ok              # a float reads as printed
    coarse = check(net, *d2, {"delta[3][0]": "0.09"})
    assert coarse.ok and "only checked to that precision" in coarse.message


def test_downstream_values_use_the_students_rounded_answers(d2):
    """δ3 from the rounded δ6 = 0.0025 and δ7 = −0.0105 is −0.00055...; from exact δs it is
    −0.000557: the student's −0.0006 must pass, and a value only right for exact δs as well."""
    net = dl.datasets.kelleher_network()
    answers = {"delta[2][0]": "0.0025", "delta[2][1]": "-0.0105", "delta[1][0]": "-0.0006"}
    assert check(net, *d2, answers).ok
    # a δ7 rounded to two decimals widens what δ3 may be, instead of failing δ3
    assert check(net, *d2, {"delta[2][1]": "-0.01", "delta[1][0]": "-0.0005"}).ok


# ----------------------------------------------------------- an independent reference
def naive(Ws, bs, acts, x, t, loss):
    """Forward and backward pass with scalar loops (Kelleher eq. 1-2, 21-23, 27)."""
    phi = {"logistic": lambda z: 1 / (1 + math.exp(-z)), "relu": lambda z: max(z, 0.0),
           "tanh": math.tanh}
    slope = {"logistic": lambda z, a: a * (1 - a), "relu": lambda z, a: 1.0 if z > 0 else 0.0,
             "tanh": lambda z, a: 1 - a * a}
    a, zs, As = list(x), [None], [list(x)]
    for W, b, act in zip(Ws, bs, acts):
        z = [b[i] + sum(W[i][k] * a[k] for k in range(len(a))) for i in range(len(W))]
        if act == "softmax":
            e = [math.exp(v) for v in z]
            a = [v / sum(e) for v in e]
        else:
            a = [phi[act](v) for v in z]
        zs.append(z)
        As.append(a)
    L = len(Ws)
    if loss == "cross_entropy":
        d = [As[L][i] - t[i] for i in range(len(t))]
    else:
        d = [(As[L][i] - t[i]) * slope[acts[-1]](zs[L][i], As[L][i]) for i in range(len(t))]
    deltas = {L: d}
    for l in range(L - 1, 0, -1):
        nxt = Ws[l]
        deltas[l] = [sum(nxt[i][k] * deltas[l + 1][i] for i in range(len(nxt))) *
                     slope[acts[l - 1]](zs[l][k], As[l][k]) for k in range(len(zs[l]))]
    out = {}
    for l in range(1, L + 1):
        for i in range(len(zs[l])):
            out[f"z[{l}][{i}]"], out[f"a[{l}][{i}]"] = zs[l][i], As[l][i]
            out[f"delta[{l}][{i}]"], out[f"db[{l}][{i}]"] = deltas[l][i], deltas[l][i]
            for k in range(len(As[l - 1])):
                out[f"dW[{l}][{i},{k}]"] = deltas[l][i] * As[l - 1][k]
    return out


@pytest.fixture
def softmax_net():
    net = dl.Network([dl.Dense(2, 3, "tanh", rng=3), dl.Dense(3, 3, "softmax", rng=4)],
                     loss="cross_entropy")
    for layer, b in zip(net.layers, ([0.1, -0.2, 0.05], [0.2, 0.0, -0.1])):
        layer.b[...] = b
    return net


def _reference(net, x, t):
    return naive([l.W.tolist() for l in net.layers], [l.b.tolist() for l in net.layers],
                 [l.activation.name for l in net.layers], list(x), list(t), net.loss_fn.name)


def test_softmax_output_correct_and_mistakes(softmax_net):
    x, t = np.array([0.5, -1.2]), np.array([0.0, 1.0, 0.0])
    ref = _reference(softmax_net, x, t)
    exact = {k: repr(float(v)) for k, v in ref.items()}
    assert check(softmax_net, x, t, exact).ok
    rounded = {k: f"{v:.4f}" for k, v in ref.items()}
    assert check(softmax_net, x, t, rounded).ok, check(softmax_net, x, t, rounded).message
    # multiplying P̂ − t by the slope a(1 − a), as if softmax were elementwise
    a1 = ref["a[2][1]"]
    wrong = dict(rounded, **{"delta[2][1]": f"{(a1 - 1) * a1 * (1 - a1):.4f}"})
    r = check(softmax_net, x, t, wrong)
    assert r.first_wrong == "delta[2][1]" and "slope cancels" in r.hint
    # t − P̂ instead of P̂ − t
    r = check(softmax_net, x, t, dict(rounded, **{"delta[2][0]": f"{-ref['delta[2][0]']:.4f}"}))
    assert r.first_wrong == "delta[2][0]" and "sign" in r.hint
    # exponentials not normalised
    r = check(softmax_net, x, t, dict(rounded, **{"a[2][2]": f"{math.exp(ref['z[2][2]']):.4f}"}))
    assert r.first_wrong == "a[2][2]" and "divide by Σ_j e^(z_j)" in r.hint


def test_a_batch_with_mean_reduction_catches_summing(softmax_net):
    X = np.array([[0.5, -1.2], [1.0, 0.3], [-0.4, 0.8]])
    T = np.eye(3)[[1, 0, 2]]
    refs = [_reference(softmax_net, x, t) for x, t in zip(X, T)]
    mean = {k: sum(r[k] for r in refs) / 3 for k in refs[0] if k.startswith(("dW", "db"))}
    per_example = {f"{k.split('[')[0]}[{k.split('[')[1]}[{j},{k.split('[')[2]}": v
                   for j, r in enumerate(refs) for k, v in r.items() if k.startswith(("z", "a", "delta"))}
    answers = {k: f"{v:.6f}" for k, v in {**per_example, **mean}.items()}
    assert check(softmax_net, X, T, answers, reduction="mean").ok
    summed = dict(answers, **{"dW[2][1,2]": f"{3 * mean['dW[2][1,2]']:.6f}"})
    r = check(softmax_net, X, T, summed, reduction="mean")
    assert r.first_wrong == "dW[2][1,2]" and "summed over the 3 examples" in r.hint
    r = check(softmax_net, X, T, answers, reduction="sum")
    assert r.first_wrong == "db[2][0]" and "averaged" in r.hint
    one = dict(answers, **{"db[1][1]": f"{refs[2]['db[1][1]'] / 3:.6f}"})
    r = check(softmax_net, X, T, one, reduction="mean")
    assert r.first_wrong == "db[1][1]" and "example 2's term alone" in r.hint


def test_the_first_wrong_value_in_backprop_order_is_named(d2):
    net = dl.datasets.kelleher_network()
    answers = dict(KEL_LOGISTIC, **{"dW[3][0,0]": "0.1", "delta[1][2]": "0.1", "a[1][1]": "0.1"})
    assert check(net, *d2, answers).first_wrong == "a[1][1]"
    answers["a[1][1]"] = KEL_LOGISTIC["a[1][1]"]
    assert check(net, *d2, answers).first_wrong == "delta[1][2]"


def test_show_me_walks_every_node_with_the_numbers_filled_in(d2):
    net = dl.datasets.kelleher_network()
    walk = dl.tutor.steps(net, *d2, phases=("backward",))
    assert [s.name for s in walk] == ["δ8", "δ6", "δ7", "δ3", "δ4", "δ5"]
    assert [round(s.value, 4) for s in walk] == [0.0852, 0.0025, -0.0105, -0.0006, -0.0003, 0.0003]
    assert walk[0].numbers == "δ8 = −(0.1300 − 0.4718) × 0.4718 × (1 − 0.4718) = 0.0852"
    assert "eq. 22–23" in walk[2].equation
    assert len(dl.tutor.steps(net, *d2)) == 6 + 6 + 6 + 20


@pytest.mark.parametrize("answers, error, match", [
    ({"delta[4][0]": 1}, ValueError, "layer must be 1 … 3"),
    ({"delta[3][1]": 1}, ValueError, "neuron i < 1"),
    ({"dW[2][0]": 1}, ValueError, "needs \\[i,k\\]"),
    ({"grad[1][0]": 1}, ValueError, "not of the form"),
    ({"z[1][0]": "zero"}, ValueError, "must be a number"),
    ({"z[1][0]": float("nan")}, ValueError, "finite"),
    ({"z[1][0]": True}, TypeError, "number or a string"),
    ({"z[1][0]": 1, "z[1][0,0]": 1}, ValueError, "twice"),
    ([("z[1][0]", 1)], TypeError, "dict"),
])
def test_bad_answers_get_clear_errors(d2, answers, error, match):
    with pytest.raises(error, match=match):
        check(dl.datasets.kelleher_network(), *d2, answers)


def test_bad_networks_and_inputs_get_clear_errors(d2):
    conv = dl.Network([dl.Flatten((1, 2, 1)), dl.Dense(2, 1, rng=0)])
    with pytest.raises(ValueError, match="Dense layers only"):
        check(conv, np.zeros((1, 1, 2, 1)), [0.0], {})
    with pytest.raises(ValueError, match="x must hold 2 input"):
        check(dl.datasets.kelleher_network(), [1.0, 2.0, 3.0], 0.5, {})
    with pytest.raises(ValueError, match="name the example"):
        check(dl.datasets.kelleher_network(), np.zeros((2, 2)), [0.1, 0.2], {"z[1][0]": 0})


# ----------------------------------------------------------------------- the panels
def test_the_form_checks_what_was_typed_and_marks_the_boxes(d2):
    from dlcore.ui.tutor import OK_BORDER, WRONG_BORDER, tutor_form
    form = tutor_form(dl.datasets.kelleher_network(), *d2)
    assert set(form.boxes) == {f"{q}[{l}][{i}]" for q in ("z", "a", "delta")
                               for l, n in ((1, 3), (2, 2), (3, 1)) for i in range(n)}
    assert form.boxes["delta[2][1]"].description == "δ7"       # Kelleher's neuron numbers
    diagram = form.children[0].value
    assert diagram.startswith('<svg role="img" aria-label="Diagram of the network') and "</svg>" in diagram
    form.boxes["delta[3][0]"].value = "0.0852"
    form.boxes["delta[2][1]"].value = "-0.0426"                 # φ′ forgotten
    form.gradients.value = "dW[3][0,0] = 0.0470\n"
    form.check_button.click()
    assert form.boxes["delta[3][0]"].layout.border == OK_BORDER
    assert form.boxes["delta[2][1]"].layout.border == WRONG_BORDER
    assert "left out φ′" in form.result.value and "0.0105" not in form.result.value
    form.gradients.value = "dW[3][0,0] 0.0470"
    form.check_button.click()
    assert "should look like &#x27;dW[3][0,1] = 0.0476" in form.result.value


def test_show_me_reveals_nothing_until_asked(d2):
    from dlcore.ui.tutor import show_me
    view = show_me(dl.datasets.kelleher_network(), *d2, phases=("backward",))
    assert view.slider.value == 0 and view.stack.selected_index == 0
    assert "0.0852" not in view.stack.children[0].value
    view.slider.value = 1
    assert view.stack.selected_index == 1 and "0.0852" in view.stack.children[1].value
    assert len(view.stack.children) == 7


@pytest.mark.parametrize("acts, loss", [(("prelu", "leaky_relu", "linear"), "sse"),
                                        (("tanh", "relu", "logistic"), "binary_cross_entropy"),
                                        (("logistic", "tanh", "softmax"), "cross_entropy")])
def test_show_me_values_agree_with_the_network_for_every_activation(acts, loss):
    """The tutor's scalar, one-node-at-a-time formulas against Network's matrix backward pass."""
    rng = np.random.default_rng(7)
    act = [dl.activations.get(a, alpha=0.2) if a == "leaky_relu" else a for a in acts]
    net = dl.Network([dl.Dense(3, 4, act[0], rng=1, lam=0.3), dl.Dense(4, 3, act[1], rng=2),
                      dl.Dense(3, 2 if loss != "cross_entropy" else 3, act[2], rng=3)], loss=loss)
    for layer in net.layers:
        layer.b[...] = rng.normal(0, 0.3, layer.b.shape)
    if acts[0] == "prelu":
        net.layers[0].lam[...] = [0.1, 0.2, 0.3, 0.4]           # one λ per neuron
    X = rng.normal(size=(2, 3))
    T = np.eye(3)[[0, 2]] if loss == "cross_entropy" else rng.uniform(0, 1, (2, 2))
    tr = net.forward(X)
    g = net.backward(tr, T, reduction="mean")
    walk = {s.key: s.value for s in dl.tutor.steps(net, X, T, reduction="mean")}
    for l in (1, 2, 3):
        for j in range(2):
            for i in range(net.layers[l - 1].n_out):
                assert walk[f"z[{l}][{j},{i}]"] == pytest.approx(tr.z[l][j, i], abs=1e-12)
                assert walk[f"a[{l}][{j},{i}]"] == pytest.approx(tr.a[l][j, i], abs=1e-12)
                assert walk[f"delta[{l}][{j},{i}]"] == pytest.approx(g.delta[l][j, i], abs=1e-12)
        for (i, k), v in np.ndenumerate(g.dW[l]):
            assert walk[f"dW[{l}][{i},{k}]"] == pytest.approx(v, abs=1e-12)
        np.testing.assert_allclose([walk[f"db[{l}][{i}]"] for i in range(len(g.db[l]))], g.db[l], atol=1e-12)
    exact = {k: repr(v) for k, v in walk.items()}
    assert dl.tutor.check_backprop(net, X, T, exact, reduction="mean").ok
