"""The private results link goes to the client by email as soon as the intake is sent: once,
through the outbox, without any answer; the results page says so and until when it works."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from consultations import notifications
from consultations.messages import Kind
from consultations.models import Notification
from matching.services import (
    IntakeAlreadySubmitted,
    intake_delete,
    intake_purge,
    intake_submit,
    intake_update,
)
from matching.tokens import intake_from_token

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)  # 10:30 in New York
ANSWERS = {**EXPECTED_ANSWERS, "safety": "several days"}


@pytest.fixture
def queued(monkeypatch):
    ids = []
    monkeypatch.setattr(
        "consultations.tasks.send_notification.apply_async", lambda args, **kw: ids.append(args[0])
    )
    return ids


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def results_rows():
    return Notification.objects.filter(kind=Kind.INTAKE_RESULTS)


def sent_to_client():
    return [m for m in mail.outbox if m.to == [ANSWERS["email"]]]


def test_it_queues_the_results_link_once_when_the_intake_is_sent(
    frozen, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake, raw = intake_submit(answers=ANSWERS, now=NOW)

    (row,) = results_rows()
    assert row.intake_reference == intake.id
    assert row.pk in queued
    notifications.notifications_sweep(now=NOW)

    (message,) = sent_to_client()
    assert message.subject == "Your private link"
    link = "http://127.0.0.1:8000" + reverse("matching:results", args=[raw])
    assert link in message.body
    assert link in message.alternatives[0][0]
    assert intake_from_token(link.rstrip("/").rsplit("/", 1)[1], now=NOW) == intake
    assert "30 days, until Thursday 3 April 2025" in message.body
    # The safety path gets its link too; the practice's email is a separate one.
    assert {Kind.of(r.kind) for r in Notification.objects.all()} == {
        Kind.INTAKE_RESULTS,
        Kind.INTAKE_SAFETY,
    }


def test_no_answer_reaches_the_email(frozen, queued):
    answers = {
        **ANSWERS,
        "goals": "Stop the panic before the Tappan bridge",
        "concerns_text": "Flashbacks since the ferry",
    }
    intake_submit(answers=answers, now=NOW)
    notifications.notifications_sweep(now=NOW)

    (message,) = sent_to_client()
    everything = message.message().as_string() + message.alternatives[0][0]
    for answer in ("Tappan", "ferry", "panic", "several days", "anxiety", "Aetna"):
        assert answer not in everything


def test_a_second_submission_of_the_same_draft_sends_nothing_more(frozen, queued):
    intake, raw = intake_submit(answers=ANSWERS, now=NOW)
    notifications.notifications_sweep(now=NOW)

    with pytest.raises(IntakeAlreadySubmitted):
        intake_submit(answers=ANSWERS, now=NOW, reference=intake.id, raw_token=raw)
    intake_update(intake=intake, answers={**ANSWERS, "goals": "Feel calmer"})
    notifications.notifications_sweep(now=NOW)

    assert results_rows().count() == 1
    assert len(sent_to_client()) == 1


def test_the_sent_row_keeps_no_address_or_link(frozen, queued):
    intake, raw = intake_submit(answers=ANSWERS, now=NOW)
    row = results_rows().get()
    assert raw in row.payload["path"]

    notifications.notifications_sweep(now=NOW)

    row.refresh_from_db()
    assert (row.status, row.payload) == (Notification.Status.SENT, {})


def test_deleting_the_intake_stops_an_unsent_results_email(frozen, queued):
    intake, _raw = intake_submit(answers=ANSWERS, now=NOW)

    intake_delete(intake=intake)
    notifications.notifications_sweep(now=NOW)

    row = results_rows().get()
    assert (row.status, row.payload) == (Notification.Status.CANCELLED, {})
    assert sent_to_client() == []


def test_the_purge_forgets_the_link_of_a_results_email_that_failed(frozen, queued, settings):
    intake, _raw = intake_submit(answers=ANSWERS, now=NOW)
    results_rows().update(status=Notification.Status.FAILED)

    intake_purge(now=NOW + dt.timedelta(days=settings.INTAKE_RETENTION_DAYS + 1))

    assert results_rows().get().payload == {}


def test_no_email_is_queued_without_an_address(frozen, queued):
    intake_submit(answers={**ANSWERS, "email": ""}, now=NOW)

    assert not results_rows().exists()


def test_the_results_page_says_the_link_was_emailed_and_until_when(client, frozen, queued):
    _intake, raw = intake_submit(answers=ANSWERS, now=NOW)

    page = client.get(reverse("matching:results", args=[raw])).content.decode()

    assert "emailed the link to this page to ana@example.org" in page
    assert "It works until Thursday 3 April 2025" in page
