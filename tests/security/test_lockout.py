"""Five wrong passwords lock a username (from that address) for the cool-off, even against the
right password; the lockout page is the friendly 429."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_person(django_user_model, frozen):
    return django_user_model.objects.create_user(
        username="sam", password="sam-pass-123", is_staff=True
    )


def assert_lockout_page(response):
    assert response.status_code == 429
    assert "lockout.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert "Too many login attempts" in body
    assert 'href="tel:988"' in body


def fail_until_locked(client, url, username):
    responses = [
        client.post(url, {"username": username, "password": "not-the-password"})
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert [r.status_code for r in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    return responses[-1]


@pytest.mark.parametrize(
    ("who", "url_name", "password"),
    [
        ("clinician", "login", "maya-pass-123"),
        ("staff", "login", "sam-pass-123"),
        ("staff", "admin:login", "sam-pass-123"),
    ],
)
def test_it_locks_an_account_after_five_failures_even_against_the_right_password(
    client, clinician_a, staff_person, who, url_name, password
):
    username = "maya" if who == "clinician" else "sam"
    url = reverse(url_name)

    assert_lockout_page(fail_until_locked(client, url, username))
    response = client.post(url, {"username": username, "password": password})

    assert_lockout_page(response)
    assert "_auth_user_id" not in client.session


def test_it_lets_the_right_password_in_after_the_cool_off(client, clinician_a, frozen):
    url = reverse("login")
    fail_until_locked(client, url, "maya")

    frozen.shift(dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
    response = client.post(url, {"username": "maya", "password": "maya-pass-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician_a.user_id)


def test_it_locks_only_that_username(client, clinician_a, clinician_b):
    url = reverse("login")
    fail_until_locked(client, url, "maya")

    response = client.post(url, {"username": "omar", "password": "omar-pass-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(clinician_b.user_id)


def test_practice_staff_can_unlock_a_clinician_from_the_admin(
    client, clinician_a, django_user_model
):
    from axes.models import AccessAttempt
    from django.contrib.auth.models import Group
    from django.test import Client

    fail_until_locked(client, reverse("login"), "maya")
    attempt = AccessAttempt.objects.get(username="maya")

    office = django_user_model.objects.create_user(
        username="office", password="office-pass-123", is_staff=True
    )
    office.groups.add(Group.objects.get(name="Practice staff"))
    staff = Client()
    staff.force_login(office)
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert staff.get(delete_url).status_code == 200
    staff.post(delete_url, {"post": "yes"})

    assert not AccessAttempt.objects.exists()
    response = client.post(reverse("login"), {"username": "maya", "password": "maya-pass-123"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
