"""The linters are part of the test suite: ruff check everywhere, mypy as pyproject.toml says,
and import-linter's contracts on the directions of imports."""

import ast
import shutil
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


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` of this environment, checking the contracts in *cwd*'s pyproject.toml."""
    program = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert program is not None, "lint-imports is missing: install the test extra"
    return subprocess.run([program, "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=120)


def test_imports_point_only_in_the_allowed_directions() -> None:
    """pyproject.toml's [tool.importlinter] contracts (docs/architecture.md) all hold."""
    result = _lint_imports(ROOT)
    assert result.returncode == 0, f"lint-imports failed:\n{result.stdout}{result.stderr}"


def test_a_window_module_reading_the_store_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts bite: a copy of app/ whose grid reads a store model is refused."""
    shutil.copytree(ROOT / "app", tmp_path / "app",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    undo = tmp_path / "app" / "ui" / "undo.py"
    undo.write_text(undo.read_text(encoding="utf-8") + "\nfrom app.store.models import ItemRow\n",
                    encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app.ui.undo -> app.store.models" in result.stdout


MAX_LINES = 600


def _too_long(root: Path) -> list[str]:
    """The modules under *root* over MAX_LINES lines whose docstring does not say why
    ("Over 600 lines, on purpose: …")."""
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) <= MAX_LINES:
            continue
        docstring = ast.get_docstring(ast.parse(text)) or ""
        if f"Over {MAX_LINES} lines" not in docstring:
            found.append(f"{path.relative_to(root).as_posix()}: {len(text.splitlines())} lines")
    return found


def test_no_module_over_600_lines_without_a_reason_at_its_top() -> None:
    """Issue 9: a module that long is a package squeezed into one file, unless it says why not."""
    assert _too_long(ROOT / "app") == []


def test_a_long_module_is_named_until_it_gives_its_reason(tmp_path: Path) -> None:
    body = "".join(f"x{n} = {n}\n" for n in range(MAX_LINES))
    (tmp_path / "short.py").write_text('"""Short."""\n', encoding="utf-8")
    (tmp_path / "long.py").write_text('"""A long module."""\n' + body, encoding="utf-8")
    assert _too_long(tmp_path) == [f"long.py: {MAX_LINES + 1} lines"]
    (tmp_path / "long.py").write_text(
        f'"""A long module.\n\nOver {MAX_LINES} lines, on purpose: one table."""\n' + body,
        encoding="utf-8")
    assert _too_long(tmp_path) == []
