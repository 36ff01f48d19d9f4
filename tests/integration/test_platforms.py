"""Windows and macOS, checked on any OS: the folders Rendo uses there, the log shared by several
processes on Windows, the file Excel holds open, CSV files in Windows' code page, and every text
file opened with an encoding (Windows' default is not UTF-8)."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

import platformdirs
import platformdirs.macos
import platformdirs.unix
import platformdirs.windows
import pytest

from app import logsetup
from app.files import common, csv_io, xlsx_io
from app.store.database import default_db_path

ROOT = Path(__file__).resolve().parents[2]
LOCAL = r"C:\Users\shop\AppData\Local"


@pytest.fixture
def on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """platformdirs answers as it does on Windows (known folders as the shell names them)."""
    folders = {"CSIDL_LOCAL_APPDATA": LOCAL, "CSIDL_APPDATA": r"C:\Users\shop\AppData\Roaming"}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", folders.__getitem__)
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    monkeypatch.delenv("RENDO_LOG_DIR")


@pytest.fixture
def on_macos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "RENDO_LOG_DIR"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_on_windows_the_shop_and_its_log_live_in_local_appdata(on_windows: None) -> None:
    """Not in the roaming profile: a SQLite file copied between PCs at log-on while Rendo
    writes it would be damaged."""
    assert PureWindowsPath(default_db_path()) == PureWindowsPath(
        LOCAL, "Rendo", "Rendo", "rendo.sqlite3")
    assert PureWindowsPath(logsetup.log_dir()) == PureWindowsPath(LOCAL, "Rendo", "Rendo", "Logs")


def test_on_macos_the_shop_and_its_log_live_in_the_library(on_macos: Path) -> None:
    home = on_macos
    assert default_db_path() == home / "Library" / "Application Support" / "Rendo" / (
        "rendo.sqlite3")
    assert logsetup.log_dir() == home / "Library" / "Logs" / "Rendo"


def test_the_readme_names_the_database_file_platformdirs_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda _: "%LOCALAPPDATA%")
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.windows.Windows)
    windows = str(PureWindowsPath(default_db_path()))
    monkeypatch.setenv("HOME", "/home/shop")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.macos.MacOS)
    macos = "~" + str(PurePosixPath(default_db_path())).removeprefix("/home/shop")
    monkeypatch.setattr(platformdirs, "PlatformDirs", platformdirs.unix.Unix)
    linux = "~" + str(PurePosixPath(default_db_path())).removeprefix("/home/shop")
    assert (windows, macos, linux) == (r"%LOCALAPPDATA%\Rendo\Rendo\rendo.sqlite3",
                                       "~/Library/Application Support/Rendo/rendo.sqlite3",
                                       "~/.local/share/Rendo/rendo.sqlite3")
    for path in (windows, macos, linux):
        assert f"`{path}`" in readme


# -- the log -------------------------------------------------------------------------------------

def test_the_log_goes_on_when_windows_will_not_rename_a_file_another_rendo_holds_open(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """The window, `rendo sync --watch` and commands write one log. On Windows the rollover
    fails while another of them has the file open: no record may be lost, and nothing may be
    printed (a command's stderr is the user's screen)."""
    path = tmp_path / "rendo.log"
    handler = logsetup.SharedRotatingFileHandler(path, max_bytes=2_000, backup_count=3)
    locked = True

    def rename(source: str, target: str) -> None:
        if locked:
            raise PermissionError(32, "The process cannot access the file because it is being "
                                      "used by another process", source)
        Path(source).replace(target)

    handler.rotator = rename
    logger = logging.Logger("rendo-test")
    logger.addHandler(handler)
    try:
        for number in range(100):
            logger.warning("record %03d %s", number, "x" * 40)
        assert capsys.readouterr().err == ""
        assert re.findall(r"record (\d+)", path.read_text(encoding="utf-8")) == [
            f"{n:03d}" for n in range(100)]
        assert not (tmp_path / "rendo.log.1").exists()

        locked = False  # the other Rendo closed: the next rollover works
        for number in range(100, 160):
            logger.warning("record %03d %s", number, "x" * 40)
        assert (tmp_path / "rendo.log.1").exists()
        assert path.stat().st_size < 2_000
    finally:
        handler.close()
    assert capsys.readouterr().err == ""


def test_the_log_file_rotates_as_before_where_renaming_works(tmp_path: Path) -> None:
    path = tmp_path / "rendo.log"
    handler = logsetup.SharedRotatingFileHandler(path, max_bytes=1_000, backup_count=2)
    logger = logging.Logger("rendo-test")
    logger.addHandler(handler)
    try:
        for number in range(200):
            logger.warning("record %03d %s", number, "x" * 40)
    finally:
        handler.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rendo.log", "rendo.log.1",
                                                         "rendo.log.2"]
    assert path.stat().st_size <= 1_000
    assert "record 199" in path.read_text(encoding="utf-8")


def test_a_windowed_build_without_stderr_logs_to_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A windowed program on Windows has no stdout and no stderr (sys.stderr is None)."""
    monkeypatch.setenv("RENDO_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(logsetup.sys, "stderr", None)
    monkeypatch.setattr(logsetup, "_configured", False)
    monkeypatch.setattr(logsetup, "_log_file", None)
    root = logging.getLogger()
    handlers_before, level_before = list(root.handlers), root.level
    try:
        assert logsetup.configure_logging() == tmp_path / "logs" / "rendo.log"
        added = [h for h in root.handlers if h not in handlers_before]
        assert [type(h) for h in added] == [logsetup.SharedRotatingFileHandler]
        logging.getLogger("rendo.test").warning("ロック中 %s", "①")
        added[0].flush()
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers_before:
                root.removeHandler(handler)
                handler.close()
        root.setLevel(level_before)
    text = (tmp_path / "logs" / "rendo.log").read_text(encoding="utf-8")
    assert "WARNING rendo.test: ロック中 ①" in text


# -- the file Excel holds open ---------------------------------------------------------------------

def _replace_refused(times: int, calls: list[tuple[str, str]]):
    real = common.os.replace

    def replace(source: Path, target: Path) -> None:
        calls.append((str(source), str(target)))
        if len(calls) <= times:
            raise PermissionError(13, "Access is denied", str(source), None, str(target))
        real(source, target)

    return replace


@pytest.mark.parametrize("writer", ["csv", "xlsx"])
def test_an_export_waits_while_windows_says_the_file_is_in_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str,
) -> None:
    """A virus scanner reading the file just written holds it for a moment on Windows."""
    calls: list[tuple[str, str]] = []
    pauses: list[float] = []
    monkeypatch.setattr(common.os, "replace", _replace_refused(3, calls))
    monkeypatch.setattr(common, "REPLACE_TRIES", 20)
    monkeypatch.setattr(common, "_sleep", pauses.append)
    target = tmp_path / f"stock.{writer}"
    if writer == "csv":
        csv_io.write_csv(target, ["code", "qty"], [["A", 1]], "utf-8-sig")
    else:
        xlsx_io.write_xlsx(target, ["code", "qty"], [["A", 1]])
    assert target.is_file() and len(calls) == 4
    assert pauses == [common.REPLACE_PAUSE_S] * 3
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_an_export_to_a_file_open_in_excel_names_that_file_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(common.os, "replace", _replace_refused(99, calls))
    monkeypatch.setattr(common, "REPLACE_TRIES", 5)
    monkeypatch.setattr(common, "_sleep", lambda _: None)
    target = tmp_path / "stock.csv"
    target.write_bytes(b"old")
    with pytest.raises(PermissionError) as refused:
        csv_io.write_csv(target, ["code", "qty"], [["A", 1]], "utf-8-sig")
    assert refused.value.filename == str(target)  # not the temporary file
    assert len(calls) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["stock.csv"]
    assert target.read_bytes() == b"old"


# -- CSV in Windows' code page ----------------------------------------------------------------

def test_a_japanese_windows_exports_cp932_also_without_a_japanese_locale_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A program started from Explorer has no LANG; Python in UTF-8 mode, or a locale Python
    cannot name, still leaves Windows' code page for non-Unicode programs (932), which is
    what Excel reads a CSV file as."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(csv_io.locale, "getlocale", lambda: (None, None))
    monkeypatch.setattr(csv_io.locale, "getencoding", lambda: "cp932")
    assert csv_io.default_encoding() == "cp932"
    monkeypatch.setattr(csv_io.locale, "getencoding", lambda: "cp1252")
    assert csv_io.default_encoding() == "utf-8-sig"
    monkeypatch.setattr(csv_io.locale, "getencoding", lambda: "no-such-codec")
    assert csv_io.default_encoding() == "utf-8-sig"


# -- text files opened with an encoding ----------------------------------------------------------

def _unencoded_text_opens(source: str) -> list[int]:
    """Lines of *source* that open a text file, or run a program for text, with the locale's
    encoding (Windows: the ANSI code page, not UTF-8)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func, keywords = node.func, {k.arg: k.value for k in node.keywords}
        name = getattr(func, "id", None) or getattr(func, "attr", None)
        owner = getattr(getattr(func, "value", None), "id", None)
        if "encoding" in keywords:
            continue
        if name in ("read_text", "write_text"):
            lines.append(node.lineno)
        elif name == "open" and owner != "os" and (node.args or node.keywords):
            # open(path, mode) and io.open; path.open(mode)
            positional = 1 if isinstance(func, ast.Name) or owner in ("io", "codecs") else 0
            mode = keywords.get("mode", node.args[positional] if len(node.args) > positional
                                else None)
            if not (isinstance(mode, ast.Constant) and "b" in str(mode.value)):
                lines.append(node.lineno)
        elif name == "fdopen":
            mode = keywords.get("mode", node.args[1] if len(node.args) > 1 else None)
            if not (isinstance(mode, ast.Constant) and "b" in str(mode.value)):
                lines.append(node.lineno)
        elif name in ("run", "Popen", "check_output") and (
                "text" in keywords or "universal_newlines" in keywords):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_text_opened_without_an_encoding() -> None:
    source = "\n".join([
        "open(p)", "open(p, 'w')", "open(p, 'rb')", "open(p, encoding='utf-8')",
        "Path(p).read_text()", "p.write_text(t, encoding='utf-8')", "p.open('a')",
        "p.open('wb')", "os.open(p, flags)", "dialog.open()", "os.fdopen(h, 'w')",
        "os.fdopen(h, 'wb')", "subprocess.run(a, text=True)", "io.open(p, mode='r')",
    ])
    assert _unencoded_text_opens(source) == [1, 2, 5, 7, 11, 13, 14]


def test_every_text_file_rendo_opens_names_its_encoding() -> None:
    found = {str(path.relative_to(ROOT)): lines
             for path in [*sorted((ROOT / "app").rglob("*.py")), ROOT / "build_spec.py"]
             if (lines := _unencoded_text_opens(path.read_text(encoding="utf-8")))}
    assert found == {}


def test_rendo_leaves_the_choice_of_keyring_to_the_keyring_package() -> None:
    """Windows Credential Locker, macOS Keychain or Secret Service: whatever the OS has. A
    backend forced in the code (set_keyring, PYTHON_KEYRING_BACKEND, a backend imported by
    name) would be Linux-only or Windows-only."""
    forced = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            names = []
            if isinstance(node, ast.Attribute):
                names.append(node.attr)
            elif isinstance(node, ast.ImportFrom):
                names += [node.module or "", *(a.name for a in node.names)]
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                names.append(node.value)
            if any(n in ("set_keyring", "PYTHON_KEYRING_BACKEND") or n.startswith(
                    "keyring.backends") for n in names):
                forced.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert forced == []
