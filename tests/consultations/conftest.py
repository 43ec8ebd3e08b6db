import datetime as dt

import pytest
import time_machine

from consultations import notifications
from tests.clinicians.factories import ClinicianFactory

# Sunday 1 March 2026, 12:00 UTC: clinicians' default hours are Mon–Fri 09:00–17:00 New York.
NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
MONDAY_9 = dt.datetime(2026, 3, 2, 14, tzinfo=dt.UTC)  # 09:00 EST


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def notified(monkeypatch):
    """The events the services asked notifications to handle, in order."""
    events = []
    monkeypatch.setattr(
        notifications,
        "consultation_notify",
        lambda *, consultation, event: events.append((consultation.pk, event)),
    )
    return events


@pytest.fixture
def clinician_user(django_user_model):
    return django_user_model.objects.create_user(username="maya", password="maya-pass-123")


@pytest.fixture
def clinician(clinician_user):
    return ClinicianFactory(user=clinician_user, first_name="Maya", last_name="Chen")


@pytest.fixture
def other_clinician(django_user_model):
    user = django_user_model.objects.create_user(username="omar", password="omar-pass-123")
    return ClinicianFactory(user=user, first_name="Omar", last_name="Haddad")
