"""Tasks (matching/scoring/tasks.py)."""

import pytest

from ..scoring_data import answers, only, profile, texts


def test_it_scores_style_distance():
    a = answers(style={"lead": 2, "focus": 5, "time": 5, "challenge": 1}, concerns=[])
    same = only(a, profile(style=(2, 5, 5, 1)))
    far = only(a, profile(style=(5, 1, 1, 5)))
    assert same.components.tasks == 100.0
    assert far.components.tasks == pytest.approx(100 - 15 * 100 / 16, abs=0.1)
    assert "Works in a practical, skills-focused way, as you asked" in texts(same)
    assert "Works on the present, as you asked" in texts(same)
    assert "Focuses more on feelings than on practical steps" in texts(far)
    assert "More challenging than you asked" in texts(far)


def test_it_scores_wanted_and_avoided_approaches():
    a = answers(approaches_wanted=["EMDR"], approaches_avoided=["CBT"])
    good = only(a, profile(approaches=frozenset({"EMDR"})))
    bad = only(a, profile(approaches=frozenset({"CBT"})))
    assert good.components.tasks > bad.components.tasks
    assert "Uses EMDR, as you asked" in texts(good)
    assert "Does not use EMDR" in texts(bad)
    assert "Uses CBT, which you'd rather avoid" in texts(bad)


def test_it_skips_style_dimensions_the_client_left_in_the_middle():
    a = answers(style={"lead": 3, "focus": 5, "time": 3, "challenge": 3}, concerns=[])
    # Only "focus" counts: a clinician far off on the others loses nothing for it.
    matches = only(a, profile(style=(1, 5, 5, 1)))
    one_off = only(a, profile(style=(3, 4, 3, 3)))
    assert matches.components.tasks == 100.0
    assert one_off.components.tasks == pytest.approx(75.0)  # 1 of 4 on one dimension
    assert "Works in a practical, skills-focused way, as you asked" in texts(matches)
    assert not any("lead" in t or "challenging" in t.lower() for t in texts(matches))


def test_it_gives_a_neutral_tasks_score_when_every_slider_is_in_the_middle():
    a = answers(style={"lead": 3, "focus": 3, "time": 3, "challenge": 3})
    no_style = answers(style=None)
    for p in (
        profile(style=(1, 1, 1, 1)),
        profile(style=(3, 3, 3, 3)),
        profile(style=(5, 5, 5, 5)),
    ):
        assert only(a, p).components.tasks == only(no_style, p).components.tasks == 75.0
