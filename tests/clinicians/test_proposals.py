"""The rules a proposed profile must keep (clinicians/proposals.py), on plain values."""

from clinicians.proposals import normalised, profile_changes, profile_problems

GOOD = {
    "intro": "I help people who feel stuck.",
    "bio": "Ten years with adults.",
    "concerns": [1, 2, 3],
    "focus_concerns": [2],
    "approaches": [7],
    "languages": [1],
    "communities": [],
    "style_lead": 3,
    "style_focus": 4,
    "style_time": 2,
    "style_challenge": 1,
    "self_pay_fee": 150,
    "sliding_scale_min": 90,
    "video_url": "https://video.example.org/maya",
}


def test_it_finds_no_problem_in_a_good_profile():
    assert profile_problems(GOOD) == {}


def test_it_keeps_only_the_values_that_differ():
    proposed = {
        **GOOD,
        "bio": "  Ten years with adults.  ",
        "concerns": [3, 2, 1, 1],
        "intro": "New",
    }

    assert profile_changes(GOOD, proposed) == {"intro": "New"}


def test_it_compares_lists_of_terms_whatever_their_order():
    assert normalised("approaches", ["7", 3, 7]) == [3, 7]
    assert profile_changes(GOOD, {"approaches": [7, 8]}) == {"approaches": [7, 8]}


def test_it_refuses_a_focus_concern_that_is_not_treated():
    problems = profile_problems({**GOOD, "focus_concerns": [9]})

    assert "also be a concern you treat" in problems["focus_concerns"]


def test_it_refuses_more_than_three_focus_concerns():
    problems = profile_problems({**GOOD, "concerns": [1, 2, 3, 4], "focus_concerns": [1, 2, 3, 4]})

    assert problems["focus_concerns"] == "Choose at most 3 focus concerns."


def test_it_needs_a_concern_and_a_language():
    problems = profile_problems({**GOOD, "concerns": [], "focus_concerns": [], "languages": []})

    assert set(problems) == {"concerns", "languages"}


def test_it_refuses_a_sliding_scale_above_the_fee_or_without_one():
    assert (
        "above the self-pay fee"
        in profile_problems({**GOOD, "sliding_scale_min": 200})["sliding_scale_min"]
    )
    assert (
        "needs a self-pay fee"
        in profile_problems({**GOOD, "self_pay_fee": None})["sliding_scale_min"]
    )


def test_it_refuses_a_style_outside_one_to_five():
    assert set(profile_problems({**GOOD, "style_lead": 0, "style_time": 6})) == {
        "style_lead",
        "style_time",
    }


def test_it_needs_an_https_video_room_link():
    problems = profile_problems({**GOOD, "video_url": "http://video.example.org/maya"})

    assert "starting with https://" in problems["video_url"]
    assert "video_url" not in profile_problems({**GOOD, "video_url": ""})


def test_it_says_how_long_a_text_may_be():
    problems = profile_problems({**GOOD, "intro": "x" * 161})

    assert problems["intro"] == "Keep this to 160 characters; it has 161."
