"""The explorer's epochs slider answered by one paused training (``explorer_runs.Course``).
Every expected run is ``train`` from scratch with that many epochs."""
import time

import numpy as np
import pytest

from dlcore.ui.explorer import DEFAULTS, Explorer, explorer
from dlcore.ui.explorer_runs import Course, run_key, train

SMALL = dict(DEFAULTS, depth=2, width=8)
CASES = {
    "first-iteration histograms": dict(SMALL),
    "end of training, dropout": dict(SMALL, histograms="end of training", dropout=0.2),
    "early stopping (patience), end of training": dict(SMALL, dataset="xor blobs", lr=2.0, patience=10,
                                                       histograms="end of training"),
    "diverges": dict(SMALL, activation="relu", init="normal", sigma=1.5, lr=5.0),
}


def assert_same_run(got, want):
    g, w = got["history"], want["history"]
    assert (g.loss, g.val_loss, g.status, g.epochs, g.message, g.best_epoch) == (
        w.loss, w.val_loss, w.status, w.epochs, w.message, w.best_epoch)
    assert got["settings"] == want["settings"] and got["names"] == want["names"]
    for q in want["values"]:
        for a, b in zip(got["values"][q], want["values"][q]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", CASES)
def test_a_course_gives_each_number_of_epochs_the_run_trained_from_scratch(case):
    s = CASES[case]
    course = Course(s, budget=400)
    for e in (20, 150, 160, 400):                 # dragged to the right: more epochs each time
        assert course.missing({**s, "epochs": e}) is not None
        assert_same_run(course.run(e), train(run_key({**s, "epochs": e})))
    h = course.training.history
    if case == "early stopping (patience), end of training":
        assert h.status == "early_stopped" and h.epochs < 400       # the case tests a stopped course
    if case == "diverges":
        assert h.status == "diverged"


@pytest.mark.parametrize("case", ["first-iteration histograms", "early stopping (patience), end of training"])
def test_back_to_fewer_epochs_when_the_run_does_not_depend_on_where_it_ends(case):
    s = CASES[case]
    course = Course(s, budget=400)
    course.run(300)
    stop = course.training.history.epochs if course.training.stopped else 400
    for e in (290, 40, 10):
        if case == "first-iteration histograms":   # the history's first e epochs; epoch 0's values
            assert course.missing({**s, "epochs": e}) == 0
            assert_same_run(course.run(e), train(run_key({**s, "epochs": e})))
        elif e < stop:                              # the weights at epoch e are gone: not this course
            assert course.missing({**s, "epochs": e}) is None
    other = {**s, "lr": s["lr"] / 2}
    assert course.missing({**other, "epochs": 300}) is None     # other settings: not this course
    with pytest.raises(ValueError, match=r"between 1 and this course's budget \(400\), got 500"):
        course.run(500)
    with pytest.raises(ValueError, match="budget"):
        Course(s, budget=0)


def test_the_panel_follows_the_epochs_slider_with_one_training():
    box = explorer(**{**SMALL, "epochs": 100})
    ex, epochs = box.explorer, box.controls["epochs"]
    trained = []
    original = Course.run

    def counting(self, e, progress=None):
        before = max(self.training.epoch, 0)         # -1 before the first stop check
        out = original(self, e, progress)
        trained.append(self.training.epoch - before)
        return out

    for e in (110, 120, 600, 610, 300):              # a drag to the right, then back
        Course.run = counting
        try:
            epochs.value = e
        finally:
            Course.run = original
        assert_same_run(ex.current, train(run_key({**ex.settings, "epochs": e})))
    # each position trained only the epochs past the last one: 10 + 10 + 480 + 10 + 0,
    # where training each from scratch would have taken 110 + 120 + 600 + 610 + 300
    assert trained == [110, 10, 480, 10, 0]
    assert not ex.pending(epochs=620) and ex.pending(epochs=900)   # 290 epochs to go: busy
    ex.set(lr=0.2)
    assert ex.course.missing({**ex.settings, "epochs": 700}) is None   # new settings: a new course


def test_frames_while_a_course_trains_and_the_run_is_unchanged():
    box = explorer(**{**SMALL, "epochs": 50})
    ex, titles = box.explorer, []
    push = ex.push
    ex.every = 0.0
    ex.push = lambda: (titles.append(ex.figure.loss_ax.get_title()), push())
    box.controls["epochs"].value = 60
    box.controls["epochs"].value = 70
    assert titles == [f"training … epoch {e} of 60" for e in range(61)] + \
        [f"training … epoch {e} of 70" for e in range(61, 71)]
    assert_same_run(ex.current, train(run_key(ex.settings)))


def test_an_explorer_without_its_panel_follows_epochs_without_frames():
    # frames go to the panel; an Explorer driven from code has none to send them to
    ex = Explorer(**{**SMALL, "epochs": 20})
    ex.every = 0.0
    ex.draw()
    ex.set(epochs=40)
    assert_same_run(ex.current, train(run_key({**ex.settings, "epochs": 40})))
