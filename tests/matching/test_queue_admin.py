"""The call queue in the admin, as a practice staff member without "Intake reviewers" uses it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from matching.models import Intake
from matching.services import intake_submit

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)
FLAGGED = {**EXPECTED_ANSWERS, "safety": "several days"}
QUEUE = reverse("admin:matching_samedaycall_changelist")


@pytest.fixture
def practice_staff(client, staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(staff_user)
    return staff_user


@pytest.fixture
def flagged():
    intake, _raw = intake_submit(answers=FLAGGED, now=NOW)
    return intake


def entry(intake) -> str:
    return reverse("admin:matching_samedaycall_change", args=[intake.pk])


def answer_texts() -> list[str]:
    return [FLAGGED["goals"], "several days"]


def test_it_lists_who_to_call_and_how_without_any_answer(client, practice_staff, flagged):
    intake_submit(answers=EXPECTED_ANSWERS, now=NOW)  # not flagged: not in the queue

    response = client.get(QUEUE)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [flagged]
    body = response.content.decode()
    assert FLAGGED["first_name"] in body
    assert FLAGGED["email"] in body
    assert "to call" in body
    for text in answer_texts():
        assert text not in body


def test_it_shows_an_overdue_call_in_words_not_colour_alone(client, practice_staff, flagged):
    body = client.get(QUEUE).content.decode()

    # Flagged in 2025: long past its reminder time.
    assert '<strong class="overdue">' in body
    assert "past the reminder time" in body


def test_it_lets_practice_staff_mark_the_person_reached(client, practice_staff, flagged):
    page = client.get(entry(flagged))
    assert page.status_code == 200
    for text in answer_texts():
        assert text not in page.content.decode()

    response = client.post(
        entry(flagged), {"follow_up": "called", "follow_up_note": "Spoke at 11; safe."}
    )

    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.follow_up == Intake.FollowUp.CALLED
    assert flagged.follow_up_note == "Spoke at 11; safe."
    assert flagged.follow_up_changed_by == practice_staff
    assert flagged.follow_up_changed_at is not None
    assert flagged.answers == FLAGGED  # nothing the client wrote changes
    # Reached: off the open queue, still in "all".
    assert list(client.get(QUEUE).context["cl"].result_list) == []
    assert list(client.get(QUEUE, {"show": "all"}).context["cl"].result_list) == [flagged]


def test_it_refuses_a_status_outside_the_queue(client, practice_staff, flagged):
    response = client.post(entry(flagged), {"follow_up": "", "follow_up_note": ""})

    assert response.status_code == 200
    flagged.refresh_from_db()
    assert flagged.follow_up == Intake.FollowUp.PENDING


def test_it_offers_the_answers_only_through_the_intake_page(client, practice_staff, flagged):
    body = client.get(entry(flagged)).content.decode()

    assert reverse("admin:matching_intake_change", args=[flagged.pk]) in body
    assert client.get(reverse("admin:matching_intake_change", args=[flagged.pk])).status_code == 403


def test_it_neither_adds_nor_deletes_calls(client, practice_staff, flagged):
    assert client.get(reverse("admin:matching_samedaycall_add")).status_code == 403
    delete = reverse("admin:matching_samedaycall_delete", args=[flagged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Intake.objects.filter(pk=flagged.pk).exists()


def test_it_refuses_lookups_on_answers_in_the_queue(client, practice_staff, flagged):
    response = client.get(QUEUE, {"answers__icontains": "sleep"})

    assert response.status_code in (400, 302)
    assert FLAGGED["first_name"] not in response.content.decode()
