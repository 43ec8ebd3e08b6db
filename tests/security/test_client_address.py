import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from config.ratelimits import client_ip, login_username

pytestmark = pytest.mark.django_db


def _request(remote="10.0.0.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/login/", **extra)


def test_it_counts_the_connecting_address_without_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="1.2.3.4")) == "10.0.0.9"


def test_it_counts_the_address_the_trusted_proxy_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first hop; the proxy appended the real address last.
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.7")) == "203.0.113.7"


def test_it_falls_back_when_the_proxy_header_is_missing(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request(forwarded="203.0.113.7")) == "10.0.0.9"


def test_it_bounds_the_username_a_failed_login_counts_against():
    assert len(login_username(_request(), {"username": "x" * 5000})) == 150
    assert login_username(_request(), {"username": "maya.chen"}) == "maya.chen"


def test_a_login_with_an_absurd_username_is_a_failed_login_not_an_error(client):
    response = client.post("/login/", {"username": "\ufdfa" * 150, "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


def test_a_clinician_cannot_make_the_server_build_thousands_of_forms(client):
    from tests.clinicians.factories import ClinicianFactory

    login = get_user_model().objects.create_user(username="maya", password="pw-12345-long")
    clinician = ClinicianFactory(user=login)
    client.force_login(login)
    response = client.post(
        "/consultations/portal/availability/",
        {
            "hours-TOTAL_FORMS": "999999",
            "hours-INITIAL_FORMS": "0",
            "exceptions-TOTAL_FORMS": "0",
            "exceptions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code < 500
    assert clinician.consultation_hours.count() == 5
