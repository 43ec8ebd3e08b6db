import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}


def test_it_answers_503_when_the_broker_is_down(client, settings, monkeypatch):
    from config import views

    monkeypatch.setattr(views, "_broker_ok", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": True, "broker": False}


def test_every_page_footer_gives_the_crisis_lines(client):
    body = client.get("/").content.decode()
    assert "not for emergencies" in body
    assert 'href="tel:988"' in body
    assert 'href="tel:911"' in body
