import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlcore.ui import static as ui_static  # noqa: E402
from dlcore.ui.static import frames_panel, static_mode  # noqa: E402


def line_figure(slope, colour="C0"):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, slope], color=colour)
    return fig


def test_one_parameter_frames_are_precomputed_and_linked_in_the_browser():
    open_before = len(plt.get_fignums())
    box = frames_panel(line_figure, {"slope": [1, 2, 3]}, value={"slope": 2}, alt=lambda slope: f"slope {slope}")
    slider = box.controls["slope"]
    assert len(box.stack.children) == 3
    assert box.stack.selected_index == 1 and slider.index == 1
    html = [child.value for child in box.stack.children]
    assert len(set(html)) == 3                       # a different image per value
    assert all(h.startswith('<div class="dlcore-frame" tabindex="0"') and '<img src="data:image/png;base64,' in h
               for h in html)                      # a box that scrolls (by keyboard too) on a narrow page
    assert 'alt="slope 3"' in html[2]
    # jslink: the link lives in the browser, so it works with no kernel on the static site
    assert [(l.source, l.target) for l in box.links] == [((slider, "index"), (box.stack, "selected_index"))]
    assert len(plt.get_fignums()) == open_before      # every frame's figure was closed


def test_two_parameters_nest_stacks_and_link_every_inner_stack():
    box = frames_panel(line_figure, {"colour": ["C0", "C1"], "slope": [1, 2, 3]},
                       value={"colour": "C1", "slope": 3})
    outer = box.stack
    assert len(outer.children) == 2 and all(len(s.children) == 3 for s in outer.children)
    assert outer.selected_index == 1 and all(s.selected_index == 2 for s in outer.children)
    assert len(box.frames) == 6 and len({f.value for f in box.frames.values()}) == 6
    inner_targets = {id(l.target[0]) for l in box.links if l.source[0] is box.controls["slope"]}
    assert inner_targets == {id(s) for s in outer.children}
    assert type(box.controls["colour"]).__name__ == "Dropdown"
    assert type(box.controls["slope"]).__name__ == "SelectionSlider"


def test_static_mode_follows_the_environment(monkeypatch):
    monkeypatch.delenv(ui_static.ENV, raising=False)
    assert not static_mode()
    monkeypatch.setenv(ui_static.ENV, "1")
    assert static_mode()
    monkeypatch.setenv(ui_static.ENV, "0")
    assert not static_mode()


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(render=3, grid={"s": [1, 2]}), TypeError, "render"),
    (dict(render=line_figure, grid={"slope": [1]}), ValueError, "at least two"),
    (dict(render=line_figure, grid={"slope": [1, 2]}, value={"slope": 5}), ValueError, "value"),
    (dict(render=line_figure, grid=[1, 2]), TypeError, "grid"),
    (dict(render=line_figure, grid={"slope": [1, 1.0]}), ValueError, "distinct"),
])
def test_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        frames_panel(**kwargs)
