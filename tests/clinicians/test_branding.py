"""The practice's brand: the contrast its accent is checked with, the admin's singleton form,
the cached read, and where pages and emails show it."""

import io
from dataclasses import asdict

import pytest
from django.core import mail  # noqa: F401
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from clinicians import branding
from clinicians.models import PracticeBrand
from tests.conftest import grant

ADD = reverse("admin:clinicians_practicebrand_add")


def logo_upload(width=300, height=90, fmt="PNG"):
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (40, 90, 70, 255)).save(out, fmt)
    return SimpleUploadedFile(f"logo.{fmt.lower()}", out.getvalue())


@pytest.fixture
def designer(staff_user, client):
    grant(
        staff_user,
        "clinicians.add_practicebrand",
        "clinicians.change_practicebrand",
        "clinicians.view_practicebrand",
    )
    client.force_login(staff_user)
    return client


def test_it_measures_contrast_as_wcag_does():
    assert branding.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert branding.contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert branding.contrast(branding.DEFAULT_ACCENT, "#ffffff") == pytest.approx(6.78, abs=0.01)
    assert branding.mix("#2f6550", "#ffffff", 0.09) == "#ecf1ef"


def test_the_default_accent_passes_and_a_pale_one_fails_with_its_ratio():
    assert branding.accent_problems(branding.DEFAULT_ACCENT) == []

    problems = branding.accent_problems("#7fb39a")

    assert problems[0].startswith("#7fb39a has a contrast of 2.38:1")
    assert "against white" in problems[0] and "it needs at least 4.5:1" in problems[0]
    assert any("against the page's background" in p for p in problems)


@pytest.mark.django_db
def test_staff_change_the_name_and_accent(designer):
    response = designer.post(ADD, {"name": "Riverside Therapy", "accent": "#8A3B2E"})

    assert response.status_code == 302
    brand = PracticeBrand.objects.get()
    assert (brand.name, brand.accent) == ("Riverside Therapy", "#8a3b2e")
    home = designer.get("/").content.decode()
    assert "Riverside Therapy" in home
    version = branding.practice_brand().version
    assert f'href="/brand.css?v={version}"' in home
    css = designer.get(f"/brand.css?v={version}")
    assert css["Content-Type"].startswith("text/css")
    assert css.content.decode() == ":root { --al-accent: #8a3b2e; }\n"
    assert "immutable" in css["Cache-Control"]
    # The list goes straight to the one row, and there is no second one to add.
    changelist = designer.get(reverse("admin:clinicians_practicebrand_changelist"))
    assert changelist.url == reverse("admin:clinicians_practicebrand_change", args=[brand.pk])
    assert designer.get(ADD).status_code == 403


@pytest.mark.django_db
def test_an_accent_without_enough_contrast_is_refused_with_its_ratio(designer):
    response = designer.post(ADD, {"name": "", "accent": "#f2a65a"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "#f2a65a has a contrast of 2.0" in html
    assert "it needs at least 4.5:1 (WCAG AA)" in html
    assert not PracticeBrand.objects.exists()


@pytest.mark.django_db
def test_a_colour_must_be_written_as_hex(designer):
    response = designer.post(ADD, {"name": "", "accent": "green"})

    assert "green is not a colour; write it as # and six hex digits" in response.content.decode()


@pytest.mark.django_db
def test_the_default_accent_needs_no_stylesheet_of_its_own(client):
    html = client.get("/").content.decode()

    assert "/brand.css" not in html
    assert "Alliance Counseling Group" in html


@pytest.mark.django_db
def test_staff_upload_a_logo_shown_in_the_header_and_emails(
    designer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = designer.post(
            ADD, {"name": "Riverside", "accent": "#2f6550", "logo": logo_upload()}
        )

    assert response.status_code == 302
    brand = PracticeBrand.objects.get()
    assert brand.logo.name.startswith("brand/") and brand.logo.name.endswith("-80.png")
    assert (brand.logo_width, brand.logo_height) == (267, 80)
    stored = Image.open(default_storage.open(brand.logo.name))
    assert (stored.format, stored.size) == ("PNG", (267, 80))
    html = designer.get("/").content.decode()
    assert (
        f'<img class="site-logo" src="/media/{brand.logo.name}" alt="" width="267" height="80">'
        in html
    )
    assert designer.get(f"/media/{brand.logo.name}").status_code == 200

    from consultations.messages import build_message
    from consultations.models import Notification

    row = Notification(
        intake_reference="00000000-0000-0000-0000-000000000001",
        kind="intake_safety",
        due_at="2026-01-01T00:00:00Z",
    )
    email_html = build_message(row).alternatives[0][0]
    assert f'src="http://127.0.0.1:8000/media/{brand.logo.name}" alt="Riverside"' in email_html

    old = brand.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        designer.post(
            reverse("admin:clinicians_practicebrand_change", args=[brand.pk]),
            {"name": "Riverside", "accent": "#2f6550", "logo-clear": "on"},
        )
    brand.refresh_from_db()
    assert brand.logo.name == ""
    assert "site-logo" not in designer.get("/").content.decode()
    assert default_storage.exists(old)  # kept: a sent email may still show it


@pytest.mark.django_db
def test_a_logo_that_is_too_small_is_refused(designer):
    response = designer.post(ADD, {"name": "", "accent": "#2f6550", "logo": logo_upload(200, 20)})

    assert "This logo is 20 pixels tall; it needs at least 40" in response.content.decode()
    assert not PracticeBrand.objects.exists()


@pytest.mark.django_db
def test_the_brand_costs_one_cached_read_and_is_read_afresh_after_a_save():
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        assert branding.practice_brand().name == "Alliance Counseling Group"
    with CaptureQueriesContext(connection) as second:
        branding.practice_brand()
    assert (len(first), len(second)) == (1, 0)

    PracticeBrand.objects.create(name="Harbor Counseling", accent="#7a3e2b")

    brand = branding.practice_brand()
    assert (brand.name, brand.accent, brand.accent_is_default) == (
        "Harbor Counseling",
        "#7a3e2b",
        False,
    )


@pytest.mark.django_db
def test_the_brand_is_read_afresh_after_a_change_and_a_delete_and_again_once_they_commit(
    django_capture_on_commit_callbacks,
):
    cache.clear()
    row = PracticeBrand.objects.create(name="Harbor Counseling", accent="#7a3e2b")
    old = branding.practice_brand()
    assert old.name == "Harbor Counseling"

    with django_capture_on_commit_callbacks(execute=True):
        row.name = "Harbor Therapy"
        row.save()
        assert branding.practice_brand().name == "Harbor Therapy"
        # Another process reads the brand before the change commits and keeps the old one.
        cache.set(branding.CACHE_KEY, asdict(old), branding.CACHE_SECONDS)
    assert branding.practice_brand().name == "Harbor Therapy"

    with django_capture_on_commit_callbacks(execute=True):
        row.delete()
        assert branding.practice_brand() == branding.default_brand()
        cache.set(branding.CACHE_KEY, asdict(old), branding.CACHE_SECONDS)
    assert branding.practice_brand() == branding.default_brand()


@pytest.mark.django_db
def test_emails_wear_the_accent_and_name(settings):
    PracticeBrand.objects.create(name="Harbor Counseling", accent="#7a3e2b")
    from consultations.messages import build_message
    from consultations.models import Notification

    row = Notification(
        intake_reference="00000000-0000-0000-0000-000000000002",
        kind="intake_safety",
        due_at="2026-01-01T00:00:00Z",
    )
    message = build_message(row)

    html = message.alternatives[0][0]
    assert "background:#7a3e2b" in html and "#115e59" not in html
    assert "Harbor Counseling" in html and "Harbor Counseling" in message.body


@pytest.mark.django_db
def test_the_default_brand_stands_in_while_the_database_is_down(monkeypatch):
    from django.db import DatabaseError

    def down(*args, **kwargs):
        raise DatabaseError("connection refused")

    cache.clear()
    monkeypatch.setattr(PracticeBrand.objects, "order_by", down)

    assert branding.practice_brand() == branding.default_brand()
    assert cache.get(branding.CACHE_KEY) is None
