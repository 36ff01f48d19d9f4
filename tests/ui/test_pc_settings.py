"""The per-PC settings are declared once (app/ui/pc_settings.py): keys, defaults and types."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

import app
from app.ui import pc_settings
from app.ui.pc_settings import (
    ADJUST_REASON,
    GRID_FILTER,
    TRAY_CLOSE_HINT_SHOWN,
    WINDOW_GEOMETRY,
    grid_header,
)

APP = Path(app.__file__).parent
# settings.value("window/geometry"), QSettings().setValue("adjust/reason", …)
LITERAL_KEY = re.compile(r"""(?:settings|QSettings\(\))\.(?:value|setValue)\(\s*["']""")


def test_no_module_names_a_settings_key_of_its_own() -> None:
    declared_in = {APP / "ui" / "pc_settings.py", APP / "i18n.py"}
    literal = [f"{path.relative_to(APP.parent)}:{number}"
               for path in sorted(APP.rglob("*.py")) if path not in declared_in
               for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
               if LITERAL_KEY.search(line)]
    assert literal == []


def test_every_key_is_declared_once() -> None:
    keys = [setting.key for setting in pc_settings.ALL]
    assert len(keys) == len(set(keys))
    assert grid_header([]).key == "grid/header/-"
    assert grid_header(["楽天", "base"]).key == "grid/header/楽天|base"


def test_a_missing_or_odd_value_reads_as_the_default(isolated_settings: Path) -> None:
    settings = QSettings()
    assert TRAY_CLOSE_HINT_SHOWN.get(settings) is False
    assert ADJUST_REASON.get(settings) == "manual"
    assert GRID_FILTER.get(settings) == "all"
    settings.setValue(WINDOW_GEOMETRY.key, "not a geometry")  # edited by hand
    assert WINDOW_GEOMETRY.get(settings) is None


def test_values_come_back_with_their_type(isolated_settings: Path) -> None:
    TRAY_CLOSE_HINT_SHOWN.set(True)
    ADJUST_REASON.set("stocktake")
    WINDOW_GEOMETRY.set(QByteArray(b"\x01\x02"))
    settings = QSettings()
    settings.sync()
    assert TRAY_CLOSE_HINT_SHOWN.get(settings) is True
    assert ADJUST_REASON.get(settings) == "stocktake"
    assert WINDOW_GEOMETRY.get(settings) == QByteArray(b"\x01\x02")
