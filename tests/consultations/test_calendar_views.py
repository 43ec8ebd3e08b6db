"""The portal pages where a clinician makes their calendar link and chooses their emails."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from consultations.models import CalendarFeed, NotificationPreferences
from consultations.tokens import feed_token_hash

from .factories import booking_settings

pytestmark = pytest.mark.django_db
CALENDAR = reverse("consultations:portal_calendar")
EMAILS = reverse("consultations:portal_notifications")


def shown_link(response) -> str:
    match = re.search(r'id="feed-url"[^>]*>([^<]+)</textarea>', response.content.decode())
    assert match, "the new link is shown"
    return match.group(1)


def checked(page: str, name: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, name
    return " checked" in tag.group(0)


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1].removesuffix(".ics")


def test_it_makes_a_link_shows_it_once_and_keeps_only_its_hash(client, clinician, frozen):
    client.force_login(clinician.user)
    assert "Make my calendar link" in client.get(CALENDAR).content.decode()

    made = client.post(CALENDAR, {"action": "renew"})

    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    link = shown_link(made)
    assert link.startswith("http://127.0.0.1:8000/consultations/calendar/")
    assert f'href="webcal://127.0.0.1:8000/consultations/calendar/{token_of(link)}.ics"' in (
        made.content.decode()
    )
    feed = CalendarFeed.objects.get(clinician=clinician)
    assert feed.token_hash == feed_token_hash(token_of(link))
    # Never shown again.
    later = client.get(CALENDAR).content.decode()
    assert token_of(link) not in later
    assert "Your link is on" in later and "No calendar has read it yet." in later
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_a_new_link_revokes_the_old_one(client, clinician, frozen):
    client.force_login(clinician.user)
    old = shown_link(client.post(CALENDAR, {"action": "renew"}))
    new = shown_link(client.post(CALENDAR, {"action": "renew"}))

    assert old != new
    assert client.get(old.removeprefix("http://127.0.0.1:8000")).status_code == 404
    assert client.get(new.removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_turning_the_link_off_revokes_it(client, clinician, frozen):
    client.force_login(clinician.user)
    link = shown_link(client.post(CALENDAR, {"action": "renew"}))

    response = client.post(CALENDAR, {"action": "revoke"}, follow=True)

    assert "Your calendar link is turned off." in response.content.decode()
    assert not CalendarFeed.objects.filter(clinician=clinician).exists()
    assert client.get(link.removeprefix("http://127.0.0.1:8000")).status_code == 404


def test_an_unknown_action_changes_nothing(client, clinician, frozen):
    client.force_login(clinician.user)
    response = client.post(CALENDAR, {"action": "explode"}, follow=True)
    assert "Choose to make a new link or to turn the link off." in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_the_page_explains_google_apple_and_outlook(client, clinician):
    client.force_login(clinician.user)
    body = client.get(CALENDAR).content.decode()
    for calendar in ("Google Calendar", "Apple Calendar", "Outlook"):
        assert calendar in body
    assert "From URL" in body and "New Calendar Subscription" in body
    assert "Subscribe from web" in body


def test_the_pages_send_anonymous_visitors_to_the_login(client, frozen):
    for page in (CALENDAR, EMAILS):
        response = client.post(page, {"action": "renew"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert not CalendarFeed.objects.exists()


def test_staff_without_a_clinician_profile_get_no_link(staff_client, clinician, frozen):
    for page in (CALENDAR, EMAILS):
        assert staff_client.get(page).status_code == 403
    assert staff_client.post(CALENDAR, {"action": "renew"}).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_a_clinician_only_ever_changes_their_own_link(client, clinician, other_clinician, frozen):
    client.force_login(other_clinician.user)
    client.post(CALENDAR, {"action": "renew"})
    client.force_login(clinician.user)
    client.post(CALENDAR, {"action": "renew"})
    client.post(CALENDAR, {"action": "revoke"})

    assert list(CalendarFeed.objects.values_list("clinician", flat=True)) == [other_clinician.pk]


# Email choices


def test_it_starts_from_the_defaults_and_saves_the_choices(client, clinician):
    client.force_login(clinician.user)
    page = client.get(EMAILS).content.decode()
    assert [checked(page, name) for name in ("new_requests", "changes", "cancellations")] == [
        True,
        True,
        True,
    ]
    assert not checked(page, "digest")
    assert re.search(r'<input[^>]*name="digest_time"[^>]*value="18:00"', page)
    assert not NotificationPreferences.objects.exists()

    response = client.post(
        EMAILS, {"cancellations": "on", "digest": "on", "digest_time": "07:30"}, follow=True
    )

    assert "Your email choices are saved." in response.content.decode()
    saved = NotificationPreferences.objects.get(clinician=clinician)
    assert (saved.new_requests, saved.changes, saved.cancellations) == (False, False, True)
    assert (saved.digest, saved.digest_time) == (True, dt.time(7, 30))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Choose the time of day for the summary, for example 18:00."),
        ("half past seven", "Enter the time as hours and minutes, for example 18:00."),
        ("25:00", "Enter the time as hours and minutes, for example 18:00."),
    ],
)
def test_it_refuses_a_time_it_cannot_read_and_changes_nothing(client, clinician, typed, message):
    client.force_login(clinician.user)
    response = client.post(EMAILS, {"digest": "on", "digest_time": typed})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NotificationPreferences.objects.exists()


def test_turning_the_summary_off_needs_no_time_and_keeps_the_one_chosen(client, clinician):
    # The time matters only with the summary on: an empty time field must not stop a clinician
    # from turning it off (or from saving the other choices).
    NotificationPreferences.objects.create(
        clinician=clinician, digest=True, digest_time=dt.time(7, 30)
    )
    client.force_login(clinician.user)

    response = client.post(EMAILS, {"new_requests": "on", "digest_time": ""}, follow=True)

    assert "Your email choices are saved." in response.content.decode()
    saved = NotificationPreferences.objects.get(clinician=clinician)
    assert (saved.new_requests, saved.digest, saved.digest_time) == (True, False, dt.time(7, 30))
    page = client.get(EMAILS).content.decode()
    assert re.search(r'<input[^>]*name="digest_time"[^>]*value="07:30"', page)


def test_a_first_choice_without_the_summary_needs_no_time(client, clinician):
    client.force_login(clinician.user)

    response = client.post(EMAILS, {"changes": "on"}, follow=True)

    assert "Your email choices are saved." in response.content.decode()
    saved = NotificationPreferences.objects.get(clinician=clinician)
    assert (saved.changes, saved.digest, saved.digest_time) == (True, False, dt.time(18))


def test_a_time_it_cannot_read_is_refused_even_with_the_summary_off(client, clinician):
    client.force_login(clinician.user)
    response = client.post(EMAILS, {"changes": "on", "digest_time": "25:00"})

    assert response.status_code == 400
    assert "Enter the time as hours and minutes, for example 18:00." in response.content.decode()
    assert not NotificationPreferences.objects.exists()


@pytest.mark.parametrize(("expiry", "hours"), [(24, "12 hours"), (72, "24 hours"), (2, "1 hour")])
def test_it_says_when_a_waiting_request_is_reminded(client, clinician, expiry, hours):
    booking_settings(request_expiry_hours=expiry)
    client.force_login(clinician.user)
    body = client.get(EMAILS).content.decode()
    assert f"gets one reminder email {hours} after it came" in body


def test_the_portal_links_to_both_pages(client, clinician):
    client.force_login(clinician.user)
    body = client.get(reverse("consultations:portal")).content.decode()
    assert f'href="{CALENDAR}"' in body and f'href="{EMAILS}"' in body


def test_the_time_shown_is_the_clinicians_own(client, clinician):
    clinician.timezone = "America/Chicago"
    clinician.save()
    client.force_login(clinician.user)
    assert "In your time zone, Central Time (Chicago)." in client.get(EMAILS).content.decode()
