"""In Chromium: a clinician edits their bio and photo in the portal, staff approve the changes in
the admin, and clients see the new text on the results page and the profile.

Set SCREENSHOT_DIR to keep screenshots of the new pages at 1280 and 375 px."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from clinicians.models import ProfileProposal
from tests.clinicians.factories import ClinicianFactory
from tests.clinicians.photos import image_upload
from tests.consultations.factories import make_intake

from .conftest import PHONE, assert_fits_width, axe_check
from .test_admin_browser import DESKTOP, axe_serious

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-portal-passphrase-42"
STAFF_PASSWORD = "staff-pass-123"
NEW_INTRO = "I help people who feel stuck find a way forward."
NEW_BIO = "Fifteen years beside adults rebuilding after a hard loss."


def shoot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if not folder:
        return
    for label, viewport in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)


def check_both_widths(page) -> None:
    """axe clean and no sideways scrolling on a phone and on a desktop."""
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        assert_fits_width(page)
        axe_check(page)
    page.set_viewport_size(PHONE)


@pytest.fixture
def maya(django_user_model):
    user = django_user_model.objects.create_user(username="maya.chen", password=PASSWORD)
    return ClinicianFactory(
        user=user,
        first_name="Maya",
        last_name="Chen",
        bio="The approved bio.",
        concerns=["anxiety", "sleep"],
        focus_concerns=["anxiety"],
        approaches=["CBT"],
        languages=["English", "Spanish"],
        insurance=["Aetna"],
        licensed_in=["NY"],
        hours=[(day, "07:00", "21:00") for day in range(7)],
    )


@pytest.fixture
def staff(django_user_model):
    user = django_user_model.objects.create_user(
        username="robin", password=STAFF_PASSWORD, is_staff=True, first_name="Robin"
    )
    user.groups.add(Group.objects.get(name="Practice staff"))
    return user


@pytest.fixture
def photo_file(tmp_path) -> str:
    path = tmp_path / "portrait.jpg"
    path.write_bytes(image_upload(name="portrait.jpg", size=(600, 800), fmt="JPEG").read())
    return str(path)


def test_a_clinicians_edit_reaches_clients_only_after_staff_approve(
    chromium, live_server, maya, staff, photo_file, open_page
):
    _intake, results_token = make_intake()
    results = reverse("matching:results", args=[results_token])

    # Maya logs in and opens her profile from the portal.
    clinician = open_page()
    clinician.goto("/consultations/portal/")
    clinician.fill("#id_username", "maya.chen")
    clinician.fill("#id_password", PASSWORD)
    clinician.click('main button[type="submit"]')
    clinician.click('main a[href="/consultations/portal/profile/"]')
    assert clinician.locator("h1").inner_text() == "Your profile"
    check_both_widths(clinician)
    shoot(clinician, "portal-profile")

    # A mistake first: nothing is sent, and the summary says what to fix.
    clinician.fill("#id_video_url", "http://video.example.org/maya")
    clinician.click('#profile-form button[type="submit"]')
    assert "starting with https://" in clinician.locator("#error-summary").inner_text()
    assert not ProfileProposal.objects.exists()
    check_both_widths(clinician)
    shoot(clinician, "portal-profile-error")

    # Her new introduction, bio and photo go for review.
    clinician.fill("#id_video_url", "")
    clinician.fill("#id_intro", NEW_INTRO)
    clinician.fill("#id_bio", NEW_BIO)
    clinician.set_input_files("#id_photo", photo_file)
    clinician.click('#profile-form button[type="submit"]')
    assert "Sent for review" in clinician.locator(".messages").inner_text()
    waiting = clinician.locator("#pending-heading").locator("..")
    assert NEW_BIO in waiting.inner_text()
    assert waiting.locator("img[alt='The proposed photo']").evaluate("img => img.naturalWidth") > 0
    check_both_widths(clinician)
    shoot(clinician, "portal-profile-waiting")

    # Clients still see the approved profile.
    client = open_page()
    client.goto(reverse("clinicians:profile", args=[maya.slug]))
    assert "The approved bio." in client.locator("main").inner_text()
    assert NEW_BIO not in client.locator("main").inner_text()

    # Staff see the count on the dashboard, review side by side and approve.
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(10_000)
    admin = context.new_page()
    admin.goto(reverse("admin:login") + "?next=" + reverse("pipeline_dashboard"))
    admin.fill("#id_username", staff.username)
    admin.fill("#id_password", STAFF_PASSWORD)
    admin.click("input[type=submit]")
    admin.click("text=1 clinician's changes to review")
    admin.click("text=Maya Chen")
    diff = admin.locator("table.proposal-diff")
    assert "The approved bio." in diff.inner_text() and NEW_BIO in diff.inner_text()
    assert diff.locator("img[alt='The proposed photo']").evaluate("img => img.naturalWidth") > 0
    axe_serious(admin)
    shoot(admin, "admin-profile-review")
    admin.set_viewport_size(DESKTOP)
    admin.click("button:text('Approve and publish')")
    assert "Approved" in admin.locator(".messagelist").inner_text()
    context.close()

    # Clients now see the new words and photo: the intro on the results page, the bio on the
    # profile.
    client.goto(results)
    card = client.locator("main ol > li", has_text="Maya Chen")
    assert NEW_INTRO in card.inner_text()
    assert card.locator("img").first.evaluate("img => img.naturalWidth") > 0
    client.goto(reverse("clinicians:profile", args=[maya.slug]))
    assert NEW_BIO in client.locator("main").inner_text()
    assert client.locator("main img").first.evaluate("img => img.naturalWidth") > 0

    # Maya sees the decision in her history.
    clinician.reload()
    assert "approved" in clinician.locator("#history-heading").locator("..").inner_text()
    check_both_widths(clinician)
