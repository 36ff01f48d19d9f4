"""The screens ``python -m app.tools.screenshots`` saves, in every language.

Each screen is a name and a function that gets a fresh, shown main window on the demo
database and returns the widget to photograph (the window itself, a dock or a dialog it
opened). Other parts add theirs with ``@screen("name")`` in their own module, which the tool
imports (app.tools.screenshots).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from .main_window import MainWindow

Make = Callable[["MainWindow"], QWidget]


@dataclass(frozen=True, slots=True)
class Screen:
    name: str
    make: Make


SCREENS: list[Screen] = []


def screen(name: str) -> Callable[[Make], Make]:
    def register(make: Make) -> Make:
        SCREENS[:] = [s for s in SCREENS if s.name != name]
        SCREENS.append(Screen(name, make))
        return make

    return register


# -- the main window's screens --------------------------------------------------------------
def _focus(window: MainWindow, code: str, tab: int = 0) -> None:
    window.select_code(code)
    window.open_current()
    window.detail.tabs.setCurrentIndex(tab)


@screen("main-window")
def main_window(window: MainWindow) -> QWidget:
    _focus(window, "TW-003")
    return window


@screen("filter-low-stock")
def low_stock(window: MainWindow) -> QWidget:
    from .stock_filter import QuickFilter

    window.set_quick_filter(QuickFilter.LOW)
    _focus(window, "MG-010")
    return window


@screen("barcode-search")
def barcode(window: MainWindow) -> QWidget:
    window.filter_bar.search.setText("4901234567010")
    window.select_scanned("4901234567010")
    window.open_current()
    return window


@screen("unmatched-orders")
def unmatched(window: MainWindow) -> QWidget:
    from .stock_filter import QuickFilter

    window.detail_dock.hide()
    window.set_quick_filter(QuickFilter.UNMATCHED)
    return window


@screen("item-detail-history")
def detail_history(window: MainWindow) -> QWidget:
    _focus(window, "TW-001", 0)
    return window.detail_dock


@screen("item-detail-movements")
def detail_movements(window: MainWindow) -> QWidget:
    _focus(window, "TW-001", 1)
    window.detail.movements.selectRow(0)
    return window.detail_dock


@screen("item-detail-channels")
def detail_channels(window: MainWindow) -> QWidget:
    _focus(window, "MG-010", 2)
    return window.detail_dock


@screen("set-detail")
def set_detail(window: MainWindow) -> QWidget:
    _focus(window, "GIFT-BIG", 0)
    return window.detail_dock


@screen("adjust-dialog")
def adjust(window: MainWindow) -> QWidget:
    _focus(window, "TW-002")
    dialog = window.ask_adjust("TW-002", 20)
    dialog.set_reason("stocktake")
    dialog.note.setText("11/20 棚卸")
    return dialog
