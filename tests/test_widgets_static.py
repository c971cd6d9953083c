import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dlcore.widgets_static import frames_panel  # noqa: E402


def line_figure(slope):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, slope])
    return fig


def test_frames_are_precomputed_and_linked_in_the_browser():
    box = frames_panel(line_figure, [1, 2, 3], description="slope", value=2, alt=lambda v: f"slope {v}")
    assert len(box.stack.children) == 3
    assert box.stack.selected_index == 1 and box.slider.index == 1
    html = [child.value for child in box.stack.children]
    assert len(set(html)) == 3                       # a different image per value
    assert all(h.startswith("<img src=\"data:image/png;base64,") for h in html)
    assert 'alt="slope 3"' in html[2]
    # the link is a jslink (front-end only), so it works with no kernel on the static site
    assert box.link.source == (box.slider, "index")
    assert box.link.target == (box.stack, "selected_index")
    assert not plt.get_fignums()                      # every frame's figure was closed


@pytest.mark.parametrize("kwargs, exc, words", [
    (dict(render=3, values=[1, 2], description="x"), TypeError, "render"),
    (dict(render=line_figure, values=[1], description="x"), ValueError, "at least two"),
    (dict(render=line_figure, values=[1, 2], description="x", value=5), ValueError, "value"),
    (dict(render=line_figure, values=[1, 2], description=3), TypeError, "description"),
    (dict(render=line_figure, values=[1, 2], description="x", labels=["a", "a"]), ValueError, "labels"),
])
def test_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        frames_panel(**kwargs)
