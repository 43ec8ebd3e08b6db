"""A stolen database reveals no one's answers: a `pg_dump` of the test database, taken after a
client submitted an intake and booked through the pages, holds none of their words, their safety
answer or their phone, and no session holds a readable draft or results link."""

import os
import subprocess

import pytest
from django.core import signing
from django.db import connection
from django.urls import resolve, reverse

from consultations.models import Consultation
from matching.models import Intake
from matching.views import SENT
from tests.matching.intake_steps import fill_intake

from .conftest import MONDAY_9

CONCERNS = "Since my sister's overdose I check my phone all night."
GOALS = "Stop the panic attacks before the custody hearing."
PAST = "Eight sessions with a counsellor at my college in 2019."
DRAFT_ONLY = "A draft never sent: the hospital stay last winter."
SAFETY = "several days"
PHONE = "917 555 0142"


class RawBytes:
    """Reads a session's payload as it is stored, without the app's serializer."""

    def loads(self, data: bytes) -> bytes:
        return data


def pg_dump() -> str:
    db = connection.settings_dict
    command = ["pg_dump", "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return result.stdout


@pytest.mark.django_db(transaction=True)
def test_a_dump_of_the_database_holds_none_of_a_clients_answers(client, clinician_a, frozen):
    fill_intake(
        client,
        overrides={
            "safety": {"safety": SAFETY},
            "concerns": {"concerns_text": CONCERNS},
            "goals": {"goals": GOALS},
            "practical": {"past_therapy": PAST},
            "contact": {"phone": PHONE},
        },
    )
    assert client.post(reverse("matching:review")).status_code == 302
    raw = resolve(client.session[SENT]).kwargs["token"]
    booked = client.post(
        reverse("matching:book", args=[raw, clinician_a.slug]),
        {
            "first_name": "Ana",
            "email": "ana@example.org",
            "phone": PHONE,
            "format": "video",
            "start": MONDAY_9.isoformat(),
        },
    )
    assert booked.status_code == 200 and "Your request is in" in booked.content.decode()
    # Another client halfway through: their draft sits in the session store.
    other = type(client)()
    fill_intake(other, overrides={"concerns": {"concerns_text": DRAFT_ONLY}}, upto="practical")

    intake = Intake.objects.get()
    consultation = Consultation.objects.get()
    assert (intake.answers["concerns_text"], intake.safety_answer) == (CONCERNS, SAFETY)
    assert consultation.client_phone == PHONE
    assert any(GOALS in value for _label, value in consultation.client_summary)

    dump = pg_dump()

    # Names and email addresses stay in the clear so staff can find people: the dump is real.
    assert "ana@example.org" in dump
    for secret in (CONCERNS, GOALS, PAST, DRAFT_ONLY, SAFETY, PHONE, "917 555", "0142", raw):
        assert secret not in dump, secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        sessions = [row[0] for row in cursor.fetchall()]
    assert len(sessions) >= 2
    for data in sessions:
        payload = signing.loads(
            data, salt="django.contrib.sessions.SessionStore", serializer=RawBytes
        )
        assert payload.startswith(b"gAAAAA")  # a Fernet token, not the session's JSON
        assert DRAFT_ONLY.encode() not in payload and raw.encode() not in payload
