"""A real PostgreSQL server for the tests, started from the system's binaries.

Why not pytest-postgresql: it runs ``pg_ctl``/``initdb`` as the current user, and both refuse
to run as root, which is what CI is (a fresh Debian as root); its maintainers left running as
another user to the container's set-up (dbfixtures/pytest-postgresql issues #341 and #455).
This module does the little it needs itself: ``initdb`` and ``postgres`` run as the
``postgres`` user (or ``nobody``) when the tests run as root, on a temporary data folder
that user owns, on a free loopback port, with fsync off (nothing here must survive a crash
of the machine), and the server is stopped and its folder removed at the end.

Logins go over TCP with a password (scram-sha-256), as a shop's PCs would log in to the
office server, so a password in a URL is really used and a wrong one really refused.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

SUPERUSER = "postgres"
PASSWORD = "s3cret-pw"  # a test server on loopback; tests check it never shows
BIN_ENV = "RENDO_TEST_PG_BIN"  # the folder of initdb and postgres, if not Debian's


def binaries() -> Path:
    """The folder of ``initdb`` and ``postgres``: $RENDO_TEST_PG_BIN, the newest of Debian's
    /usr/lib/postgresql/N/bin, or the PATH's."""
    named = os.environ.get(BIN_ENV)
    if named:
        return Path(named)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(
        "PostgreSQL's server binaries were not found: run `bash .ci/setup.sh test` (it installs "
        f"Debian's postgresql package) or set {BIN_ENV} to the folder holding initdb and postgres")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """Who runs the server when we are root (PostgreSQL refuses root); None: ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, but there is no postgres or nobody user to run "
                       "PostgreSQL as")


class PgServer:
    """One PostgreSQL server: ``start()``, ``url(name)``, ``restart()``, ``stop()``."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.user = _server_user()
        self.port = 0
        self.folder = Path()
        self.process: subprocess.Popen[bytes] | None = None

    # -- the server's life

    def start(self) -> PgServer:
        self.folder = Path(tempfile.mkdtemp(prefix="rendo-pg-"))
        os.chmod(self.folder, 0o700)
        self._give(self.folder)
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        self._give(password_file)
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                   "--pwfile", str(password_file), "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
        password_file.unlink()
        self.port = free_port()
        self._launch()
        return self

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _give(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def _as_server_user(self) -> dict[str, Any]:
        if self.user is None:
            return {}
        return {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(command, cwd=self.folder, capture_output=True, text=True,
                              timeout=120, **self._as_server_user())
        if done.returncode:
            raise RuntimeError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")

    def _launch(self) -> None:
        log = open(self.folder / "server.log", "ab")  # noqa: SIM115 (the server keeps it)
        self._give(self.folder / "server.log")
        settings = {
            "listen_addresses": "127.0.0.1", "port": str(self.port),
            "unix_socket_directories": "", "fsync": "off", "synchronous_commit": "off",
            "full_page_writes": "off", "max_connections": "200", "shared_buffers": "32MB",
            "log_min_messages": "warning",
        }
        command = [str(self.bin / "postgres"), "-D", str(self.data)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        self.process = subprocess.Popen(
            command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, **self._as_server_user())
        log.close()
        self._wait_ready()

    def _wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"PostgreSQL stopped at start: {self.log_tail()}")
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start: {self.log_tail()}") from None
                time.sleep(0.05)

    def log_tail(self, lines: int = 20) -> str:
        path = self.folder / "server.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def halt(self, immediate: bool = False) -> None:
        """Stop the server: a fast shutdown (clients cut off, SIGINT) or an immediate one
        (as if it crashed, SIGQUIT). The data stays; ``resume()`` starts it again."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT if immediate else signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)

    def resume(self) -> None:
        """Start the halted server again on the same port and data."""
        self._launch()

    def restart(self, immediate: bool = False, down_for: float = 0.0) -> None:
        """Stop the server (every client loses its connection) and start it again."""
        self.halt(immediate)
        if down_for:
            time.sleep(down_for)
        self.resume()

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self.halt()
        if self.folder != Path() and self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)

    # -- databases

    def conninfo(self, database: str) -> str:
        return (f"host=127.0.0.1 port={self.port} dbname={database} user={SUPERUSER} "
                f"password={PASSWORD}")

    def url(self, database: str) -> str:
        """The postgresql:// URL of *database* on this server, password included."""
        return f"postgresql://{SUPERUSER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run *sql* as the superuser on the maintenance database (autocommit)."""
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self) -> str:
        """A new, empty database; returns its name."""
        name = "rendo_" + uuid.uuid4().hex[:12]
        self.admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return name

    def drop_database(self, name: str) -> None:
        """Drop *name*, ending any connection a test left open to it."""
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def query(self, database: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of *sql* run on *database* behind Rendo's back (committed)."""
        with psycopg.connect(self.conninfo(database)) as connection:
            cursor = connection.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
