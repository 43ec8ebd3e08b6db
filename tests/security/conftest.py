import datetime as dt

import pytest
import time_machine

from consultations.models import Consultation
from tests.clinicians.factories import ClinicianFactory
from tests.consultations.factories import ConsultationFactory, make_intake

# Sunday 1 March 2026, 12:00 UTC: clinicians' default hours are Mon–Fri 09:00–17:00 New York.
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC)  # 09:00 EST
TUESDAY_9 = MONDAY_9 + dt.timedelta(days=1)


@pytest.fixture
def frozen():
    # Frozen, so rate-limit windows and link expiry don't move under a test.
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinician_a(django_user_model, frozen):
    user = django_user_model.objects.create_user(username="maya", password="maya-pass-123")
    return ClinicianFactory(user=user, first_name="Maya", last_name="Chen", licensed_in=["NY"])


@pytest.fixture
def clinician_b(django_user_model, frozen):
    user = django_user_model.objects.create_user(username="omar", password="omar-pass-123")
    return ClinicianFactory(user=user, first_name="Omar", last_name="Haddad", licensed_in=["NY"])


@pytest.fixture
def intake_a(frozen):
    """Client A's intake and the raw secret of their results link."""
    return make_intake(first_name="Ana", email="ana@example.org")


@pytest.fixture
def intake_b(frozen):
    return make_intake(first_name="Bea", email="bea@example.org")


@pytest.fixture
def consultation_a(clinician_a, intake_a) -> Consultation:
    """Client A's requested consultation with clinician A."""
    return ConsultationFactory(
        clinician=clinician_a,
        starts_at=MONDAY_9,
        client_first_name="Ana",
        client_email="ana@example.org",
        client_phone="555 010 3000",
        client_reference=intake_a[0].id,
        client_summary=[["Goals", "Sleep through the night."]],
    )


@pytest.fixture
def consultation_b(clinician_b, intake_b) -> Consultation:
    """Client B's requested consultation with clinician B."""
    return ConsultationFactory(
        clinician=clinician_b,
        starts_at=MONDAY_9,
        client_first_name="Bea",
        client_email="bea@example.org",
        client_reference=intake_b[0].id,
        client_summary=[["Goals", "Feel less alone."]],
    )


def snapshot(*objects) -> list[dict]:
    """Every field of these rows as the database has them now, to compare after a request."""
    rows = []
    for obj in objects:
        model = type(obj)
        rows.append(model.objects.filter(pk=obj.pk).values().first())
    return rows
