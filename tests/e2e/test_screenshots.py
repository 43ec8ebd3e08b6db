"""The screenshots script (`python -m tests.e2e.screenshots OUTDIR`) keeps working: a few of
its pages and emails, photographed at both widths, and every email kind it would render."""

import pytest
from PIL import Image

from consultations.messages import MESSAGES, Kind, build_message

from .screenshots import WIDTHS, Camera, email_notifications, page_name, take_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_photographs_pages_and_emails_at_both_widths(open_page, live_server, settings, tmp_path):
    settings.SITE_URL = live_server.url
    camera = Camera(tmp_path, only=("home", "profile", "email-client_confirmed"))

    take_screenshots(open_page=open_page, camera=camera)

    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == [
        "01-home-1280.png",
        "01-home-375.png",
        "02-profile-1280.png",
        "02-profile-375.png",
        "03-email-client_confirmed-1280.png",
        "03-email-client_confirmed-375.png",
    ]
    for path in tmp_path.iterdir():
        width, height = Image.open(path).size
        assert width == int(path.stem.rsplit("-", 1)[1]) and height > 300


def test_it_renders_every_email_kind(live_server, settings):
    settings.SITE_URL = live_server.url
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)

    rows = email_notifications()

    assert {Kind.of(row.kind) for row in rows} == set(MESSAGES)
    for row in rows:
        html = build_message(row).alternatives[0][0]
        assert "<html" in html and "</html>" in html


def test_it_names_pages_without_their_secrets():
    token = "k" * 43
    assert page_name("http://x/") == "home"
    assert page_name(f"http://x/intake/r/{token}/") == "results"
    assert page_name(f"http://x/intake/r/{token}/book/maya-chen/?start=1") == "book"
    assert page_name("http://x/intake/step/safety/") == "intake-step-safety"
    assert page_name(f"http://x/consultations/manage/{token}/") == "consultations-manage"
    assert WIDTHS == (1280, 375)
