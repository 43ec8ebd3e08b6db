"""Where the encryption keys come from: production refuses to start without one, development
(`make run`) makes its own once and keeps it under var/, a malformed key names the variable."""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.settings import env

ROOT = Path(__file__).resolve().parents[2]
PRINT_KEYS = "import django; django.setup(); from django.conf import settings; " + (
    "print(','.join(settings.FIELD_ENCRYPTION_KEYS))"
)


def run_settings(module: str, tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "FIELD_ENCRYPTION_", "ALLIANCE_VAR_DIR"))
    }
    environment.update(DJANGO_SETTINGS_MODULE=module, ALLIANCE_VAR_DIR=str(tmp_path), **variables)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PRINT_KEYS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production(tmp_path, **variables) -> subprocess.CompletedProcess:
    return run_settings(
        "config.settings.production",
        tmp_path,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="alliance.example.org",
        **variables,
    )


def test_production_refuses_to_start_without_a_key(tmp_path):
    result = production(tmp_path)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is required in production" in result.stderr


def test_production_names_the_variable_for_a_malformed_key(tmp_path):
    good = Fernet.generate_key().decode()

    result = production(tmp_path, FIELD_ENCRYPTION_KEYS=f"{good},not-a-key")

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr


def test_production_takes_several_keys_newest_first(tmp_path):
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    result = production(tmp_path, FIELD_ENCRYPTION_KEYS=f"{new}, {old}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{new},{old}"


def test_development_makes_its_own_key_once_and_keeps_it(tmp_path):
    first = run_settings("config.settings.local", tmp_path)
    second = run_settings("config.settings.local", tmp_path)

    key_file = tmp_path / "field-encryption.key"
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert key_file.read_text().strip() == first.stdout.strip()
    Fernet(first.stdout.strip())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_development_refuses_a_damaged_key_file(tmp_path):
    (tmp_path / "field-encryption.key").write_text("damaged\n")

    with pytest.raises(ImproperlyConfigured, match="does not hold a Fernet key"):
        env.local_fernet_key(tmp_path / "field-encryption.key")


def test_the_environment_overrides_the_development_key_file(tmp_path):
    key = Fernet.generate_key().decode()

    result = run_settings("config.settings.local", tmp_path, FIELD_ENCRYPTION_KEYS=key)

    assert result.stdout.strip() == key
    assert not (tmp_path / "field-encryption.key").exists()


def test_processes_starting_at_once_share_one_development_key(tmp_path):
    runs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", PRINT_KEYS],
            cwd=ROOT,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("FIELD_ENCRYPTION_")},
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "ALLIANCE_VAR_DIR": str(tmp_path),
            },
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in runs}

    assert keys == {(tmp_path / "field-encryption.key").read_text().strip()}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["field-encryption.key"]
