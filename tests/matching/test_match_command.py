import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from clinicians.models import Language
from consultations.models import Consultation
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory

from .scoring_data import intake

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def roster():
    return {
        "maya": ClinicianFactory(
            email="maya@example.org",
            concerns=["trauma and PTSD", "anxiety"],
            focus_concerns=["trauma and PTSD"],
        ),
        "joe": ClinicianFactory(email="joe@example.org", concerns=["depression"]),
        "nj": ClinicianFactory(email="nj@example.org", licensed_in=["NJ"]),
        "paused": ClinicianFactory(email="paused@example.org", accepting_new_clients=False),
        "gone": ClinicianFactory(email="gone@example.org", is_active=False),
    }


def run(tmp_path, data, *args) -> str:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("match", str(path), *args, stdout=out)
    return out.getvalue()


def test_it_prints_the_ranking_as_json(tmp_path, roster):
    result = json.loads(run(tmp_path, intake(), "--json"))
    assert [m["clinician"] for m in result["matches"]] == ["maya@example.org", "joe@example.org"]
    top = result["matches"][0]
    assert set(top["components"]) == {"goals", "tasks", "bond", "practical"}
    assert 0 <= top["score"] <= 100
    assert "Focuses on trauma and PTSD" in top["reasons"]
    assert result["excluded"] == [
        {"clinician": "nj@example.org", "reasons": ["Not licensed in NY"]},
        {"clinician": "paused@example.org", "reasons": ["Not accepting new clients"]},
    ]
    assert result["relaxations"] == []
    assert Consultation.objects.count() == 0 and Intake.objects.count() == 0


def test_it_prints_the_same_thing_twice(tmp_path, roster):
    assert run(tmp_path, intake(), "--json") == run(tmp_path, intake(), "--json")


def test_it_limits_to_the_top_n(tmp_path, roster):
    result = json.loads(run(tmp_path, intake(), "--json", "--top", "1"))
    assert [m["clinician"] for m in result["matches"]] == ["maya@example.org"]


def test_it_prints_readable_text(tmp_path, roster):
    out = run(tmp_path, intake())
    assert "1. maya@example.org" in out
    assert "+ Focuses on trauma and PTSD" in out
    assert "nj@example.org: Not licensed in NY" in out


def test_it_lists_relaxations(tmp_path, roster):
    data = intake(preferences={"language": {"value": "Spanish", "importance": "must"}})
    roster["joe"].languages.add(Language.objects.get(name="Spanish"))
    result = json.loads(run(tmp_path, data, "--json"))
    assert [m["clinician"] for m in result["matches"]] == ["joe@example.org"]
    assert result["relaxations"] == [{"preference": "language", "would_add": 1}]


def test_it_names_each_bad_field_and_prints_no_ranking(tmp_path, roster):
    data = intake(state="ZZ", concerns=["astrology"], format="telepathy")
    with pytest.raises(CommandError) as exc:
        run(tmp_path, data, "--json")
    message = str(exc.value)
    for field in ("state", "concerns", "format"):
        assert f"{field}:" in message
    assert "astrology" in message


def test_it_rejects_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "intake.json"
    path.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("match", str(path), stdout=StringIO())


def test_it_exits_non_zero_for_a_malformed_intake(tmp_path, roster, capsys):
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake(age_band="toddlers")))
    with pytest.raises(SystemExit) as exc:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "match", str(path), "--json"])
    assert exc.value.code != 0
    captured = capsys.readouterr()
    assert "age_band" in captured.err
    assert "matches" not in captured.out
