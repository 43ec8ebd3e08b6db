"""The whole journey in a real browser: a new visitor's intake, ranked matches, a booking, the
clinician's confirmation in the portal, the emails sent by a real Celery worker, a reschedule
from the manage link, the consultation, the fit check ("not a fit") and the next matches.

Run by mouse, without JavaScript and by keyboard alone, all at 375 px; axe-core checks every
page; no request may leave the site, and nothing the client typed may reach a log line or an
email."""

import datetime as dt
import re
from urllib.parse import quote, quote_plus

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from config.celery import app
from consultations import notifications as n
from consultations.messages import Kind, reminder_kind
from consultations.models import Consultation, FitCheck, Notification
from consultations.tasks import sweep_notifications
from consultations.tokens import FIT_CHECK, MANAGE, make_token
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, make_intake

from .journey import LogWatch, Person, email_texts, link_in, wait_for_emails

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the client types: distinctive, so any leak is found.
GOALS = "Drive over the Tappan bridge again without gripping the wheel"
CONCERNS_TEXT = "Flashbacks since the ferry collision last March"
PAST_THERAPY = "A breathing app helped; the group sessions felt rushed"
TYPED = (GOALS, CONCERNS_TEXT, PAST_THERAPY)
# Parts of them that would give them away on their own, as typed and as a form posts them.
GIVEAWAYS = [
    variant
    for text in (*TYPED, "Tappan bridge", "ferry collision", "group sessions felt rushed")
    for variant in {text, quote(text), quote_plus(text)}
]

CLIENT_EMAIL = "ana.client@example.org"
PASSWORD = "a-long-portal-passphrase-42"
EVERY_DAY = [(day, "07:00", "21:00") for day in range(7)]

VARIANTS = {
    # name: (keyboard only, JavaScript on, safety answer)
    "mouse": (False, True, "not at all"),
    "no-javascript": (False, False, "several days"),
    "keyboard": (True, True, "not at all"),
}


@pytest.fixture(scope="module")
def worker():
    """A real Celery worker in this process, consuming from the Redis broker in REDIS_URL."""
    assert django_settings.CELERY_BROKER_URL.startswith("redis://")
    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=15) as w:
        yield w
    app.control.purge()


@pytest.fixture
def site(settings, live_server, worker):
    """Links in emails point at the running site; nothing is queued from an earlier test."""
    app.control.purge()
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.fixture
def practice(django_user_model):
    """Three clinicians who see adults by video in New York every day; Maya fits best."""
    maya_user = django_user_model.objects.create_user(username="maya.chen", password=PASSWORD)
    common = {"licensed_in": ["NY"], "hours": EVERY_DAY, "self_pay_fee": 140}
    maya = ClinicianFactory(
        user=maya_user,
        first_name="Maya",
        last_name="Chen",
        concerns=["trauma and PTSD", "anxiety"],
        focus_concerns=["trauma and PTSD"],
        approaches=["EMDR", "CBT"],
        style_lead=2,
        **common,
    )
    omar = ClinicianFactory(
        first_name="Omar",
        last_name="Haddad",
        concerns=["anxiety", "trauma and PTSD"],
        approaches=["CBT"],
        **common,
    )
    rosa = ClinicianFactory(
        first_name="Rosa", last_name="Diaz", concerns=["depression"], approaches=["CBT"], **common
    )
    return {"maya": maya, "omar": omar, "rosa": rosa}


@pytest.fixture
def watch(caplog, capfd):
    logs = LogWatch(caplog, capfd).start()
    yield logs
    logs.stop()


def person(open_page, *, keyboard: bool, javascript: bool) -> Person:
    if javascript:
        return Person(open_page(), keyboard=keyboard)
    return Person(open_page(java_script_enabled=False), keyboard=keyboard, axe_page=open_page())


def kind_of(message) -> str:
    """The notification behind an email, from its Message-ID (one per notification row)."""
    pk = re.fullmatch(r"<notification\.(\d+)@[^>]+>", message.extra_headers["Message-ID"])[1]
    return Notification.objects.get(pk=pk).kind


def fill_in_the_intake(client: Person, *, javascript: bool, safety: str) -> None:
    client.open("/")
    client.activate('main a[href="/intake/"]')
    client.activate('main a[href="/intake/step/safety/"]')

    client.choose("safety", safety)
    client.activate('button[name="nav"][value="next"]')
    if safety != "not at all":
        # The crisis resources come first on the next page.
        crisis = client.page.locator(".intake-crisis")
        assert "988" in crisis.inner_text()
        assert crisis.bounding_box()["y"] < client.page.locator("h1").bounding_box()["y"]

    # About you: who it's for, what brings them, what they'd like to change.
    client.choose("for_whom", "myself")
    client.choose("age_band", "adults")
    client.select("#id_concern_1", "trauma and PTSD")
    client.select("#id_concern_2", "anxiety")
    client.fill("#id_concerns_text", CONCERNS_TEXT)
    client.fill("#id_goals", GOALS)
    client.tick('input[name="goal_tags"][value="heal from the past"]')
    client.activate('button[name="nav"][value="next"]')

    # How to work and with whom: the approaches wait behind their disclosure; nothing about
    # the therapist matters much to this client.
    client.slide("#id_lead", 2)
    emdr = 'input[name="approaches_wanted"][value="EMDR"]'
    assert not client.page.is_visible(emdr)
    client.toggle(".intake-approaches > summary")
    client.tick(emdr)
    client.activate('button[name="nav"][value="next"]')

    client.select("#id_state", "NY")
    client.choose("format", "video")
    client.fill("#id_self_pay_budget", "150")
    client.fill("#id_past_therapy", PAST_THERAPY)
    client.activate('button[name="nav"][value="next"]')

    client.fill("#id_first_name", "Ana")
    client.fill("#id_email", CLIENT_EMAIL)
    if javascript:
        # Detected in the browser.
        assert client.page.input_value("#id_timezone") == "America/Chicago"
    else:
        client.select("#id_timezone", "America/Chicago")
    client.tick("#id_consent")
    client.activate('button[name="nav"][value="next"]')

    assert client.page.url.endswith("/intake/review/")
    # At most six screens from the first question to the results, the review included.
    screens = {url for url in client.visited if "/intake/step/" in url or "/review/" in url}
    assert len(screens) <= 6, screens
    review = client.text()
    assert all(text in review for text in TYPED)
    client.activate('#intake-form button[type="submit"]')


@pytest.mark.parametrize("variant", VARIANTS)
def test_it_walks_the_whole_journey(variant, site, practice, open_page, watch):
    keyboard, javascript, safety = VARIANTS[variant]
    maya = practice["maya"]
    client = person(open_page, keyboard=keyboard, javascript=javascript)
    expected = []  # the notification kinds, phase by phase

    # A new visitor's intake.
    fill_in_the_intake(client, javascript=javascript, safety=safety)
    assert re.search(r"/intake/r/[\w-]{40,}/$", client.page.url)
    intake = Intake.objects.get()
    assert intake.answers["goals"] == GOALS
    # The client gets the link to their matches; on the safety path the practice is told to
    # call, without the answers.
    expected.append(
        {Kind.INTAKE_RESULTS}
        if safety == "not at all"
        else {Kind.INTAKE_RESULTS, Kind.INTAKE_SAFETY}
    )
    wait_for_emails(sum(map(len, expected)))

    # Ranked matches with their reasons; Maya fits best.
    cards = client.page.locator("main ol > li")
    assert cards.count() == 3
    assert "Maya Chen" in cards.first.locator("h2").inner_text()
    assert re.search(r"(Strong|Good|Possible) fit · \d+", cards.first.inner_text())
    # The rest of the fit waits behind "More about this fit".
    assert not cards.first.locator("text=How the score is made up").is_visible()
    assert cards.first.locator("h3:has-text('Why they may suit you') + ul li").count() >= 1
    client.activate('main ol > li:first-child a[href*="/book/"]')

    # Book the first open time; name and email come from the intake.
    assert client.page.input_value("#id_first_name") == "Ana"
    client.choose("format", "video")
    client.activate('main form button[type="submit"]')
    assert "Your request is in" in client.text("h1")
    consultation = Consultation.objects.get()
    assert (consultation.clinician, consultation.status) == (maya, Consultation.Status.REQUESTED)
    expected.append({Kind.CLIENT_REQUEST_RECEIVED, Kind.CLINICIAN_NEW_REQUEST})
    wait_for_emails(sum(map(len, expected)))

    # Maya logs in with the real form and confirms; she sees what the client told us.
    clinician = person(open_page, keyboard=keyboard, javascript=javascript)
    clinician.open("/consultations/portal/")
    assert "/login/" in clinician.page.url
    clinician.fill("#id_username", "maya.chen")
    clinician.fill("#id_password", PASSWORD)
    clinician.activate('main button[type="submit"]')
    request_card = clinician.page.locator(f"#request-{consultation.public_id}")
    assert "Ana" in request_card.inner_text()
    assert GOALS in request_card.inner_text()
    clinician.activate(f'#request-{consultation.public_id} form[action$="/confirm/"] button')
    assert "Confirmed." in clinician.text()
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CONFIRMED
    expected.append({Kind.CLIENT_CONFIRMED})
    confirmed = wait_for_emails(sum(map(len, expected)))[-1]
    assert "text/calendar" in [part.get_content_type() for part in confirmed.message().walk()]

    # The client opens the manage link from the confirmation and moves to another time.
    client.open(link_in(confirmed, "/consultations/manage/"))
    assert "Confirmed" in client.text()
    client.activate('main a[href$="/reschedule/"]')
    options = client.page.locator('button[name="start"]').evaluate_all(
        "buttons => buttons.map((b) => b.value)"
    )
    new_time = next(v for v in reversed(options) if v != consultation.starts_at.isoformat())
    client.activate(f'button[name="start"][value="{new_time}"]')
    assert "moved to the new time" in client.text()
    consultation.refresh_from_db()
    assert consultation.starts_at == dt.datetime.fromisoformat(new_time)
    assert consultation.sequence == 1
    expected.append({Kind.CLIENT_RESCHEDULED, Kind.CLINICIAN_RESCHEDULED})
    wait_for_emails(sum(map(len, expected)))
    # A link cut short by a mail program gets a friendly page (and a log line, checked below).
    client.open(link_in(confirmed, "/consultations/manage/")[:-12] + "/")
    assert client.page.locator("h1").inner_text()

    with time_machine.travel(consultation.starts_at - dt.timedelta(minutes=55), tick=True) as t:
        # The beat's sweep sends the 1-hour reminder (a 24-hour one would be too late now).
        sweep_notifications.delay()
        expected.append({reminder_kind(60)})
        wait_for_emails(sum(map(len, expected)))

        # The consultation happens; Maya marks it completed and the fit check goes out.
        t.move_to(consultation.ends_at + dt.timedelta(minutes=20))
        clinician.open("/consultations/portal/")
        clinician.activate('form[action$="/complete/"] button')
        assert "Marked as completed." in clinician.text()
        expected.append({Kind.FIT_CHECK})
        fit_email = wait_for_emails(sum(map(len, expected)))[-1]

        # Not a fit: low scores, then the next match, without Maya.
        client.open(link_in(fit_email, "/consultations/fit-check/"))
        for item in ("felt_heard", "agreed_goals", "approach_makes_sense", "wants_to_continue"):
            client.choose(item, "2")
        client.activate('main form button[type="submit"]')
        assert FitCheck.objects.get(consultation=consultation).not_a_fit
        client.activate('main a[href*="/intake/next/"]')
        assert "Your next matches" in client.text("h1")
        matches = client.text()
        assert "Maya Chen" not in matches
        assert "Omar Haddad" in matches and "Rosa Diaz" in matches

        # Nothing else is due: every message went exactly once.
        assert n.notifications_sweep(now=timezone.now()) == 0

    # The emails, in order, each exactly once, to the right people.
    outbox = list(mail.outbox)
    assert len(outbox) == sum(map(len, expected))
    kinds = [kind_of(message) for message in outbox]
    start = 0
    for phase in expected:
        assert set(kinds[start : start + len(phase)]) == phase, kinds
        start += len(phase)
    assert len({m.extra_headers["Message-ID"] for m in outbox}) == len(outbox)
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == len(outbox)
    assert not Notification.objects.filter(
        status__in=[Notification.Status.PENDING, Notification.Status.FAILED]
    ).exists()
    for message, kind in zip(outbox, kinds, strict=True):
        recipient = (
            django_settings.PRACTICE_INTAKE_EMAIL
            if kind == Kind.INTAKE_SAFETY
            else maya.email
            if kind.startswith("clinician_")
            else CLIENT_EMAIL
        )
        assert message.to == [recipient], kind

    # Privacy: nothing the client typed in any email, log record or line on stderr.
    for message in outbox:
        everything = "\n".join(email_texts(message))
        assert not [g for g in GIVEAWAYS if g in everything], message.subject
    lines = watch.lines()
    output = watch.stop()
    # The watch saw the site's own log lines: the broken link's 404, in the record and on stderr.
    assert "404 GET consultations:manage" in lines
    assert '"message": "404 GET consultations:manage"' in output
    assert not [g for g in GIVEAWAYS if any(g in line for line in lines)]
    assert not [g for g in GIVEAWAYS if g in output]


def test_it_shows_the_portal_and_manage_pages_without_accessibility_problems(
    site, practice, open_page
):
    maya = practice["maya"]
    now = timezone.now().replace(second=0, microsecond=0)
    request = ConsultationFactory(clinician=maya, starts_at=now + dt.timedelta(days=2))
    ConsultationFactory(
        clinician=maya,
        status=Consultation.Status.CONFIRMED,
        confirmed_at=now,
        starts_at=now + dt.timedelta(days=3),
    )
    intake, _token = make_intake()
    past = ConsultationFactory(
        clinician=maya,
        status=Consultation.Status.CONFIRMED,
        confirmed_at=now - dt.timedelta(days=2),
        starts_at=now - dt.timedelta(hours=2),
        client_reference=intake.pk,
        client_first_name="Bea",
    )
    clinician = Person(open_page())

    # The login form, with a mistake first so its error state is checked too.
    clinician.open("/consultations/portal/")
    clinician.fill("#id_username", "maya.chen")
    clinician.fill("#id_password", "not-the-password")
    clinician.activate('main button[type="submit"]')
    assert "/login/" in clinician.page.url
    clinician.fill("#id_password", PASSWORD)
    clinician.activate('main button[type="submit"]')

    # The list: a request, an upcoming and a past consultation waiting to be marked.
    assert clinician.page.locator(f"#request-{request.public_id}").count() == 1
    assert clinician.page.locator('form[action$="/complete/"]').count() == 1
    clinician.activate(f'#request-{request.public_id} a[href$="/decline/"]')
    clinician.activate('main a[href="/consultations/portal/"]')
    clinician.activate('main a[href$="/availability/"]')
    # A mistake on the hours page: its error state.
    clinician.fill("#id_hours-0-end", "06:00")
    clinician.activate('main form button[type="submit"]')
    assert "Please correct" in clinician.text()

    # The client's manage pages.
    client = Person(open_page())
    manage = f"/consultations/manage/{make_token(past, MANAGE)}/"
    upcoming = Consultation.objects.get(status=Consultation.Status.CONFIRMED, starts_at__gt=now)
    client.open(f"/consultations/manage/{make_token(upcoming, MANAGE)}/")
    client.activate('main a[href$="/reschedule/"]')
    client.activate('main a:text("Keep my current time")')
    client.activate('main a[href$="/cancel/"]')
    client.activate('main form button[type="submit"]')
    assert "is cancelled" in client.text()
    client.open(f"/consultations/fit-check/{make_token(past, FIT_CHECK)}/")
    # An unanswered fit check shows its error summary.
    client.activate('main form button[type="submit"]')
    assert client.page.locator("#error-summary").is_visible()
    client.open(manage)
    client.activate('main a[href$="/delete/"]')
    client.activate('main form button[type="submit"]')
    assert not Intake.objects.filter(pk=intake.pk).exists()
    # Links that no longer work get friendly pages.
    client.open(manage)
    client.open(f"/consultations/fit-check/{make_token(past, FIT_CHECK)}/")
    client.open("/intake/r/not-a-real-link-0123456789abcdefghijklmnopqrstuv/")
