"""The admin lives at ADMIN_URL, so a deployment can move it off the well-known /admin/."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches, reverse

import config.urls

pytestmark = pytest.mark.django_db


def reload_urls():
    clear_url_caches()
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def admin_moved():
    with override_settings(ADMIN_URL="practice-office-7f3a/"):
        reload_urls()
        yield "/practice-office-7f3a/"
    reload_urls()


def test_it_serves_admin_only_at_the_configured_path(staff_client, admin_moved):
    assert staff_client.get("/admin/").status_code == 404
    assert staff_client.get("/admin/login/").status_code == 404

    assert reverse("admin:index") == admin_moved
    assert staff_client.get(admin_moved).status_code == 200


def test_it_asks_anonymous_visitors_to_log_in_at_the_configured_path(client, admin_moved):
    response = client.get(admin_moved)

    assert response.status_code == 302
    assert response["Location"].startswith(admin_moved + "login/")


def test_it_defaults_to_admin(staff_client):
    assert reverse("admin:index") == "/admin/"
    assert staff_client.get("/admin/").status_code == 200
