"""Output cut short by a closed pipe (``rendo stock --json | head``): the command stops
quietly, with no traceback and no message about the database, as command-line tools do."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.cli_output import EXIT_OUTPUT_CLOSED, output_closed

ITEMS = 2000  # the output is far larger than a pipe's buffer (64 KiB on Linux)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop of ``ITEMS`` items, and a count file that changes every one of them."""
    folder = tmp_path_factory.mktemp("pipe")
    for name, more in (("stock.csv", 0), ("recount.csv", 1)):
        rows = "".join(f"PIPE-{n:05d},{n + more}\n" for n in range(ITEMS))
        (folder / name).write_text("商品コード,在庫数\n" + rows, encoding="utf-8")
    assert main(["--db", str(folder / "pipe.sqlite3"), "--create", "import",
                 str(folder / "stock.csv"), "--create-unknown"]) == 0
    return folder


@pytest.mark.parametrize("command", [["stock", "--json"], ["stock"],
                                     ["import", "recount.csv", "--dry-run"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(folder: Path,
                                                            command: list[str]) -> None:
    database = str(folder / "pipe.sqlite3")
    command = [str(folder / part) if part.endswith(".csv") else part for part in command]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "en_US.UTF-8"}
    env.pop("RENDO_DB", None)
    process = subprocess.Popen([sys.executable, "-m", "app", "--db", database, *command],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(10)  # `head -c 10`: read a little, then close the pipe
    process.stdout.close()
    err = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    code = process.wait(timeout=60)
    assert first
    assert err == ""
    assert code == EXIT_OUTPUT_CLOSED


class _Stdout:
    def __init__(self, failing: bool) -> None:
        self.failing = failing

    def flush(self) -> None:
        if self.failing:
            raise OSError(errno.EINVAL, "Invalid argument")


@pytest.mark.parametrize(("platform", "failing", "closed"), [
    ("win32", True, True),  # Windows reporting the closed pipe as EINVAL (CPython #79935)
    ("win32", False, False),  # another EINVAL: stdout itself still works
    ("linux", True, False),  # EINVAL means something else there
])
def test_windows_einval_counts_as_a_closed_pipe_only_when_stdout_fails(
        monkeypatch: pytest.MonkeyPatch, platform: str, failing: bool, closed: bool) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setattr(sys, "stdout", _Stdout(failing))
    assert output_closed(OSError(errno.EINVAL, "Invalid argument")) is closed
    assert output_closed(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    assert not output_closed(OSError(errno.ENOSPC, "No space left on device"))
