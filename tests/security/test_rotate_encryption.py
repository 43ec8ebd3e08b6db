"""`manage.py rotate_encryption`: every row re-encrypted with the newest key, in batches, with
progress; resumable after a stop; and the app keeps reading while it runs."""

import io
import re
import threading

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from config import encryption
from consultations import tokens
from consultations.models import Consultation
from matching.models import Intake
from tests.consultations.factories import ConsultationFactory, make_intake

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
COLUMNS = {
    Intake: ("answers", "safety_answer", "follow_up_note"),
    Consultation: ("client_phone", "client_summary", "decline_message"),
}


def stored_values() -> list[str]:
    values = []
    with connection.cursor() as cursor:
        for model, columns in COLUMNS.items():
            selected = ", ".join(f'"{name}"::text' for name in columns)
            cursor.execute(f'SELECT {selected} FROM "{model._meta.db_table}"')  # noqa: S608
            values += [value for row in cursor.fetchall() for value in row]
    return values


def under(key: str) -> int:
    """How many stored values open with this key alone."""
    fernet = Fernet(key)
    count = 0
    for value in stored_values():
        try:
            fernet.decrypt(value.encode())
            count += 1
        except Exception:  # noqa: S112 - another key's value
            continue
    return count


def rotate(**options) -> str:
    out = io.StringIO()
    call_command("rotate_encryption", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def old_rows(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    intakes = [make_intake(concerns_text=f"private words {i}")[0] for i in range(5)]
    consultations = [
        ConsultationFactory(client_phone=f"555 010 {i:04d}", client_summary=[["Goals", f"g{i}"]])
        for i in range(3)
    ]
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    return intakes, consultations


@pytest.mark.django_db
def test_it_reencrypts_every_row_with_the_newest_key_in_batches(old_rows, settings):
    total = len(stored_values())
    assert under(OLD) == total

    output = rotate(batch_size=2)

    assert under(NEW) == total
    assert "matching.Intake: 2 of about 5 rows checked, 2 re-encrypted" in output
    assert "matching.Intake: done, 5 rows, 5 re-encrypted" in output
    assert "consultations.Consultation: done, 3 rows, 3 re-encrypted" in output
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key can go
    intakes, consultations = old_rows
    assert Intake.objects.get(pk=intakes[4].pk).answers["concerns_text"] == "private words 4"
    assert Consultation.objects.get(pk=consultations[2].pk).client_phone == "555 010 0002"


@pytest.mark.django_db
def test_a_second_run_changes_nothing(old_rows):
    rotate()
    before = stored_values()

    output = rotate()

    assert stored_values() == before
    assert "matching.Intake: done, 5 rows, 0 re-encrypted" in output


@pytest.mark.django_db
def test_it_resumes_where_a_stopped_run_left_off(old_rows, monkeypatch):
    real_rotate, calls = encryption.rotate, []

    def stop_after_one_batch(token):
        calls.append(token)
        if len(calls) > 2 * 3:  # two rows of three columns
            raise KeyboardInterrupt
        return real_rotate(token)

    monkeypatch.setattr(encryption, "rotate", stop_after_one_batch)
    with pytest.raises(KeyboardInterrupt):
        rotate(batch_size=2)
    monkeypatch.setattr(encryption, "rotate", real_rotate)
    # The first batch was committed before the stop; the second was rolled back.
    assert under(NEW) == 2 * 3

    output = rotate(batch_size=2)

    assert under(NEW) == len(stored_values())
    done = re.findall(r"done, (\d+) rows, (\d+) re-encrypted", output)
    assert sum(int(rows) for rows, _changed in done) == 8
    assert sum(int(changed) for _rows, changed in done) == 8 - 2


@pytest.mark.django_db
def test_it_names_the_variable_when_a_row_opens_with_no_key(old_rows, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS"):
        rotate()


@pytest.mark.django_db(transaction=True)
def test_the_app_reads_every_page_while_the_keys_rotate(settings, staff_user):
    settings.RATELIMIT_ENABLE = False
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    intakes = [make_intake(concerns_text=f"private words {i}") for i in range(120)]
    consultations = [
        ConsultationFactory(client_phone=f"555 010 {i:04d}", client_reference=intake.pk)
        for i, (intake, _raw) in enumerate(intakes[:120])
    ]
    staff_user.groups.add(*Group.objects.filter(name__in=["Practice staff", "Intake reviewers"]))
    pages = [
        reverse("matching:results", args=[intakes[0][1]]),
        reverse("matching:results", args=[intakes[-1][1]]),
        reverse("consultations:manage", args=[tokens.make_token(consultations[0], tokens.MANAGE)]),
        reverse("admin:matching_intake_change", args=[intakes[60][0].pk]),
        reverse("admin:consultations_consultation_change", args=[consultations[-1].pk]),
    ]
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    stop, started = threading.Event(), threading.Barrier(4)
    failures, reads = [], []

    def reader(index: int):
        client = Client()
        client.force_login(staff_user)
        started.wait()
        try:
            while not stop.is_set():
                for url in pages:
                    response = client.get(url)
                    reads.append(index)
                    if response.status_code != 200:
                        failures.append((url, response.status_code))
        except Exception as exc:  # noqa: BLE001 - any failed read is what this test looks for
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    started.wait()
    reads_before = len(reads)
    output = rotate(batch_size=10)
    reads_during = len(reads) - reads_before
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert reads_during > 0
    assert "Every encrypted value is under the newest key." in output
    assert under(NEW) == len(stored_values())
