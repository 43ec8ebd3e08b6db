"""Screenshots of what clients see, at 1280 and 375 px wide, into one folder:

    .venv/bin/python -m tests.e2e.screenshots OUTDIR [--only NAME,NAME…]

home, each intake step, the results, booking and its confirmation, the manage page, the
directory, a profile, a 404 page, and every email kind in `consultations.messages.MESSAGES`
rendered as the HTML its recipient gets (kinds added later are included on their own).

It runs as a pytest session of its own (the test database, a live server, Chromium, the demo
practice loaded with `seed_demo`), so it takes the same DATABASE_URL and REDIS_URL as the tests
(see README, Tests). `--only` keeps the screenshots whose names start with one of the names
given (`home`, `intake`, `results`, `book`, `manage`, `directory`, `profile`, `not-found`,
`email`, `email-client_confirmed`…); `tests/e2e/test_screenshots.py` runs a few that way so the
script keeps working. Files are named `NN-what-WIDTH.png`, in the order a person meets them."""

import datetime as dt
import os
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

OUT_ENV = "ALLIANCE_SCREENSHOTS_DIR"
ONLY_ENV = "ALLIANCE_SCREENSHOTS_ONLY"
WIDTHS = (1280, 375)
HEIGHTS = {1280: 900, 375: 740}


class Camera:
    """Writes full-page screenshots of a page at every width, numbered in order."""

    def __init__(self, outdir: Path, only: tuple[str, ...] = ()):
        self.outdir = Path(outdir)
        self.outdir.mkdir(parents=True, exist_ok=True)
        self.only = only
        self.count = 0
        self.taken: list[Path] = []
        self.seen: set[str] = set()

    def wants(self, name: str) -> bool:
        return not self.only or any(name.startswith(prefix) for prefix in self.only)

    def wants_some(self, *groups: str) -> bool:
        """Whether any screenshot of these groups ("email" for every email) is wanted."""
        return not self.only or any(
            name.startswith(group) or group.startswith(name)
            for name in self.only
            for group in groups
        )

    def shoot(self, page, name: str) -> None:
        if not self.wants(name) or name in self.seen:
            return
        self.seen.add(name)
        self.count += 1
        before = page.viewport_size
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHTS[width]})
            # Lazy images below the fold load only when scrolled to: a full-page picture
            # should show them as a person scrolling would see them.
            page.evaluate(
                """async () => {
                    for (const img of document.querySelectorAll('img[loading="lazy"]')) {
                        img.loading = "eager";
                    }
                    await Promise.all([...document.images].map((img) => img.complete
                        ? null : new Promise((done) => { img.onload = img.onerror = done; })));
                }"""
            )
            path = self.outdir / f"{self.count:02d}-{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            self.taken.append(path)
        page.set_viewport_size(before)


def page_name(url: str) -> str:
    """A readable name for a page from its address, without its secrets."""
    path = urlsplit(url).path
    path = re.sub(r"/[^/]{30,}/", "/", path)  # tokens
    path = re.sub(r"[0-9a-f-]{36}", "", path)
    words = [part for part in path.split("/") if part]
    name = "-".join(words) or "home"
    # The results and booking pages by what they are, not by their address.
    name = re.sub(r"^intake-r-book-.*", "book", name)
    return {"intake-r": "results", "intake": "intake-start"}.get(name, name)


def _person_with_camera(page, camera: Camera):
    from .journey import Person

    class Photographed(Person):
        """A person whose every page is photographed instead of checked (the journeys and
        axe checks live in the tests)."""

        def check(self) -> None:
            self.visited.append(self.page.url)
            assert self.server_errors == [], f"server errors: {self.server_errors}"
            camera.shoot(self.page, page_name(self.page.url))

    return Photographed(page)


def _client_pages(open_page, camera: Camera) -> None:
    """Home, the intake step by step, results, booking and its confirmation, manage."""
    from consultations.models import Consultation
    from consultations.tokens import manage_url

    from .test_journey import fill_in_the_intake

    client = _person_with_camera(open_page(), camera)
    fill_in_the_intake(client, javascript=True, safety="not at all")
    camera.shoot(client.page, "results")
    if not camera.wants_some("book", "manage"):
        return
    client.activate('main a[href*="/book/"]')
    camera.shoot(client.page, "book")
    client.choose("format", "video")
    client.activate('main form button[type="submit"]')
    camera.shoot(client.page, "book-done")
    consultation = Consultation.objects.order_by("-pk").first()
    client.page.goto(manage_url(consultation))
    camera.shoot(client.page, "manage")


def _public_pages(open_page, camera: Camera) -> None:
    from clinicians.models import Clinician

    page = open_page()
    if camera.wants("home"):
        page.goto("/")
        camera.shoot(page, "home")
    if camera.wants("directory"):
        page.goto("/clinicians/")
        camera.shoot(page, "directory")
    if camera.wants("profile"):
        # A clinician with a photo, if the practice has one.
        clinician = (
            Clinician.objects.filter(is_active=True).exclude(photo="").first()
            or Clinician.objects.filter(is_active=True).first()
        )
        page.goto(f"/clinicians/{clinician.slug}/")
        camera.shoot(page, "profile")
    if camera.wants("not-found"):
        page.goto("/no-such-page/")
        camera.shoot(page, "not-found")


def email_notifications() -> list:
    """One unsaved notification of every kind in the messages table, about a confirmed
    consultation with a demo clinician (or an intake, for messages about one)."""
    from django.utils import timezone

    from clinicians.models import Clinician
    from clinicians.zones import zone_or_practice
    from consultations.messages import (
        MESSAGES,
        Kind,
        Recipient,
        alliance_low_kind,
        checkin_kind,
        reminder_kind,
    )
    from consultations.models import Consultation, Notification

    now = timezone.now()
    clinician = Clinician.objects.filter(is_active=True).order_by("pk").first()
    starts_at = (now + dt.timedelta(days=3)).replace(hour=15, minute=0, second=0, microsecond=0)
    rows = []
    waiting = None  # one place on the waiting list, for both of its emails
    for kind, message in MESSAGES.items():
        # Kinds stored with a number: a sample of each.
        stored = {
            Kind.REMINDER: reminder_kind(1440),
            Kind.CHECKIN: checkin_kind(2),
            Kind.CLINICIAN_CHECKIN_LOW: alliance_low_kind(2),
        }.get(kind, kind.value)
        if message.recipient in (Recipient.PRACTICE, Recipient.INTAKE_CLIENT):
            payload = {
                "to": "ana.client@example.org",
                "first_name": "Ana",
                "path": "/intake/r/" + "x" * 43 + "/",
                "expires_at": (now + dt.timedelta(days=30)).isoformat(),
                "timezone": "America/New_York",
            }
            if kind in (Kind.WAITLIST_JOINED, Kind.WAITLIST_OFFER):
                waiting = waiting or _waiting_place(clinician, starts_at, now)
                payload |= waiting
            rows.append(
                Notification(
                    intake_reference=uuid.uuid4(), kind=stored, due_at=now, payload=payload
                )
            )
            continue
        if message.recipient is Recipient.CLINICIAN_ACCOUNT:
            # About the clinician (the daily summary: the day of the consultations below).
            local = starts_at.astimezone(zone_or_practice(clinician.timezone))
            rows.append(
                Notification(
                    clinician=clinician,
                    kind=stored,
                    due_at=now,
                    payload={"date": str(local.date())},
                )
            )
            continue
        status = message.needs[0] if message.needs else Consultation.Status.CONFIRMED
        consultation = Consultation.objects.create(
            clinician=clinician,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=15),
            status=status,
            confirmed_at=now,
            format=Consultation.Format.VIDEO,
            client_first_name="Ana",
            client_email="ana.client@example.org",
            client_timezone="America/New_York",
            decline_message="I'm away that week, sorry; I hope one of my colleagues suits you.",
        )
        starts_at += dt.timedelta(hours=1)
        rows.append(Notification(consultation=consultation, kind=stored, due_at=now))
    return rows


def _waiting_place(clinician, starts_at: dt.datetime, now: dt.datetime) -> dict:
    """A place on the waiting list with one time held for it, as the waiting-list emails read
    them: their payload names the place and the offer."""
    from consultations.models import WaitlistChoice, WaitlistEntry, WaitlistOffer

    entry = WaitlistEntry.objects.create(
        client_reference=uuid.uuid4(),
        first_name="Ana",
        email="ana.client@example.org",
        timezone="America/New_York",
        format="video",
        times=["weekday evenings"],
        created_at=now,
        ends_at=now + dt.timedelta(weeks=2),
    )
    WaitlistChoice.objects.create(entry=entry, clinician=clinician, fit=82)
    held = starts_at + dt.timedelta(days=1)
    offer = WaitlistOffer.objects.create(
        entry=entry,
        clinician=clinician,
        starts_at=held,
        ends_at=held + dt.timedelta(minutes=15),
        expires_at=now + dt.timedelta(minutes=30),
        created_at=now,
    )
    return {"entry": str(entry.public_id), "offer": str(offer.public_id)}


def _emails(open_page, camera: Camera) -> None:
    from consultations.messages import build_message

    page = open_page()
    for notification in email_notifications():
        name = f"email-{notification.kind}"
        if not camera.wants(name):
            continue
        try:
            message = build_message(notification)
        except Exception as exc:  # a kind that needs data of its own this script doesn't make
            print(f"\nNot photographed: {name} ({type(exc).__name__}: {exc})")
            continue
        (html, _mimetype) = message.alternatives[0]
        page.set_content(html)
        camera.shoot(page, name)


def take_screenshots(*, open_page, camera: Camera) -> None:
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    _public_pages(open_page, camera)
    if camera.wants_some("intake", "results", "book", "manage"):
        _client_pages(open_page, camera)
    if camera.wants_some("email"):
        _emails(open_page, camera)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_screenshots(open_page, live_server, settings):
    """What `python -m tests.e2e.screenshots` runs (not collected with the tests)."""
    settings.SITE_URL = live_server.url
    only = tuple(filter(None, os.environ.get(ONLY_ENV, "").split(",")))
    camera = Camera(Path(os.environ[OUT_ENV]), only)
    take_screenshots(open_page=open_page, camera=camera)
    print(f"\n{len(camera.taken)} screenshots in {camera.outdir}")
    assert camera.taken


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m tests.e2e.screenshots",
        description="Screenshots of every client page and email at 1280 and 375 px.",
    )
    parser.add_argument("outdir", type=Path, help="the folder to write PNG files into")
    parser.add_argument(
        "--only", default="", help="comma-separated name prefixes (home, intake, email…)"
    )
    args = parser.parse_args(argv)
    os.environ[OUT_ENV] = str(args.outdir.resolve())
    os.environ[ONLY_ENV] = args.only
    return pytest.main([f"{__file__}::test_screenshots", "-q", "-s", "-p", "no:cacheprovider"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
