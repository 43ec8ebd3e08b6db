"""Roster import (with a preview) and export in the admin, for a practice staff member."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from clinicians.interchange import to_csv
from clinicians.models import Clinician
from clinicians.services import clinician_roster_import

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:clinicians_clinician_import")


@pytest.fixture
def practice_staff(client, staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(staff_user)
    return staff_user


def upload(client, name: str, content: str):
    return client.post(IMPORT, {"roster": SimpleUploadedFile(name, content.encode())})


def test_it_previews_what_would_be_created_changed_and_left_alone(client, practice_staff, maya_row):
    other = dict(maya_row, email="omar@example.org", first_name="Omar", last_name="Haddad")
    same = dict(maya_row, email="lee@example.org", first_name="Lee", last_name="Park")
    clinician_roster_import(rows=[other, same])
    rows = [maya_row, dict(other, bio="A new bio."), same]

    response = upload(client, "roster.json", json.dumps(rows))

    assert response.status_code == 200
    outcomes = [(row.email, row.outcome, row.changed) for row in response.context["result"].rows]
    assert outcomes == [
        ("maya.chen@example.org", "created", []),
        ("omar@example.org", "updated", ["bio"]),
        ("lee@example.org", "unchanged", []),
    ]
    body = response.content.decode()
    assert "1 to create, 1 to change, 1 left as they are" in body
    assert not Clinician.objects.filter(email="maya.chen@example.org").exists()
    assert Clinician.objects.get(email="omar@example.org").bio != "A new bio."

    confirmed = client.post(IMPORT, {"payload": response.context["payload"], "confirm": "1"})

    assert confirmed.status_code == 302
    assert Clinician.objects.filter(email="maya.chen@example.org").exists()
    assert Clinician.objects.get(email="omar@example.org").bio == "A new bio."


def test_it_reads_csv_the_same_way(client, practice_staff, maya_row):
    response = upload(client, "Roster.CSV", to_csv([maya_row]))

    assert [row.outcome for row in response.context["result"].rows] == ["created"]
    client.post(IMPORT, {"payload": response.context["payload"], "confirm": "1"})
    assert Clinician.objects.get().offices.get().name == "Downtown"


def test_it_shows_every_row_and_field_error_and_offers_no_import(client, practice_staff, maya_row):
    rows = [maya_row, dict(maya_row, email="x@example.org", languages=["Klingon"], bio="a\x00b")]

    response = upload(client, "roster.json", json.dumps(rows))

    body = response.content.decode()
    assert "row 2, bio: contains a NUL character" in body
    assert "row 2, languages: &quot;Klingon&quot; is not a language of this practice" in body
    assert 'name="confirm"' not in body
    assert not Clinician.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.txt", "[]", "ends in .json or .csv"),
        ("roster.json", "{not json", "not valid JSON"),
        ("roster.csv", "", "empty"),
        ("roster.csv", "\n\n", "no header row"),
    ],
)
def test_it_explains_a_file_it_cannot_read(client, practice_staff, name, content, message):
    response = upload(client, name, content)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Clinician.objects.exists()


def test_it_refuses_a_payload_altered_after_the_preview(client, practice_staff, maya_row):
    response = upload(client, "roster.json", json.dumps([maya_row]))
    payload = response.context["payload"]
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")

    refused = client.post(IMPORT, {"payload": forged, "confirm": "1"}, follow=True)

    assert "upload the file again" in refused.content.decode()
    assert not Clinician.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_it_exports_what_the_command_exports(client, practice_staff, maya_row, fmt):
    clinician_roster_import(rows=[maya_row])
    out = StringIO()
    call_command("export_clinicians", "--format", fmt, stdout=out)

    response = client.get(reverse("admin:clinicians_clinician_export", args=[fmt]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.decode() == out.getvalue()


def test_the_changelist_offers_import_and_export(client, practice_staff):
    body = client.get(reverse("admin:clinicians_clinician_changelist")).content.decode()

    assert IMPORT in body
    assert reverse("admin:clinicians_clinician_export", args=["csv"]) in body


def test_an_unknown_export_format_is_404(client, practice_staff):
    response = client.get(reverse("admin:clinicians_clinician_export", args=["xlsx"]))
    assert response.status_code == 404


def test_the_import_page_names_itself_once(client, practice_staff):
    body = client.get(IMPORT).content.decode()

    assert body.count("<h1") == 1
    assert body.count("Import a roster</h1>") == 1
