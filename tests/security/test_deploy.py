"""Production settings pass Django's deployment checks; every page carries a strict CSP."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from consultations import tokens
from consultations.models import Consultation

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DEBUG"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="alliance.example.org",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance"),
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_a_weak_secret_key():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "insecure-" + "x" * 60,
        "ALLOWED_HOSTS": "alliance.example.org",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.fixture
def pages(client, clinician_a, consultation_a, intake_a, staff_user):
    Consultation.objects.filter(pk=consultation_a.pk).update(status=Consultation.Status.COMPLETED)
    _intake, raw = intake_a
    return [
        reverse("home"),
        reverse("privacy"),
        reverse("login"),
        reverse("matching:start"),
        reverse("matching:step", args=["safety"]),
        reverse("matching:results", args=[raw]),
        reverse("matching:results", args=["expired-or-unknown"]),
        reverse("consultations:manage", args=[tokens.make_token(consultation_a, tokens.MANAGE)]),
        reverse(
            "consultations:fit_check", args=[tokens.make_token(consultation_a, tokens.FIT_CHECK)]
        ),
        reverse("clinicians:directory"),
        reverse("clinicians:profile", args=[clinician_a.slug]),
        "/no-such-page/",
        reverse("admin:login"),
    ]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_every_page_has_a_csp_without_unsafe_inline(client, pages):
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        policy = response.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert "frame-ancestors 'none'" in policy, url


def test_our_pages_need_no_inline_script(client, pages):
    for url in pages:
        if url.startswith(reverse("admin:index")):
            continue
        body = client.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not EVENT_HANDLER.search(body), url


def test_the_portal_has_the_csp_too(client, clinician_a):
    client.force_login(clinician_a.user)

    response = client.get(reverse("consultations:portal"))

    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_settings_keep_cookies_away_from_scripts():
    assert settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_HTTPONLY
    assert settings.X_FRAME_OPTIONS == "DENY"


def test_production_refuses_to_start_without_redis():
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="alliance.example.org",
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "REDIS_URL is required in production" in result.stderr
