"""Tests never touch the user's own settings, data, logs or keyring (tests/conftest.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
from platformdirs import user_data_path, user_log_dir
from PySide6.QtCore import QCoreApplication, QSettings

from app.logsetup import log_dir


def test_settings_data_logs_and_keyring_are_the_tests_own(
    isolated_user_folders: Path, qapp: Any,
) -> None:
    root = str(isolated_user_folders)
    QCoreApplication.setOrganizationName("Rendo")
    QCoreApplication.setApplicationName("Rendo")
    paths = [
        QSettings().fileName(),
        QSettings("Rendo", "Rendo").fileName(),  # the native format, too
        QSettings(QSettings.Format.IniFormat, QSettings.Scope.SystemScope, "Rendo",
                  "Rendo").fileName(),
        str(user_data_path("Rendo", "Rendo")),
        user_log_dir("Rendo", "Rendo"),
        str(log_dir()),
        os.path.expanduser("~"),
    ]
    assert [p for p in paths if not p.startswith(root)] == []
    keyring.set_password("rendo-test", "probe", "secret")
    assert "probe" in (isolated_user_folders / "keyring.json").read_text(encoding="utf-8")


def test_a_rendo_process_started_by_a_test_keeps_out_of_the_users_folders(
    rendo_process: Callable[..., Any], isolated_user_folders: Path,
    user_folders_now: Callable[[], dict[str, Any]],
) -> None:
    before = user_folders_now()
    run = rendo_process("--smoke")  # opens the window, which saves its layout on closing
    assert run.code == 0, run.err
    assert user_folders_now() == before
    written = [p.name for p in (isolated_user_folders / "config" / "Rendo").iterdir()]
    assert written == ["Rendo.conf"]
