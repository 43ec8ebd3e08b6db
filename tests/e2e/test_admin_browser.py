"""The staff admin in Chromium: axe finds no serious or critical violation on the pages staff use,
and a practice staff member created fresh can do the day's work."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinicians.services import clinician_roster_import
from consultations import notifications
from consultations.models import Notification
from matching.models import Intake
from matching.services import intake_submit
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory
from tests.matching.intake_steps import EXPECTED_ANSWERS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "staff-pass-123"
SERIOUS = ("serious", "critical")


def axe_serious(page) -> None:
    """axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in SERIOUS]
    details = [
        f"{v['id']} ({v['impact']}): {node['target']} {node['failureSummary']}"
        for v in violations
        for node in v["nodes"]
    ]
    assert not violations, f"{page.url}\n" + "\n".join(details)


@pytest.fixture
def staff(django_user_model):
    """A staff member created fresh in the "Practice staff" group, and nothing else."""
    user = django_user_model.objects.create_user(
        username="robin", password=PASSWORD, is_staff=True, first_name="Robin"
    )
    user.groups.add(Group.objects.get(name="Practice staff"))
    return user


@pytest.fixture
def admin_page(chromium, live_server, staff):
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(reverse("admin:login") + "?next=" + reverse("admin:index"))
    axe_serious(page)
    assert page.locator("h1").count() == 1
    page.fill("#id_username", staff.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**" + reverse("admin:index"))
    yield page
    context.close()


@pytest.fixture
def practice(staff):
    maya = ClinicianFactory(
        first_name="Maya",
        last_name="Chen",
        licensed_in=["NY"],
        hours=[(0, "09:00", "12:00")],
        offices=["Downtown"],
    )
    ConsultationFactory(clinician=maya, starts_at=timezone.now() + dt.timedelta(days=3))
    flagged, _raw = intake_submit(
        answers={**EXPECTED_ANSWERS, "safety": "several days"},
        now=timezone.now() - dt.timedelta(days=1),
    )
    return {"maya": maya, "flagged": flagged}


def test_axe_finds_nothing_serious_on_the_pages_staff_use(admin_page, practice):
    page = admin_page
    maya = practice["maya"]
    consultation = maya.consultations.get()
    pages = [
        reverse("admin:index"),
        reverse("admin:clinicians_clinician_changelist"),
        reverse("admin:clinicians_clinician_change", args=[maya.pk]),
        reverse("admin:clinicians_clinician_add"),
        reverse("admin:clinicians_clinician_import"),
        reverse("admin:clinicians_concern_changelist"),
        reverse("admin:consultations_consultation_changelist"),
        reverse("admin:consultations_consultation_change", args=[consultation.pk]),
        reverse("admin:consultations_notification_changelist"),
        reverse("admin:matching_samedaycall_changelist"),
        reverse("admin:matching_samedaycall_change", args=[practice["flagged"].pk]),
        reverse("pipeline_dashboard"),
        # A page this staff member may not open: the permission page.
        reverse("admin:matching_intake_change", args=[practice["flagged"].pk]),
    ]
    for url in pages:
        page.goto(url)
        assert page.locator("h1").count() >= 1, url
        axe_serious(page)


def test_a_new_staff_member_does_the_days_work_in_the_browser(admin_page, practice, tmp_path):
    page = admin_page
    flagged = practice["flagged"]

    # The same-day email's link opens the queue entry; they mark the person reached.
    notifications.notifications_sweep(now=timezone.now())
    (email,) = [m for m in mail.outbox if m.subject == "An intake needs a same-day call"]
    link = next(word for word in email.body.split() if "/samedaycall/" in word)
    # The link names the site's public address; the browser opens the same path here.
    page.goto(urlsplit(link).path)
    page.get_by_text(EXPECTED_ANSWERS["first_name"]).first.wait_for()
    page.get_by_label("reached", exact=True).check()
    page.get_by_label("Note").fill("Spoke at 11; safe, booking Thursday.")
    page.click("input[name=_save]")
    page.wait_for_url("**/samedaycall/")
    flagged.refresh_from_db()
    assert flagged.follow_up == Intake.FollowUp.CALLED
    assert flagged.follow_up_changed_by.username == "robin"

    # A roster with a preview, then confirmed.
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,first_name,last_name,languages\nomar@example.org,Omar,Haddad,English\n"
    )
    page.goto(reverse("admin:clinicians_clinician_changelist"))
    page.get_by_role("link", name="Import a roster").click()
    page.set_input_files("input[type=file]", str(roster))
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_text("1 to create, 0 to change, 0 left as they are").wait_for()
    axe_serious(page)
    page.get_by_role("button", name="Import this roster").click()
    page.get_by_text("Roster imported: 1 created").wait_for()
    assert practice["maya"].__class__.objects.filter(email="omar@example.org").exists()

    # A failed email, found from the dashboard.
    Notification.objects.create(
        consultation=practice["maya"].consultations.get(),
        kind="client_request_received",
        due_at=timezone.now(),
        status=Notification.Status.FAILED,
        last_error="550 5.1.1 mailbox unavailable",
    )
    page.goto(reverse("pipeline_dashboard"))
    page.get_by_role("link", name="1 email failed to go out").click()
    page.get_by_text("550 5.1.1 mailbox unavailable").first.wait_for()


def test_the_roster_import_shows_errors_without_importing(admin_page, practice, tmp_path):
    page = admin_page
    clinician_roster_import(rows=[])
    roster = tmp_path / "roster.json"
    roster.write_text(
        '[{"email": "x@example.org", "first_name": "X", "last_name": "Y", '
        '"languages": ["Klingon"]}]'
    )
    page.goto(reverse("admin:clinicians_clinician_import"))
    page.set_input_files("input[type=file]", str(roster))
    page.get_by_role("button", name="Preview the import").click()
    page.locator("#roster-errors").wait_for()

    assert 'row 1, languages: "Klingon" is not a language of this practice' in page.inner_text(
        "#roster-errors"
    )
    assert page.get_by_role("button", name="Import this roster").count() == 0
    axe_serious(page)
