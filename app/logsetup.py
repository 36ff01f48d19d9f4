"""Logging that works in a windowed frozen build, where there is no stdout and no stderr."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

import platformdirs

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 3
_log_file: Path | None = None
_configured = False


def log_dir() -> Path:
    """The folder for Rendo's log files: RENDO_LOG_DIR, else the user's log folder
    (``%LOCALAPPDATA%\\Rendo\\Rendo\\Logs``, ``~/Library/Logs/Rendo``,
    ``~/.local/state/Rendo/log``)."""
    override = os.environ.get("RENDO_LOG_DIR")
    return Path(override) if override else platformdirs.user_log_path("Rendo", "Rendo")


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log file that several Rendo processes write at once (the window,
    ``rendo sync --watch``, commands typed meanwhile).

    Windows cannot rename a file another process holds open, so the rollover fails there; the
    standard handler then drops every later record and prints a traceback for each. This one
    keeps writing to the same file and tries the rollover again after another tenth of
    ``maxBytes``.
    """

    def __init__(self, filename: Path, max_bytes: int, backup_count: int) -> None:
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count,
                         encoding="utf-8")
        self._retry_at = 0

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        if not super().shouldRollover(record):
            return False
        return self.stream is None or self.stream.tell() >= self._retry_at

    def doRollover(self) -> None:
        try:
            super().doRollover()
        except OSError:
            if self.stream is None:
                self.stream = self._open()
            self.stream.seek(0, os.SEEK_END)
            self._retry_at = self.stream.tell() + max(1, self.maxBytes // 10)
        else:
            self._retry_at = 0


def _open_log_file(path: Path) -> logging.Handler | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return SharedRotatingFileHandler(path, MAX_BYTES, BACKUP_COUNT)
    except OSError:
        return None


def configure_logging(level: int = logging.INFO) -> Path | None:
    """Log to rendo.log in log_dir() and, when there is a stderr, warnings to stderr.

    Safe to call more than once. Returns the log file, or None when it could not be opened.
    """
    global _configured, _log_file
    if _configured:
        return _log_file
    root = logging.getLogger()
    root.setLevel(level)
    formatter = logging.Formatter(_FORMAT)
    path = log_dir() / "rendo.log"
    file_handler = _open_log_file(path)
    if file_handler is not None:
        file_handler.setFormatter(formatter)
        root.addHandler(file_handler)
        _log_file = path
    if sys.stderr is not None:
        stream_handler = logging.StreamHandler(sys.stderr)
        stream_handler.setFormatter(formatter)
        stream_handler.setLevel(logging.WARNING)
        root.addHandler(stream_handler)
    _configured = True
    return _log_file
