"""What the emails promise, followed in a real browser: the results link that arrives as soon as
the intake is sent opens the matches in another browser (the first tab closed); the join link
comes with the confirmation, never with the request."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from consultations import selectors, services
from consultations.messages import Kind
from consultations.models import Consultation
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import make_intake

from .journey import Person, email_texts, link_in, wait_for_emails
from .test_journey import (  # noqa: F401 (fixtures)
    CLIENT_EMAIL,
    EVERY_DAY,
    fill_in_the_intake,
    kind_of,
    practice,
    site,
    worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIDEO_LINK = "https://video.example.org/maya-chen-room"


@pytest.mark.usefixtures("site", "practice")
def test_the_results_link_arrives_by_email_and_opens_the_matches(open_page):
    client = Person(open_page())
    fill_in_the_intake(client, javascript=True, safety="not at all")
    results_url = client.page.url
    assert "emailed the link to this page to ana.client@example.org" in client.text()
    assert "It works until" in client.text()
    client.page.context.close()  # the tab (and the browser's session) is gone

    (message,) = wait_for_emails(1)
    assert kind_of(message) == Kind.INTAKE_RESULTS
    assert message.to == [CLIENT_EMAIL]
    assert message.subject == "Your private link"
    link = link_in(message, "/intake/r/")
    assert link == results_url

    later = Person(open_page())
    later.open(link)
    assert "Your matches" in later.text("h1")
    cards = later.page.locator("main ol > li")
    assert cards.count() == 3
    assert "Maya Chen" in cards.first.locator("h2").inner_text()
    intake = Intake.objects.get()
    # What the client typed is in the page they opened, never in the email.
    assert intake.answers["goals"] not in "\n".join(email_texts(message))


@pytest.mark.usefixtures("site")
def test_the_join_link_comes_with_the_confirmation_not_the_request(open_page):
    maya = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        licensed_in=["NY"],
        hours=EVERY_DAY,
        video_url=VIDEO_LINK,
    )
    _intake, raw = make_intake(state="NY", format="video", email=CLIENT_EMAIL)
    start = selectors.clinician_open_slots(clinician_id=maya.pk, now=timezone.now())[0]
    client = Person(open_page())
    client.open(reverse("matching:book", args=[raw, maya.slug]) + "?" + urlencode({"start": start}))
    client.choose("format", "video")
    client.activate('main form button[type="submit"]')
    assert "Your request is in" in client.text("h1")
    assert VIDEO_LINK not in client.text()

    request_emails = wait_for_emails(2)
    request = next(m for m in request_emails if kind_of(m) == Kind.CLIENT_REQUEST_RECEIVED)
    assert not [text for text in email_texts(request) if VIDEO_LINK in text]
    assert "The link comes with the confirmation." in request.body
    # The manage page of a request has no join link either.
    client.open(link_in(request, "/consultations/manage/"))
    assert VIDEO_LINK not in client.page.content()

    consultation = Consultation.objects.get()
    services.consultation_confirm(consultation_id=consultation.pk)
    confirmed = wait_for_emails(3)[-1]
    assert kind_of(confirmed) == Kind.CLIENT_CONFIRMED
    assert f"How to join: by video, at {VIDEO_LINK}" in confirmed.body
    invite = [text for text in email_texts(confirmed) if "BEGIN:VCALENDAR" in text]
    assert invite and VIDEO_LINK in invite[0]

    client.open(link_in(confirmed, "/consultations/manage/"))
    join = client.page.locator(f'main a[href="{VIDEO_LINK}"]')
    assert join.inner_text() == "Join the video call"
