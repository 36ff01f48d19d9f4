"""Allocation patterns (在庫配分パターン): create, edit, copy, delete, preview and assign them.

Over 600 lines, on purpose: it is one dialog whose parts (the list, the tiers, the preview, the
items to assign) edit one draft and refresh one another, and its strings are translated under
the one context ``PatternDialog``; a class per part would spread that state over modules and
send every string back to translation. Its small editors live in pattern_editors.py.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.allocation import (
    AllocationPattern,
    Condition,
    Share,
    ShareKind,
    Tier,
    problems,
)
from app.domain.items import MAX_COUNT
from app.i18n import error_text
from app.services.patterns import PatternChanges, PatternSave, save_patterns
from app.services.previews import find_items, pattern_users, preview_allocation
from app.services.shop import Shop

from .common import MessageBar, ShopDialog, ok_cancel_buttons, size_for_channels
from .pattern_editors import ConditionEditor, Draft, FocusRow, ShareEditor


class PatternDialog(ShopDialog):
    """All allocation patterns; OK saves every change and assigns the chosen pattern."""

    KEEP, ASSIGN, REMOVE = range(3)

    def __init__(self, shop: Shop, codes: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.codes = [c for c in codes if c in shop.book.items]
        self.channels = shop.channel_names()
        self.drafts: list[Draft] = [Draft(p.name, p) for p in shop.patterns()]
        self.deleted: list[str] = []
        self._current: Draft | None = None
        self._loading = False
        self.setWindowTitle(self.tr("Allocation patterns"))
        self.setMinimumSize(960, 620)
        size_for_channels(self, 960, 480, len(self.channels), 700)

        top = QHBoxLayout()
        top.addWidget(self._build_pattern_list())
        top.addWidget(self._build_editor(), 1)
        assign_box = self._build_assigning()
        bottom = self._build_bottom()
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(top, 1)
        layout.addWidget(assign_box)
        layout.addLayout(bottom)

        self.load()

    def load(self) -> None:
        """The saved patterns, the selection's own one shown first."""
        self._fill_list()
        start = self._pattern_of_selection()
        names = [d.pattern.name for d in self.drafts]
        self._show_draft(names.index(start) if start in names else 0)
        self.action.setCurrentIndex(self.ASSIGN if self.codes else self.KEEP)
        self._update_targets()

    # -- building the dialog, one widget group each (in the order of the tab chain) ---------------
    def _build_pattern_list(self) -> QWidget:
        """The patterns on the left, with New, Copy and Delete."""
        self.pattern_list = QListWidget(self)
        size = self.fontMetrics().height()
        self.pattern_list.setIconSize(QSize(size, size))
        self.pattern_list.currentRowChanged.connect(self._pattern_chosen)
        self.new_button = QPushButton(self.tr("New"), self)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.delete_button = QPushButton(self.tr("Delete"), self)
        self.new_button.clicked.connect(self.new_pattern)
        self.copy_button.clicked.connect(self.copy_pattern)
        self.delete_button.clicked.connect(self.delete_pattern)
        list_buttons = QHBoxLayout()
        for button in (self.new_button, self.copy_button, self.delete_button):
            list_buttons.addWidget(button)
        left_panel = QWidget(self)
        left_panel.setFixedWidth(250)
        left = QVBoxLayout(left_panel)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(QLabel(self.tr("Patterns"), self))
        left.addWidget(self.pattern_list, 1)
        left.addLayout(list_buttons)
        return left_panel

    def _build_editor(self) -> QWidget:
        """The chosen pattern: its name, tiers, rounding priority and messages."""
        self.name_edit = QLineEdit(self)
        self.name_edit.textEdited.connect(self._edited)
        self.users_label = QLabel(self)
        self.users_label.setEnabled(False)
        name_row = QHBoxLayout()
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.users_label)
        name_form = QFormLayout()
        name_form.addRow(self.tr("Name"), name_row)
        tiers_box = self._build_tiers()
        priority_box = self._build_priority()
        lower = QHBoxLayout()
        lower.addWidget(priority_box, 1)

        self.messages = MessageBar(self)
        self.editor = QWidget(self)
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addLayout(name_form)
        editor_layout.addWidget(tiers_box, 1)
        editor_layout.addLayout(lower)
        editor_layout.addWidget(self.messages)
        return self.editor

    def _build_tiers(self) -> QGroupBox:
        """The tiers table (one row per condition, one column per store) and its buttons."""
        self.tiers = QTableWidget(0, 1 + len(self.channels), self)
        self.tiers.setHorizontalHeaderLabels([self.tr("When sellable is"), *self.channels])
        self.tiers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tiers.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tiers.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        row_height = ShareEditor().sizeHint().height() + 6
        self.tiers.verticalHeader().setDefaultSectionSize(row_height)
        self.tiers.setMinimumHeight(  # three tiers and the preview without scrolling
            self.tiers.horizontalHeader().sizeHint().height()
            + 4 * row_height
            + 4
            + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        self.tiers.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.tiers.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 160)
        header.setMinimumSectionSize(116)
        self.tiers.currentCellChanged.connect(lambda *_: self._update_tier_buttons())
        self._focus_row = FocusRow(self.tiers)
        self._add_preview_row()
        self.add_tier_button = QPushButton(self.tr("Add tier"), self)
        self.remove_tier_button = QPushButton(self.tr("Remove tier"), self)
        self.up_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowUp), "", self
        )
        self.down_button = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowDown), "", self
        )
        self.up_button.setToolTip(self.tr("Move the tier up (checked earlier)"))
        self.down_button.setToolTip(self.tr("Move the tier down"))
        self.add_tier_button.clicked.connect(self.add_tier)
        self.remove_tier_button.clicked.connect(self.remove_tier)
        self.up_button.clicked.connect(lambda: self._move_tier(-1))
        self.down_button.clicked.connect(lambda: self._move_tier(1))
        self.preview_note = QLabel(self)
        self.preview_note.setWordWrap(True)
        tier_buttons = QHBoxLayout()
        tier_buttons.addWidget(self.preview_note, 1)
        for button in (
            self.up_button,
            self.down_button,
            self.add_tier_button,
            self.remove_tier_button,
        ):
            tier_buttons.addWidget(button)
        tier_note = QLabel(
            self.tr(
                "Tiers are checked from the top and the first that holds decides (when none "
                "holds, every store shows the whole sellable). The last row is a preview "
                "for the sellable you type."
            ),
            self,
        )
        tier_note.setWordWrap(True)
        tiers_box = QGroupBox(self.tr("Tiers"), self)
        tiers_layout = QVBoxLayout(tiers_box)
        tiers_layout.addWidget(tier_note)
        tiers_layout.addWidget(self.tiers, 1)
        tiers_layout.addLayout(tier_buttons)
        return tiers_box

    def _build_priority(self) -> QGroupBox:
        """Which store gets the units left by rounding first, or none."""
        self.priority = QListWidget(self)
        self.priority.setFlow(QListView.Flow.LeftToRight)
        self.priority.setWrapping(False)
        self.priority.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.priority.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.priority.setSpacing(3)
        self.priority.setFixedHeight(self.fontMetrics().height() + 22)
        self.priority.setToolTip(self.tr("Drag a store, or use the arrows, to change the order"))
        self.priority.model().rowsMoved.connect(self._edited)
        self.priority_up = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowLeft), "", self
        )
        self.priority_down = QPushButton(
            self.style().standardIcon(QStyle.StandardPixmap.SP_ArrowRight), "", self
        )
        self.priority_up.setToolTip(self.tr("Higher priority"))
        self.priority_down.setToolTip(self.tr("Lower priority"))
        self.priority_up.clicked.connect(lambda: self._move_priority(-1))
        self.priority_down.clicked.connect(lambda: self._move_priority(1))
        self.hold_back = QCheckBox(self.tr("Hold back units left by rounding"), self)
        self.hold_back.setToolTip(
            self.tr("Units that rounding down leaves over are shown on no store.")
        )
        self.hold_back.toggled.connect(self._edited)
        priority_row = QHBoxLayout()
        priority_row.addWidget(QLabel(self.tr("Priority"), self))
        priority_row.addWidget(self.priority, 1)
        priority_row.addWidget(self.priority_up)
        priority_row.addWidget(self.priority_down)
        priority_box = QGroupBox(self.tr("Units left by rounding"), self)
        priority_layout = QVBoxLayout(priority_box)
        priority_layout.addLayout(priority_row)
        priority_layout.addWidget(self.hold_back)
        return priority_box

    def _build_assigning(self) -> QGroupBox:
        """Assign the pattern to the selected items or to the items a search finds."""
        self.action = QComboBox(self)
        self.action.currentIndexChanged.connect(self._update_targets)
        self.selected_radio = QRadioButton(self)
        self.search_radio = QRadioButton(self.tr("Items found by search:"), self)
        self.target_group = QButtonGroup(self)
        self.target_group.addButton(self.selected_radio)
        self.target_group.addButton(self.search_radio)
        self.target_search = QLineEdit(self)
        self.target_search.setPlaceholderText(self.tr("Code, name or JAN…"))
        self.target_search.setClearButtonEnabled(True)
        self.target_search.textChanged.connect(self._target_search_changed)
        self.found_label = QLabel(self)
        self.found_label.setEnabled(False)
        if self.codes:
            self.selected_radio.setChecked(True)
        else:
            self.selected_radio.setEnabled(False)
            self.search_radio.setChecked(True)
        self.target_group.buttonToggled.connect(lambda *_: self._update_targets())
        assign_box = QGroupBox(self.tr("Items"), self)
        assign_layout = QGridLayout(assign_box)
        assign_layout.addWidget(self.action, 0, 0, 1, 2)
        assign_layout.addWidget(self.selected_radio, 1, 0, 1, 4)
        assign_layout.addWidget(self.search_radio, 2, 0)
        assign_layout.addWidget(self.target_search, 2, 1)
        assign_layout.addWidget(self.found_label, 2, 2, 1, 2)
        assign_layout.setColumnStretch(1, 2)
        assign_layout.setColumnStretch(2, 3)
        return assign_box

    def _build_bottom(self) -> QHBoxLayout:
        """What OK will save, and OK / Cancel."""
        self.buttons = ok_cancel_buttons(self, self.tr("OK"), self.tr("Cancel"))
        self.pending_label = QLabel(self)
        self.pending_label.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.pending_label, 1)
        bottom.addWidget(self.buttons)
        return bottom

    # -- public, for the window and the tests ---------------------------------------------------
    @property
    def current(self) -> Draft | None:
        return self._current

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def select_pattern(self, name: str) -> None:
        names = [d.pattern.name for d in self.drafts]
        self._show_draft(names.index(name))

    def share_editor(self, tier: int, channel: str) -> ShareEditor:
        widget = self.tiers.cellWidget(tier, 1 + self.channels.index(channel))
        assert isinstance(widget, ShareEditor)
        return widget

    def condition_editor(self, tier: int) -> ConditionEditor:
        widget = self.tiers.cellWidget(tier, 0)
        assert isinstance(widget, ConditionEditor)
        return widget

    def preview_quantities(self) -> dict[str, int]:
        return {
            channel: int(self.tiers.item(self.tiers.rowCount() - 1, column).text())
            for column, channel in enumerate(self.channels, start=1)
        }

    def priority_order(self) -> list[str]:
        return [
            str(self.priority.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.priority.count())
        ]

    def targets(self) -> list[str]:
        """The items OK assigns to (or takes the pattern from)."""
        if self.selected_radio.isChecked():
            return list(self.codes)
        text = self.target_search.text()
        book = self.shop.book
        return [m.code for m in find_items(book, text, limit=len(book.items))]

    # -- the list of patterns --------------------------------------------------------------------
    def _fill_list(self) -> None:
        self.pattern_list.blockSignals(True)
        row = self.pattern_list.currentRow()
        self.pattern_list.clear()
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for draft in self.drafts:
            item = QListWidgetItem(draft.pattern.name or self.tr("(no name)"))
            if self._problems(draft):
                item.setIcon(warning)
            self.pattern_list.addItem(item)
        self.pattern_list.setCurrentRow(min(row, len(self.drafts) - 1))
        self.pattern_list.blockSignals(False)

    def _refresh_list_item(self) -> None:
        draft = self._current
        if draft is None:
            return
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row, other in enumerate(self.drafts):
            item = self.pattern_list.item(row)
            item.setText(other.pattern.name or self.tr("(no name)"))
            item.setIcon(warning if self._problems(other) else QIcon())

    def new_pattern(self) -> None:
        name = self._unique_name(self.tr("New pattern"))
        count = len(self.channels)
        shares = []
        for index, channel in enumerate(self.channels):
            percent = 100 // count + (1 if index < 100 % count else 0)
            shares.append((channel, Share(ShareKind.PERCENT, percent)))
        tiers = (Tier(Condition("<=", 10), tuple(shares)),) if self.channels else ()
        self._add_draft(Draft(None, AllocationPattern(name, tiers, tuple(self.channels)), True))

    def copy_pattern(self) -> None:
        if self._current is None:
            return
        source = self._current.pattern
        name = self._unique_name(self.tr("{name} (copy)").format(name=source.name))
        self._add_draft(Draft(None, dataclasses.replace(source, name=name), True))

    def delete_pattern(self) -> None:
        draft = self._current
        if draft is None:
            return
        if draft.original is not None:
            self.deleted.append(draft.original)
        row = self.drafts.index(draft)
        self.drafts.remove(draft)
        self._current = None
        self._fill_list()
        self._show_draft(min(row, len(self.drafts) - 1))

    def _add_draft(self, draft: Draft) -> None:
        self.drafts.append(draft)
        self._fill_list()
        self._show_draft(len(self.drafts) - 1)
        self.name_edit.setFocus()
        self.name_edit.selectAll()

    def _show_draft(self, row: int) -> None:
        """Select draft *row* in the list and load it into the editor (-1: none)."""
        self.pattern_list.blockSignals(True)
        self.pattern_list.setCurrentRow(row)
        self.pattern_list.blockSignals(False)
        self._pattern_chosen(row if self.drafts else -1)

    def _unique_name(self, base: str) -> str:
        names = {d.pattern.name for d in self.drafts}
        name, number = base, 2
        while name in names:
            name, number = f"{base} {number}", number + 1
        return name

    def _pattern_chosen(self, row: int) -> None:
        self._current = self.drafts[row] if 0 <= row < len(self.drafts) else None
        self._load_editor()

    # -- the editor ----------------------------------------------------------------------------
    def _load_editor(self) -> None:
        draft = self._current
        self._loading = True
        try:
            self.editor.setEnabled(draft is not None)
            self.copy_button.setEnabled(draft is not None)
            self.delete_button.setEnabled(draft is not None)
            pattern = draft.pattern if draft else AllocationPattern("", ())
            self.name_edit.setText(pattern.name)
            while self._tier_count():
                self.tiers.removeRow(0)
            for tier in pattern.tiers:
                self._append_tier_row(tier)
            self.priority.clear()
            order = [c for c in pattern.priority if c in self.channels]
            order += [c for c in self.channels if c not in order]
            for channel in order:
                item = QListWidgetItem(channel)
                item.setData(Qt.ItemDataRole.UserRole, channel)
                self.priority.addItem(item)
            self._number_priority()
            self.hold_back.setChecked(pattern.hold_back)
        finally:
            self._loading = False
        self._update_after_edit()

    def _tier_count(self) -> int:
        """Rows of the tiers table that are tiers (the last row is the preview)."""
        return self.tiers.rowCount() - 1

    def _add_preview_row(self) -> None:
        """The last row of the tiers table: a sellable to try, and what each store shows."""
        self.tiers.insertRow(0)
        cell = QWidget(self.tiers)
        cell.setAutoFillBackground(True)
        cell.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        label = QLabel(self.tr("Preview"), cell)
        self.preview_sellable = QSpinBox(cell)
        self.preview_sellable.setRange(0, MAX_COUNT)
        self.preview_sellable.setValue(self._first_sellable())
        self.preview_sellable.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.preview_sellable.setToolTip(self.tr("Type a sellable to see what each store shows"))
        self.preview_sellable.setAccessibleName(self.tr("Sellable for the preview"))
        self.preview_sellable.valueChanged.connect(self._update_preview)
        layout = QHBoxLayout(cell)
        layout.setContentsMargins(6, 2, 4, 2)
        layout.addWidget(label)
        layout.addWidget(self.preview_sellable, 1)
        self.tiers.setCellWidget(0, 0, cell)
        self.tiers.setVerticalHeaderItem(0, QTableWidgetItem("→"))
        for column in range(1, self.tiers.columnCount()):
            self._preview_cell(column - 1, "")

    def _append_tier_row(self, tier: Tier) -> None:
        row = self._tier_count()
        self.tiers.insertRow(row)
        self.tiers.setVerticalHeaderItem(row, QTableWidgetItem(str(row + 1)))
        condition = ConditionEditor(self.tiers)
        condition.set_condition(tier.condition)
        condition.changed.connect(self._edited)
        self._watch_focus(condition)
        self.tiers.setCellWidget(row, 0, condition)
        shares = dict(tier.shares)
        for column, channel in enumerate(self.channels, start=1):
            editor = ShareEditor(self.tiers)
            editor.set_share(shares.get(channel, Share(ShareKind.ZERO)))
            editor.changed.connect(self._edited)
            self._watch_focus(editor)
            self.tiers.setCellWidget(row, column, editor)

    def _watch_focus(self, editor: QWidget) -> None:
        for child in editor.findChildren(QWidget):
            child.installEventFilter(self._focus_row)

    def add_tier(self) -> None:
        if self._current is None:
            return
        last = self._current.pattern.tiers[-1] if self._current.pattern.tiers else None
        value = last.condition.value // 2 if last and last.condition.op != "*" else 10
        shares = last.shares if last else tuple((c, Share(ShareKind.ZERO)) for c in self.channels)
        self._append_tier_row(Tier(Condition("<=", value), shares))
        self.tiers.setCurrentCell(self._tier_count() - 1, 0)
        self._edited()

    def remove_tier(self) -> None:
        row = self.tiers.currentRow()
        if self._current is None or not 0 <= row < self._tier_count():
            return
        self.tiers.removeRow(row)
        for number in range(self._tier_count()):
            self.tiers.setVerticalHeaderItem(number, QTableWidgetItem(str(number + 1)))
        self._edited()

    def _move_tier(self, step: int) -> None:
        row = self.tiers.currentRow()
        count = self._tier_count()
        if self._current is None or not 0 <= row < count or not 0 <= row + step < count:
            return
        tiers = list(self._pattern_from_editor().tiers)
        tiers[row], tiers[row + step] = tiers[row + step], tiers[row]
        self._current.pattern = dataclasses.replace(self._current.pattern, tiers=tuple(tiers))
        self._current.dirty = True
        self._load_editor()
        self.tiers.setCurrentCell(row + step, 0)

    def _move_priority(self, step: int) -> None:
        row = self.priority.currentRow()
        if row < 0 or not 0 <= row + step < self.priority.count():
            return
        item = self.priority.takeItem(row)
        self.priority.insertItem(row + step, item)
        self.priority.setCurrentRow(row + step)
        self._edited()

    def _number_priority(self) -> None:
        for row in range(self.priority.count()):
            item = self.priority.item(row)
            item.setText(f"{row + 1}.  {item.data(Qt.ItemDataRole.UserRole)}")

    def _update_tier_buttons(self) -> None:
        row = self.tiers.currentRow()
        count = self._tier_count()
        self.remove_tier_button.setEnabled(0 <= row < count)
        self.up_button.setEnabled(0 < row < count)
        self.down_button.setEnabled(0 <= row < count - 1)

    def _pattern_from_editor(self) -> AllocationPattern:
        tiers = []
        for row in range(self._tier_count()):
            condition = self.tiers.cellWidget(row, 0)
            assert isinstance(condition, ConditionEditor)
            shares = []
            for column, channel in enumerate(self.channels, start=1):
                editor = self.tiers.cellWidget(row, column)
                assert isinstance(editor, ShareEditor)
                shares.append((channel, editor.share()))
            tiers.append(Tier(condition.condition(), tuple(shares)))
        return AllocationPattern(
            self.name_edit.text().strip(),
            tuple(tiers),
            tuple(self.priority_order()),
            self.hold_back.isChecked(),
        )

    def _edited(self) -> None:
        if self._loading or self._current is None:
            return
        self._current.pattern = self._pattern_from_editor()
        self._current.dirty = True
        self._update_after_edit()

    def _update_after_edit(self) -> None:
        self._number_priority()
        self._refresh_list_item()
        self._update_tier_buttons()
        self.priority.setEnabled(not self.hold_back.isChecked())
        self.priority_up.setEnabled(not self.hold_back.isChecked())
        self.priority_down.setEnabled(not self.hold_back.isChecked())
        draft = self._current
        if draft is not None:
            if draft.original:
                users = len(pattern_users(self.shop.book, draft.original))
                self.users_label.setText(self.tr("Items using it: {n}").format(n=users))
            else:
                self.users_label.setText(self.tr("Not saved yet"))
            found = self._problems(draft)
            if found:
                self.messages.show_errors(found)
            else:
                self.messages.clear_messages()
        else:
            self.users_label.clear()
            self.messages.show_hint(self.tr("There is no allocation pattern yet: press New."))
        self._update_preview()
        self._update_targets()
        self._update_pending()
        self.ok_button().setEnabled(not any(self._problems(d) for d in self.drafts))

    def _update_pending(self) -> None:
        """Say what OK will delete: deleting is the one change that touches other items."""
        lines = []
        for name in self.deleted:
            users = len(pattern_users(self.shop.book, name))
            lines.append(
                self.tr(
                    "OK deletes “{name}”; its {n} items then show the whole sellable on "
                    "every store."
                ).format(name=name, n=users)
                if users
                else self.tr("OK deletes “{name}”.").format(name=name)
            )
        self.pending_label.setText("\n".join(lines))

    def _problems(self, draft: Draft) -> list[str]:
        found = [error_text(e) for e in problems(draft.pattern, self.channels)]
        name = draft.pattern.name
        if name and sum(1 for d in self.drafts if d.pattern.name == name) > 1:
            found.append(self.tr("Another pattern is already called {name}.").format(name=name))
        elif name and any(
            d is not draft and d.original == name and d.pattern.name != name for d in self.drafts
        ):
            found.append(
                self.tr(
                    "{name} is the saved name of a pattern you renamed: press OK "
                    "first, then use this name."
                ).format(name=name)
            )
        return found

    # -- preview -------------------------------------------------------------------------------
    def _first_sellable(self) -> int:
        for code in self.codes:
            stock = self.shop.book.stock.get(code)
            if stock is not None:
                return stock.sellable
        return 7

    def _update_preview(self) -> None:
        draft = self._current
        sellable = self.preview_sellable.value()
        if draft is None or problems(draft.pattern, self.channels):
            for index in range(len(self.channels)):
                self._preview_cell(index, "—")
            self.preview_note.setText(self.tr("Correct the pattern to see the preview."))
            return
        preview = preview_allocation(draft.pattern, sellable, self.shop.book.channels)
        for index, channel in enumerate(self.channels):
            self._preview_cell(index, str(preview.quantities.get(channel, 0)))
        if preview.tier is None:
            note = self.tr("Sellable {n}: no tier holds, every store shows {n}.").format(n=sellable)
        else:
            note = self.tr("Sellable {n}: tier {tier} holds.").format(n=sellable, tier=preview.tier)
            if preview.not_shown:
                note += " " + self.tr("{n} not shown on any store.").format(n=preview.not_shown)
        self.preview_note.setText(note)

    def _preview_cell(self, index: int, text: str) -> None:
        """Channel *index*'s number in the preview row, under that channel's shares."""
        cell = QTableWidgetItem(text)
        cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        cell.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = cell.font()
        font.setBold(True)
        cell.setFont(font)
        cell.setBackground(self.palette().alternateBase())
        self.tiers.setItem(self.tiers.rowCount() - 1, index + 1, cell)

    # -- assigning -------------------------------------------------------------------------------
    def _pattern_of_selection(self) -> str | None:
        names = {self.shop.book.items[c].pattern for c in self.codes}
        return names.pop() if len(names) == 1 else None

    def _target_search_changed(self) -> None:
        if self.target_search.text() and not self.search_radio.isChecked():
            self.search_radio.setChecked(True)
        self._update_targets()

    def _update_targets(self) -> None:
        name = self._current.pattern.name if self._current else ""
        index = self.action.currentIndex()
        self.action.blockSignals(True)
        self.action.clear()
        self.action.addItem(self.tr("Leave the items' patterns as they are"))
        self.action.addItem(self.tr("Use “{name}” for these items").format(name=name))
        self.action.addItem(
            self.tr("Use no pattern for these items (every store shows the whole sellable)")
        )
        if self._current is None:
            self.action.model().item(self.ASSIGN).setEnabled(False)  # type: ignore[attr-defined]
        self.action.setCurrentIndex(max(0, index))
        self.action.blockSignals(False)
        preview = ", ".join(self.codes[:4]) + (", …" if len(self.codes) > 4 else "")
        self.selected_radio.setText(
            self.tr("Selected items: {n} ({codes})").format(n=len(self.codes), codes=preview)
            if self.codes
            else self.tr("Selected items: none")
        )
        active = self.action.currentIndex() != self.KEEP
        for widget in (
            self.selected_radio,
            self.search_radio,
            self.target_search,
            self.found_label,
        ):
            widget.setEnabled(active and (widget is not self.selected_radio or bool(self.codes)))
        text = self.target_search.text()
        if text.strip():
            book = self.shop.book
            found = find_items(book, text, limit=len(book.items))
            self.found_label.setText(self.tr("Found: {n}").format(n=len(found)))
        else:
            self.found_label.clear()

    # -- saving (accept: ShopDialog) ------------------------------------------------------------
    def check(self) -> list[str]:
        return [problem for draft in self.drafts for problem in self._problems(draft)]

    def save(self) -> None:
        saves = [d for d in self.drafts if d.dirty or PatternSave(d.pattern, d.original).renamed]
        action, targets = self.action.currentIndex(), self.targets()
        assign: tuple[str | None, list[str]] | None = None
        if action == self.ASSIGN and self._current is not None and targets:
            assign = (self._current.pattern.name, targets)
        elif action == self.REMOVE and targets:
            assign = (None, targets)
        save_patterns(self.shop, PatternChanges(
            [PatternSave(d.pattern, d.original) for d in saves], list(self.deleted), assign))
        for draft in saves:
            draft.original, draft.dirty = draft.pattern.name, False
        self.deleted = []
