"""`rendo demo --headless`: a newcomer sees sync happen without a window."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from platformdirs import user_data_path


@pytest.mark.slow
def test_the_headless_demo_syncs_three_sandbox_shops(tmp_path, monkeypatch):
    # the user's data folder: XDG_DATA_HOME on Linux (and macOS), the known folder on Windows
    for name in ("XDG_DATA_HOME", "WIN_PD_OVERRIDE_LOCAL_APPDATA"):
        monkeypatch.setenv(name, str(tmp_path / "data"))
    env = {**os.environ, "RENDO_LOG_DIR": str(tmp_path / "logs"),
           "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([sys.executable, "-m", "app", "demo", "--headless", "--seconds", "7"],
                         capture_output=True, encoding="utf-8", env=env, timeout=90)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for channel in ("rakuten", "yahoo", "base"):
        assert any(line.startswith(f"{channel}: orders 0, uploaded 12") for line in lines)
    assert any(not line.startswith(("rakuten: orders 0", "yahoo: orders 0", "base: orders 0"))
               for line in lines), "no customer order reached Rendo"
    assert (user_data_path("Rendo", "Rendo") / "demo.sqlite3").exists()
