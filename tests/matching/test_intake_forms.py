import pytest

from matching.forms import (
    STEP_FORMS,
    AboutForm,
    ConcernsForm,
    ContactForm,
    GoalsForm,
    PracticalForm,
    SafetyForm,
    StyleForm,
    TherapistForm,
)

from .intake_steps import EXPECTED_ANSWERS, PART_POSTS, STEP_POSTS

pytestmark = pytest.mark.django_db
# Every group of questions and every screen (a screen's data holds each of its groups' data).
VALID = {**PART_POSTS, **dict(STEP_POSTS)}


def errors(form_class, **changes) -> dict:
    form = form_class(data={**VALID[form_class.slug], **changes})
    form.is_valid()
    return form.errors


def test_it_accepts_every_step_of_a_complete_intake():
    for form_class in STEP_FORMS:
        assert errors(form_class) == {}, form_class.slug


def test_it_round_trips_answers_through_every_step():
    for form_class in STEP_FORMS:
        form = form_class(data=form_class.data_from_answers(EXPECTED_ANSWERS))
        assert form.is_valid(), (form_class.slug, form.errors)
        for key, value in form.to_answers().items():
            assert EXPECTED_ANSWERS[key] == value, key


def test_it_requires_a_safety_answer():
    assert "safety" in errors(SafetyForm, safety="")
    assert "safety" in errors(SafetyForm, safety="sometimes")


def test_it_needs_a_child_or_teen_age_band_for_a_child():
    assert "teen" in errors(AboutForm, for_whom="child", age_band="adults")["age_band"][0]
    assert errors(AboutForm, for_whom="child", age_band="teens") == {}


def test_it_makes_a_couple_adults_unless_told_otherwise():
    form = AboutForm(data={"for_whom": "couple", "age_band": ""})
    assert form.is_valid()
    assert form.to_answers() == {"for_whom": "couple", "age_band": "adults"}


def test_it_rejects_the_same_concern_ranked_twice():
    found = errors(ConcernsForm, concern_1="anxiety", concern_2="anxiety")
    assert "already chose" in found["concern_2"][0]


def test_it_rejects_a_concern_outside_the_vocabulary():
    assert "concern_1" in errors(ConcernsForm, concern_1="astrology")


def test_it_keeps_the_ranking_when_a_middle_rank_is_empty():
    form = ConcernsForm(data={"concern_1": "grief and loss", "concern_3": "sleep"})
    assert form.is_valid()
    assert form.to_answers()["concerns"] == ["grief and loss", "sleep"]


def test_it_rejects_more_than_three_goal_tags():
    found = errors(
        GoalsForm, goal_tags=["sleep better", "feel calmer", "lift my mood", "change a habit"]
    )
    assert "up to three" in found["goal_tags"][0]


def test_it_rejects_a_style_outside_one_to_five():
    assert "1 to 5" in errors(StyleForm, lead="7")["lead"][0]


def test_it_rejects_an_approach_both_wanted_and_avoided():
    found = errors(StyleForm, approaches_wanted=["EMDR"], approaches_avoided=["EMDR"])
    assert "untick one" in found["approaches_avoided"][0]


def test_it_asks_no_approaches_by_default_and_offers_each_in_plain_words():
    form = StyleForm(data={**VALID["style"], "approaches_wanted": []})
    assert form.is_valid(), form.errors
    assert form.to_answers()["approaches_wanted"] == []
    assert not form.approaches_open()
    rows = {name: description for name, _label, description, _like, _avoid in form.approach_rows()}
    assert rows["CBT"].startswith("Noticing the thoughts")
    assert all(rows.values())


def test_it_opens_the_approaches_when_some_are_chosen_or_need_fixing():
    assert StyleForm(data=VALID["style"]).approaches_open()
    assert StyleForm(initial={"approaches_avoided": ["DBT"]}).approaches_open()
    assert not StyleForm(initial=StyleForm.data_from_answers({})).approaches_open()


def test_it_rejects_a_must_have_without_a_value():
    found = errors(TherapistForm, language="", language_importance="must")
    assert "Choose a language" in found["language"][0]


def test_it_rejects_a_value_that_does_not_matter():
    found = errors(TherapistForm, community="Black", community_importance="none")
    assert "community_importance" in found


def test_it_takes_gender_in_the_clients_own_words():
    form = TherapistForm(data={**VALID["therapist"], "gender": "", "gender_words": "Two-spirit"})
    assert form.is_valid(), form.errors
    assert form.to_answers()["preferences"]["gender"] == {
        "value": "Two-spirit",
        "importance": "nice",
    }


def test_it_rejects_an_unknown_state():
    assert "from the list" in errors(PracticalForm, state="ZZ")["state"][0]


def test_it_rejects_a_budget_that_is_not_a_number():
    found = errors(PracticalForm, insurance="", self_pay_budget="about a hundred")
    assert "as a number" in found["self_pay_budget"][0]


def test_it_accepts_a_budget_with_a_dollar_sign():
    form = PracticalForm(data={**VALID["practical"], "insurance": "", "self_pay_budget": "$120"})
    assert form.is_valid(), form.errors
    assert form.to_answers()["payment"] == {"self_pay_budget": 120}


def test_it_takes_paying_myself_without_a_budget():
    form = PracticalForm(data={**VALID["practical"], "insurance": "", "self_pay_budget": ""})
    assert form.is_valid(), form.errors
    assert form.to_answers()["payment"] == {}


def test_it_needs_an_office_for_in_person():
    found = errors(PracticalForm, format="in person", offices=[])
    assert "office" in found["offices"][0]
    form = PracticalForm(
        data={**VALID["practical"], "format": "in person", "offices": ["Downtown"]}
    )
    assert form.is_valid(), form.errors


def test_it_drops_offices_when_not_in_person():
    form = PracticalForm(data={**VALID["practical"], "format": "phone", "offices": ["Downtown"]})
    assert form.is_valid()
    assert form.to_answers()["offices"] == []


def test_it_rejects_a_bad_email():
    assert "name@example.org" in errors(ContactForm, email="ana-at-example")["email"][0]


def test_it_rejects_an_unknown_time_zone():
    found = errors(ContactForm, timezone="other", timezone_other="Mars/Olympus_Mons")
    assert "Mars/Olympus_Mons" in found["timezone_other"][0]


def test_it_lists_time_zones_as_people_read_them():
    choices = dict(ContactForm().fields["timezone"].choices)
    assert choices["America/New_York"] == "Eastern Time (New York)"
    assert choices["America/Los_Angeles"] == "Pacific Time (Los Angeles)"
    assert choices["other"] == "Another time zone (type it below)"
    assert not [label for label in choices.values() if "/" in label]


def test_it_takes_the_browsers_zone_chosen_in_the_list_even_when_not_listed():
    # static/js/intake.js adds the browser's zone to the list and chooses it.
    form = ContactForm(data={**VALID["contact"], "timezone": "Europe/Madrid"})
    assert form.is_valid(), form.errors
    assert form.to_answers()["timezone"] == "Europe/Madrid"
    assert ("Europe/Madrid", "Madrid time") in form.fields["timezone"].choices


def test_it_refuses_a_zone_that_does_not_exist_in_the_list():
    found = errors(ContactForm, timezone="Mars/Olympus_Mons")
    assert found["timezone"] == ["Choose your time zone from the list."]


def test_it_uses_a_typed_time_zone_only_with_another_time_zone_chosen():
    for typed, zone in (("europe/madrid", "Europe/Madrid"), ("Madrid", "Europe/Madrid")):
        form = ContactForm(data={**VALID["contact"], "timezone": "other", "timezone_other": typed})
        assert form.is_valid(), form.errors
        assert form.to_answers()["timezone"] == zone


def test_it_asks_when_the_typed_zone_and_the_chosen_one_disagree():
    # The typed box no longer wins silently over the visible choice.
    found = errors(ContactForm, timezone="America/Chicago", timezone_other="Europe/Madrid")
    assert found["timezone_other"] == [
        "You chose Central Time (Chicago) in the list and typed Madrid time here. To use what "
        "you typed, choose “Another time zone” in the list; otherwise clear this box."
    ]


def test_it_asks_for_a_zone_when_another_is_chosen_but_none_typed():
    found = errors(ContactForm, timezone="other", timezone_other="")
    assert "Type your time zone" in found["timezone_other"][0]


def test_it_shows_a_saved_unlisted_zone_as_the_visible_choice_when_editing():
    data = ContactForm.data_from_answers({**EXPECTED_ANSWERS, "timezone": "Europe/Madrid"})
    assert (data["timezone"], data["timezone_other"]) == ("Europe/Madrid", "")
    form = ContactForm(initial=data)
    assert ("Europe/Madrid", "Madrid time") in form.fields["timezone"].choices
    assert '<option value="Europe/Madrid" selected>Madrid time</option>' in str(form["timezone"])


def test_it_rejects_a_phone_number_with_letters():
    assert "phone" in errors(ContactForm, phone="call me maybe")


def test_it_requires_consent():
    assert "privacy notice" in errors(ContactForm, consent="")["consent"][0]


def test_the_first_screen_asks_the_phq2_and_gad2_items_as_optional():
    form = SafetyForm(data={"safety": "not at all"})
    assert form.is_valid()
    assert form.to_answers() == {"safety": "not at all"}

    answered = {"phq_interest": "0", "phq_mood": "2", "gad_nervous": "3", "gad_worry": "1"}
    form = SafetyForm(data={"safety": "not at all", **answered})
    assert form.is_valid()
    assert form.to_answers() == {
        "safety": "not at all",
        "phq_interest": 0,
        "phq_mood": 2,
        "gad_nervous": 3,
        "gad_worry": 1,
    }
    # And back: an edit shows what was chosen.
    assert SafetyForm.data_from_answers(form.to_answers()) == {"safety": "not at all", **answered}
    labels = [str(form.fields[key].label) for key in answered]
    assert labels == [
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
    ]


def test_a_bad_item_answer_says_what_to_fix():
    assert errors(SafetyForm, gad_worry="7") == {"gad_worry": ["Choose one of the four answers."]}


def test_the_review_lists_the_items_in_words():
    from matching.forms import answers_summary

    answers = {**EXPECTED_ANSWERS, "phq_mood": 2}
    summary = {slug: rows for slug, _title, rows in answers_summary(answers)}
    rows = dict(summary["safety"])
    assert rows["Feeling down, depressed, or hopeless"] == "More than half the days"
    assert rows["Little interest or pleasure in doing things"] == "Not given"
