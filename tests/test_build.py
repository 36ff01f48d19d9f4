"""The frozen one-folder program builds and starts (`rendo --smoke`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_built_program_starts_with_smoke(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "build"
    build = subprocess.run(
        [sys.executable, "build_spec.py", f"--distpath={dist}", f"--workpath={work}"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert build.returncode == 0, build.stdout + build.stderr
    program = dist / "rendo" / ("rendo.exe" if sys.platform == "win32" else "rendo")
    assert program.is_file()

    report = tmp_path / "smoke.json"
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "RENDO_SMOKE_REPORT": str(report),
        "RENDO_DB": str(tmp_path / "shop.sqlite3"),
        "RENDO_LOG_DIR": str(tmp_path / "log"),
    }
    run = subprocess.run(
        [str(program), "--smoke"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(report.read_text(encoding="utf-8"))
    assert result["ok"] is True
    assert result["frozen"] is True
    assert result["translations"] >= 1, "resources/translations/*.qm missing from the build"
    assert (tmp_path / "shop.sqlite3").is_file()
    assert "smoke" in (tmp_path / "log" / "rendo.log").read_text(encoding="utf-8")
