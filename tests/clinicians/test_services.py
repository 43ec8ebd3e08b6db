import datetime as dt

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from clinicians import services
from clinicians.models import Clinician, ConsultationHours, License
from clinicians.selectors import clinician_roster_export
from clinicians.services import clinician_roster_import, clinician_set_accepting
from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_clinician_with_everything(maya_row):
    result = clinician_roster_import(rows=[maya_row], dry_run=False)

    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 1, 0, 0)
    maya = Clinician.objects.get(email="maya.chen@example.org")
    assert maya.slug == "maya-chen"
    assert sorted(maya.languages.values_list("name", flat=True)) == ["English", "Mandarin"]
    assert list(maya.focus_concerns.values_list("name", flat=True)) == ["trauma and PTSD"]
    assert (maya.serves_adults, maya.serves_teens, maya.serves_children) == (True, True, False)
    assert (maya.offers_video, maya.offers_in_person, maya.offers_phone) == (True, True, False)
    assert maya.style == {"lead": 3, "focus": 4, "time": 4, "challenge": 2}
    assert (maya.self_pay_fee, maya.sliding_scale_min) == (160, 90)
    assert maya.licenses.get().expires_on == dt.date(2099, 6, 30)
    hours = maya.consultation_hours.get()
    assert (hours.weekday, hours.start, hours.end) == (0, dt.time(9), dt.time(12))


def test_it_updates_by_email_ignoring_case_and_creates_none_twice(maya_row):
    clinician_roster_import(rows=[maya_row], dry_run=False)
    maya_row.update(
        email="MAYA.CHEN@example.org",
        bio="New bio.",
        licenses=[{"state": "NJ", "number": "37SS1", "expires": "2099-01-01"}],
        consultation_hours=[{"weekday": "sat", "start": "10:00", "end": "12:00"}],
    )

    result = clinician_roster_import(rows=[maya_row], dry_run=False)

    assert (result.created, result.updated) == (0, 1)
    maya = Clinician.objects.get()
    assert maya.bio == "New bio."
    assert list(License.objects.values_list("state", flat=True)) == ["NJ"]
    assert list(ConsultationHours.objects.values_list("weekday", flat=True)) == [5]


def test_it_counts_an_identical_row_as_unchanged(maya_row):
    clinician_roster_import(rows=[maya_row], dry_run=False)
    before = Clinician.objects.get().updated_at

    result = clinician_roster_import(rows=[maya_row], dry_run=False)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Clinician.objects.get().updated_at == before


def test_it_leaves_fields_the_row_does_not_hold(maya_row):
    clinician_roster_import(rows=[maya_row], dry_run=False)

    result = clinician_roster_import(
        rows=[{"email": maya_row["email"], "first_name": "Maya", "last_name": "Chen-Li"}],
        dry_run=False,
    )

    assert result.updated == 1
    maya = Clinician.objects.get()
    assert maya.last_name == "Chen-Li"
    assert maya.slug == "maya-chen"  # the public address stays put
    assert maya.languages.count() == 2
    assert maya.licenses.count() == 1


def _names(row: dict) -> dict:
    return {key: row[key] for key in ("email", "first_name", "last_name")}


def test_it_refuses_concerns_that_would_leave_a_focus_concern_untreated(maya_row):
    clinician_roster_import(rows=[maya_row], dry_run=False)

    result = clinician_roster_import(
        rows=[{**_names(maya_row), "concerns": ["anxiety"]}], dry_run=False
    )

    assert result.errors == [
        'row 1, concerns: "trauma and PTSD" would be a focus concern this clinician does not '
        "treat; change concerns and focus_concerns together"
    ]
    maya = Clinician.objects.get()
    assert maya.concerns.count() == 3


def test_it_accepts_concerns_and_focus_changed_together(maya_row):
    clinician_roster_import(rows=[maya_row], dry_run=False)

    result = clinician_roster_import(
        rows=[{**_names(maya_row), "concerns": ["anxiety"], "focus_concerns": []}],
        dry_run=False,
    )

    assert result.ok and result.updated == 1
    assert list(Clinician.objects.get().concerns.values_list("name", flat=True)) == ["anxiety"]


def test_it_writes_nothing_when_any_row_is_bad(maya_row):
    existing = ClinicianFactory(email="old@example.org", first_name="Old")
    good = dict(maya_row)
    update = {"email": "old@example.org", "first_name": "Changed", "last_name": "X"}
    bad = dict(maya_row, email="bad@example.org", languages=["Klingon"])

    result = clinician_roster_import(rows=[good, update, bad], dry_run=False)

    assert result.errors == ['row 3, languages: "Klingon" is not a language of this practice']
    assert (result.created, result.updated) == (0, 0)
    assert list(Clinician.objects.values_list("email", flat=True)) == ["old@example.org"]
    existing.refresh_from_db()
    assert existing.first_name == "Old"


def test_it_rolls_back_everything_when_the_database_refuses_a_row(maya_row, monkeypatch):
    real_apply = services._apply

    def refuse_the_second(clinician, row):
        if row.number == 2:
            raise IntegrityError("duplicate key value violates unique constraint\nDETAIL: …")
        real_apply(clinician, row)

    def refuse_the_batch(rows):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "_apply", refuse_the_second)
    # The bulk insert is refused, so the import goes row by row to name the row.
    monkeypatch.setattr(services, "_create_all", refuse_the_batch)
    other = dict(maya_row, email="other@example.org")

    result = clinician_roster_import(rows=[maya_row, other], dry_run=False)

    assert result.errors == [
        "row 2: the database refused it (duplicate key value violates unique constraint)"
    ]
    assert result.created == 0
    assert not Clinician.objects.exists()


def test_it_reports_a_dry_run_without_writing(maya_row):
    ClinicianFactory(email="maya.chen@example.org")
    new = dict(maya_row, email="new@example.org")

    result = clinician_roster_import(rows=[maya_row, new], dry_run=True)

    assert (result.ok, result.dry_run, result.created, result.updated) == (True, True, 1, 1)
    assert Clinician.objects.count() == 1
    assert not Clinician.objects.filter(email="new@example.org").exists()


def test_it_round_trips_the_export_unchanged(maya_row):
    ClinicianFactory.create_batch(3, licensed_in=["NY", "CT"], offices=["Northside"])
    clinician_roster_import(rows=[maya_row], dry_run=False)
    before = clinician_roster_export()

    result = clinician_roster_import(rows=before, dry_run=False)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 4)
    assert clinician_roster_export() == before


def test_it_pauses_and_resumes_accepting():
    accepting = ClinicianFactory.create_batch(2, accepting_new_clients=True)
    paused = ClinicianFactory(accepting_new_clients=False)
    ids = [c.pk for c in [*accepting, paused]]

    assert clinician_set_accepting(clinician_ids=ids, accepting=False) == 2
    assert not Clinician.objects.filter(accepting_new_clients=True).exists()
    assert clinician_set_accepting(clinician_ids=ids[:1], accepting=True) == 1
    assert list(Clinician.objects.filter(accepting_new_clients=True)) == [accepting[0]]


def test_it_names_the_field_of_a_nul_character_and_writes_nothing(maya_row):
    result = clinician_roster_import(rows=[dict(maya_row, bio="a\x00b")])

    assert result.errors == ["row 1, bio: contains a NUL character"]
    assert not Clinician.objects.exists()


def test_it_numbers_namesakes_in_a_constant_number_of_queries_each(
    maya_row, django_assert_max_num_queries
):
    rows = [dict(maya_row, email=f"maya{i}@example.org") for i in range(300)]
    clinician_roster_import(rows=rows[:200])

    # The 100 namesakes after 200 others cost the same few queries each as the first ones did
    # (trying "-2", "-3", ... in turn took more than 200 each).
    per_row = 25
    with django_assert_max_num_queries(per_row * 100):
        result = clinician_roster_import(rows=rows[200:])

    assert result.ok and result.created == 100
    slugs = set(Clinician.objects.values_list("slug", flat=True))
    assert slugs == {"maya-chen"} | {f"maya-chen-{n}" for n in range(2, 301)}


def test_it_gives_names_in_other_scripts_a_readable_address(maya_row):
    rows = [
        dict(maya_row, email="li@example.org", first_name="李", last_name="王"),
        dict(maya_row, email="li2@example.org", first_name="李", last_name="王"),
        dict(maya_row, email="dima@example.org", first_name="Дмитрий", last_name="Иванов"),
        dict(maya_row, email="zoe@example.org", first_name="Zoë", last_name="Ødegård"),
    ]

    assert clinician_roster_import(rows=rows).ok

    slugs = dict(Clinician.objects.values_list("email", "slug"))
    assert slugs == {
        "li@example.org": "li-wang",
        "li2@example.org": "li-wang-2",
        "dima@example.org": "dmitriy-ivanov",
        "zoe@example.org": "zoe-odegard",
    }


def test_it_names_the_field_when_the_web_address_would_be_too_long(maya_row):
    long_name = dict(maya_row, first_name="A" * 80, last_name="B" * 80)

    result = clinician_roster_import(rows=[long_name])

    assert result.errors == [
        "row 1, last_name: the first and last name together make a web address over 113 "
        "characters; shorten one of them"
    ]
    assert not Clinician.objects.exists()


def test_it_keeps_the_address_of_an_existing_clinician_with_a_long_name(maya_row):
    clinician_roster_import(rows=[maya_row])

    result = clinician_roster_import(rows=[dict(maya_row, first_name="A" * 80, last_name="B" * 80)])

    assert (result.ok, result.updated) == (True, 1)
    assert Clinician.objects.get().slug == "maya-chen"


def test_it_numbers_after_the_highest_namesake_even_with_gaps():
    ClinicianFactory(first_name="Ana", last_name="Ruiz")
    ClinicianFactory(first_name="Ana", last_name="Ruiz", slug="ana-ruiz-7")

    assert ClinicianFactory(first_name="Ana", last_name="Ruiz").slug == "ana-ruiz-8"


def test_it_tells_staff_which_field_makes_the_web_address_too_long():
    from django.core.exceptions import ValidationError

    clinician = ClinicianFactory.build(first_name="A" * 80, last_name="B" * 80)

    with pytest.raises(ValidationError) as raised:
        clinician.clean()

    assert list(raised.value.message_dict) == ["last_name"]


def _namesakes(maya_row, count: int) -> list[dict]:
    """`count` new clinicians, namesakes of Maya Chen, each with their own lists and hours."""
    weekdays = ("mon", "tue", "wed", "thu", "fri")
    return [
        dict(
            maya_row,
            email=f"maya.{i}@example.org",
            languages=["English"] if i % 2 else ["English", "Mandarin"],
            licenses=[{"state": "NY", "number": f"R-{i}", "expires": "2099-06-30"}],
            consultation_hours=[{"weekday": weekdays[i % 5], "start": "09:00", "end": "12:00"}],
        )
        for i in range(count)
    ]


def test_it_creates_many_clinicians_with_their_lists_licences_and_hours(maya_row):
    ClinicianFactory(first_name="Maya", last_name="Chen")  # takes "maya-chen"
    rows = _namesakes(maya_row, 6)

    result = clinician_roster_import(rows=rows, dry_run=False)

    assert (result.ok, result.created) == (True, 6)
    assert [row.outcome for row in result.rows] == ["created"] * 6
    exported = {row["email"]: row for row in clinician_roster_export()}
    for row in rows:
        got = exported[row["email"]]
        for key in ("licenses", "consultation_hours", "focus_concerns", "offices"):
            assert got[key] == row[key]
        for key in ("languages", "concerns", "approaches", "insurance", "communities", "ages"):
            assert sorted(got[key]) == sorted(row[key])
    slugs = Clinician.objects.filter(email__startswith="maya.").values_list("slug", flat=True)
    assert sorted(slugs) == sorted(f"maya-chen-{n}" for n in range(2, 8))
    assert License.objects.filter(clinician__email__startswith="maya.").count() == 6
    assert ConsultationHours.objects.filter(clinician__email__startswith="maya.").count() == 6


def test_it_creates_clinicians_in_a_number_of_queries_independent_of_their_number(maya_row):
    def queries_to_import(count: int, prefix: str) -> int:
        rows = [dict(row, email=f"{prefix}{row['email']}") for row in _namesakes(maya_row, count)]
        with CaptureQueriesContext(connection) as queries:
            result = clinician_roster_import(rows=rows, dry_run=False)
        assert result.created == count
        return len(queries)

    assert queries_to_import(3, "a.") == queries_to_import(12, "b.")
    assert Clinician.objects.count() == 15


def test_importing_the_same_roster_again_changes_nothing_in_queries_independent_of_its_size(
    maya_row,
):
    def import_twice(count: int, prefix: str) -> int:
        rows = [dict(row, email=f"{prefix}{row['email']}") for row in _namesakes(maya_row, count)]
        assert clinician_roster_import(rows=rows).created == count
        before = clinician_roster_export()
        with CaptureQueriesContext(connection) as queries:
            again = clinician_roster_import(rows=rows)
        assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, count)
        assert {row.outcome for row in again.rows} == {"unchanged"}
        assert clinician_roster_export() == before
        writes = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == []
        return len(queries)

    assert import_twice(3, "a.") == import_twice(12, "b.")
