"""Staff work in English, and see which language a client uses: the call queue, the intake and
the consultation in the admin."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from matching.services import intake_submit
from tests.conftest import grant
from tests.consultations.factories import ConsultationFactory

from .intake_steps import EXPECTED_ANSWERS

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2025, 3, 4, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def practice_staff(client, staff_user):
    staff_user.groups.add(Group.objects.get(name="Practice staff"))
    client.force_login(staff_user)
    return staff_user


def test_the_call_queue_shows_the_clients_language_in_english(client, practice_staff):
    flagged, _raw = intake_submit(
        answers={**EXPECTED_ANSWERS, "safety": "several days"}, now=NOW, language="es"
    )
    listing = client.get(
        reverse("admin:matching_samedaycall_changelist"), HTTP_ACCEPT_LANGUAGE="es"
    )
    body = listing.content.decode()
    assert '<html lang="en"' in body
    assert "Spanish" in body
    entry = client.get(reverse("admin:matching_samedaycall_change", args=[flagged.pk]))
    assert "Spanish" in entry.content.decode()


def test_the_intake_and_the_consultation_show_the_language(client, practice_staff):
    grant(practice_staff, "matching.view_intake_answers")
    intake, _raw = intake_submit(answers=EXPECTED_ANSWERS, now=NOW, language="es")
    page = client.get(reverse("admin:matching_intake_change", args=[intake.pk]))
    assert page.status_code == 200
    assert "Spanish" in page.content.decode()
    consultation = ConsultationFactory(client_language="es")
    listing = client.get(reverse("admin:consultations_consultation_changelist"))
    assert "Spanish" in listing.content.decode()
    page = client.get(reverse("admin:consultations_consultation_change", args=[consultation.pk]))
    assert "Spanish" in page.content.decode()
