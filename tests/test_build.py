"""The frozen one-folder program builds and starts (`rendo --smoke`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import build_spec  # noqa: E402


@pytest.mark.slow
def test_the_built_program_starts_with_smoke(tmp_path: Path) -> None:
    """Builds into a temporary folder; with RENDO_DIST (CI: the folder it uploads, built by
    `python build_spec.py` just before) the program found there is checked instead."""
    if os.environ.get("RENDO_DIST"):
        dist = Path(os.environ["RENDO_DIST"]).resolve()
    else:
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


def test_the_icon_suits_each_platform(tmp_path: Path) -> None:
    """Windows takes the .ico; macOS an .icns (made here: PyInstaller would need Pillow to
    convert a .png or .ico, which Rendo does not install); Linux none."""
    assert build_spec.icon_args("win32", tmp_path) == [
        f"--icon={ROOT / 'resources' / 'icons' / 'rendo.ico'}"]
    assert build_spec.icon_args("linux", tmp_path) == []
    mac = build_spec.icon_args("darwin", tmp_path)
    assert mac[0] == f"--icon={tmp_path / 'rendo.icns'}"
    icns = (tmp_path / "rendo.icns").read_bytes()
    png = (ROOT / "resources" / "icons" / "rendo.png").read_bytes()
    assert icns[:4] == b"icns" and int.from_bytes(icns[4:8], "big") == len(icns)
    assert icns[8:12] == b"ic08"  # 256 × 256, as a PNG
    assert int.from_bytes(icns[12:16], "big") == 8 + len(png) and icns[16:] == png


def test_an_icon_of_a_size_macos_has_no_slot_for_is_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (100).to_bytes(4, "big") * 2
    with pytest.raises(SystemExit, match="100×100"):
        build_spec.icns_from_png(png)


def test_the_repository_host_builds_and_tests_on_windows_macos_and_linux() -> None:
    """.github/workflows/build.yml (run on the repository host, not here): the matrix, Python
    3.11, the build, the tests against that build, the uploaded folder."""
    workflow = (ROOT / ".github" / "workflows" / "build.yml").read_text(encoding="utf-8")
    assert "os: [windows-latest, macos-latest, ubuntu-latest]" in workflow
    assert 'python-version: "3.11"' in workflow
    steps = [line.strip() for line in workflow.splitlines()
             if line.strip().startswith(("run: ", "- uses: "))]
    assert steps == [
        "- uses: actions/checkout@v4",
        "- uses: actions/setup-python@v5",
        "run: |",  # Linux: bash .ci/setup.sh test (Qt's system libraries)
        "run: python -m pip install -e \".[test]\"",
        "run: python build_spec.py",
        "run: python -m pytest -p no:cacheprovider",
        'run: tar -czf "rendo-$RUNNER_OS.tar.gz" -C dist .',
        "- uses: actions/upload-artifact@v4",
    ]
    assert "bash .ci/setup.sh test" in workflow and "QT_QPA_PLATFORM: offscreen" in workflow
    assert "RENDO_DIST: ${{ github.workspace }}/dist" in workflow
