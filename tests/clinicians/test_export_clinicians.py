import json
from io import StringIO

import pytest
from django.core.management import call_command

from clinicians.selectors import clinician_roster_export
from tests.clinicians.factories import ClinicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(maya_row):
    ClinicianFactory(
        email="b@example.org",
        licensed_in=["NJ", "CT"],
        offices=["Northside"],
        insurance=["Aetna", "Medicaid"],
        communities=["veteran"],
        sliding_scale_min=80,
        hours=[(5, "10:00", "13:00"), (1, "18:00", "20:30")],
        bio='Line one, with "quotes";\nline two.',
    )
    ClinicianFactory(email="c@example.org", is_active=False, self_pay_fee=None)
    call_command("import_clinicians", _write(maya_row), stdout=StringIO())


def _write(row):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([row], handle)
    return handle.name


def test_it_prints_json_by_default(roster):
    out = StringIO()

    call_command("export_clinicians", stdout=out)

    rows = json.loads(out.getvalue())
    assert [row["email"] for row in rows] == [
        "b@example.org",
        "c@example.org",
        "maya.chen@example.org",
    ]
    assert rows[1]["active"] is False


def test_it_writes_csv_to_a_file(roster, tmp_path):
    path = tmp_path / "roster.csv"

    call_command("export_clinicians", "-o", str(path), stderr=StringIO())

    text = path.read_text()
    assert text.startswith("email,first_name,last_name,pronouns,credentials,licenses,")
    assert "NY:R-10442:2099-06-30" in text
    assert "lead=3;focus=4;time=4;challenge=2" in text
    assert "tue 18:00-20:30;sat 10:00-13:00" in text


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_it_round_trips_without_changing_anything(roster, tmp_path, fmt):
    before = clinician_roster_export()
    path = tmp_path / f"roster.{fmt}"
    call_command("export_clinicians", "--format", fmt, "-o", str(path), stderr=StringIO())
    out = StringIO()

    call_command("import_clinicians", str(path), stdout=out)

    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()
    assert clinician_roster_export() == before


def test_it_exports_a_formula_name_harmless_and_imports_it_unchanged(maya_row, tmp_path):
    formula = '=HYPERLINK("http://evil.example","x")'
    call_command("import_clinicians", _write(dict(maya_row, first_name=formula)), stdout=StringIO())
    before = clinician_roster_export()
    path = tmp_path / "roster.csv"

    call_command("export_clinicians", "-o", str(path), stderr=StringIO())
    out = StringIO()
    call_command("import_clinicians", str(path), stdout=out)

    assert f'"\'{formula.replace(chr(34), chr(34) * 2)}"' in path.read_text()
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
    assert clinician_roster_export() == before
