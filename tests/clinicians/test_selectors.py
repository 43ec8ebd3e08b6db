import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinicians.models import Concern, Language
from clinicians.selectors import (
    clinician_directory_list,
    clinician_profile_get,
    clinician_roster_export,
    licence_status,
)
from tests.clinicians.factories import ClinicianFactory, vocab

pytestmark = pytest.mark.django_db


def _export_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        clinician_roster_export()
    return len(queries)


def test_it_exports_in_a_constant_number_of_queries():
    ClinicianFactory.create_batch(2, licensed_in=["NY", "NJ"], insurance=["Aetna"])
    few = _export_queries()
    ClinicianFactory.create_batch(8, licensed_in=["NY", "NJ"], insurance=["Aetna"])

    assert _export_queries() == few


def test_it_exports_the_interchange_shape():
    ClinicianFactory(
        email="a@example.org",
        first_name="Ann",
        last_name="Lee",
        languages=["English", "Korean"],
        concerns=["anxiety", "sleep"],
        focus_concerns=["sleep"],
        licensed_in=["CT"],
        hours=[(2, "17:00", "19:30")],
        offers_phone=True,
        serves_teens=True,
    )

    [row] = clinician_roster_export()

    assert row["email"] == "a@example.org"
    assert row["languages"] == ["English", "Korean"]
    assert row["focus_concerns"] == ["sleep"]
    assert row["licenses"][0]["state"] == "CT"
    assert row["consultation_hours"] == [{"weekday": "wed", "start": "17:00", "end": "19:30"}]
    assert row["formats"] == ["video", "phone"]
    assert row["ages"] == ["teens", "adults"]
    assert row["style"] == {"lead": 3, "focus": 3, "time": 3, "challenge": 3}
    assert row["active"] is True


def test_it_lists_only_active_clinicians_in_the_directory():
    shown = ClinicianFactory(concerns=["grief and loss"], languages=["Spanish"])
    ClinicianFactory(is_active=False, concerns=["grief and loss"], languages=["Spanish"])
    ClinicianFactory(concerns=["anxiety"], offers_video=False, offers_phone=True)
    [grief] = vocab(Concern, "grief and loss")
    [spanish] = vocab(Language, "Spanish")

    assert list(clinician_directory_list(concern=grief)) == [shown]
    assert list(clinician_directory_list(language=spanish, fmt="video")) == [shown]
    assert len(clinician_directory_list(fmt="phone")) == 1
    assert len(clinician_directory_list()) == 2


def test_it_finds_a_profile_only_when_active():
    active = ClinicianFactory()
    hidden = ClinicianFactory(is_active=False)

    assert clinician_profile_get(slug=active.slug) == active
    assert clinician_profile_get(slug=hidden.slug) is None


def test_it_flags_licences_that_expired_or_expire_soon():
    today = dt.date(2025, 3, 1)

    assert licence_status(None, today=today) == ""
    assert licence_status(dt.date(2025, 2, 28), today=today) == "expired"
    assert licence_status(dt.date(2025, 3, 1), today=today) == "soon"
    assert licence_status(dt.date(2025, 4, 30), today=today) == "soon"
    assert licence_status(dt.date(2025, 5, 1), today=today) == "ok"
