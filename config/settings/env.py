"""Reading settings from the environment, failing loudly and naming the variable."""

import os
import re
import zoneinfo
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int_list(name: str, default: list[int], *, minimum: int | None = None) -> list[int]:
    values = []
    for item in env_list(name, [str(number) for number in default]):
        try:
            number = int(item)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must be whole numbers separated by commas, not {item!r}."
            ) from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name} values must be at least {minimum}, not {number}.")
        values.append(number)
    return values


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_timezone(name: str, default: str) -> str:
    value = env_str(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as America/New_York, not {value!r}."
        ) from None
    return value


def env_database(name: str, default: str | None = None) -> dict:
    """A PostgreSQL database from its URL; other databases lack the constraints we rely on."""
    import dj_database_url

    url = env_str(name, default)
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL we understand: {exc}") from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{name} must be a PostgreSQL URL such as postgres://user@host:5432/alliance."
        )
    return config


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def env_working_hours(name: str, default: str) -> list[tuple[int, str, str]]:
    """Weekly working hours such as "mon-fri 09:00-17:00;sat 10:00-13:00" as (weekday 0-6,
    start, end) in the practice's zone."""
    value = env_str(name, default)
    pattern = re.compile(
        r"^(\w{3})(?:-(\w{3}))?\s+([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$"
    )
    windows = []
    for part in (piece.strip().lower() for piece in value.split(";")):
        match = pattern.match(part)
        if (
            not match
            or match.group(1) not in _WEEKDAYS
            or (match.group(2) and match.group(2) not in _WEEKDAYS)
        ):
            raise ImproperlyConfigured(
                f"{name} must look like 'mon-fri 09:00-17:00;sat 10:00-13:00', not {part!r}."
            )
        first = _WEEKDAYS.index(match.group(1))
        last = _WEEKDAYS.index(match.group(2) or match.group(1))
        start = f"{match.group(3)}:{match.group(4)}"
        end = f"{match.group(5)}:{match.group(6)}"
        if end <= start or last < first:
            raise ImproperlyConfigured(f"{name}: {part!r} ends before it starts.")
        windows.extend((day, start, end) for day in range(first, last + 1))
    return windows


def env_fernet_keys(name: str, default: list[str]) -> list[str]:
    """Fernet keys separated by commas or spaces, newest first (see config/encryption.py)."""
    from cryptography.fernet import Fernet

    value = os.environ.get(name)
    if value is None:
        return list(default)
    keys = [key for key in value.replace(",", " ").split() if key]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (32 random bytes, url-safe "
                "base64-encoded; see the README's Security section)."
            ) from None
    return keys


def local_fernet_key(path: Path) -> str:
    """Development only: the key in this file, made (readable by its owner alone) if missing."""
    from cryptography.fernet import Fernet

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: processes starting at once (web server, worker)
        # all end up with the one key that won, never a half-written file.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(Fernet.generate_key().decode() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    try:
        Fernet(key)
    except ValueError:
        raise ImproperlyConfigured(
            f"{path} does not hold a Fernet key; delete it only if nothing was encrypted with it, "
            "or set FIELD_ENCRYPTION_KEYS."
        ) from None
    return key
