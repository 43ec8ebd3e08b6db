"""The intake's screens: at most six before the results (the review included), the safety
question first and alone, and every question of the longer, one-page-per-group intake still asked,
so the same answers give the same parsed intake and the same ranking."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

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
    answers_from_forms,
)
from matching.intake_schema import parse_intake
from matching.models import Intake
from matching.selectors import intake_match_list, matching_vocabularies
from tests.clinicians.factories import ClinicianFactory

from .intake_steps import EXPECTED_ANSWERS, PART_POSTS, fill_intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
# The longer intake's pages, one group of questions each, in their old order.
GROUPS = {
    "safety": SafetyForm,
    "about": AboutForm,
    "concerns": ConcernsForm,
    "goals": GoalsForm,
    "style": StyleForm,
    "therapist": TherapistForm,
    "practical": PracticalForm,
    "contact": ContactForm,
}


def test_it_has_at_most_six_screens_counting_the_review():
    assert len(STEP_FORMS) + 1 <= 6


def test_the_safety_question_comes_first_and_alone():
    assert STEP_FORMS[0] is SafetyForm
    assert list(SafetyForm.base_fields) == ["safety"]


def test_every_question_is_asked_on_exactly_one_screen():
    asked = [name for screen in STEP_FORMS for name in screen.base_fields]
    before = [name for group in GROUPS.values() for name in group.base_fields]
    assert len(asked) == len(set(asked))
    assert sorted(asked) == sorted(before)


def test_the_screens_answer_parse_and_rank_exactly_as_one_page_per_group(client):
    with time_machine.travel(NOW, tick=False):
        ClinicianFactory(
            concerns=["trauma and PTSD", "anxiety"],
            approaches=["EMDR"],
            languages=["English", "Spanish"],
            communities=["Latina/o/x"],
            insurance=["Aetna"],
            gender="woman",
        )
        ClinicianFactory(
            concerns=["sleep"], languages=["English", "Spanish"], insurance=["Aetna"], style_lead=5
        )
        ClinicianFactory(
            concerns=["anxiety"],
            approaches=["CBT", "EMDR"],
            languages=["English", "Spanish"],
            insurance=["Aetna"],
            hours=[(0, "18:00", "20:00")],
        )
        # Left out: Spanish is a must-have.
        ClinicianFactory(languages=["English"], insurance=["Aetna"])
        before_forms = {}
        for slug, group in GROUPS.items():
            form = group(data=PART_POSTS[slug])
            assert form.is_valid(), (slug, form.errors)
            before_forms[slug] = form
        before = answers_from_forms(before_forms)

        # The same person, through the new screens in the browser's way (posts, then review).
        fill_intake(client)
        client.post(reverse("matching:review"))
        after = Intake.objects.get().answers

        assert after == before == EXPECTED_ANSWERS
        vocabularies = matching_vocabularies()
        assert parse_intake(after, vocabularies=vocabularies) == parse_intake(
            before, vocabularies=vocabularies
        )
        ranked_after = intake_match_list(answers=after, now=NOW, list_all_exclusions=True)
        ranked_before = intake_match_list(answers=before, now=NOW, list_all_exclusions=True)
        assert ranked_after.ranking == ranked_before.ranking
        assert len(ranked_after.ranking.matches) == 3
        assert len(ranked_after.ranking.excluded) == 1


def test_an_old_step_address_opens_the_screen_that_asks_its_questions_now(client):
    fill_intake(client)
    for old, now in (("concerns", "about"), ("goals", "about"), ("style", "therapist")):
        response = client.get(reverse("matching:step", args=[old]))
        assert response["Location"] == reverse("matching:step", args=[now])
