import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from config import ratelimits
from config.ratelimits import UNKNOWN_CLIENT, client_ip, lockout_ip, login_username

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


@pytest.mark.parametrize(
    "forwarded", ["not-an-ip", "999.1.1.1", "203.0.113.7:443", "6.6.6.6, <script>", "1.2.3"]
)
def test_a_hop_that_isnt_an_address_counts_as_the_unknown_client(settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(forwarded=forwarded)

    assert client_ip(request) == UNKNOWN_CLIENT
    assert lockout_ip(request) is None


def test_it_keeps_valid_addresses_of_either_family(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="2001:db8::7")) == "2001:db8::7"
    assert lockout_ip(_request(forwarded=" 203.0.113.7 ")) == "203.0.113.7"


def test_an_empty_remote_address_counts_as_the_unknown_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(remote="")) == UNKNOWN_CLIENT


def test_rate_limited_posts_with_a_bad_hop_are_limited_together_not_an_error(
    settings, client, frozen
):
    # Frozen: a rate-limit window that closed mid-test would reset the count.
    settings.TRUSTED_PROXY_COUNT = 1
    allowed = int(ratelimits.LOGIN.split("/")[0])
    bad_hops = ["not-an-ip", "999.1.1.1"]
    for number in range(allowed):
        response = client.post(
            "/login/",
            {"username": f"someone{number}", "password": "nope"},
            HTTP_X_FORWARDED_FOR=bad_hops[number % 2],
        )
        assert response.status_code == 200

    response = client.post(
        "/login/", {"username": "another", "password": "nope"}, HTTP_X_FORWARDED_FOR="999.1.1.1"
    )

    assert response.status_code == 429
    # A real address is another client, with a budget of its own.
    response = client.post(
        "/login/", {"username": "another", "password": "nope"}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert response.status_code == 200


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
