import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clinicians.interchange import to_csv
from clinicians.models import Clinician

pytestmark = pytest.mark.django_db


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_clinicians", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_json(tmp_path, maya_row):
    path = tmp_path / "roster.json"
    path.write_text(json.dumps([maya_row]))

    out, _ = _run(str(path))

    assert "1 created, 0 updated, 0 unchanged" in out
    assert Clinician.objects.get().email == "maya.chen@example.org"


def test_it_imports_csv(tmp_path, maya_csv_row):
    path = tmp_path / "roster.CSV"
    header = list(maya_csv_row)
    lines = [",".join(header), ",".join(f'"{maya_csv_row[key]}"' for key in header)]
    path.write_text("\n".join(lines) + "\n")

    out, _ = _run(str(path))

    assert "1 created" in out
    maya = Clinician.objects.get()
    assert maya.offices.get().name == "Downtown"
    assert maya.licenses.get().number == "R-10442"


def test_it_updates_on_a_second_import(tmp_path, maya_row):
    path = tmp_path / "roster.json"
    path.write_text(json.dumps([maya_row]))
    _run(str(path))
    path.write_text(json.dumps([dict(maya_row, accepting_new_clients=False)]))

    out, _ = _run(str(path))

    assert "0 created, 1 updated" in out
    assert Clinician.objects.get().accepting_new_clients is False


def test_it_reports_every_error_on_stderr_and_writes_nothing(tmp_path, maya_row):
    rows = [dict(maya_row, email=f"c{i}@example.org") for i in range(8)]
    rows[6]["languages"] = ["Klingon"]
    rows[7]["style"] = {"lead": 9, "focus": 1, "time": 1, "challenge": 1}
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(rows))
    err = StringIO()

    with pytest.raises(CommandError, match="2 error"):
        call_command("import_clinicians", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        'row 7, languages: "Klingon" is not a language of this practice',
        "row 8, style.lead: 9 is not between 1 and 5",
    ]
    assert not Clinician.objects.exists()


def test_it_writes_nothing_on_a_dry_run(tmp_path, maya_row):
    path = tmp_path / "roster.csv"
    path.write_text(to_csv([maya_row]))

    out, _ = _run(str(path), "--dry-run")

    assert "Dry run, nothing written: would be 1 created" in out
    assert not Clinician.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.xlsx", "", "must end in .json or .csv"),
        ("roster.json", "[{", "not valid JSON"),
        ("roster.json", "{}", "JSON array"),
    ],
)
def test_it_refuses_a_file_it_cannot_read(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        _run(str(path))
    assert not Clinician.objects.exists()


def test_it_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(CommandError, match="can't read it"):
        _run(str(tmp_path / "nowhere.json"))
