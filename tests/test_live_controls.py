"""dlcore.ui.live's controls: log sliders whose grid holds the value a chapter asks for."""
import math

import pytest

pytest.importorskip("ipywidgets")
from dlcore.ui.live import log_slider, log_values  # noqa: E402


@pytest.mark.parametrize("value, lo, hi, step", [
    (0.2, -2, 1, 0.05), (0.5, -2, 1, 0.1), (0.01, -4, 0.5, 0.25), (3.7e-3, -3, 1, 0.1), (1.0, -1, 1, 0.05),
])
def test_the_grid_passes_through_the_value_and_spans_the_range(value, lo, hi, step):
    s = log_slider(value, lo, hi, step)
    k = (math.log10(value) - s.min) / s.step
    assert abs(k - round(k)) < 1e-9                          # value = 10^(min + k·step) for a whole k
    assert abs(s.min - lo) <= step / 2 + 1e-12 and abs(s.max - hi) <= step / 2 + 1e-12
    assert s.value == value and s.base == 10
    grid = log_values(value, lo, hi, step)
    assert round(value, 6) in grid and len(grid) == round((hi - lo) / step) + 1
    assert all(b > a for a, b in zip(grid, grid[1:]))
    assert grid[0] == pytest.approx(10 ** s.min, abs=5e-7) and grid[-1] == pytest.approx(10 ** s.max, abs=5e-7)


def test_the_book_grids_hold_the_lectures_rates():
    from dlcore.chapters import ch07_backprop, ch13_digits
    assert 0.2 in ch07_backprop.RATES and len(ch07_backprop.RATES) == 61    # Kelleher's α
    assert 0.5 in ch13_digits.LRS and len(ch13_digits.LRS) == 31            # Kaplan's α
