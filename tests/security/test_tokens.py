"""Client links carry at least 128 bits nobody can guess, expire, and can be revoked."""

import base64
import datetime as dt
import hashlib

import pytest
from django.core import signing
from django.urls import reverse

from consultations import services, tokens
from consultations.models import Consultation
from matching.models import Intake
from matching.tokens import intake_from_consultation_token, new_token
from tests.matching.intake_steps import fill_intake

pytestmark = pytest.mark.django_db

MIN_BITS = 128


def decoded_bits(text: str) -> int:
    return len(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))) * 8


def test_intake_links_carry_256_random_bits_and_are_stored_only_hashed(client, frozen):
    fill_intake(client)

    response = client.post(reverse("matching:review"))

    raw = response["Location"].rstrip("/").split("/")[-1]
    assert decoded_bits(raw) >= MIN_BITS
    intake = Intake.objects.get()
    assert intake.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(Intake.objects.filter(pk=intake.pk).values().get())


def test_intake_link_secrets_do_not_repeat():
    secrets = {new_token()[0] for _ in range(500)}

    assert len(secrets) == 500
    assert min(decoded_bits(raw) for raw in secrets) >= 256


def test_consultation_links_are_signed_with_a_256_bit_mac(consultation_a):
    token = tokens.make_token(consultation_a, tokens.MANAGE)

    signature = token.rsplit(":", 1)[1]

    assert decoded_bits(signature) >= MIN_BITS
    assert tokens.consultation_from_token(token, tokens.MANAGE) == consultation_a


def test_a_consultation_link_signed_with_another_key_opens_nothing(client, consultation_a):
    payload = {"c": str(consultation_a.public_id), "v": consultation_a.token_version, "p": "manage"}
    forged = signing.dumps(payload, key="x" * 50, salt="consultations.client-link")

    response = client.get(reverse("consultations:manage", args=[forged]))

    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_an_intake_link_works_until_intake_token_days_then_is_a_friendly_404(
    client, intake_a, frozen, settings
):
    _intake, raw = intake_a
    url = reverse("matching:results", args=[raw])

    frozen.shift(dt.timedelta(days=settings.INTAKE_TOKEN_DAYS, minutes=-1))
    assert client.get(reverse("matching:delete", args=[raw])).status_code == 200
    frozen.shift(dt.timedelta(minutes=2))
    response = client.get(url)

    assert response.status_code == 404
    assert "expired" in response.content.decode()
    assert client.get(reverse("matching:delete", args=[raw])).status_code == 404


def test_a_manage_link_works_until_manage_token_days_then_is_a_friendly_404(
    client, consultation_a, frozen, settings
):
    url = reverse("consultations:manage", args=[tokens.make_token(consultation_a, tokens.MANAGE)])

    frozen.shift(dt.timedelta(days=settings.MANAGE_TOKEN_DAYS, minutes=-1))
    assert client.get(url).status_code == 200
    frozen.shift(dt.timedelta(minutes=2))
    response = client.get(url)

    assert response.status_code == 404
    assert "expired" in response.content.decode()


def test_a_fit_check_link_expires_after_manage_token_days(client, consultation_a, frozen, settings):
    Consultation.objects.filter(pk=consultation_a.pk).update(status=Consultation.Status.COMPLETED)
    url = reverse(
        "consultations:fit_check", args=[tokens.make_token(consultation_a, tokens.FIT_CHECK)]
    )
    assert client.get(url).status_code == 200

    frozen.shift(dt.timedelta(days=settings.MANAGE_TOKEN_DAYS, minutes=1))

    assert client.get(url).status_code == 404


def test_raising_the_token_version_revokes_every_link_sent_before(client, consultation_a):
    manage = tokens.make_token(consultation_a, tokens.MANAGE)
    fit_check = tokens.make_token(consultation_a, tokens.FIT_CHECK)

    Consultation.objects.filter(pk=consultation_a.pk).update(token_version=2)
    consultation_a.refresh_from_db()

    assert client.get(reverse("consultations:manage", args=[manage])).status_code == 404
    assert tokens.consultation_from_token(fit_check, tokens.FIT_CHECK) is None
    fresh = tokens.make_token(consultation_a, tokens.MANAGE)
    assert client.get(reverse("consultations:manage", args=[fresh])).status_code == 200


def test_erasing_the_clients_data_revokes_their_links(client, consultation_a):
    manage = tokens.make_token(consultation_a, tokens.MANAGE)

    services.consultation_erase_client(client_reference=consultation_a.client_reference)

    assert client.get(reverse("consultations:manage", args=[manage])).status_code == 404


def test_a_fit_check_link_leads_to_its_intake_only_while_both_are_valid(consultation_a, frozen):
    intake = Intake.objects.get(pk=consultation_a.client_reference)
    link = tokens.make_token(consultation_a, tokens.FIT_CHECK)
    assert intake_from_consultation_token(link) == intake
    assert intake_from_consultation_token(tokens.make_token(consultation_a, tokens.MANAGE)) is None
    assert intake_from_consultation_token("not-a-link") is None
    assert intake_from_consultation_token(link, now=intake.expires_at) is None

    Consultation.objects.filter(pk=consultation_a.pk).update(client_reference=None)
    assert intake_from_consultation_token(link) is None

    Consultation.objects.filter(pk=consultation_a.pk).update(
        client_reference=intake.pk, token_version=consultation_a.token_version + 1
    )
    assert intake_from_consultation_token(link) is None
