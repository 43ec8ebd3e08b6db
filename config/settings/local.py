"""Development (`make run`): the private PostgreSQL server in var/postgres/ and a file-based broker
by default, emails written to var/mail/."""

from .base import *  # noqa: F403
from .env import env_bool, env_choice, env_str

DEBUG = env_bool("DEBUG", True)
# One readable .eml file per message (consultations/mail.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "consultations.mail.EmlFileBackend")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Readable lines in a terminal; production logs JSON.
LOGGING["handlers"]["console"]["formatter"] = env_choice("LOG_FORMAT", "plain", ("json", "plain"))  # noqa: F405
