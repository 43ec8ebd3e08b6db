import datetime as dt

import pytest
from django.utils import timezone

from consultations.services import heartbeat_record
from consultations.tasks import SWEEP_HEARTBEAT, sweep_notifications

pytestmark = pytest.mark.django_db


def test_it_reports_database_broker_and_a_fresh_install_before_the_first_sweep(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": True, "broker": True},
        "beat": {"state": "not yet run", "last_sweep": None},
    }


def test_it_reports_the_beats_last_sweep(client):
    sweep_notifications()
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["beat"]["state"] == "ok"
    assert body["beat"]["last_sweep"] is not None


def test_it_answers_503_when_the_beat_has_stopped(client):
    heartbeat_record(name=SWEEP_HEARTBEAT, now=timezone.now() - dt.timedelta(minutes=6))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["beat"]["state"] == "stale"


def test_it_answers_503_when_the_broker_is_down(client, monkeypatch):
    from config import views

    monkeypatch.setattr(views, "_broker_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}
    # Pages and forms keep working without the broker: degraded, not down.
    assert response.json()["status"] == "degraded: broker"


def test_it_says_the_site_is_unavailable_without_its_database(client, monkeypatch):
    from config import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable: database"


def test_every_page_footer_gives_the_crisis_lines(client):
    body = client.get("/").content.decode()
    assert "not for emergencies" in body
    assert 'href="tel:988"' in body
    assert 'href="tel:911"' in body
