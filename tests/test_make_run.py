"""`make run` with nothing configured: its own PostgreSQL server under var/, the demo practice,
a worker and beat on the file-based broker; Ctrl-C or SIGTERM stops all of it cleanly."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parent.parent
STOP_DEADLINE_SECONDS = 10

# Run against the database the app is serving from: two overlapping bookings for one clinician.
DOUBLE_BOOKING = """
import datetime as dt
from django.db import IntegrityError, connection, transaction
from clinicians.models import Clinician
from consultations.models import Consultation

print("vendor", connection.settings_dict["ENGINE"].rsplit(".", 1)[-1])
clinician = Clinician.objects.order_by("pk").first()
start = dt.datetime(2031, 3, 4, 15, 0, tzinfo=dt.UTC)
fields = dict(clinician=clinician, format="video", client_first_name="Ana",
              client_email="ana@example.org", client_timezone="UTC", status="requested")
try:
    with transaction.atomic():
        for minutes in (0, 5):
            begins = start + dt.timedelta(minutes=minutes)
            Consultation.objects.create(
                starts_at=begins, ends_at=begins + dt.timedelta(minutes=15), **fields
            )
except IntegrityError as exc:
    print("refused", exc.__cause__.diag.constraint_name)
else:
    print("both stored")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    # Generous: the first request of a fresh runserver on a busy 2-core machine is slow.
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (local server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture(scope="module")
def var_dir():
    # Not under pytest's tmp_path: as root, PostgreSQL runs as an unprivileged user that must
    # reach its data folder, and pytest keeps its own temporary root private.
    base = Path(tempfile.mkdtemp(prefix="alliance-make-run-"))
    yield base / "var"
    shutil.rmtree(base, ignore_errors=True)


class App:
    def __init__(self, var: Path):
        self.var = var
        self.port = _free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env["ALLIANCE_VAR_DIR"] = str(var)
        self.process = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "run", f"PORT={self.port}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group, as a terminal gives a foreground job
        )

    def wait_until_healthy(self) -> bytes:
        deadline = time.monotonic() + 240
        status, body = None, b""
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{self.port}/healthz")
            except OSError:
                time.sleep(1)
                continue
            if status == 200:
                return body
            time.sleep(1)
        self.kill()
        pytest.fail(f"make run never became healthy ({status}): {self.output()[-3000:]}")

    def stop(self, signum: int) -> str:
        os.killpg(self.process.pid, signum)
        try:
            output, _ = self.process.communicate(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"make run still running {STOP_DEADLINE_SECONDS} s after the signal")
        return output.decode(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.communicate()

    def output(self) -> str:
        self.kill()
        return (self.process.stdout.read() or b"").decode(errors="replace")


def _assert_everything_stopped(output: str, var: Path) -> None:
    for line in ("Web server stopped.", "Beat stopped.", "Worker stopped.", "PostgreSQL stopped."):
        assert output.count(line) == 1, output[-3000:]
    assert "Segmentation fault" not in output
    assert "was killed" not in output
    assert output.count("Warm shutdown") <= 1
    assert "make: ***" not in output
    assert not (var / "postgres" / "postmaster.pid").exists()


def _run_in_app(var: Path, code: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["ALLIANCE_VAR_DIR"] = str(var)
    env["DATABASE_URL"] = f"postgres://postgres@{quote(str(var / 'postgres'), safe='')}/alliance"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.slow
def test_it_books_on_its_own_postgresql_and_stops_on_ctrl_c(var_dir):
    app = App(var_dir)
    try:
        body = app.wait_until_healthy()
        assert b'"database": true' in body and b'"broker": true' in body
        assert (var_dir / "postgres" / "PG_VERSION").exists()

        status, body = _get(f"http://127.0.0.1:{app.port}/clinicians/")
        assert status == 200
        assert b"LCSW" in body or b"LPC" in body or b"PhD" in body

        result = _run_in_app(var_dir, DOUBLE_BOOKING)
        assert "vendor postgresql" in result
        assert "refused consultation_no_double_booking" in result
    except BaseException:
        app.kill()
        raise
    output = app.stop(signal.SIGINT)

    assert "password" in output.lower(), output[-3000:]
    _assert_everything_stopped(output, var_dir)


@pytest.mark.slow
def test_a_second_run_starts_on_the_same_data_and_stops_on_sigterm(var_dir):
    app = App(var_dir)
    try:
        app.wait_until_healthy()
        status, _ = _get(f"http://127.0.0.1:{app.port}/clinicians/")
        assert status == 200
    except BaseException:
        app.kill()
        raise
    output = app.stop(signal.SIGTERM)

    _assert_everything_stopped(output, var_dir)
