"""Fixtures shared by every test: offscreen Qt, a fresh database, the command line."""

from __future__ import annotations

import os

# Before anything imports Qt: the tests run without a display (CI has none).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Never the user's own folders: every test (and every `rendo` process it starts, which
# inherits the environment) gets its own home, settings, data, cache, log and keyring folders.
# The session's stand-ins are set here, before anything creates a QSettings or asks
# platformdirs; each test then gets fresh ones (isolated_user_folders).
import tempfile

FOLDER_VARIABLES = {
    "HOME": "home", "USERPROFILE": "home", "XDG_CONFIG_HOME": "config",
    "XDG_DATA_HOME": "data", "XDG_CACHE_HOME": "cache", "XDG_STATE_HOME": "state",
    "APPDATA": "appdata/Roaming", "LOCALAPPDATA": "appdata/Local",
    # Windows: platformdirs asks the shell for the known folders and reads these instead
    "WIN_PD_OVERRIDE_APPDATA": "appdata/Roaming", "WIN_PD_OVERRIDE_LOCAL_APPDATA": "appdata/Local",
    "RENDO_LOG_DIR": "logs",
}
KEYRING_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keyring_backend")


def _user_folders() -> list[str]:
    """Where Rendo keeps settings, data and logs for the real user (every platform)."""
    home = os.path.expanduser("~")
    roots = {
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
        "APPDATA": os.path.join(home, "AppData", "Roaming"),
        "LOCALAPPDATA": os.path.join(home, "AppData", "Local"),
    }
    folders = [os.path.join(os.environ.get(name) or default, "Rendo")
               for name, default in roots.items()]
    library = os.path.join(home, "Library")
    folders += [os.path.join(library, "Application Support", "Rendo"),
                os.path.join(library, "Logs", "Rendo"),
                os.path.join(library, "Caches", "Rendo"),
                os.path.join(library, "Preferences", "com.rendo.Rendo.plist")]
    return folders


def folder_snapshot(paths: list[str]) -> dict[str, tuple[int, int] | None]:
    """Every file and folder under *paths* with its modification time and size."""
    found: dict[str, tuple[int, int] | None] = {}
    for top in paths:
        if not os.path.lexists(top):
            found[top] = None
            continue
        for folder, dirs, files in os.walk(top):
            for name in [".", *dirs, *files]:
                path = os.path.normpath(os.path.join(folder, name))
                info = os.lstat(path)
                found[path] = (info.st_mtime_ns, info.st_size)
    return found


def isolate_user_folders(root: str) -> dict[str, str]:
    """Point every user folder at *root*/…; returns the variables to set."""
    variables = {name: os.path.join(root, sub) for name, sub in FOLDER_VARIABLES.items()}
    for path in set(variables.values()):
        os.makedirs(path, exist_ok=True)
    variables["RENDO_TEST_KEYRING"] = os.path.join(root, "keyring.json")
    variables["PYTHON_KEYRING_BACKEND"] = "rendo_test_keyring.FileKeyring"
    variables["PYTHONPATH"] = os.pathsep.join(
        p for p in (KEYRING_FOLDER, os.environ.get("PYTHONPATH", "")) if p)
    return variables


USER_FOLDERS = _user_folders()
USER_FOLDERS_BEFORE = folder_snapshot(USER_FOLDERS)
SESSION_ROOT = tempfile.mkdtemp(prefix="rendo-tests-")
os.environ.update(isolate_user_folders(SESSION_ROOT))

import json  # noqa: E402
import shutil  # noqa: E402
import sqlite3  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Protocol  # noqa: E402

import keyring  # noqa: E402
import pytest  # noqa: E402
from keyring.backend import KeyringBackend  # noqa: E402

# A fresh SQLite file per test, the Shop on it, and the `rendo` command line run on it
# in-process (fast) or as a real process (exit codes, stderr, encoding end to end).

REPO_ROOT = Path(__file__).resolve().parent.parent

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402

sys.path.insert(0, KEYRING_FOLDER)
from rendo_test_keyring import FileKeyring  # noqa: E402

QStandardPaths.setTestModeEnabled(True)


def point_settings_at(folder: str) -> None:
    """Every QSettings the code may create (any format, any scope) lives under *folder*."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)  # Windows: not the registry
    for format_ in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(format_, scope, os.path.join(folder, scope.name))


point_settings_at(os.path.join(SESSION_ROOT, "settings"))
keyring.set_keyring(FileKeyring(os.environ["RENDO_TEST_KEYRING"]))


@pytest.fixture(autouse=True)
def isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """This test's own home, settings, data, cache, log and keyring folders; `rendo`
    processes it starts inherit them through the environment."""
    root = tmp_path_factory.mktemp("user")
    for name, value in isolate_user_folders(str(root)).items():
        monkeypatch.setenv(name, value)
    point_settings_at(str(root / "settings"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring(root / "keyring.json"))
    try:
        yield root
    finally:
        keyring.set_keyring(previous)
        point_settings_at(os.path.join(SESSION_ROOT, "settings"))


@pytest.fixture(autouse=True)
def logging_as_it_was() -> Iterator[None]:
    """The command line run in-process configures logging for its process: a file in this
    test's log folder and a handler on this test's captured stderr. Both are closed after the
    test, so that later tests neither log into this test's folder nor write to a closed stream."""
    import logging

    from app import logsetup

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        # (pytest's own capturing handlers come and go with each phase: left alone)
        if handler not in handlers and type(handler).__module__.startswith("logging"):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    logsetup._configured, logsetup._log_file = False, None


@pytest.fixture(scope="session", autouse=True)
def one_qapplication(qapp: Any) -> Any:
    """pytest-qt's QApplication exists before any test runs code that would otherwise make a
    bare QCoreApplication (the command line run in-process, a translation): a window test
    after it would then find no QApplication."""
    return qapp


@pytest.fixture
def gui_record(qapp: Any) -> Iterator[Callable[..., list[tuple[Any, ...]]]]:
    """``calls = gui_record(worker.failed, str, str)``: every emission of the signal, recorded by
    a slot of an object in the GUI thread, so a signal from a worker thread arrives queued.

    Use it with ``qtbot.waitUntil(lambda: bool(calls))`` instead of ``qtbot.waitSignal`` on a
    worker's signal: waitSignal's timer would be stopped from the worker's thread (a Qt
    warning), and a lambda connected to the signal would run in the worker's thread.
    """
    from PySide6.QtCore import QObject, Slot

    recorders: list[QObject] = []

    def record(signal: Any, *types: type) -> list[tuple[Any, ...]]:
        calls: list[tuple[Any, ...]] = []

        class Recorder(QObject):
            @Slot(*types)
            def take(self, *args: Any) -> None:
                calls.append(args)

        recorder = Recorder()
        signal.connect(recorder.take)
        recorders.append(recorder)
        return calls

    yield record
    for recorder in recorders:
        recorder.deleteLater()


@pytest.fixture
def user_folders_now() -> Callable[[], dict[str, tuple[int, int] | None]]:
    """A snapshot of the real user's Rendo folders (paths, times and sizes) when called."""
    return lambda: folder_snapshot(USER_FOLDERS)


@pytest.fixture(scope="session", autouse=True)
def user_folders_untouched() -> Iterator[None]:
    """At the end of the session the real user's Rendo folders are as they were."""
    yield
    after = folder_snapshot(USER_FOLDERS)
    changed = sorted(path for path in set(after) | set(USER_FOLDERS_BEFORE)
                     if after.get(path) != USER_FOLDERS_BEFORE.get(path))
    shutil.rmtree(SESSION_ROOT, ignore_errors=True)
    assert changed == [], f"the tests changed the user's own files: {changed}"


@dataclass(frozen=True)
class RendoRun:
    """What one `rendo …` call did: its exit code and what it printed."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def json(self) -> Any:
        return json.loads(self.out)


def dump_database(path: str | Path) -> list[str]:
    """Every table's schema and rows (sqlite_sequence included), as SQL text lines; on a
    postgresql:// URL, every table's rows as text lines (not its sequences, which move on
    with rolled-back inserts too)."""
    if "://" in str(path):
        return pg_dump_rows(str(path))
    connection = sqlite3.connect(str(path))
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def execute_sql(path: str | Path, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Raw SQL on the file (or postgresql:// URL) behind Rendo's back (a tampered cache, a
    newer schema…). Parameters are written ``?`` for both."""
    if "://" in str(path):
        import psycopg

        with psycopg.connect(str(path)) as pg:
            pg.execute(sql.replace("?", "%s"), params)
        return
    connection = sqlite3.connect(str(path))
    try:
        connection.execute(sql, params)
        connection.commit()
    finally:
        connection.close()


def pg_dump_rows(url: str) -> list[str]:
    """Every table's rows of the PostgreSQL database at *url*, sorted, as text lines."""
    import psycopg

    from tests.dumps import table_lines

    with psycopg.connect(url) as pg:
        return table_lines(pg.execute)


# -- PostgreSQL: a real server for the session, a fresh database per test (tests/pg_server.py)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A real PostgreSQL server on a free loopback port, started the first time a test asks
    for it and stopped at the end of the session. ``pg_server.restart()`` cuts every client
    off and starts it again (same port, same data)."""
    from tests.pg_server import PgServer

    server = PgServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: Any) -> Iterator[str]:
    """The postgresql:// URL (password included) of a new, empty database, dropped after."""
    if pg_server.process is None:  # a test halted it and failed before resuming
        pg_server.resume()
    name = pg_server.create_database()
    try:
        yield pg_server.url(name)
    finally:
        if pg_server.process is None:
            pg_server.resume()
        pg_server.drop_database(name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.databases("sqlite", "postgresql")`` (on a test, class or module): the
    test runs once per kind, its ``db_path`` (and so ``shop``, ``rendo``…) being a SQLite file
    or a fresh PostgreSQL database."""
    marker = metafunc.definition.get_closest_marker("databases")
    # (marked on a module or class: the tests there that use no database run once)
    if marker is not None and "database_kind" in metafunc.fixturenames:
        kinds = list(marker.args)
        unknown = set(kinds) - {"sqlite", "postgresql"}
        assert kinds and not unknown, f"databases(): unknown kinds {sorted(unknown)}"
        metafunc.parametrize("database_kind", kinds, indirect=True)


@pytest.fixture
def database_kind(request: pytest.FixtureRequest) -> str:
    """"sqlite" (the default) or "postgresql" (tests marked ``databases(...)``)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_path(tmp_path: Path, database_kind: str, request: pytest.FixtureRequest) -> str:
    """Where the test's database is: a SQLite file, or a postgresql:// URL."""
    if database_kind == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "rendo.sqlite3")


@pytest.fixture
def shop(db_path: str) -> Iterator[Any]:
    """The service layer on a fresh, migrated database; closed after the test."""
    from app.services.shop import Shop
    from app.store.database import close_database, open_database

    open_database(db_path)
    try:
        yield Shop()
    finally:
        close_database()


@pytest.fixture
def rendo_on(capsys: pytest.CaptureFixture[str], qapp: Any) -> Callable[..., RendoRun]:
    """`rendo --db WHERE ARGS…` run in-process through app.cli.main.

    Each call opens and closes the database (as the command does), so do not use it in the
    same test as the `shop` fixture. It asks for pytest-qt's `qapp` so that the command reuses
    that QApplication: a bare QCoreApplication left behind by the command would make every
    later widget test in the session abort.
    """
    from app.cli import main

    def run(where: str | Path, *args: str) -> RendoRun:
        capsys.readouterr()  # forget what came before
        try:
            code = main(["--db", str(where), *args])
        except SystemExit as stop:  # argparse refusing an argument
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return RendoRun(code, captured.out, captured.err)

    return run


@pytest.fixture
def rendo(db_path: str, rendo_on: Callable[..., RendoRun]) -> Callable[..., RendoRun]:
    """`rendo --db <db_path> ARGS…` run in-process (see `rendo_on`)."""
    return lambda *args: rendo_on(db_path, *args)


@pytest.fixture
def rendo_process(db_path: str) -> Callable[..., RendoRun]:
    """`python -m app --db <db_path> ARGS…` as a separate process (slower: use sparingly)."""
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")

    def run(*args: str, db: str | None = None) -> RendoRun:
        done = subprocess.run(
            [sys.executable, "-m", "app", "--db", db or db_path, *args],
            cwd=REPO_ROOT, env=env, capture_output=True, encoding="utf-8", timeout=60,
        )
        return RendoRun(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def db_dump(db_path: str) -> Callable[..., list[str]]:
    """A dump of the whole test database (or of *path*) now: equal dumps, nothing written."""
    return lambda path=None: dump_database(path or db_path)


@pytest.fixture
def raw_sql(db_path: str) -> Callable[..., None]:
    """Run raw SQL on the test database (or on *path*) behind Rendo's back."""

    def run(sql: str, params: tuple[Any, ...] = (), path: str | None = None) -> None:
        execute_sql(path or db_path, sql, params)

    return run


class Server(Protocol):
    """A loopback server that starts on ``__enter__`` and stops on ``__exit__``."""

    def __enter__(self) -> Any: ...

    def __exit__(self, *exc: object) -> Any: ...


@pytest.fixture
def servers() -> Iterator[Callable[[Any], Any]]:
    """``servers(SandboxServer(...))`` or ``servers(HostileServer(...))``: started now, stopped
    (last first) after the test, whatever it did."""
    started: list[Server] = []

    def start(server: Server) -> Any:
        running = server.__enter__()
        started.append(server)
        return running

    yield start
    for server in reversed(started):
        server.__exit__(None, None, None)


@pytest.fixture
def sandbox(servers: Callable[[Any], Any]) -> Callable[..., Any]:
    """Sandbox shops on loopback, stopped after the test: ``sandbox({"A": 3}, token=None)``
    returns the running SandboxServer; ``sandbox(shop=RepeatingShop())`` serves a given shop;
    other keywords go to SandboxServer (``rate_limit_per_s=3``)."""
    from app.channels.sandbox_server import SandboxServer, SandboxShop

    def start(listings: dict[str, int] | None = None, token: str | None = None,
              shop: SandboxShop | None = None, **options: Any) -> SandboxServer:
        served = shop if shop is not None else SandboxShop()
        for sku, quantity in (listings or {}).items():
            served.add_listing(sku, quantity)
        server: SandboxServer = servers(SandboxServer(served, token=token, **options))
        return server

    return start


@pytest.fixture
def dead_url(sandbox: Callable[..., Any]) -> str:
    """The address of a sandbox shop that has just closed: nothing answers there."""
    server = sandbox()
    url: str = server.url
    server.stop()
    return url


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in the test: nothing reaches the PC's real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by one in memory for the test."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)
