import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import (
    ClinicianProfile,
    Weights,
    fair_exposure_key,
    felt_heard_mean,
    rank,
)

from .scoring_data import NOW, WEIGHTS, answers, profile


def run(a, profiles, *, p0=0.75, weights=WEIGHTS, excluded_ids=()):
    return rank(
        a, profiles, practice_felt_heard=p0, weights=weights, now=NOW, excluded_ids=excluded_ids
    )


def only(a, p, **kw):
    """The single clinician's match, or its exclusion."""
    ranking = run(a, [p], **kw)
    return (ranking.matches or ranking.excluded)[0]


def texts(item):
    return [str(r) for r in item.reasons]


# --- Hard filters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a_changes", "p_changes", "reason"),
    [
        ({}, {"is_active": False}, "Not currently seeing clients"),
        ({}, {"accepting": False}, "Not accepting new clients"),
        ({"age_band": "teens"}, {}, "Does not work with teens"),
        ({"for_whom": "couple"}, {}, "Does not work with couples"),
        ({"for_whom": "family"}, {}, "Does not work with families"),
        ({}, {"licensed_states": frozenset({"NJ"})}, "Not licensed in NY"),
        ({}, {"formats": frozenset({"phone"})}, "Does not offer video sessions"),
        ({"format": "phone"}, {}, "Does not offer phone sessions"),
        (
            {"format": "either"},
            {"formats": frozenset({"in person"})},
            "Does not offer video or phone sessions",
        ),
        (
            {"format": "in person", "offices": ["Northside"]},
            {"offices": frozenset({"Northside"})},
            "Does not offer in-person sessions",
        ),
        (
            {"format": "in person", "offices": ["Northside"]},
            {"formats": frozenset({"in person"}), "offices": frozenset({"Downtown"})},
            "Not at Northside",
        ),
        (
            {"preferences": {"gender": {"value": "woman", "importance": "must"}}},
            {"gender": "man"},
            "Gender is not woman",
        ),
        (
            {"preferences": {"language": {"value": "spanish", "importance": "must"}}},
            {},
            "Does not speak Spanish",
        ),
        (
            {"preferences": {"community": {"value": "Black", "importance": "must"}}},
            {},
            "Has not said they identify as Black",
        ),
        (
            {"preferences": {"lgbtq_affirming": {"importance": "must"}}},
            {},
            "Has not said they are LGBTQ+-affirming",
        ),
        (
            {"preferences": {"faith_informed": {"importance": "must"}}},
            {},
            "Does not offer faith-informed therapy",
        ),
        ({"payment": {"insurance": "Aetna"}}, {}, "Does not take Aetna"),
        ({"payment": {"self_pay_budget": 100}}, {}, "Fee is above $100, even on a sliding scale"),
        ({}, {"first_open_slot": None}, "No consultation times open within the booking window"),
    ],
)
def test_it_excludes_with_a_reason(a_changes, p_changes, reason):
    ranking = run(answers(**a_changes), [profile(**p_changes)])
    assert ranking.matches == []
    assert ranking.excluded[0].reasons == (reason,)


def test_it_excludes_a_clinician_the_client_said_was_not_a_fit():
    ranking = run(answers(), [profile(1), profile(2)], excluded_ids={2})
    assert [m.clinician_id for m in ranking.matches] == [1]
    assert ranking.excluded[0].reasons == ("You told us this wasn't the right fit",)


def test_it_lists_every_failed_filter():
    a = answers(payment={"insurance": "Aetna"})
    item = only(a, profile(accepting=False, licensed_states=frozenset()))
    assert set(item.failed) == {"accepting", "licence", "payment"}


def test_it_checks_open_slots_only_for_otherwise_suitable_clinicians():
    item = only(answers(), profile(accepting=False, first_open_slot=None))
    assert item.reasons == ("Not accepting new clients",)


@pytest.mark.parametrize(
    ("payment", "p_changes"),
    [
        ({}, {"self_pay_fee": None}),
        ({"insurance": "Aetna"}, {"insurance": frozenset({"Aetna"}), "self_pay_fee": 300}),
        ({"self_pay_budget": 150}, {"self_pay_fee": 150}),
        ({"self_pay_budget": 100}, {"self_pay_fee": 150, "sliding_scale_min": 90}),
        ({"insurance": "Cigna", "self_pay_budget": 200}, {"self_pay_fee": 180}),
    ],
)
def test_it_passes_when_payment_is_possible(payment, p_changes):
    assert run(answers(payment=payment), [profile(**p_changes)]).matches


def test_it_lets_either_format_pass_with_phone_only():
    assert run(answers(format="either"), [profile(formats=frozenset({"phone"}))]).matches


def test_it_does_not_need_a_licence_in_person_at_a_chosen_office():
    a = answers(format="in person", offices=["Downtown", "Northside"])
    p = profile(
        formats=frozenset({"in person"}),
        offices=frozenset({"Downtown"}),
        licensed_states=frozenset(),
    )
    assert run(a, [p]).matches


def test_it_serves_the_age_band_for_a_child():
    a = answers(for_whom="child", age_band="teens")
    assert run(a, [profile(ages=frozenset({"teens"}))]).matches
    assert not run(a, [profile(ages=frozenset({"children"}))]).matches


def test_it_compares_gender_case_insensitively():
    a = answers(preferences={"gender": {"value": "Woman", "importance": "must"}})
    assert run(a, [profile(gender="woman")]).matches


# --- Goals ---------------------------------------------------------------------------------


def test_it_scores_focus_concerns_above_treated_ones_above_none():
    a = answers(concerns=["trauma and PTSD"])
    focus = only(a, profile(focus_concerns=frozenset({"trauma and PTSD"})))
    treats = only(a, profile(concerns=frozenset({"trauma and PTSD"})))
    none = only(a, profile(concerns=frozenset({"sleep"})))
    assert focus.components.goals == 100.0
    assert treats.components.goals == 70.0
    assert none.components.goals == 0.0
    assert "Focuses on trauma and PTSD" in texts(focus)
    assert "Treats trauma and PTSD" in texts(treats)
    assert "Does not list trauma and PTSD among the concerns they treat" in texts(none)


def test_it_weights_the_first_concern_most():
    a = answers(concerns=["trauma and PTSD", "anxiety"])
    first = only(a, profile(concerns=frozenset({"trauma and PTSD"})))
    second = only(a, profile(concerns=frozenset({"anxiety"})))
    assert first.components.goals > second.components.goals


def test_it_counts_goal_tags_lightly():
    a = answers(concerns=["anxiety"], goal_tags=["sleep better"])
    with_tag = only(a, profile(concerns=frozenset({"anxiety", "sleep"})))
    without = only(a, profile(concerns=frozenset({"anxiety"})))
    assert with_tag.components.goals == 70.0
    assert without.components.goals == pytest.approx(70 * 3 / 4, abs=0.1)
    assert "Can help with your goal: sleep better" in texts(with_tag)


def test_it_gives_a_neutral_goals_score_without_concerns():
    assert only(answers(concerns=[]), profile()).components.goals == 75.0


# --- Tasks ---------------------------------------------------------------------------------


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


# --- Bond ----------------------------------------------------------------------------------


def test_it_weights_nice_to_have_preferences():
    a = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "nice"},
            "lgbtq_affirming": {"importance": "nice"},
        }
    )
    both = only(a, profile(languages=frozenset({"Spanish"}), lgbtq_affirming=True))
    one = only(a, profile(languages=frozenset({"Spanish"})))
    none = only(a, profile())
    assert both.components.bond > one.components.bond > none.components.bond
    assert "Speaks Spanish" in texts(both)
    assert "LGBTQ+-affirming" in texts(both)
    assert "Has not said they are LGBTQ+-affirming" in texts(one)


def test_it_shrinks_felt_heard_feedback_toward_the_practice_average():
    assert felt_heard_mean(0, 0, p0=0.75, k=10) == 0.75
    assert felt_heard_mean(1, 1, p0=0.75, k=10) == pytest.approx(8.5 / 11)
    few = only(answers(), profile(felt_heard=(1, 1)))
    many = only(answers(), profile(felt_heard=(100, 100)))
    new = only(answers(), profile())
    assert new.components.bond < few.components.bond < many.components.bond


def test_it_caps_the_feedback_effect():
    weights = dataclasses.replace(WEIGHTS, feedback_cap=5.0)
    new = only(answers(), profile(), weights=weights)
    best = only(answers(), profile(felt_heard=(1000, 1000)), weights=weights)
    worst = only(answers(), profile(felt_heard=(0, 1000)), weights=weights)
    assert best.components.bond - new.components.bond == pytest.approx(5.0)
    assert new.components.bond - worst.components.bond == pytest.approx(5.0)
    assert "Clients often say they felt heard in their consultation" in texts(best)


def test_it_does_not_rank_a_new_clinician_below_an_equal_one_with_average_feedback():
    new, average = profile(1), profile(2, felt_heard=(75, 100))
    tops = set()
    for n in range(30):
        ranking = run(answers(email=f"client{n}@example.org"), [new, average])
        scores = {m.clinician_id: m.score for m in ranking.matches}
        assert scores[1] >= scores[2]
        tops.add(ranking.matches[0].clinician_id)
    assert tops == {1, 2}


# --- Practical -----------------------------------------------------------------------------


def test_it_scores_times_and_soonness():
    a = answers(times=["weekday evenings", "weekends"])
    both = only(a, profile(time_buckets=frozenset({"weekday evenings", "weekends"})))
    one = only(a, profile(time_buckets=frozenset({"weekends"})))
    soon = only(
        a,
        profile(time_buckets=frozenset({"weekends"}), first_open_slot=NOW + dt.timedelta(hours=20)),
    )
    assert both.components.practical > one.components.practical
    assert soon.components.practical > one.components.practical
    assert "Offers evening times" in texts(both)
    assert "No evening times" in texts(one)
    assert "Has a consultation time in the next two days" in texts(soon)


def test_it_keeps_practical_fit_a_tie_breaker():
    a = answers(times=["weekends"])
    best = only(a, profile(time_buckets=frozenset({"weekends"}), first_open_slot=NOW))
    worst = only(a, profile(first_open_slot=NOW + dt.timedelta(days=30)))
    assert best.score - worst.score == pytest.approx(WEIGHTS.practical_points, abs=0.11)


def test_it_uses_the_weights():
    a = answers(concerns=["sleep"])
    goals_only = Weights(goals=1, tasks=0, bond=0, practical_points=0)
    assert only(a, profile(), weights=goals_only).score == 0.0


# --- Ranking, fair exposure, relaxations ---------------------------------------------------


def test_it_ranks_best_first():
    a = answers(concerns=["trauma and PTSD"])
    ranking = run(
        a,
        [
            profile(1, concerns=frozenset()),
            profile(2, focus_concerns=frozenset({"trauma and PTSD"})),
        ],
    )
    assert [m.clinician_id for m in ranking.matches] == [2, 1]


def test_it_shares_the_top_place_among_equal_fits():
    clinicians = [profile(i) for i in range(1, 6)]
    tops = set()
    for n in range(40):
        a = answers(email=f"client{n}@example.org")
        first = run(a, clinicians)
        again = run(a, list(reversed(clinicians)))
        assert [m.clinician_id for m in first.matches] == [m.clinician_id for m in again.matches]
        tops.add(first.matches[0].clinician_id)
    assert len(tops) >= 3


def test_it_orders_ties_by_a_stable_hash():
    assert fair_exposure_key("seed", 1) == fair_exposure_key("seed", 1)
    assert fair_exposure_key("seed", 1) != fair_exposure_key("other", 1)


def test_it_does_not_shuffle_clear_differences():
    a = answers(concerns=["trauma and PTSD"])
    better = profile(1, focus_concerns=frozenset({"trauma and PTSD"}))
    for n in range(10):
        ranking = run(
            answers(concerns=["trauma and PTSD"], email=f"c{n}@x.org"), [profile(2), better]
        )
        assert ranking.matches[0].clinician_id == 1
    assert run(a, [better]).matches[0].score > run(a, [profile(2)]).matches[0].score + 1


def test_it_suggests_which_single_preference_to_relax():
    a = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "must"},
            "gender": {"value": "woman", "importance": "must"},
        }
    )
    spanish_man = [profile(i, languages=frozenset({"Spanish"}), gender="man") for i in (1, 2, 3)]
    english_woman = [profile(4, gender="woman")]
    neither = [profile(5, gender="man")]
    ranking = run(a, spanish_man + english_woman + neither)
    assert ranking.matches == []
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [
        ("gender", 3),
        ("language", 1),
    ]


def test_it_suggests_video_for_in_person_clients():
    a = answers(format="in person", offices=["Northside"])
    video = [profile(i) for i in range(1, 5)]
    ranking = run(a, video)
    relax = {r.preference: r for r in ranking.relaxations}
    assert relax["format"].would_add == 4
    assert relax["format"].value == "either"


def test_it_does_not_count_clinicians_without_open_slots_as_relaxable():
    a = answers(payment={"insurance": "Aetna"})
    ranking = run(a, [profile(1), profile(2, first_open_slot=None)])
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [("payment", 1)]


def test_it_suggests_nothing_when_enough_pass():
    a = answers(payment={"insurance": "Aetna"})
    fits = [profile(i, insurance=frozenset({"Aetna"})) for i in (1, 2, 3)]
    assert run(a, [*fits, profile(4)]).relaxations == []


# --- Properties ----------------------------------------------------------------------------

names = st.sampled_from(["anxiety", "depression", "trauma and PTSD", "sleep", "grief and loss"])
styles = st.tuples(*[st.integers(1, 5)] * 4)


@st.composite
def profiles(draw, cid=None):
    return profile(
        cid if cid is not None else draw(st.integers(1, 10_000)),
        concerns=frozenset(draw(st.lists(names, max_size=4))),
        focus_concerns=frozenset(draw(st.lists(names, max_size=2))),
        style=draw(styles),
        approaches=frozenset(draw(st.lists(st.sampled_from(["CBT", "EMDR", "DBT"]), max_size=2))),
        languages=frozenset(draw(st.lists(st.sampled_from(["English", "Spanish"]), min_size=1))),
        accepting=draw(st.booleans()),
        gender=draw(st.sampled_from(["woman", "man", ""])),
        felt_heard=draw(
            st.tuples(st.integers(0, 50), st.integers(0, 50)).map(lambda t: (min(t), max(t)))
        ),
        time_buckets=frozenset(draw(st.lists(st.sampled_from(["weekends", "weekday evenings"])))),
        first_open_slot=draw(
            st.one_of(st.none(), st.integers(0, 400).map(lambda h: NOW + dt.timedelta(hours=h)))
        ),
    )


@st.composite
def intakes(draw):
    style = draw(styles)
    return answers(
        concerns=draw(st.lists(names, max_size=3, unique=True)),
        goal_tags=draw(st.lists(st.sampled_from(["sleep better", "feel calmer"]), unique=True)),
        style=dict(zip(("lead", "focus", "time", "challenge"), style, strict=True)),
        approaches_wanted=draw(st.lists(st.sampled_from(["CBT", "EMDR"]), unique=True, max_size=1)),
        approaches_avoided=draw(st.lists(st.sampled_from(["DBT"]), max_size=1)),
        times=draw(st.lists(st.sampled_from(["weekends", "weekday evenings"]), unique=True)),
        preferences={
            "language": {
                "value": "Spanish",
                "importance": draw(st.sampled_from(["none", "nice", "must"])),
            },
            "gender": {"value": "woman", "importance": draw(st.sampled_from(["none", "nice"]))},
        },
        email=draw(st.emails()),
    )


@settings(max_examples=60, deadline=None)
@given(a=intakes(), ps=st.lists(profiles(), max_size=8, unique_by=lambda p: p.id))
def test_it_keeps_scores_in_range_and_excluded_out_of_matches(a, ps):
    ranking = run(a, ps, excluded_ids={p.id for p in ps[:1]})
    matched = {m.clinician_id for m in ranking.matches}
    assert matched.isdisjoint({e.clinician_id for e in ranking.excluded})
    assert len(matched) + len(ranking.excluded) == len(ps)
    for m in ranking.matches:
        assert 0 <= m.score <= 100
        assert all(0 <= v <= 100 for v in m.components.as_dict().values())


@settings(max_examples=60, deadline=None)
@given(a=intakes(), p=profiles(cid=1), extra=names)
def test_it_never_lowers_goals_when_a_clinician_treats_one_more_asked_concern(a, p, extra):
    p = dataclasses.replace(
        p, accepting=True, first_open_slot=NOW, languages=frozenset({"Spanish"})
    )
    asked = list(a.concerns) or [extra]
    a = dataclasses.replace(a, concerns=tuple(asked))
    before = run(a, [p]).matches[0].components.goals
    more = dataclasses.replace(p, concerns=p.concerns | {asked[-1]})
    assert run(a, [more]).matches[0].components.goals >= before


@settings(max_examples=40, deadline=None)
@given(a=intakes(), ps=st.lists(profiles(), max_size=8, unique_by=lambda p: p.id))
def test_it_gives_the_same_output_for_the_same_input(a, ps):
    assert run(a, ps) == run(a, list(reversed(ps)))


def test_it_builds_weights_from_settings():
    from matching.models import MatchingSettings

    w = Weights.from_settings(MatchingSettings(weight_goals=0.5, tie_band_points=2.0))
    assert (w.goals, w.tie_band, w.prior_strength) == (0.5, 2.0, 10.0)


def test_profile_defaults_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile().id = 2  # type: ignore[misc]
    assert isinstance(profile(), ClinicianProfile)


# --- Review fixes ---------------------------------------------------------------------------


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


def test_it_scores_bond_on_nice_to_haves_only():
    musts_and_nice = answers(
        preferences={
            "language": {"value": "Spanish", "importance": "must"},
            "lgbtq_affirming": {"importance": "nice"},
        }
    )
    nice_only = answers(preferences={"lgbtq_affirming": {"importance": "nice"}})
    spanish = {"languages": frozenset({"Spanish"})}
    with_nice = only(musts_and_nice, profile(lgbtq_affirming=True, **spanish))
    without = only(musts_and_nice, profile(**spanish))
    # The must-have (met by everyone who passes) no longer dilutes the nice-to-have.
    assert (
        with_nice.components.bond == only(nice_only, profile(lgbtq_affirming=True)).components.bond
    )
    assert with_nice.components.bond == 85.0 and without.components.bond == 15.0
    assert "Speaks Spanish" in texts(with_nice)  # a met must-have is still a reason
    assert "Has not said they are LGBTQ+-affirming" in texts(without)


def test_it_gives_a_neutral_bond_score_with_must_haves_only():
    a = answers(preferences={"language": {"value": "Spanish", "importance": "must"}})
    assert only(a, profile(languages=frozenset({"Spanish"}))).components.bond == 75.0


def test_it_counts_only_relaxable_single_failures_as_near_misses():
    from matching.scoring import near_miss

    for relaxable in ("gender", "language", "payment", "office", "format"):
        assert near_miss([relaxable])
    assert near_miss(["format", "office"])
    for fixed in ("accepting", "band", "not_a_fit", "licence", "inactive", "slots"):
        assert not near_miss([fixed])
    assert not near_miss(["format", "licence"])
    assert not near_miss(["gender", "payment"])
    assert not near_miss([])


def test_it_suggests_the_same_relaxations_without_the_unrelaxable_near_misses():
    a = answers(payment={"insurance": "Aetna"})
    ranking = run(
        a,
        [
            profile(1),  # payment only: counted
            profile(2, accepting=False, insurance=frozenset({"Aetna"})),
            profile(3, licensed_states=frozenset({"NJ"}), insurance=frozenset({"Aetna"})),
            profile(4, insurance=frozenset({"Aetna"})),
        ],
        excluded_ids=[4],
    )
    assert [(r.preference, r.would_add) for r in ranking.relaxations] == [("payment", 1)]
