import datetime as dt
import re
from unittest import mock

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from matching.models import Intake
from matching.services import intake_submit
from matching.tokens import intake_from_token

from .intake_steps import EXPECTED_ANSWERS, STEP_POSTS, fill_intake

pytestmark = pytest.mark.django_db
NOTIFY = "consultations.notifications.intake_safety_notify"


def step_url(slug):
    return reverse("matching:step", args=[slug])


def token_of(location: str) -> str:
    return re.fullmatch(r"/intake/r/([^/]+)/", location).group(1)


def submit(client):
    fill_intake(client)
    return client.post(reverse("matching:review"))


def test_it_shows_the_start_page(client):
    response = client.get(reverse("matching:start"))
    assert response.status_code == 200
    assert response.content.count(b"<h1") == 1
    assert step_url("safety").encode() in response.content


def test_it_completes_an_intake_into_the_interchange_format(client):
    fill_intake(client)
    review = client.get(reverse("matching:review"))
    assert review.status_code == 200
    assert b"Since the accident I avoid driving." in review.content
    for slug, _data in STEP_POSTS:
        assert f'href="{step_url(slug)}"'.encode() in review.content

    response = client.post(reverse("matching:review"))

    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.answers == EXPECTED_ANSWERS
    assert intake.follow_up == ""
    assert intake_from_token(token_of(response["Location"])) == intake
    assert "intake_draft" not in client.session


def test_it_redirects_a_later_step_to_the_first_unanswered_one(client):
    response = client.get(step_url("practical"))
    assert response.status_code == 302
    assert response["Location"] == step_url("safety")

    fill_intake(client, upto="about")
    response = client.post(step_url("practical"), dict(STEP_POSTS)["practical"])
    assert response["Location"] == step_url("about")
    assert Intake.objects.count() == 0


def test_it_rejects_an_unknown_step(client):
    assert client.get(step_url("astrology")).status_code == 404


def test_it_keeps_answers_when_going_back_and_on_reload(client):
    fill_intake(client, upto="about")
    response = client.post(step_url("about"), {"for_whom": "couple", "nav": "back"})
    assert response["Location"] == step_url("safety")

    page = client.get(step_url("about")).content.decode()
    assert re.search(r'value="couple"[^>]*checked', page)
    # "Back" saved it, so the next step is open.
    assert client.get(step_url("therapist")).status_code == 200


def test_it_keeps_an_unfinished_step_when_going_back_but_not_as_done(client):
    fill_intake(client, upto="about")
    client.post(step_url("about"), {"for_whom": "child", "age_band": "adults", "nav": "back"})

    assert client.get(step_url("therapist"))["Location"] == step_url("about")
    page = client.get(step_url("about")).content.decode()
    assert re.search(r'value="child"[^>]*checked', page)


def test_it_explains_errors_next_to_fields_and_in_a_summary(client):
    fill_intake(client, upto="contact")
    response = client.post(
        step_url("contact"), {**dict(STEP_POSTS)["contact"], "email": "ana-at-example"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page
    assert 'href="#id_email"' in page
    assert re.search(
        r'<input[^>]*aria-describedby="id_email_error"[^>]*aria-invalid="true"', page
    ) or (re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_email_error"', page))
    assert 'id="id_email_error"' in page
    assert page.count("<h1") == 1


def test_it_links_a_missing_choice_in_the_summary_to_its_first_button(client):
    response = client.post(step_url("safety"), {"nav": "next"})

    page = response.content.decode()
    assert 'href="#id_safety_0">Choose the answer closest to how you have felt' in page
    assert 'id="id_safety_0"' in page


def test_it_shows_crisis_resources_first_after_a_worrying_answer(client):
    client.post(step_url("safety"), {"safety": "several days", "nav": "next"})

    page = client.get(step_url("about")).content.decode()

    assert "tel:988" in page and "sms:988" in page and "988lifeline.org" in page
    assert "tel:911" in page and "oprima el 2" in page
    main = page[page.index('<main id="main"') :]
    assert main.index("988lifeline.org") < main.index("<h1")
    assert page.count("<h1") == 1


def test_it_shows_no_crisis_box_after_not_at_all(client):
    client.post(step_url("safety"), {"safety": "not at all", "nav": "next"})
    assert "intake-crisis" not in client.get(step_url("about")).content.decode()


def test_it_flags_a_safety_answer_and_notifies_inside_the_transaction(client):
    calls = []

    def record(**kwargs):
        calls.append((kwargs, connection.in_atomic_block))

    fill_intake(client, overrides={"safety": {"safety": "nearly every day"}})
    with mock.patch(NOTIFY, side_effect=record):
        client.post(reverse("matching:review"))

    intake = Intake.objects.get()
    assert intake.follow_up == Intake.FollowUp.PENDING
    assert intake.safety_answer == "nearly every day"
    # Only the reference: the notification can never carry the answers.
    assert calls == [({"intake_reference": intake.id}, True)]


def test_it_does_not_notify_for_not_at_all(client):
    with mock.patch(NOTIFY) as notify:
        submit(client)
    notify.assert_not_called()


def test_it_creates_one_intake_when_sent_twice(client):
    first = submit(client)
    second = client.post(reverse("matching:review"))

    assert Intake.objects.count() == 1
    assert second.status_code == 302
    assert second["Location"] == first["Location"]


def test_it_creates_one_intake_when_a_twin_request_saved_first(client):
    fill_intake(client)
    draft = client.session["intake_draft"]
    # What a concurrent copy of the same POST would have committed a moment earlier.
    intake_submit(
        answers=EXPECTED_ANSWERS,
        now=dt.datetime.now(dt.UTC),
        reference=draft["reference"],
        raw_token=draft["token"],
    )

    response = client.post(reverse("matching:review"))

    assert Intake.objects.count() == 1
    assert intake_from_token(token_of(response["Location"])) == Intake.objects.get()


def test_it_shows_a_clear_page_after_sending_instead_of_the_form(client):
    results = submit(client)["Location"]

    for url in (reverse("matching:review"), step_url("contact")):
        response = client.get(url)
        assert response.status_code == 200
        assert results.encode() in response.content

    client.post(reverse("matching:start"))
    assert client.get(step_url("safety")).status_code == 200


def test_it_edits_the_same_intake_keeping_its_link(client):
    location = submit(client)["Location"]
    token = token_of(location)

    response = client.get(reverse("matching:edit", args=[token, "practical"]))
    assert response["Location"] == step_url("practical")
    assert 'value="NY" selected' in client.get(step_url("practical")).content.decode()
    changed = {**dict(STEP_POSTS)["practical"], "self_pay_budget": "90", "nav": "next"}
    assert client.post(step_url("practical"), changed)["Location"] == reverse("matching:review")
    response = client.post(reverse("matching:review"))

    intake = Intake.objects.get()
    assert response["Location"] == location
    assert intake.answers == {
        **EXPECTED_ANSWERS,
        "payment": {"insurance": "Aetna", "self_pay_budget": 90},
    }
    assert intake_from_token(token) == intake


def test_it_flags_an_edit_that_changes_the_safety_answer(client):
    token = token_of(submit(client)["Location"])
    client.get(reverse("matching:edit", args=[token, "safety"]))

    with mock.patch(NOTIFY) as notify:
        client.post(step_url("safety"), {"safety": "several days", "nav": "next"})
        review = client.get(reverse("matching:review"))
        assert "988lifeline.org" in review.content.decode()
        client.post(reverse("matching:review"))

    intake = Intake.objects.get()
    assert intake.follow_up == Intake.FollowUp.PENDING
    notify.assert_called_once_with(intake_reference=intake.id)


def test_it_shows_a_friendly_page_for_an_expired_or_unknown_link(client):
    token = token_of(submit(client)["Location"])

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=31)):
        expired = client.get(reverse("matching:edit", args=[token, "safety"]))
    unknown = client.get(reverse("matching:delete", args=["not-a-real-token"]))

    for response in (expired, unknown):
        assert response.status_code == 404
        assert b"expired" in response.content
    assert Intake.objects.count() == 1


def test_it_asks_before_deleting(client):
    token = token_of(submit(client)["Location"])

    response = client.get(reverse("matching:delete", args=[token]))

    assert response.status_code == 200
    assert b"Yes, delete my answers" in response.content
    assert Intake.objects.count() == 1


def test_it_deletes_on_confirmation(client):
    token = token_of(submit(client)["Location"])

    response = client.post(reverse("matching:delete", args=[token]))

    assert response.status_code == 302
    assert Intake.objects.count() == 0
    assert client.post(reverse("matching:delete", args=[token])).status_code == 404


def test_it_emails_the_practice_about_a_flag_without_any_answer(
    client, django_capture_on_commit_callbacks, mailoutbox, settings
):
    from consultations.models import Notification
    from consultations.notifications import notification_send

    fill_intake(client, overrides={"safety": {"safety": "more than half the days"}})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("matching:review"))

    intake = Intake.objects.get()
    notification = Notification.objects.get(intake_reference=intake.id, kind="intake_safety")
    # Each send (this one, and the client's results link) is queued only once the intake is
    # committed.
    assert len(callbacks) == 2
    assert notification_send(notification_id=notification.pk)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [settings.PRACTICE_INTAKE_EMAIL]
    bodies = [message.subject, message.body] + [body for body, _type in message.alternatives]
    for answer in ("Ana", "ana@example.org", "trauma", "driving", "more than half"):
        assert all(answer.lower() not in body.lower() for body in bodies), answer


def test_it_keeps_an_unsent_draft_for_two_days_only(client, settings):
    from matching.views import DRAFT_SESSION_SECONDS

    assert DRAFT_SESSION_SECONDS < settings.SESSION_COOKIE_AGE
    client.get(step_url("safety"))
    assert "intake_draft" in client.session
    assert client.session.get_expiry_age() == DRAFT_SESSION_SECONDS == 2 * 24 * 60 * 60


def test_it_leaves_a_signed_in_staff_members_session_age_alone(staff_client, settings):
    staff_client.get(step_url("safety"))
    assert "intake_draft" in staff_client.session
    assert staff_client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_it_takes_paying_myself_without_a_budget_and_filters_no_fee(client):
    from tests.clinicians.factories import ClinicianFactory

    ClinicianFactory(
        first_name="Iris",
        last_name="Costly",
        languages=["English", "Spanish"],
        self_pay_fee=400,
        insurance=[],
    )
    practical = {"insurance": "", "self_pay_budget": ""}
    fill_intake(client, overrides={"practical": practical})
    review = client.get(reverse("matching:review")).content.decode()
    assert "I&#x27;ll pay myself, no budget given" in review

    results = client.post(reverse("matching:review"))

    assert Intake.objects.get().answers["payment"] == {}
    page = client.get(results["Location"]).content.decode()
    assert "Iris Costly" in page


def test_it_shows_time_zones_as_people_read_them_on_the_contact_step_and_review(client):
    fill_intake(client, upto="contact")
    page = client.get(step_url("contact")).content.decode()
    assert '<option value="America/New_York">Eastern Time (New York)</option>' in page
    assert '<option value="other">Another time zone (type it below)</option>' in page
    assert not re.search(r"<option[^>]*>[^<]*America/", page)
    # What static/js/intake.js needs to choose the browser's zone in that list.
    assert 'data-detect-timezone="true"' in page
    assert 'data-city-label="{city} time"' in page
    assert "Eastern Time (Detroit)" in page

    fill_intake(client, overrides={"contact": {"timezone": "America/Chicago"}})
    review = client.get(reverse("matching:review")).content.decode()
    assert '<dd class="intake-answer">Central Time (Chicago)</dd>' in review
    assert "America/Chicago" not in review
