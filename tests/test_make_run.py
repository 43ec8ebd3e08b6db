"""`make run` on the embedded default: SQLite and the file-based broker, no servers."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local server)
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_it_serves_healthz_and_the_directory_on_sqlite_with_the_embedded_broker(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["ALLIANCE_VAR_DIR"] = str(tmp_path / "var")
    process = subprocess.Popen(  # noqa: S603
        ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        status, body = None, b""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
            except OSError:
                time.sleep(1)
                continue
            if status == 200:
                break
            time.sleep(1)
        assert status == 200, body
        assert b'"database": true' in body and b'"broker": true' in body
        assert (tmp_path / "var" / "alliance.sqlite3").exists()

        status, body = _get(f"http://127.0.0.1:{port}/clinicians/")
        assert status == 200
        assert b"LCSW" in body or b"LPC" in body or b"PhD" in body
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    text = output.decode(errors="replace")
    assert "Password" in text or "password" in text, text[-2000:]
