"""Entry points of window parts other modules provide, looked up when first needed.

The dialogs (app.ui.dialogs), the channel settings, the sync panel and the tray are built
separately; an action whose part is not there is disabled rather than failing.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

ENTRY_POINTS = {
    "edit_set": ("app.ui.dialogs", "edit_set"),
    "create_packs": ("app.ui.dialogs", "create_packs"),
    "edit_patterns": ("app.ui.dialogs", "edit_patterns"),
    "edit_offset": ("app.ui.dialogs", "edit_offset"),
    "edit_channels": ("app.ui.channel_dialog", "edit_channels"),
    "import_wizard": ("app.ui.dialogs.import_wizard", "run_import_wizard"),
    "export_dialog": ("app.ui.dialogs.export_dialog", "run_export_dialog"),
    "save_template": ("app.ui.dialogs.export_dialog", "run_template_dialog"),
    "SyncPanel": ("app.ui.sync_panel", "SyncPanel"),
    "SyncStatusLabel": ("app.ui.sync_panel", "SyncStatusLabel"),
    "Tray": ("app.ui.tray", "Tray"),
}


@cache
def entry_point(name: str) -> Any | None:
    """The function or class called *name* (ENTRY_POINTS), or None if it is not built.

    Looked up once per run (``entry_point.cache_clear()`` to look again)."""
    module_name, attribute = ENTRY_POINTS[name]
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
        module = importlib.import_module(module_name)
    except Exception:  # a broken part must not stop the window from opening
        log.exception("cannot load %s", module_name)
        return None
    return getattr(module, attribute, None)


@cache
def available(name: str) -> bool:
    """Whether the module of *name* is there, without importing it (the window asks at start
    and imports a dialog's module when it is first opened)."""
    try:
        return importlib.util.find_spec(ENTRY_POINTS[name][0]) is not None
    except (ImportError, ValueError):
        return False
