"""Refresh resources/translations: lupdate over app/ into the .ts files, lrelease into .qm.

Run: .venv/bin/python -m app.tools.update_translations
Then fill new Japanese strings in rendo_ja.ts (Qt Linguist: .venv/bin/pyside6-linguist) and
run it again to compile them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("ja", "en")


def qt_tool(name: str) -> str:
    """Path of a pyside6-* tool installed next to this Python."""
    scripts = Path(sysconfig.get_path("scripts"))
    found = shutil.which(f"pyside6-{name}", path=str(scripts)) or shutil.which(f"pyside6-{name}")
    if found is None:
        raise SystemExit(f"pyside6-{name} not found: install PySide6 into this environment")
    return found


def sources() -> list[str]:
    """Every Python file of the program, relative to the repository (stable .ts locations)."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if "tools" not in path.relative_to(ROOT / "app").parts
    )


def main() -> int:
    lupdate, lrelease = qt_tool("lupdate"), qt_tool("lrelease")
    for language in LANGUAGES:
        ts_file = TRANSLATIONS / f"rendo_{language}.ts"
        # English is the source language: its file only needs the plural forms.
        source_only = ["-pluralonly"] if language == "en" else []
        subprocess.run(
            [lupdate, "-silent", "-no-obsolete", "-locations", "none", *source_only,
             "-source-language", "en", "-target-language", language,
             *sources(), "-ts", str(ts_file)],
            cwd=ROOT, check=True,
        )  # fmt: skip
        subprocess.run(
            [lrelease, "-silent", "-nounfinished", str(ts_file),
             "-qm", str(ts_file.with_suffix(".qm"))],
            cwd=ROOT, check=True,
        )  # fmt: skip
    print(f"updated {TRANSLATIONS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
