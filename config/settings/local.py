"""Development (`make run`): the private PostgreSQL server in var/postgres/ and a file-based broker
by default, emails written to var/mail/."""

from .base import *  # noqa: F403
from .env import env_bool, env_choice, env_str, local_fernet_key

DEBUG = env_bool("DEBUG", True)
# One readable .eml file per message (consultations/mail.py).
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "consultations.mail.EmlFileBackend")
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Readable lines in a terminal; production logs JSON.
LOGGING["handlers"]["console"]["formatter"] = env_choice("LOG_FORMAT", "plain", ("json", "plain"))  # noqa: F405

# The app's own encryption key for development data, made once and kept beside the database.
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    FIELD_ENCRYPTION_KEYS = [local_fernet_key(VAR_DIR / "field-encryption.key")]  # noqa: F405
