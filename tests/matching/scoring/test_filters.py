"""The hard filters (matching/scoring/filters.py): each excludes with its reason."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import ClientContext, hard_filter_failures, near_miss

from ..scoring_data import answers, intakes, only, profile, profiles, run


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
        # "I'll pay myself" without a budget: no fee filter, whatever the fee.
        ({}, {"self_pay_fee": 400, "insurance": frozenset()}),
        ({"self_pay_budget": None}, {"self_pay_fee": 400, "insurance": frozenset()}),
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


def test_it_counts_only_relaxable_single_failures_as_near_misses():

    for relaxable in ("gender", "language", "payment", "office", "format"):
        assert near_miss([relaxable])
    assert near_miss(["format", "office"])
    for fixed in ("accepting", "band", "not_a_fit", "licence", "inactive", "slots"):
        assert not near_miss([fixed])
    assert not near_miss(["format", "licence"])
    assert not near_miss(["gender", "payment"])
    assert not near_miss([])


@settings(max_examples=80, deadline=None)
@given(a=intakes(), p=profiles(), excluded=st.booleans())
def test_the_quick_check_agrees_with_the_listed_failures(a, p, excluded):
    ids = frozenset({p.id}) if excluded else frozenset()
    context = ClientContext(a)
    assert context.passes(p, ids) == (not hard_filter_failures(context, p, ids))


def test_each_filter_returns_its_failure_with_words_for_this_client():
    from matching.scoring import filters

    c = ClientContext(answers(payment={"insurance": "Aetna"}))
    unlicensed = profile(licensed_states=frozenset({"NJ"}))
    failure = filters.licence(c, unlicensed)
    assert (failure.key, failure.reason(c)) == ("licence", "Not licensed in NY")
    assert filters.licence(c, profile()) is None
    assert filters.payment(c, profile()).reason(c) == "Does not take Aetna"
    assert filters.payment(c, profile(insurance=frozenset({"Aetna"}))) is None
    # The quick check asks the same filters as the list, in another order.
    assert set(c.quick) == set(c.filters)
    assert [f.key for f in filters.failures(c, unlicensed)] == ["licence", "payment"]
