"""The main window's actions, menus, toolbar and the grid's context menu.

Every frequent action has a key: F2 change on hand, Enter details, Ctrl+F search, Ctrl+1…8
quick filters, Ctrl+Z / Ctrl+Y undo and redo, F5 sync now, Ctrl+D the item panel, Ctrl+, the
settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolBar, QToolButton, QWidget

from . import icons
from .stock_filter import QuickFilter

if TYPE_CHECKING:
    from .main_window import MainWindow

QUICK_FILTERS = list(QuickFilter)  # Ctrl+1 … Ctrl+8, in the filter bar's order


class WindowActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._make_actions()
        self._make_menus()
        self._make_toolbar()

    def _action(
        self, text: str, slot: Callable[[], Any] | None = None, shortcut: Any = None,
        icon: str | None = None, name: str = "", tip: str = "",
    ) -> QAction:
        action = QAction(text, self.window)
        if name:
            action.setObjectName(name)
        if icon:
            action.setIcon(icons.icon(icon))
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _make_actions(self) -> None:
        w = self.window
        # Fixed texts (a toolbar button must not grow with the command's description);
        # the tooltip says what will be undone.
        stack = w.undo_stack
        self.undo = self._action(self.tr("&Undo"), stack.undo, QKeySequence.StandardKey.Undo,
                                 "undo", "undo")
        self.redo = self._action(self.tr("&Redo"), stack.redo,
                                 [QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")], "redo",
                                 "redo")
        self.undo.setEnabled(False)
        self.redo.setEnabled(False)
        stack.canUndoChanged.connect(self.undo.setEnabled)
        stack.canRedoChanged.connect(self.redo.setEnabled)
        stack.undoTextChanged.connect(
            lambda text: self.undo.setToolTip(self.tr("Undo: {what}").format(what=text)))
        stack.redoTextChanged.connect(
            lambda text: self.redo.setToolTip(self.tr("Redo: {what}").format(what=text)))

        self.quit = self._action(self.tr("&Quit"), w.close, QKeySequence.StandardKey.Quit,
                                 name="quit")
        self.import_file = self._action(
            self.tr("&Import…"), lambda: w.open_file_part("import_wizard"), "Ctrl+I",
            name="importFile", tip=self.tr("Import stock counts or master data from a .csv "
                                           "or .xlsx file (Ctrl+I)"))
        self.export_file = self._action(
            self.tr("&Export…"), lambda: w.open_file_part("export_dialog"), "Ctrl+E",
            name="exportFile", tip=self.tr("Write the stock list, reorder list, history… as "
                                           "CSV or Excel (Ctrl+E)"))
        self.save_template = self._action(
            self.tr("Save &template…"), lambda: w.open_file_part("save_template"),
            name="saveTemplate", tip=self.tr("An empty file to fill in for an import"))
        self.adjust = self._action(
            self.tr("&Change on hand…"), w.edit_on_hand, "F2", "edit", "adjust",
            self.tr("Record a new on-hand count with its reason (F2)"))
        self.find = self._action(self.tr("&Find…"), w.filter_bar.focus_search,
                                 QKeySequence.StandardKey.Find, name="find")
        self.details = self._action(
            self.tr("Item &details"), w.open_current, None, "detail", "details",
            self.tr("Show the selected item's details (Enter)"))

        bulk = w.bulk
        self.reserved = self._action(self.tr("Set &reserved…"), bulk.reserved,
                                     name="bulkReserved")
        self.reorder_point = self._action(self.tr("Set reorder &point…"), bulk.reorder_point,
                                          name="bulkReorderPoint")
        self.backorder = self._action(self.tr("Set &backorder allowance…"), bulk.backorder,
                                      name="bulkBackorder")
        self.unlimited_on = self._action(self.tr("Make &unlimited"),
                                         lambda: bulk.unlimited(True), name="bulkUnlimitedOn")
        self.unlimited_off = self._action(self.tr("Make &limited"),
                                          lambda: bulk.unlimited(False), name="bulkUnlimitedOff")
        self.pattern = self._action(
            self.tr("&Allocation pattern…"), bulk.pattern, None, "pattern", "bulkPattern",
            self.tr("How the selected items' stock is split among channels when it is low"))
        self.offset = self._action(
            self.tr("&Display offset…"), bulk.offset, None, "offset", "bulkOffset",
            self.tr("Show more, fewer or a fixed number on the channels"))
        self.bulk = [
            self.reserved, self.reorder_point, self.backorder, self.unlimited_on,
            self.unlimited_off, self.pattern, self.offset,
        ]

        self.edit_set = self._action(
            self.tr("Edit &set…"), w.edit_set, None, "set", "editSet",
            self.tr("Components and quantities of the selected set"))
        self.new_set = self._action(
            self.tr("&New set…"), lambda: w.edit_set(None, new=True), None, None, "newSet",
            self.tr("Make a set of items you already have"))
        self.packs = self._action(
            self.tr("N-&pack sets…"), w.create_packs, None, None, "createPacks",
            self.tr("Sets of 2, 3… of the selected item (まとめ売り)"))

        self.filter_group = QActionGroup(self)
        self.filters: dict[QuickFilter, QAction] = {}
        for number, quick in enumerate(QUICK_FILTERS, start=1):
            chip = w.filter_bar.chips[quick]
            action = self._action(chip.label, lambda q=quick: w.set_quick_filter(q),
                                  f"Ctrl+{number}", name=f"filterAction_{quick.value}")
            action.setCheckable(True)
            self.filter_group.addAction(action)
            self.filters[quick] = action
        self.filters[QuickFilter.ALL].setChecked(True)

        self.sync_now = self._action(
            self.tr("&Sync now"), w.sync_now, "F5", "sync", "syncNow",
            self.tr("Read new orders and upload every channel's numbers now (F5)"))
        self.pause = self._action(self.tr("&Pause sync"), None, name="pauseSync")
        self.pause.setCheckable(True)
        self.pause.toggled.connect(w.pause_requested)
        self.channels = self._action(self.tr("&Channels…"), w.edit_channels, None, "channels",
                                     "channels")
        self.about = self._action(self.tr("&About Rendo"), w.about, name="about")
        self.settings = self._action(self.tr("S&ettings…"), w.open_settings, "Ctrl+,",
                                     name="settings")
        self.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        if w.sync is None:
            self.sync_now.setEnabled(False)
            self.pause.setEnabled(False)
            self.sync_now.setToolTip(self.tr("Sync is not running in this window"))

    def _make_menus(self) -> None:
        w = self.window
        bar = w.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        file_menu.addActions([self.import_file, self.export_file, self.save_template])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addAction(self.adjust)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find)
        edit_menu.addSeparator()
        edit_menu.addAction(self.settings)

        items_menu = bar.addMenu(self.tr("&Items"))
        items_menu.addActions([self.details, self.adjust, self.edit_set, self.new_set,
                               self.packs])
        items_menu.addSeparator()
        self.bulk_menu = QMenu(self.tr("Change &selected items"), w)
        self.bulk_menu.setIcon(icons.icon("bulk"))
        self.bulk_menu.setObjectName("bulkMenu")
        self.bulk_menu.addActions(self.bulk[:3])
        self.bulk_menu.addSeparator()
        self.bulk_menu.addActions(self.bulk[3:5])
        self.bulk_menu.addSeparator()
        self.bulk_menu.addActions(self.bulk[5:])
        items_menu.addMenu(self.bulk_menu)

        self.view_menu = bar.addMenu(self.tr("&View"))
        self.view_menu.addActions(list(self.filters.values()))
        self.view_menu.addSeparator()
        toggle = w.detail_dock.toggleViewAction()
        toggle.setText(self.tr("Item &panel"))
        toggle.setShortcut(QKeySequence("Ctrl+D"))
        toggle.setIcon(icons.icon("detail"))
        self.view_menu.addAction(toggle)

        self.sync_menu = bar.addMenu(self.tr("&Sync"))
        self.sync_menu.addActions([self.sync_now, self.pause])
        self.sync_menu.addSeparator()
        self.sync_menu.addAction(self.channels)

        help_menu = bar.addMenu(self.tr("&Help"))
        help_menu.addAction(self.about)

        context = QMenu(w)
        context.addActions([self.details, self.adjust, self.edit_set])
        context.addSeparator()
        context.addMenu(self.bulk_menu)
        view = w.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(
            lambda pos: context.popup(view.viewport().mapToGlobal(pos)))

    def _make_toolbar(self) -> None:
        w = self.window
        toolbar = QToolBar(self.tr("Main toolbar"), w)
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.setIconSize(QSize(20, 20))
        panel = w.detail_dock.toggleViewAction()
        short = {
            self.sync_now: self.tr("Sync now"), self.undo: self.tr("Undo"),
            self.redo: self.tr("Redo"), self.adjust: self.tr("Change on hand"),
            self.edit_set: self.tr("Edit set"), self.pattern: self.tr("Allocation"),
            self.offset: self.tr("Display offset"), panel: self.tr("Item panel"),
        }
        for action, text in short.items():  # toolbar buttons: no mnemonic, no ellipsis
            action.setIconText(text)
        toolbar.addAction(self.sync_now)
        toolbar.addSeparator()
        toolbar.addActions([self.undo, self.redo])
        toolbar.addSeparator()
        toolbar.addAction(self.adjust)
        bulk = QToolButton(w)
        bulk.setObjectName("bulkButton")
        bulk.setText(self.tr("Change selected"))
        bulk.setIcon(icons.icon("bulk"))
        bulk.setMenu(self.bulk_menu)
        bulk.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        bulk.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bulk.setToolTip(self.tr("Reserved, reorder point, backorders, unlimited, allocation "
                                "pattern or display offset of every selected item"))
        toolbar.addWidget(bulk)
        toolbar.addSeparator()
        toolbar.addActions([self.edit_set, self.pattern, self.offset])
        toolbar.addSeparator()
        toolbar.addAction(panel)
        spacer = QWidget(toolbar)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        toolbar.addWidget(w.filter_bar.search)
        self.toolbar = toolbar
        w.addToolBar(toolbar)
