"""The per-PC settings (QSettings): every key with its default and type, in one place.

What belongs to this PC and this user only (window layout, the last reason chosen, hints
already shown) lives here; what the whole shop shares (channels, patterns, offsets) lives in
the database. The display language's key is declared in ``app.i18n`` (the command line reads
it too, without the window) and named here so that the list is whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from PySide6.QtCore import QByteArray, QSettings

from app.i18n import LANGUAGE_KEY
from app.sync.lease import PC_NAME_KEY

from .stock_filter import QuickFilter

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One per-PC setting; ``get`` answers the default when the stored value is missing or of
    another type (a settings file from an older Rendo, edited by hand)."""

    key: str
    default: T
    kind: type

    def get(self, settings: QSettings | None = None) -> T:
        store = QSettings() if settings is None else settings
        if self.kind is bool:
            return cast(T, store.value(self.key, self.default, type=bool))
        value: Any = store.value(self.key, self.default)
        if self.kind is str:
            return cast(T, str(value))
        return cast(T, value if isinstance(value, self.kind) else self.default)

    def set(self, value: T, settings: QSettings | None = None) -> None:
        (QSettings() if settings is None else settings).setValue(self.key, value)


# the main window
WINDOW_GEOMETRY: Setting[QByteArray | None] = Setting("window/geometry", None, QByteArray)
WINDOW_STATE: Setting[QByteArray | None] = Setting("window/state", None, QByteArray)
GRID_FILTER: Setting[str] = Setting("grid/filter", QuickFilter.ALL.value, str)


def grid_header(channel_names: Sequence[str]) -> Setting[QByteArray | None]:
    """The grid's columns (widths, order, hidden, sort) for this set of channels: adding or
    removing a channel changes the columns, so each set keeps its own layout."""
    return Setting("grid/header/" + ("|".join(channel_names) or "-"), None, QByteArray)


# dialogs and the tray
ADJUST_REASON: Setting[str] = Setting("adjust/reason", "manual", str)  # the last reason chosen
TRAY_CLOSE_HINT_SHOWN: Setting[bool] = Setting("tray/closeHintShown", False, bool)

# the display language: "system" (or missing), "ja" or "en"; read by app.i18n.stored_language
LANGUAGE: Setting[str] = Setting(LANGUAGE_KEY, "system", str)

# the name the other PCs sharing the shop see in their sync panels; empty: the host name (read
# by app.sync.lease.pc_name)
PC_NAME: Setting[str] = Setting(PC_NAME_KEY, "", str)

ALL: tuple[Setting[Any], ...] = (
    WINDOW_GEOMETRY, WINDOW_STATE, GRID_FILTER, ADJUST_REASON, TRAY_CLOSE_HINT_SHOWN, LANGUAGE,
    PC_NAME,
)
