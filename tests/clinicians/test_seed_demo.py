import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from clinicians.models import Clinician, ConsultationHours, License
from clinicians.selectors import clinician_roster_export

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def seeded():
    with time_machine.travel(dt.datetime(2026, 3, 10, 15, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", stdout=StringIO())
        yield


def test_it_loads_a_varied_practice(seeded):
    clinicians = Clinician.objects.all()
    rows = clinician_roster_export()

    assert 35 <= clinicians.count() <= 45
    assert set(License.objects.values_list("state", flat=True)) == {"NY", "NJ", "CT"}
    assert {o for row in rows for o in row["offices"]} == {"Downtown", "Northside"}
    languages = {name for row in rows for name in row["languages"]}
    assert {"Spanish", "Mandarin", "Korean", "American Sign Language"} <= languages
    assert len({row["timezone"] for row in rows}) >= 3
    assert len({tuple(row["style"].values()) for row in rows}) >= 30
    assert clinicians.filter(accepting_new_clients=False).exists()
    assert clinicians.filter(sliding_scale_min__isnull=False).exists()
    assert any(not row["insurance"] for row in rows)
    assert {row["gender"] for row in rows} >= {"woman", "man", "nonbinary", ""}


def test_it_gives_everyone_hours_with_evenings_and_weekends(seeded):
    assert not Clinician.objects.filter(consultation_hours__isnull=True).exists()
    assert ConsultationHours.objects.filter(weekday__gte=5).exists()
    assert ConsultationHours.objects.filter(start__gte=dt.time(17)).exists()


def test_it_has_licences_to_renew_and_one_expired(seeded):
    expired = License.objects.filter(expires_on__lt=TODAY)
    soon = License.objects.filter(
        expires_on__gte=TODAY, expires_on__lte=TODAY + dt.timedelta(days=60)
    )

    assert expired.count() == 1
    assert soon.count() >= 2
    # The lapsed licence sits beside a current one, as after a move between states.
    assert expired.get().clinician.licenses.filter(expires_on__gte=TODAY).exists()


def test_it_is_idempotent(seeded):
    before = clinician_roster_export()
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 3, 10, 20, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", stdout=out)

    assert "0 created, 0 updated, 40 unchanged" in out.getvalue()
    assert clinician_roster_export() == before
