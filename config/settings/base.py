"""Settings shared by every environment. Values come from the environment (see README)."""

from pathlib import Path
from urllib.parse import quote

import xstatic.pkg.bootstrap
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import (
    env_bool,
    env_choice,
    env_database,
    env_fernet_keys,
    env_int,
    env_int_list,
    env_list,
    env_str,
    env_timezone,
    env_working_hours,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("ALLIANCE_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-change-me-" + "x" * 20)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_ratelimit",
    "clinicians",
    "consultations",
    "matching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Accept-Language on a first visit: a Spanish browser lands on the /es/ page.
    "config.middleware.language_from_browser",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.middleware.practice_time_in_admin",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a rate-limited request into the friendly 429 page (RATELIMIT_VIEW).
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clinicians.context_processors.practice",
                "config.context_processors.language_switch",
            ],
            "libraries": {"phone": "config.templatetags.phone"},
        },
    },
]

# PostgreSQL only: double booking is prevented by an exclusion constraint. The default is the
# private server that `make run` starts in var/postgres/ (config/devserver.py); production
# requires DATABASE_URL.
DATABASES = {
    "default": env_database(
        "DATABASE_URL", f"postgres://postgres@{quote(str(VAR_DIR / 'postgres'), safe='')}/alliance"
    ),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "consultations:portal"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Spanish numbers as US readers write them (config/formats/es/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Sessions carry intake drafts: stored encrypted with FIELD_ENCRYPTION_KEYS (config/encryption.py).
SESSION_SERIALIZER = "config.encryption.EncryptedSessionSerializer"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

ADMIN_URL = env_str("ADMIN_URL", "admin/")

# What clients tell us is stored encrypted with these keys, newest first (config/encryption.py).
# Production requires them; development keeps its own under var/, tests make their own.
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS", [])

# Content Security Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls' arrows and ticks with data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Logins: a username is locked for an hour after 5 failures from the same address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "config.ratelimits.login_username"
AXES_CLIENT_IP_CALLABLE = "config.ratelimits.lockout_ip"

# Reverse proxies in front of the app that append to X-Forwarded-For (0: clients connect
# directly). Rate limits and lockouts count per client address, so this must be right.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
RATELIMIT_IP_META_KEY = "config.ratelimits.client_ip"

# Rate limits on what anyone can post (intake, booking, client links); see config/ratelimits.py.
RATELIMIT_VIEW = "config.views.rate_limited"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# While the cache can't count (Redis down), requests go through rather than all being refused.
RATELIMIT_FAIL_OPEN = True

# The practice, shown in every page's footer and in every email.
PRACTICE_NAME = env_str("PRACTICE_NAME", "Alliance Counseling Group")
PRACTICE_PHONE = env_str("PRACTICE_PHONE", "(555) 010-2000")
PRACTICE_ADDRESS = env_str("PRACTICE_ADDRESS", "120 Main Street, Suite 400, Springfield")
PRACTICE_TIME_ZONE = env_timezone("PRACTICE_TIME_ZONE", "America/New_York")
PRACTICE_INTAKE_EMAIL = env_str("PRACTICE_INTAKE_EMAIL", "intake@alliance.example.org")
# When staff are at work, in the practice's zone; a same-day call not marked reached within
# SAME_DAY_CALL_REMINDER_HOURS of these hours sends one reminder to PRACTICE_INTAKE_EMAIL.
PRACTICE_WORKING_HOURS = env_working_hours("PRACTICE_WORKING_HOURS", "mon-fri 09:00-17:00")
SAME_DAY_CALL_REMINDER_HOURS = env_int("SAME_DAY_CALL_REMINDER_HOURS", 4, minimum=1)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# `seed_demo` and `demo_logins` (fixed, published passwords) refuse to run where this is false.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", True)

# How long a client's private links work, and how long unbooked intakes are kept.
INTAKE_TOKEN_DAYS = env_int("INTAKE_TOKEN_DAYS", 30, minimum=1)
INTAKE_RETENTION_DAYS = env_int("INTAKE_RETENTION_DAYS", 30, minimum=1)
MANAGE_TOKEN_DAYS = env_int("MANAGE_TOKEN_DAYS", 60, minimum=1)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
# For the file backends (development's default): where messages are written.
EMAIL_FILE_PATH = Path(env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{PRACTICE_NAME} <hello@alliance.example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

if REDIS_URL := env_str("REDIS_URL", ""):
    CACHES = {
        "default": {
            # An empty cache while Redis is down, so pages keep working (config/cache.py).
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": env_str("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "alliance",
            # An unreachable Redis costs a request a second at most, not the system's TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Django's own Redis cache increments atomically; the check only knows django-redis.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    # One process in development: a local cache is enough for rate limits there. Room for more
    # than the default 300 entries: each roster change leaves one (config/snapshots.py), and a
    # full cache would drop rate-limit counters and stored results to make room.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# Celery: Redis when REDIS_URL is set, otherwise a broker kept in files under var/.
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Keep the project's logging (JSON, request data dropped) in the worker and beat too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    # Due notifications are state in the database; this sweep sends them (and any a lost task left).
    "notifications-sweep": {
        "task": "consultations.tasks.sweep_notifications",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Lapsed waiting-list holds move on to the next person (consultations/waitlist.py).
    "waitlist-sweep": {
        "task": "consultations.tasks.sweep_waitlist",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Clinicians' daily summaries, at the time each chose in their zone (consultations/tasks.py).
    "consultations-clinician-digests": {
        "task": "consultations.tasks.record_digests",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Requests nobody confirmed in time release their slot (consultations/booking_tasks.py).
    "consultations-expire-requests": {
        "task": "consultations.expire_requests",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Same-day calls not marked reached in time get their one reminder (matching/queue.py).
    "matching-same-day-call-reminders": {
        "task": "matching.tasks.remind_same_day_calls",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Unbooked intakes older than INTAKE_RETENTION_DAYS are deleted (matching/tasks.py).
    "matching-purge-intakes": {
        "task": "matching.tasks.purge_intakes",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
    # Expired sessions (unsent intake drafts among them) are deleted (matching/tasks.py).
    "matching-clear-expired-sessions": {
        "task": "matching.tasks.clear_expired_sessions",
        "schedule": 24 * 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
    # Clinicians' strengths per concern, from check-ins (matching/strengths.py); also after each.
    "matching-recompute-strengths": {
        "task": "matching.tasks.recompute_strengths",
        "schedule": 6 * 60 * 60.0,
        "options": {"expires": 60 * 60},
    },
}

# Notifications: reminders before a consultation (minutes), the fit check after it, and how
# failures and outages are handled (see consultations/notifications.py).
CONSULTATION_REMINDERS_MINUTES = env_int_list(
    "CONSULTATION_REMINDERS_MINUTES", [1440, 60], minimum=1
)
FIT_CHECK_DELAY_MINUTES = env_int("FIT_CHECK_DELAY_MINUTES", 15, minimum=0)
NOTIFICATION_GRACE_MINUTES = env_int("NOTIFICATION_GRACE_MINUTES", 360, minimum=0)
# Check-ins after therapy starts (consultations/checkins.py): the weeks after the first session
# when the email goes, how long its link works, and what makes one "low" or "worse".
CHECKIN_WEEKS = env_int_list("CHECKIN_WEEKS", [2, 6, 12], minimum=1)
CHECKIN_TOKEN_DAYS = env_int("CHECKIN_TOKEN_DAYS", 14, minimum=1)
CHECKIN_ALLIANCE_DROP = env_int("CHECKIN_ALLIANCE_DROP", 3, minimum=1)
CHECKIN_SYMPTOM_RISE = env_int("CHECKIN_SYMPTOM_RISE", 2, minimum=1)
# A claimed row whose sender went quiet this long is put back: with the minute's sweep, a dead
# worker's message goes out within lease + 60 s. One send must fit in it comfortably.
NOTIFICATION_CLAIM_LEASE_SECONDS = env_int("NOTIFICATION_CLAIM_LEASE_SECONDS", 45, minimum=1)
if NOTIFICATION_CLAIM_LEASE_SECONDS < 2 * EMAIL_TIMEOUT:
    raise ImproperlyConfigured(
        f"NOTIFICATION_CLAIM_LEASE_SECONDS ({NOTIFICATION_CLAIM_LEASE_SECONDS}) must be at least "
        f"twice EMAIL_TIMEOUT ({EMAIL_TIMEOUT}), or a slow send could go out twice."
    )
# Temporary mail trouble is retried this long after the first failure, with backoff from
# NOTIFICATION_RETRY_BASE_SECONDS doubling up to NOTIFICATION_RETRY_MAX_SECONDS.
NOTIFICATION_RETRY_HOURS = env_int("NOTIFICATION_RETRY_HOURS", 48, minimum=1)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 60, minimum=1)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 1800, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"drop_request_data": {"()": "config.logging.DropRequestData"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_choice("LOG_FORMAT", "json", ("json", "plain")),
            "filters": ["drop_request_data"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
