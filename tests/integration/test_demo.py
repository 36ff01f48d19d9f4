"""`rendo demo --headless`: a newcomer sees sync happen without a window."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_the_headless_demo_syncs_three_sandbox_shops(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"),
           "RENDO_LOG_DIR": str(tmp_path / "logs"), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-m", "app", "demo", "--headless", "--seconds", "7"],
                         capture_output=True, text=True, env=env, timeout=90)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for channel in ("rakuten", "yahoo", "base"):
        assert any(line.startswith(f"{channel}: orders 0, uploaded 12") for line in lines)
    assert any(not line.startswith(("rakuten: orders 0", "yahoo: orders 0", "base: orders 0"))
               for line in lines), "no customer order reached Rendo"
    assert (tmp_path / "data" / "Rendo" / "demo.sqlite3").exists()
