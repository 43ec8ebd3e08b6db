import dataclasses

import pytest

from matching.intake_schema import IntakeInvalid, parse_intake

from .scoring_data import VOCABULARIES, answers, intake


def errors_for(**changes) -> dict:
    with pytest.raises(IntakeInvalid) as exc:
        parse_intake(intake(**changes), vocabularies=VOCABULARIES)
    return exc.value.errors


def test_it_parses_the_interchange_example():
    a = answers(
        concerns=["Trauma and PTSD", "ANXIETY"],
        preferences={
            "gender": {"value": "Woman", "importance": "nice"},
            "language": {"value": "spanish", "importance": "must"},
            "lgbtq_affirming": {"importance": "none"},
        },
        payment={"insurance": "aetna", "self_pay_budget": 120},
        times=["weekday evenings"],
        goal_tags=["Sleep better"],
    )
    assert a.concerns == ("trauma and PTSD", "anxiety")
    assert a.preference("language").value == "Spanish"
    assert a.preference("gender").value == "woman"
    assert a.preference("lgbtq_affirming").importance == "none"
    assert a.payment.insurance == "Aetna" and a.payment.self_pay_budget == 120
    assert a.goal_tags == ("sleep better",)
    assert a.style == (3, 3, 3, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.state = "NJ"  # type: ignore[misc]


def test_it_accepts_the_extra_keys_of_the_browser_form():
    a = answers(concerns_text="x", past_therapy="y", phone="555", consent=True)
    assert a.first_name == "Ana"


def test_it_names_each_bad_field():
    errors = errors_for(
        for_whom="pets",
        state="XX",
        concerns=["anxiety", "astrology"],
        style={"lead": 9, "focus": 3, "time": 3, "challenge": 3},
        preferences={"language": {"value": "Klingon", "importance": "must"}},
        payment={"insurance": "Acme"},
        times=["midnight"],
        timezone="Mars/Olympus",
    )
    assert set(errors) == {
        "for_whom",
        "state",
        "concerns",
        "style.lead",
        "preferences.language",
        "payment.insurance",
        "times",
        "timezone",
    }
    assert "astrology" in errors["concerns"][0]


def test_it_requires_the_core_answers():
    with pytest.raises(IntakeInvalid) as exc:
        parse_intake({}, vocabularies=VOCABULARIES)
    assert set(exc.value.errors) == {"for_whom", "age_band", "format", "state"}


def test_it_limits_concerns_to_three():
    assert "concerns" in errors_for(concerns=["anxiety", "depression", "sleep", "grief and loss"])


def test_it_needs_an_office_in_person():
    assert "offices" in errors_for(format="in person", offices=[])


def test_it_rejects_an_approach_both_wanted_and_avoided():
    assert "approaches_avoided" in errors_for(approaches_wanted=["CBT"], approaches_avoided=["cbt"])


def test_it_rejects_a_must_have_without_a_value():
    assert "preferences.gender" in errors_for(preferences={"gender": {"importance": "must"}})


def test_it_rejects_a_negative_budget():
    assert "payment.self_pay_budget" in errors_for(payment={"self_pay_budget": -5})


def test_it_rejects_a_non_object():
    with pytest.raises(IntakeInvalid) as exc:
        parse_intake([], vocabularies=VOCABULARIES)  # type: ignore[arg-type]
    assert "intake" in exc.value.errors


def test_it_fingerprints_equal_answers_equally():
    assert answers().fingerprint == answers().fingerprint
    assert answers().fingerprint != answers(email="someone@example.org").fingerprint


def test_it_takes_the_phq2_and_gad2_items_as_optional_whole_numbers_0_to_3():
    plain = answers()
    with_items = answers(phq_interest=0, phq_mood=3, gad_nervous=2, gad_worry=None)
    # Kept with the answers as the baseline; they never change a ranking.
    assert with_items.fingerprint == plain.fingerprint

    for bad in (4, -1, "2", True, 1.5):
        assert errors_for(gad_worry=bad) == {
            "gad_worry": ["Give a whole number from 0 to 3, or leave it out."]
        }
