"""What clients told us is encrypted at rest (config/encryption.py): the columns hold Fernet
tokens, the models give back plain values, and nothing can query the content."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection

from config.encryption import UnreadableValue, decrypt, encrypt, is_current, rotate
from consultations.models import Consultation
from matching.models import Intake
from tests.consultations.factories import ConsultationFactory, make_intake

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def column(model, pk, name: str) -> str:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{name}"::text FROM "{table}" WHERE "id" = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_it_stores_an_intakes_answers_safety_answer_and_note_as_ciphertext():
    intake, _raw = make_intake(concerns_text="My brother died in March.", safety="several days")
    Intake.objects.filter(pk=intake.pk).update(
        safety_answer="several days", follow_up_note="Called; safe with family."
    )

    for name in ("answers", "safety_answer", "follow_up_note"):
        stored = column(Intake, intake.pk, name)
        assert stored.startswith("gAAAAA"), name  # a Fernet token
        assert "brother" not in stored and "several" not in stored and "Called" not in stored

    intake.refresh_from_db()
    assert intake.answers["concerns_text"] == "My brother died in March."
    assert intake.safety_answer == "several days" and intake.safety_flagged
    assert intake.follow_up_note == "Called; safe with family."


def test_it_stores_a_consultations_phone_summary_and_decline_message_as_ciphertext():
    consultation = ConsultationFactory(
        client_phone="555 010 4242",
        client_summary=[["In their words", "Panic on the subway."]],
        decline_message="I'm away; Omar has time.",
    )

    for name in ("client_phone", "client_summary", "decline_message"):
        stored = column(Consultation, consultation.pk, name)
        assert stored.startswith("gAAAAA"), name
        assert "4242" not in stored and "Panic" not in stored and "Omar" not in stored

    row = Consultation.objects.values("client_phone", "client_summary").get(pk=consultation.pk)
    assert row == {
        "client_phone": "555 010 4242",
        "client_summary": [["In their words", "Panic on the subway."]],
    }


def test_equal_values_encrypt_differently():
    first = ConsultationFactory(client_phone="555 010 1111")
    second = ConsultationFactory(client_phone="555 010 1111")

    assert column(Consultation, first.pk, "client_phone") != column(
        Consultation, second.pk, "client_phone"
    )


@pytest.mark.parametrize(
    "lookup",
    [
        {"client_summary__icontains": "subway"},
        {"client_phone": "555 010 4242"},
        {"client_phone__startswith": "555"},
        {"decline_message__contains": "away"},
    ],
)
def test_it_refuses_to_query_an_encrypted_field_by_content(lookup):
    with pytest.raises(FieldError):
        list(Consultation.objects.filter(**lookup))


def test_it_refuses_json_lookups_into_encrypted_answers():
    with pytest.raises(FieldError):
        list(Intake.objects.filter(answers__concerns_text__icontains="brother"))
    with pytest.raises(FieldError):
        list(Intake.objects.filter(safety_answer="several days"))


def test_isnull_still_works():
    intake, _raw = make_intake()

    assert list(Intake.objects.filter(answers__isnull=False)) == [intake]


def test_a_changed_byte_is_refused_not_misread(settings):
    token = encrypt("Panic on the subway.")
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]

    with pytest.raises(UnreadableValue):
        decrypt(tampered)


def test_reading_tries_every_key_and_writing_uses_the_newest(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    old_token = encrypt("555 010 4242")

    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    new_token = encrypt("555 010 4242")

    assert decrypt(old_token) == decrypt(new_token) == "555 010 4242"
    assert not is_current(old_token) and is_current(new_token)
    assert is_current(rotate(old_token))
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(UnreadableValue):
        decrypt(old_token)


def test_a_value_without_its_key_is_unreadable_rather_than_shown(settings):
    consultation = ConsultationFactory(client_phone="555 010 4242")
    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(UnreadableValue):
        Consultation.objects.get(pk=consultation.pk)


def test_no_key_at_all_is_a_configuration_error(settings):
    settings.FIELD_ENCRYPTION_KEYS = []

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        encrypt("anything")
