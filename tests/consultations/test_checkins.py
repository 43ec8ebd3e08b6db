"""Therapy after the consultation: the start, the check-in schedule, low check-ins, the safety
question asked again, the no-blame switch, the one-click stop, and who may open what."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.urls import reverse

from consultations import checkins, feedback, notifications
from consultations.models import CheckIn, Consultation, Engagement, Notification
from consultations.tokens import (
    CHECKIN_STOP,
    FIT_CHECK,
    make_checkin_token,
    make_token,
)
from matching.models import Intake, SameDayCall
from tests.consultations.factories import ConsultationFactory, make_intake

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 18:00 UTC; the consultation was the Friday before.
NOW = dt.datetime(2026, 3, 2, 18, tzinfo=dt.UTC)
CONSULTED = dt.datetime(2026, 2, 27, 17, tzinfo=dt.UTC)
FIRST_SESSION = dt.date(2026, 3, 5)  # a Thursday

GOOD = {
    "phq_interest": "1",
    "phq_mood": "1",
    "gad_nervous": "1",
    "gad_worry": "1",
    "alliance_goals": "3",
    "alliance_tasks": "3",
    "alliance_understood": "4",
    "alliance_honest": "3",
    "note": "",
}


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def intake():
    intake, _raw = make_intake(
        concerns=["anxiety", "sleep"],
        phq_interest=1,
        phq_mood=1,
        gad_nervous=1,
        gad_worry=1,
    )
    return intake


@pytest.fixture
def completed(intake, clinician):
    return ConsultationFactory(
        clinician=clinician,
        status=Consultation.Status.COMPLETED,
        starts_at=CONSULTED,
        ends_at=CONSULTED + dt.timedelta(minutes=15),
        client_reference=intake.pk,
        client_first_name="Ana",
        client_timezone="America/Los_Angeles",
    )


@pytest.fixture
def started(at_now, completed, clinician_user):
    checkins.engagement_record(
        consultation_id=completed.pk,
        started=True,
        first_session_on=FIRST_SESSION,
        user_id=clinician_user.pk,
    )
    return completed


def link(consultation, week=2) -> str:
    return reverse("consultations:checkin", args=[make_checkin_token(consultation, week)])


def answer(client, consultation, week=2, **changes):
    return client.post(link(consultation, week), {**GOOD, **changes})


# --- Starting therapy and the schedule ------------------------------------------------------


def test_starting_therapy_schedules_a_checkin_at_2_6_and_12_weeks_at_10_in_the_clients_zone(
    started,
):
    rows = {
        n.kind: n.due_at
        for n in Notification.objects.filter(consultation=started, kind__startswith="checkin_")
    }
    # 10:00 Pacific on the Thursday 2, 6 and 12 weeks after the first session (PST, then PDT).
    assert rows == {
        "checkin_w2": dt.datetime(2026, 3, 19, 17, tzinfo=dt.UTC),
        "checkin_w6": dt.datetime(2026, 4, 16, 17, tzinfo=dt.UTC),
        "checkin_w12": dt.datetime(2026, 5, 28, 17, tzinfo=dt.UTC),
    }
    engagement = Engagement.objects.get(consultation=started)
    # The intake's answers before therapy are kept with it.
    assert engagement.baseline == {
        "phq_interest": 1,
        "phq_mood": 1,
        "gad_nervous": 1,
        "gad_worry": 1,
        "first_concern": "anxiety",
    }


def test_the_weeks_are_a_setting(settings, at_now, completed):
    settings.CHECKIN_WEEKS = [4]
    checkins.engagement_record(
        consultation_id=completed.pk, started=True, first_session_on=FIRST_SESSION, user_id=None
    )
    kinds = Notification.objects.filter(consultation=completed).values_list("kind", flat=True)
    assert list(kinds) == ["checkin_w4"]


def test_the_email_goes_on_its_day_with_a_link_and_no_answers(started, client):
    with time_machine.travel(dt.datetime(2026, 3, 19, 16, 59, tzinfo=dt.UTC), tick=False):
        assert notifications.notifications_sweep() == 0
    with time_machine.travel(dt.datetime(2026, 3, 19, 17, 0, tzinfo=dt.UTC), tick=False):
        assert notifications.notifications_sweep() == 1
        (email,) = mail.outbox
        assert email.to == [started.client_email]
        assert "check-in" in email.subject.lower()
        body = email.body
        assert "anxiety" not in body and "Anxiety" not in body
        checkin_path = re.search(r"/consultations/check-in/[^/\s]+/", body).group(0)
        stop_url = re.search(r"http\S*/consultations/check-ins/stop/[^/\s]+/", body).group(0)
        assert email.extra_headers["List-Unsubscribe"] == f"<{stop_url}>"
        assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert client.get(checkin_path).status_code == 200


def test_therapy_recorded_late_skips_checkins_long_past(settings, completed):
    # Recorded on 30 April: week 2 (19 March) is long past, week 6 (16 April) two weeks past.
    with time_machine.travel(dt.datetime(2026, 4, 30, 12, tzinfo=dt.UTC), tick=False):
        checkins.engagement_record(
            consultation_id=completed.pk,
            started=True,
            first_session_on=FIRST_SESSION,
            user_id=None,
        )
    kinds = set(Notification.objects.filter(consultation=completed).values_list("kind", flat=True))
    assert kinds == {"checkin_w12"}


def test_not_continuing_schedules_nothing_and_changing_to_it_cancels_pending_checkins(started):
    checkins.engagement_record(
        consultation_id=started.pk, started=False, first_session_on=None, user_id=None
    )
    statuses = set(
        Notification.objects.filter(consultation=started).values_list("status", flat=True)
    )
    assert statuses == {Notification.Status.CANCELLED}
    assert not Engagement.objects.get(consultation=started).started


def test_only_a_completed_consultation_can_become_therapy(at_now, clinician):
    confirmed = ConsultationFactory(clinician=clinician, status=Consultation.Status.CONFIRMED)
    with pytest.raises(checkins.EngagementNotAllowed):
        checkins.engagement_record(
            consultation_id=confirmed.pk,
            started=True,
            first_session_on=FIRST_SESSION,
            user_id=None,
        )
    assert not Engagement.objects.exists()


# --- Answering ------------------------------------------------------------------------------


def test_a_good_checkin_is_stored_encrypted_and_tells_nobody(client, started):
    response = answer(client, started, note="Work has been hard this week.")

    assert response.status_code == 302
    assert response.url.endswith("/thanks/")
    checkin = CheckIn.objects.get()
    assert checkin.answers == {"symptoms": [1, 1, 1, 1], "alliance": [3, 3, 4, 3]}
    assert not checkin.low_alliance and not checkin.symptoms_worse
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers::text, note FROM consultations_checkin")
        raw_answers, raw_note = cursor.fetchone()
    assert "alliance" not in raw_answers
    assert "Work has been hard" not in raw_note
    assert not Notification.objects.filter(kind__startswith="alliance_low").exists()
    # This week's email, not sent yet, is no longer needed.
    assert (
        Notification.objects.get(consultation=started, kind="checkin_w2").status
        == Notification.Status.CANCELLED
    )
    thanks = client.get(response.url).content.decode()
    assert "Show me my next match" not in thanks


def test_symptom_items_are_optional_and_alliance_items_are_not(client, started):
    response = answer(
        client, started, phq_interest="", phq_mood="", alliance_tasks="", alliance_goals="9"
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose how true this is" in html
    assert "Choose one of the five answers." in html
    assert not CheckIn.objects.exists()

    response = answer(client, started, phq_interest="", phq_mood="")
    assert response.status_code == 302
    assert CheckIn.objects.get().answers["symptoms"] == [None, None, 1, 1]


def test_an_answer_off_the_scale_or_a_note_too_long_is_refused_and_says_why(client, started):
    response = answer(client, started, phq_mood="7", note="x" * 2001)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose one of the four answers." in html
    assert "Please keep this to 2,000 characters (you wrote 2001)." in html
    assert not CheckIn.objects.exists()
    # This week's email still waits: nothing was answered.
    assert (
        Notification.objects.get(consultation=started, kind="checkin_w2").status
        == Notification.Status.PENDING
    )


def test_a_second_submission_records_nothing_more(client, started):
    answer(client, started)
    response = answer(client, started, alliance_goals="0")

    assert response.status_code == 302
    assert CheckIn.objects.count() == 1
    assert not CheckIn.objects.get().low_alliance


# --- A low alliance -------------------------------------------------------------------------


def test_a_low_item_tells_the_clinician_without_content_and_offers_the_client_a_switch(
    client, started
):
    response = answer(client, started, alliance_understood="1", note="I don't feel heard.")
    thanks = client.get(response.url).content.decode()

    assert CheckIn.objects.get().low_alliance
    assert "Show me my next match" in thanks
    assert "It says nothing about you or Maya" in thanks

    low = Notification.objects.get(kind="alliance_low_w2")
    assert low.due_at <= NOW
    notifications.notifications_sweep()
    (email,) = [m for m in mail.outbox if m.to == [started.clinician.email]]
    text = email.body + email.alternatives[0][0]
    for private in ("Ana", "I don't feel heard", "understood", "1/4"):
        assert private not in text
    assert "/consultations/portal/" in text


def test_the_total_falling_by_the_set_amount_is_low_too(client, started, settings):
    answer(client, started)  # 13 of 16
    checkin6 = dt.datetime(2026, 4, 16, 17, tzinfo=dt.UTC)
    with time_machine.travel(checkin6, tick=False):
        answer(client, started, week=6, alliance_goals="2", alliance_tasks="2")  # 11: down 2
        assert not CheckIn.objects.get(week=6).low_alliance
    with time_machine.travel(checkin6 + dt.timedelta(weeks=6), tick=False):
        answer(
            client,
            started,
            week=12,
            alliance_goals="2",
            alliance_tasks="2",
            alliance_understood="2",
            alliance_honest="2",
        )  # 8: down 3, though no item is low
        assert CheckIn.objects.get(week=12).low_alliance


def test_the_switch_is_one_click_to_the_next_match_without_this_clinician(client, started):
    # The week 6 check-in: the intake's own results link has expired by now.
    with time_machine.travel(dt.datetime(2026, 4, 16, 17, tzinfo=dt.UTC), tick=False):
        response = answer(client, started, week=6, alliance_goals="0")
        thanks = client.get(response.url).content.decode()
        switch_url = re.search(r'action="([^"]+/switch/)"', thanks).group(1)
        response = client.post(switch_url)
        assert response.status_code == 302
        assert "/intake/next/" in response.url
        assert client.get(response.url).status_code == 200

    engagement = Engagement.objects.get(consultation=started)
    assert engagement.switched_at is not None
    assert feedback.clinicians_not_a_fit(client_reference=started.client_reference) == {
        started.clinician_id
    }
    pending = Notification.objects.filter(
        consultation=started, kind__startswith="checkin_", status=Notification.Status.PENDING
    )
    assert not pending.exists()


def test_there_is_no_switch_after_a_checkin_that_was_not_low(client, started):
    answer(client, started)
    token = make_checkin_token(started, 2)
    response = client.post(reverse("consultations:checkin_switch", args=[token]))

    assert response.status_code == 404
    assert Engagement.objects.get(consultation=started).switched_at is None


# --- Worse symptoms and the safety question -------------------------------------------------


def test_worse_symptoms_ask_the_safety_question_and_a_worrying_answer_goes_to_the_call_queue(
    client, started
):
    response = answer(client, started, phq_mood="3", gad_worry="2")  # 4 → 7

    assert response.url.endswith("/safety/")
    page = client.get(response.url)
    assert "better off dead" in page.content.decode()
    assert not SameDayCall.objects.exists()

    response = client.post(response.url, {"safety": "several days"})
    thanks = client.get(response.url).content.decode()

    # The same lines as the intake's crisis notice (templates/_crisis_lines.html): call or text
    # 988, chat online, Spanish, and 911.
    for line in ('href="tel:988"', 'href="sms:988"', "988lifeline.org/chat/", "AYUDA", "tel:911"):
        assert line in thanks
    call = SameDayCall.objects.get()
    assert call.follow_up == Intake.FollowUp.PENDING
    assert "week 2 check-in" in call.follow_up_note
    assert Notification.objects.filter(
        intake_reference=call.pk, kind="intake_safety", status=Notification.Status.PENDING
    ).exists()


def test_not_at_all_needs_no_call(client, started):
    response = answer(client, started, phq_mood="3", gad_worry="2")
    client.post(response.url, {"safety": "not at all"})

    assert not SameDayCall.objects.exists()
    assert CheckIn.objects.get().safety_answer == "not at all"


def test_symptoms_no_worse_ask_nothing_more(client, started):
    response = answer(client, started, phq_mood="2")  # 4 → 5: under the set rise

    assert response.url.endswith("/thanks/")
    safety = reverse("consultations:checkin_safety", args=[make_checkin_token(started, 2)])
    assert client.get(safety).url.endswith("/thanks/")


# --- The note's privacy ---------------------------------------------------------------------


def _portal(client, clinician_user):
    client.force_login(clinician_user)
    return client.get(reverse("consultations:portal")).content.decode()


def test_the_clinician_sees_the_note_only_when_the_client_allows_it(
    client, started, clinician_user
):
    answer(client, started, alliance_goals="1", note="Please slow down.")

    html = _portal(client, clinician_user)
    assert "Low: worth a conversation" in html
    assert "We are working on what matters most to me." in html
    assert "Please slow down." not in html

    CheckIn.objects.update(note_shared=True)
    assert "Please slow down." in _portal(client, clinician_user)


def test_a_shared_tick_without_a_note_shares_nothing(client, started):
    answer(client, started, note="   ", note_shared="on")
    assert not CheckIn.objects.get().note_shared


def test_another_clinician_never_sees_the_checkin(client, started, other_clinician):
    answer(client, started, alliance_goals="0", note="Private words", note_shared="on")
    client.force_login(other_clinician.user)
    html = client.get(reverse("consultations:portal")).content.decode()

    assert "Private words" not in html
    assert "No check-ins yet." in html
    checkin = CheckIn.objects.get()
    client.post(reverse("consultations:portal_checkin_seen", args=[checkin.pk]))
    checkin.refresh_from_db()
    assert checkin.clinician_seen_at is None


def test_erasing_the_clients_data_deletes_their_checkins(client, started):
    from consultations.services import consultation_erase_client

    answer(client, started, note="Something personal")
    consultation_erase_client(client_reference=started.client_reference)

    assert not CheckIn.objects.exists()
    assert Engagement.objects.get(consultation=started).baseline == {}
    assert client.get(link(started)).status_code == 404


def test_erasing_the_clients_data_cancels_the_unsent_email_about_their_low_checkin(
    client, started, clinician
):
    from consultations.messages import Recipient, sent_to
    from consultations.services import consultation_erase_client

    answer(client, started, alliance_goals="0")
    # The clinician's email names no client, but it points to a check-in about to be erased.
    low = Notification.objects.get(kind="alliance_low_w2")
    assert low.status == Notification.Status.PENDING
    assert Notification.objects.filter(sent_to(Recipient.CLINICIAN), pk=low.pk).exists()

    consultation_erase_client(client_reference=started.client_reference)

    low.refresh_from_db()
    assert low.status == Notification.Status.CANCELLED
    assert notifications.notifications_sweep() == 0
    assert not [m for m in mail.outbox if m.to == [clinician.email]]


# --- Who may open what ----------------------------------------------------------------------


def test_an_expired_link_opens_nothing(client, started, settings):
    token = make_checkin_token(started, 2)
    later = NOW + dt.timedelta(days=settings.CHECKIN_TOKEN_DAYS, seconds=1)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("consultations:checkin", args=[token]))
        assert response.status_code == 404
        assert "This link doesn't work" in response.content.decode()
        client.post(reverse("consultations:checkin", args=[token]), GOOD)
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("token", ["nonsense", "a" * 301, ""])
def test_a_wrong_token_opens_nothing(client, started, token):
    if token:
        assert client.get(reverse("consultations:checkin", args=[token])).status_code == 404


def test_a_tampered_token_opens_nothing(client, started):
    token = make_checkin_token(started, 2)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(reverse("consultations:checkin", args=[tampered])).status_code == 404


def test_a_link_made_for_another_use_opens_nothing(client, started):
    for purpose in (FIT_CHECK, CHECKIN_STOP):
        token = make_token(started, purpose)
        assert client.get(reverse("consultations:checkin", args=[token])).status_code == 404


def test_a_week_we_do_not_ask_about_opens_nothing(client, started):
    assert client.get(link(started, week=3)).status_code == 404


def test_one_clients_link_answers_only_their_own_checkin(client, started, clinician):
    other_intake, _raw = make_intake(first_name="Bo")
    other = ConsultationFactory(
        clinician=clinician,
        status=Consultation.Status.COMPLETED,
        starts_at=CONSULTED - dt.timedelta(hours=2),
        ends_at=CONSULTED - dt.timedelta(hours=2) + dt.timedelta(minutes=15),
        client_reference=other_intake.pk,
        client_first_name="Bo",
    )
    checkins.engagement_record(
        consultation_id=other.pk, started=True, first_session_on=FIRST_SESSION, user_id=None
    )

    answer(client, started, alliance_goals="0")

    assert CheckIn.objects.get().engagement.consultation == started
    assert not CheckIn.objects.filter(engagement__consultation=other).exists()
    # Bo's link still opens Bo's (unanswered) check-in, not Ana's answers.
    page = client.get(link(other))
    assert page.status_code == 200
    assert "checked" not in page.content.decode()


def test_a_consultation_that_did_not_become_therapy_has_no_checkin(client, at_now, completed):
    assert client.get(link(completed)).status_code == 404
    checkins.engagement_record(
        consultation_id=completed.pk, started=False, first_session_on=None, user_id=None
    )
    assert client.get(link(completed)).status_code == 404


def test_after_stopping_the_link_says_so_and_takes_no_answer(client, started):
    checkins.checkins_stop(consultation_id=started.pk)

    response = client.get(link(started))
    assert response.status_code == 410
    assert "You stopped check-in emails" in response.content.decode()
    assert answer(client, started).status_code == 410
    assert not CheckIn.objects.exists()


# --- Stopping the emails --------------------------------------------------------------------


def stop_link(consultation) -> str:
    return reverse("consultations:checkin_stop", args=[make_token(consultation, CHECKIN_STOP)])


def test_opening_the_stop_link_changes_nothing_until_the_one_button(client, started):
    page = client.get(stop_link(started))

    assert page.status_code == 200
    assert "Stop check-in emails" in page.content.decode()
    assert Engagement.objects.get(consultation=started).checkins_stopped_at is None

    done = client.post(stop_link(started))
    assert "Check-in emails stopped" in done.content.decode()
    assert Engagement.objects.get(consultation=started).checkins_stopped_at is not None
    assert not Notification.objects.filter(
        consultation=started, status=Notification.Status.PENDING
    ).exists()


def test_a_mail_clients_one_click_post_needs_no_page_or_cookie(started):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(stop_link(started), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert Engagement.objects.get(consultation=started).checkins_stopped_at is not None


def test_a_stop_link_for_another_use_or_tampered_stops_nothing(client, started):
    for token in (make_token(started, FIT_CHECK), "nonsense"):
        response = client.post(reverse("consultations:checkin_stop", args=[token]))
        assert response.status_code == 404
    assert Engagement.objects.get(consultation=started).checkins_stopped_at is None


def test_an_email_due_after_stopping_is_not_sent(started):
    checkins.checkins_stop(consultation_id=started.pk)
    Notification.objects.filter(consultation=started, kind="checkin_w2").update(
        status=Notification.Status.PENDING
    )
    with time_machine.travel(dt.datetime(2026, 3, 19, 18, tzinfo=dt.UTC), tick=False):
        assert notifications.notifications_sweep() == 0
    row = Notification.objects.get(consultation=started, kind="checkin_w2")
    assert row.status == Notification.Status.CANCELLED
    assert row.last_error == "The client stopped check-in emails."
