"""The linters are part of the test suite: ruff check everywhere, mypy as pyproject.toml says."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["ruff", "check", "--no-cache", "app", "tests", "bench"], id="ruff"),
        pytest.param(["mypy"], id="mypy"),
    ],
)
def test_codestyle(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}"
