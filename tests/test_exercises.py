import numpy as np
import pytest

from dlcore.teaching.checks import check
from dlcore.teaching.exercises import FunctionExercise, NumberExercise, fingerprint

Z = np.linspace(-3, 3, 13)


def tanh_exercise():
    return FunctionExercise("derivative of tanh", Z, fingerprint(1 - np.tanh(Z) ** 2, 6), 6,
                            hint="use the quotient rule",
                            mistakes={fingerprint(np.tanh(Z), 6): "that is tanh itself"})


def test_correct_function_passes_in_any_equivalent_form(capsys):
    ex = tanh_exercise()
    assert ex.check(lambda z: 1 - np.tanh(z) ** 2)
    assert ex.check(lambda z: 1 / np.cosh(z) ** 2)
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("wrong, says", [
    (np.tanh, "that is tanh itself"),
    (lambda z: 1 - np.tanh(z), "quotient rule"),
    (lambda z: np.tanh(z) * (1 - np.tanh(z)), "quotient rule"),
    (lambda z: 1.0, "shape"),
    (lambda z: z / 0, "NaN"),
    (lambda z: undefined_name, "NameError"),  # noqa: F821
    (3.0, "expected a function"),
    (None, "no answer yet"),
])
def test_wrong_functions_fail_with_a_hint_but_not_the_answer(capsys, wrong, says):
    ex = tanh_exercise()
    assert not ex.check(wrong)
    out = capsys.readouterr().out
    assert says in out
    assert "0.0099" not in out and "cosh" not in out   # no part of the answer is printed


def test_number_exercise():
    ex = NumberExercise("delta8 for d1", fingerprint(-0.116749, 4), 4, hint="multiply by the slope")
    assert ex.check(-0.1167494)
    assert ex.check(np.float64(-0.11674))
    assert not ex.check(0.1167)          # the sign convention matters
    assert not ex.check(-0.4685)         # forgot the slope
    assert not ex.check("about -0.12")
    assert not ex.check(float("nan"))
    assert not ex.check(None)


def test_fingerprint_properties():
    assert fingerprint(0.0, 3) == fingerprint(-0.0, 3) == fingerprint(0.0004, 3)
    assert fingerprint([1.0, 2.0], 2) != fingerprint([[1.0, 2.0]], 2)
    assert len(fingerprint(1.5, 2)) == 64
    with pytest.raises(ValueError, match="fingerprint"):
        NumberExercise("x", "abc", 2, hint="")


# ------------------------------------------------ functions of several arguments (args, shape)
A = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
MASK = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])


def dropout_exercise():
    """Inverted dropout's forward pass a'' = a ⊙ m / ρ (Kelleher et al., Algorithm 2, lines 3-4),
    fingerprinted from a hand-written loop, not from dlcore."""
    expected = np.zeros_like(A)
    for i in range(2):
        for j in range(3):
            expected[i, j] = A[i, j] / 0.8 if MASK[i, j] == 1 else 0.0
    return FunctionExercise("inverted dropout", A, fingerprint(expected, 6), 6, hint="scale by 1/rho",
                            mistakes={fingerprint(A * MASK, 6): "you forgot the 1/rho"},
                            args=(MASK, 0.8))


def test_extra_arguments_follow_the_input(capsys):
    ex = dropout_exercise()
    assert ex.check(lambda a, m, rho: a * m / rho)
    assert ex.check(lambda a, m, rho: np.where(m > 0, a / rho, 0.0))
    assert not ex.check(lambda a, m, rho: a * m)
    assert "forgot the 1/rho" in capsys.readouterr().out
    assert not ex.check(lambda a, m: a * m)                   # wrong signature is reported
    assert "raised TypeError" in capsys.readouterr().out
    assert not ex.check(lambda a, m, rho: None)               # a stub that returns nothing
    assert "returned None" in capsys.readouterr().out


def test_a_function_that_spoils_its_arguments_cannot_spoil_the_next_check():
    ex = dropout_exercise()

    def vandal(a, m, rho):
        m[...] = 1.0                      # writes into its argument
        a *= 0.0
        return a

    assert not ex.check(vandal)
    assert ex.check(lambda a, m, rho: a * m / rho)          # still checked on the original mask


def test_shape_names_the_expected_result(capsys):
    """A weight gradient ∂E/∂W = Σ δ x over positions (2×2) from a 3×3 input: not the input's shape."""
    x = np.arange(9.0).reshape(3, 3)
    delta = np.array([[1.0, -1.0], [0.5, 2.0]])
    expected = np.array([[sum(delta[i, j] * x[i + p, j + q] for i in range(2) for j in range(2))
                          for q in range(2)] for p in range(2)])
    ex = FunctionExercise("dE/dW", x, fingerprint(expected, 6), 6, hint="sum over positions",
                          args=(delta,), shape=(2, 2))
    assert ex.check(lambda x, d: np.array([[np.sum(d * x[p:p + 2, q:q + 2]) for q in range(2)]
                                           for p in range(2)]))
    assert not ex.check(lambda x, d: x)
    assert "expected (2, 2)" in capsys.readouterr().out


def test_bad_arguments_of_the_exercise_itself():
    with pytest.raises(TypeError, match="args"):
        FunctionExercise("x", A, fingerprint(A, 2), 2, hint="", args=MASK)
    with pytest.raises(TypeError, match="shape"):
        FunctionExercise("x", A, fingerprint(A, 2), 2, hint="", shape=4)
    with pytest.raises(ValueError, match="shape"):
        FunctionExercise("x", A, fingerprint(A, 2), 2, hint="", shape=(2, -1))


@pytest.mark.parametrize("code", [
    "ex.check(None)",
    "ex.check(-0.1167494)",
    "check('Table 4', [0.4715], [0.47151], 4)",
])
def test_a_check_cell_shows_its_message_only(code):
    """As the last line of a notebook cell, a check shows its printed message and no stray
    True/False: run the cell in a real IPython shell and read what it displays."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    shell = InteractiveShell.instance()
    shell.user_ns.update(ex=NumberExercise("delta8", fingerprint(-0.116749, 4), 4, hint="slope"),
                         check=check)
    with capture_output() as cap:
        result = shell.run_cell(code, store_history=False)
    assert result.success, result.error_in_exec
    lines = cap.stdout.strip().splitlines()
    assert lines, "the check printed no message"
    assert not any(line.split(":")[-1].strip() in ("True", "False") for line in lines), cap.stdout
    assert not cap.outputs, f"a displayed value besides the message: {cap.outputs}"
