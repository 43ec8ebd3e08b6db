"""Past each per-address limit a request gets the friendly 429 page and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from config import ratelimits
from consultations.models import Consultation, FitCheck
from consultations.tokens import FIT_CHECK, MANAGE, make_token
from matching.models import Intake
from matching.views import DRAFT
from tests.matching.intake_steps import STEP_POSTS, fill_intake

from .conftest import MONDAY_9, TUESDAY_9

pytestmark = pytest.mark.django_db


def allowed(rate: str) -> int:
    return int(rate.split("/")[0])


def assert_friendly_429(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert "Please wait a moment" in body
    assert "try again shortly" in body
    # The crisis lines stay on every page, this one included.
    assert 'href="tel:988"' in body and 'href="tel:911"' in body


def test_it_limits_intake_step_posts(client, frozen):
    url = reverse("matching:step", args=["safety"])
    for _ in range(allowed(ratelimits.INTAKE_STEP)):
        assert client.post(url, {"safety": "not at all", "nav": "next"}).status_code == 302

    response = client.post(url, {"safety": "nearly every day", "nav": "next"})

    assert_friendly_429(response)
    # The answer given before the pause is kept, not the one the pause refused.
    assert client.session[DRAFT]["steps"]["safety"]["data"]["safety"] == "not at all"


def test_it_limits_intake_submissions(client, frozen):
    other = Client()  # another browser from the same address
    for _ in range(allowed(ratelimits.INTAKE_SUBMIT)):
        assert other.post(reverse("matching:review")).status_code == 302
    fill_intake(client)

    response = client.post(reverse("matching:review"))

    assert_friendly_429(response)
    assert Intake.objects.count() == 0
    # The draft is kept, so the person can send it once the pause is over.
    assert DRAFT in client.session


def test_it_limits_the_results_links_edit_and_delete_pages_together(client, intake_a):
    intake, raw = intake_a
    budget = allowed(ratelimits.INTAKE_LINK)
    for i in range(budget):
        if i % 2:
            url = reverse("matching:delete", args=[raw])
        else:
            url = reverse("matching:edit", args=[raw, STEP_POSTS[0][0]])
        assert client.get(url).status_code in (200, 302)

    response = client.post(reverse("matching:delete", args=[raw]))

    assert_friendly_429(response)
    assert Intake.objects.filter(pk=intake.pk).exists()


def test_it_limits_booking_posts(client, clinician_a, intake_a):
    _intake, raw = intake_a
    url = reverse("matching:book", args=[raw, clinician_a.slug])
    for _ in range(allowed(ratelimits.BOOKING)):
        assert client.post(url, {"first_name": "Ana"}).status_code == 400

    response = client.post(
        url,
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "format": "video",
            "start": MONDAY_9.isoformat(),
        },
    )

    assert_friendly_429(response)
    assert Consultation.objects.count() == 0


def test_it_limits_a_manage_link_across_its_pages(client, consultation_a):
    # Confirmed, so that every page of the link (the calendar invite too) answers.
    Consultation.objects.filter(pk=consultation_a.pk).update(status=Consultation.Status.CONFIRMED)
    token = make_token(consultation_a, MANAGE)
    pages = ["manage", "manage_cancel", "manage_reschedule", "manage_delete", "manage_ics"]
    for i in range(allowed(ratelimits.MANAGE_LINK)):
        name = pages[i % len(pages)]
        assert client.get(reverse(f"consultations:{name}", args=[token])).status_code == 200

    cancel = client.post(reverse("consultations:manage_cancel", args=[token]))
    move = client.post(
        reverse("consultations:manage_reschedule", args=[token]), {"start": TUESDAY_9.isoformat()}
    )
    erase = client.post(reverse("consultations:manage_delete", args=[token]))

    for response in (cancel, move, erase):
        assert_friendly_429(response)
    consultation_a.refresh_from_db()
    assert consultation_a.status == Consultation.Status.CONFIRMED
    assert consultation_a.starts_at == MONDAY_9
    assert consultation_a.client_email == "ana@example.org"


def test_it_limits_fit_check_posts(client, consultation_a, frozen):
    Consultation.objects.filter(pk=consultation_a.pk).update(status=Consultation.Status.COMPLETED)
    url = reverse("consultations:fit_check", args=[make_token(consultation_a, FIT_CHECK)])
    for _ in range(allowed(ratelimits.FIT_CHECK)):
        assert client.post(url, {"felt_heard": "9"}).status_code == 200

    response = client.post(
        url,
        {"felt_heard": 5, "agreed_goals": 5, "approach_makes_sense": 5, "wants_to_continue": 5},
    )

    assert_friendly_429(response)
    assert FitCheck.objects.count() == 0


def test_it_limits_logins_from_one_address_across_usernames(client, clinician_a):
    url = reverse("login")
    for i in range(allowed(ratelimits.LOGIN)):
        response = client.post(url, {"username": f"guess{i}", "password": "wrong-password"})
        assert response.status_code == 200

    response = client.post(url, {"username": "maya", "password": "maya-pass-123"})

    assert_friendly_429(response)
    assert "_auth_user_id" not in client.session


def test_it_limits_the_admin_login_within_the_same_budget(client, clinician_a):
    for i in range(allowed(ratelimits.LOGIN) - 1):
        client.post(reverse("login"), {"username": f"guess{i}", "password": "wrong-password"})
    response = client.post(
        reverse("admin:login"), {"username": "guess-admin", "password": "wrong-password"}
    )
    assert response.status_code == 200

    response = client.post(reverse("admin:login"), {"username": "sam", "password": "x"})

    assert_friendly_429(response)
    assert "_auth_user_id" not in client.session


def test_it_does_not_count_page_views_against_post_limits(client, frozen):
    url = reverse("matching:step", args=["safety"])
    for _ in range(allowed(ratelimits.INTAKE_STEP) + 5):
        assert client.get(url).status_code == 200

    assert client.post(url, {"safety": "not at all", "nav": "next"}).status_code == 302
