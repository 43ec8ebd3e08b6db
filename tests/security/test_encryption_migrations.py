"""The migrations encrypt the rows already stored, in place, and their reverse decrypts them back
into the former columns, losing nothing (more rows than one batch, unicode, empty values)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from consultations.models import Consultation
from matching.models import Intake
from tests.clinicians.factories import ClinicianFactory

# The migrations that encrypt, and the state just before them (whatever else each app adds).
ENCRYPTING = [
    ("matching", "0006_encrypt_intake_answers"),
    ("consultations", "0007_encrypt_client_details"),
]
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
ROWS = 1100  # more than one batch of 500


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def before_encrypting() -> list[tuple[str, str]]:
    graph = MigrationExecutor(connection).loader.graph
    return [
        parent.key
        for node in ENCRYPTING
        for parent in graph.node_map[node].parents
        if parent.key[0] == node[0]
    ]


def raw_rows(table: str, columns: list[str]) -> dict:
    selected = ", ".join(f'"{name}"::text' for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "id", {selected} FROM "{table}" ORDER BY "id"')  # noqa: S608
        return {row[0]: row[1:] for row in cursor.fetchall()}


def intake_answers(i: int) -> dict:
    return {
        "concerns_text": f"Client {i}: nightmares since the accident — ¿por qué? 夜",
        "goals": "Sleep through the night.",
        "style": {"lead": 2, "focus": 4},
        "safety": "several days" if i % 3 else "not at all",
    }


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_in_place_and_the_reverse_decrypts_them():
    clinician = ClinicianFactory()
    before = before_encrypting()
    old = migrate(before).loader.project_state(before).apps
    try:
        OldIntake = old.get_model("matching", "Intake")
        OldConsultation = old.get_model("consultations", "Consultation")
        OldIntake.objects.bulk_create(
            OldIntake(
                token_hash=f"{i:064d}",
                answers=intake_answers(i),
                safety_answer=intake_answers(i)["safety"],
                follow_up_note="" if i % 2 else f"Called {i}; safe tonight.",
                submitted_at=NOW,
                expires_at=NOW,
            )
            for i in range(ROWS)
        )
        OldConsultation.objects.bulk_create(
            OldConsultation(
                clinician_id=clinician.pk,
                starts_at=NOW + dt.timedelta(minutes=20 * i),
                ends_at=NOW + dt.timedelta(minutes=20 * i + 15),
                status="cancelled",
                format="phone",
                client_first_name="Ana",
                client_email=f"ana{i}@example.org",
                client_timezone="America/New_York",
                client_phone="" if i % 2 else f"555 010 {i:04d}",
                client_summary=[] if i % 2 else [["In their words", f"Panic {i} on the subway"]],
                decline_message="Omar has time." if i == 1 else "",
            )
            for i in range(ROWS)
        )
        intake_columns = ["answers", "safety_answer", "follow_up_note"]
        consultation_columns = ["client_phone", "client_summary", "decline_message"]
        plain_intakes = raw_rows("matching_intake", intake_columns)
        plain_consultations = raw_rows("consultations_consultation", consultation_columns)

        migrate(latest())

        encrypted = [
            value
            for rows in (
                raw_rows("matching_intake", intake_columns),
                raw_rows("consultations_consultation", consultation_columns),
            )
            for row in rows.values()
            for value in row
        ]
        assert len(encrypted) == 6 * ROWS
        assert all(value.startswith("gAAAAA") for value in encrypted)
        assert not any("Panic" in value or "555 010" in value for value in encrypted)
        intakes = {intake.token_hash: intake for intake in Intake.objects.all()}
        assert len(intakes) == ROWS
        for i in range(ROWS):
            intake = intakes[f"{i:064d}"]
            assert intake.answers == intake_answers(i)
            assert intake.safety_answer == intake_answers(i)["safety"]
            assert intake.follow_up_note == ("" if i % 2 else f"Called {i}; safe tonight.")
        consultations = {c.client_email: c for c in Consultation.objects.all()}
        assert consultations["ana2@example.org"].client_phone == "555 010 0002"
        assert consultations["ana2@example.org"].client_summary == [
            ["In their words", "Panic 2 on the subway"]
        ]
        assert consultations["ana1@example.org"].decline_message == "Omar has time."
        assert consultations["ana1@example.org"].client_summary == []

        migrate(before)

        assert raw_rows("consultations_consultation", consultation_columns) == plain_consultations
        back = raw_rows("matching_intake", intake_columns)
        assert back.keys() == plain_intakes.keys()
        for pk, (answers, safety, note) in back.items():
            plain_answers, plain_safety, plain_note = plain_intakes[pk]
            assert json.loads(answers) == json.loads(plain_answers)
            assert (safety, note) == (plain_safety, plain_note)
    finally:
        migrate(latest())


@pytest.mark.django_db(transaction=True)
def test_a_pending_messages_payload_is_encrypted_in_place_and_back():
    before = [("consultations", "0008_notification_payload")]
    payload = {"to": "ana@example.org", "path": "/matches/secret-link/", "first_name": "Ana"}
    old = migrate(before).loader.project_state(before).apps
    try:
        Notification = old.get_model("consultations", "Notification")
        Notification.objects.create(
            intake_reference="6f1c1a54-8d3b-4c1e-9a55-1f2a3b4c5d6e",
            kind="intake_results",
            due_at=NOW,
            payload=payload,
        )

        migrate(latest())

        (stored,) = raw_rows("consultations_notification", ["payload"]).values()
        assert stored[0].startswith("gAAAAA") and "secret-link" not in stored[0]
        from consultations.models import Notification as Current

        assert Current.objects.get().payload == payload

        migrate(before)

        (stored,) = raw_rows("consultations_notification", ["payload"]).values()
        assert json.loads(stored[0]) == payload
    finally:
        migrate(latest())
