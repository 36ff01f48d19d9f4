"""Logging that works in a windowed frozen build, where there is no stdout and no stderr."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

import platformdirs

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_log_file: Path | None = None
_configured = False


def log_dir() -> Path:
    """The folder for Rendo's log files: RENDO_LOG_DIR, else the user's log directory."""
    override = os.environ.get("RENDO_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir("Rendo", "Rendo"))


def _open_log_file(path: Path) -> logging.Handler | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
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
