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


def test_every_demo_clinician_introduces_themselves_in_one_line_of_their_own(seeded):
    intros = list(Clinician.objects.values_list("intro", flat=True))

    assert all(intro and len(intro) <= 160 for intro in intros)
    assert len(set(intros)) == len(intros)


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


def test_a_second_run_keeps_what_staff_and_clinicians_edited(seeded):
    maya = Clinician.objects.get(email="maya.chen@alliance.example.org")
    maya.bio = "Edited in the admin."
    maya.save(update_fields=["bio"])
    maya.consultation_hours.all().delete()
    ConsultationHours.objects.create(
        clinician=maya, weekday=2, start=dt.time(7, 30), end=dt.time(8, 30)
    )
    others_before = clinician_roster_export()
    out = StringIO()

    # A later day, when the demo's relative licence dates would come out different.
    with time_machine.travel(dt.datetime(2026, 4, 20, 15, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", stdout=out)

    maya.refresh_from_db()
    assert maya.bio == "Edited in the admin."
    assert list(maya.consultation_hours.values_list("weekday", "start", "end")) == [
        (2, dt.time(7, 30), dt.time(8, 30))
    ]
    assert clinician_roster_export() == others_before
    assert "0 created, 0 updated, 40 unchanged" in out.getvalue()


def test_a_second_run_adds_back_a_demo_clinician_that_is_missing(seeded):
    Clinician.objects.get(email="daniel.okafor@alliance.example.org").delete()
    out = StringIO()

    with time_machine.travel(dt.datetime(2026, 3, 11, 15, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", stdout=out)

    assert Clinician.objects.filter(email="daniel.okafor@alliance.example.org").exists()
    assert "1 created, 0 updated, 39 unchanged" in out.getvalue()


def test_every_demo_clinician_gets_a_drawn_portrait_the_same_each_time(seeded):
    from django.core.files.storage import default_storage
    from PIL import Image

    from clinicians.demo_portraits import demo_portrait
    from clinicians.photos import RENDITION_NAME

    photos = list(Clinician.objects.values_list("email", "photo"))
    assert all(RENDITION_NAME.match(photo) for _email, photo in photos)
    assert len({photo for _email, photo in photos}) == len(photos)
    email, photo = photos[0]
    assert Image.open(default_storage.open(photo)).size == (400, 400)
    assert demo_portrait(email) == demo_portrait(email)
