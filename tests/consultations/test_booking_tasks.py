import datetime as dt

import pytest
from django.conf import settings

from config.celery import app
from consultations import booking_tasks

from .factories import ConsultationFactory


def test_it_registers_the_expiry_task_and_schedules_it_every_5_minutes():
    assert "consultations.expire_requests" in app.tasks
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "consultations.expire_requests"
    ]
    assert [e["schedule"] for e in entries] == [300.0]


@pytest.mark.django_db
def test_it_expires_stale_requests_when_run(clinician, time_machine):
    request = ConsultationFactory(clinician=clinician)
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))
    assert booking_tasks.expire_requests.apply().get() == 1
    request.refresh_from_db()
    assert request.status == "expired"
