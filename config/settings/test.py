"""Tests: real PostgreSQL and Redis at their local defaults, overridable by environment."""

import os

from cryptography.fernet import Fernet

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
# A key of the run's own, in the environment so the servers and workers tests start share it.
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", Fernet.generate_key().decode())

from .base import *  # noqa: E402, F403

DEBUG = False
# Tests share Redis with the broker; a local cache keeps cache.clear() away from queued tasks.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},  # as in development (base.py)
    }
}
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
