"""The first connection of a channel: what it shows now next to what Rendo would upload.

Nothing is synced with a new channel until the user chooses here: take the channel's numbers
("pull": Rendo's singles get the channel's count as on hand) or upload Rendo's ("push"). Rows
where pushing would put 0 over a positive number are shown in red, and pushing over them needs
an explicit tick: never a silent wipe to 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QDialogButtonBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.channel_sync import choose_first
from app.services.channels import adapter_for as default_adapter_for
from app.services.channels import channel_settings
from app.services.shop import Shop
from app.sync.engine import AdapterFactory, PreviewRow, SyncEngine

from ..background import run_in_background
from ..state_icons import sync_icon
from ..table_model import ListTableModel
from .common import ShopDialog

WIPE_BACKGROUND = "#fde7e9"
WIPE_INK = "#8c1d18"
MISSING_INK = "#7a7a7a"
DIFF_INK = "#8a5300"


def row_kind(row: PreviewRow) -> str:
    """missing (not in Rendo), wipe (push would set 0 over a positive number), differs, same."""
    if row.code is None:
        return "missing"
    if row.rendo_qty == 0 and row.channel_qty > 0:
        return "wipe"
    if row.rendo_qty is not None and row.rendo_qty != row.channel_qty:
        return "differs"
    return "same"


class PreviewModel(ListTableModel):
    """The preview rows with what the chosen mode would do to each."""

    CHANNEL_ID, ITEM, CHANNEL_QTY, RENDO_QTY, OUTCOME = range(5)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.rows: list[PreviewRow] = []
        self.kinds: list[str] = []
        self.mode: str | None = None
        self.names: dict[str, str] = {}
        self.sets: set[str] = set()
        self.on_hand: dict[str, int] = {}
        self.headers = [
            self.tr("Channel's item ID"), self.tr("Rendo item"), self.tr("Channel shows now"),
            self.tr("Rendo would upload"), self.tr("If you choose this"),
        ]

    def set_rows(self, rows: list[PreviewRow], shop: Shop) -> None:
        book = shop.book
        self.beginResetModel()
        self.rows = rows
        self.kinds = [row_kind(r) for r in rows]
        codes = {r.code for r in rows if r.code is not None}
        self.names = {c: book.items[c].name for c in codes if c in book.items}
        self.sets = {c for c in codes if c in book.items and book.items[c].is_set}
        self.on_hand = {c: book.on_hand.get(c, 0) for c in codes}
        self.endResetModel()

    def set_mode(self, mode: str | None) -> None:
        self.mode = mode
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 4))

    def count(self, kind: str) -> int:
        return self.kinds.count(kind)

    def changes(self, number: int) -> bool:
        """Whether the chosen mode (or, before a choice, either) changes this row."""
        row, kind = self.rows[number], self.kinds[number]
        if kind == "missing":
            return False
        if self.mode == "pull":
            code = row.code or ""
            return code not in self.sets and self.on_hand.get(code, 0) != row.channel_qty
        return kind != "same"

    def outcome(self, number: int) -> str:
        row, kind, mode = self.rows[number], self.kinds[number], self.mode
        if kind == "missing":
            return self.tr("Not in Rendo: not synced")
        if mode is None:
            return {
                "wipe": self.tr("Pushing would show 0 here"),
                "differs": self.tr("Differs"),
                "same": self.tr("Same"),
            }[kind]
        if mode == "push":
            if kind == "same":
                return self.tr("No change")
            if kind == "wipe":
                return self.tr("Channel {old} → 0 (shown as sold out)").format(
                    old=row.channel_qty)
            return self.tr("Channel {old} → {new}").format(old=row.channel_qty,
                                                          new=row.rendo_qty)
        code = row.code or ""
        if code in self.sets:
            return self.tr("Set: follows its components")
        old = self.on_hand.get(code, 0)
        if old == row.channel_qty:
            return self.tr("No change")
        return self.tr("On hand {old} → {new}").format(old=old, new=row.channel_qty)

    def cell_data(self, index: QModelIndex | QPersistentModelIndex, role: int) -> Any:
        number, column = index.row(), index.column()
        row, kind = self.rows[number], self.kinds[number]
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.CHANNEL_ID:
                return row.channel_item_id
            if column == self.ITEM:
                if row.code is None:
                    return self.tr("(not in Rendo)")
                name = self.names.get(row.code, "")
                return f"{row.code}  {name}" if name else row.code
            if column == self.CHANNEL_QTY:
                return str(row.channel_qty)
            if column == self.RENDO_QTY:
                return "—" if row.rendo_qty is None else str(row.rendo_qty)
            return self.outcome(number)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and kind == "wipe" and self.mode != "pull":
            return QBrush(QColor(WIPE_BACKGROUND))
        if role == Qt.ItemDataRole.ForegroundRole:
            if kind == "missing":
                return QBrush(QColor(MISSING_INK))
            if kind == "wipe" and self.mode != "pull" and column in (3, 4):
                return QBrush(QColor(WIPE_INK))
            if column == self.OUTCOME and self.changes(number):
                return QBrush(QColor(DIFF_INK))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            if kind == "missing" and column == self.ITEM:
                font.setItalic(True)
                return font
            if kind in ("wipe", "differs") and column in (2, 3):
                font.setBold(True)
                return font
        if (role == Qt.ItemDataRole.DecorationRole and column == self.RENDO_QTY
                and kind == "wipe" and self.mode != "pull"):
            return sync_icon("failing")
        if role == Qt.ItemDataRole.ToolTipRole and kind == "wipe":
            return self.tr("The channel shows {n} now; Rendo would upload 0. Check the item's "
                           "stock in Rendo before pushing.").format(n=row.channel_qty)
        return None


class _DifferencesOnly(QSortFilterProxyModel):
    def __init__(self, model: PreviewModel) -> None:
        super().__init__(model)
        self.setSourceModel(model)
        self.only_differences = False

    def set_only_differences(self, only: bool) -> None:
        self.beginFilterChange()
        self.only_differences = only
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int,
                         source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self.only_differences:
            return True
        model = self.sourceModel()
        assert isinstance(model, PreviewModel)
        return model.kinds[source_row] != "same"


class FirstSyncDialog(ShopDialog):
    """Load the preview off the window's thread, show it, and record the user's choice."""

    def __init__(self, shop: Shop, channel: str, adapter_for: AdapterFactory | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.channel = channel
        self.adapter_for = adapter_for or default_adapter_for
        self.loaded = False
        self.chosen: str | None = None
        self.setObjectName("firstSyncDialog")
        self.setWindowTitle(self.tr("First sync with {name}").format(name=channel))

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self._build_intro())
        layout.addWidget(self._build_loading())
        layout.addWidget(self._build_problem())
        self._build_summary()
        layout.addWidget(self.summary)
        layout.addWidget(self.wipe_warning)
        layout.addWidget(self.only_differences)
        layout.addWidget(self._build_table(), 1)
        layout.addWidget(self._build_choice())
        self._build_buttons()
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.pull.toggled.connect(self._mode_changed)
        self.push.toggled.connect(self._mode_changed)
        self.confirm_wipe.toggled.connect(self._update_start)
        self._update_start()
        self.load()

    # -- building the dialog, one widget group each (in the order of the tab chain) -----------
    def _build_intro(self) -> QLabel:
        intro = QLabel(self.tr(
            "Rendo has not synced with <b>{name}</b> yet. Compare what the channel shows now "
            "with what Rendo would upload, then choose which numbers are right. Until you "
            "choose, Rendo neither reads orders from this channel nor changes its numbers."
        ).format(name=self.channel), self)
        intro.setWordWrap(True)
        return intro

    def _build_loading(self) -> QWidget:
        """The busy row shown while the channel's listings are read."""
        self.loading = QWidget(self)
        loading_row = QHBoxLayout(self.loading)
        loading_row.setContentsMargins(0, 0, 0, 0)
        busy = QProgressBar(self.loading)
        busy.setRange(0, 0)
        busy.setTextVisible(False)
        busy.setFixedWidth(120)
        loading_row.addWidget(QLabel(self.tr("Reading the channel's listings…"), self.loading))
        loading_row.addWidget(busy)
        loading_row.addStretch(1)
        return self.loading

    def _build_problem(self) -> QFrame:
        """Why the listings could not be read, with Try again (hidden until then)."""
        self.problem = QFrame(self)
        self.problem.setObjectName("previewProblem")
        self.problem.setStyleSheet(
            f"#previewProblem {{ background: {WIPE_BACKGROUND}; border: 1px solid #efc5bf; "
            f"border-radius: 4px; }} #previewProblem QLabel {{ color: {WIPE_INK}; "
            "background: transparent; }")
        self.problem_text = QLabel(self.problem)
        self.problem_text.setWordWrap(True)
        self.reload_button = QPushButton(self.tr("Try again"), self.problem)
        self.reload_button.clicked.connect(self.load)
        problem_row = QHBoxLayout(self.problem)
        problem_row.setContentsMargins(10, 6, 6, 6)
        problem_row.addWidget(self.problem_text, 1)
        problem_row.addWidget(self.reload_button)
        self.problem.hide()
        return self.problem

    def _build_summary(self) -> None:
        """The counts, the warning about rows a push would wipe, "only rows that differ"."""
        self.summary = QLabel(self)
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.wipe_warning = QLabel(self)
        self.wipe_warning.setObjectName("wipeWarning")
        self.wipe_warning.setWordWrap(True)
        self.wipe_warning.setStyleSheet(
            f"background: {WIPE_BACKGROUND}; color: {WIPE_INK}; border: 1px solid #efc5bf; "
            "border-radius: 4px; padding: 6px 10px;")
        self.wipe_warning.hide()
        self.only_differences = QCheckBox(self.tr("Show only rows that differ"), self)
        self.only_differences.setObjectName("onlyDifferences")

    def _build_table(self) -> QTableView:
        """The preview: one row per listing, what each choice would do."""
        self.model = PreviewModel(self)
        self.proxy = _DifferencesOnly(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("previewTable")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        self.only_differences.toggled.connect(self.proxy.set_only_differences)
        return self.table

    def _build_choice(self) -> QGroupBox:
        """Take the channel's numbers or push Rendo's, each with its explanation."""
        choice = QGroupBox(self.tr("Which numbers are right?"), self)
        self.pull = QRadioButton(self.tr("Take the channel's numbers"), choice)
        self.pull.setObjectName("choosePull")
        pull_help = QLabel(self.tr(
            "Rendo's on-hand count of each single item listed here becomes the number the "
            "channel shows (recorded as a stocktake). Sets follow their components. Choose "
            "this when the channel's numbers are the ones you trust."), choice)
        self.push = QRadioButton(self.tr("Push Rendo's numbers"), choice)
        self.push.setObjectName("choosePush")
        push_help = QLabel(self.tr(
            "The channel's numbers are replaced by what Rendo computes. Choose this when "
            "Rendo's stock is the one you counted."), choice)
        for help_label in (pull_help, push_help):
            help_label.setWordWrap(True)
            help_label.setContentsMargins(24, 0, 0, 4)
            help_label.setStyleSheet("color: #555b61;")
        self.confirm_wipe = QCheckBox(choice)
        self.confirm_wipe.setObjectName("confirmWipe")
        self.confirm_wipe.setStyleSheet(f"color: {WIPE_INK};")
        self.confirm_wipe.hide()
        self.modes = QButtonGroup(self)
        self.modes.addButton(self.pull)
        self.modes.addButton(self.push)
        choice_layout = QVBoxLayout(choice)
        choice_layout.addWidget(self.pull)
        choice_layout.addWidget(pull_help)
        choice_layout.addWidget(self.push)
        choice_layout.addWidget(push_help)
        choice_layout.addWidget(self.confirm_wipe)
        self.choice_box = choice
        return choice

    def _build_buttons(self) -> None:
        """The refusal's line, Decide later and Start syncing."""
        self.error = QLabel(self)
        self.error.setObjectName("choiceError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {WIPE_INK};")
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.later = self.buttons.addButton(self.tr("Decide later"),
                                            QDialogButtonBox.ButtonRole.RejectRole)
        self.start = self.buttons.addButton(self.tr("Start syncing"),
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.start.setObjectName("startSync")
        self.start.setDefault(False)
        self.later.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def sizeHint(self) -> QSize:
        return QSize(820, 640)

    # -- the preview ------------------------------------------------------------------------
    def load(self) -> None:
        """Read the channel's numbers on the thread pool (the window keeps responding)."""
        self.loaded = False
        self.loading.show()
        self.problem.hide()
        self.choice_box.setEnabled(False)
        self._update_start()
        shop, channel, factory = self.shop, self.channel, self.adapter_for
        saved = channel_settings(channel)
        run_in_background(lambda: SyncEngine(shop, factory).preview_first(channel),
                          self, self._loaded, self._failed,
                          channel=(channel, saved.type if saved else ""))

    @Slot(object)
    def _loaded(self, rows: object) -> None:
        assert isinstance(rows, list)
        self.model.set_rows(rows, self.shop)
        self.loaded = True
        self.loading.hide()
        self.choice_box.setEnabled(True)
        total = len(rows)
        same, differs = self.model.count("same"), self.model.count("differs")
        missing, wipe = self.model.count("missing"), self.model.count("wipe")
        if total:
            self.summary.setText(self.tr(
                "{name} lists {total} item(s): {same} the same, {differs} different, "
                "{missing} not in Rendo.").format(
                    name=self.channel, total=total, same=same, differs=differs + wipe,
                    missing=missing))
        else:
            self.summary.setText(self.tr(
                "{name} lists no items yet. Either choice is safe.").format(name=self.channel))
        if missing:
            self.summary.setText(self.summary.text() + " " + self.tr(
                "Items not in Rendo are left alone until they are added to Rendo."))
        if wipe:
            self.wipe_warning.setText(self.tr(
                "Pushing Rendo's numbers would show 0 for {n} item(s) the channel has in stock "
                "now (red rows). Check them before you push.").format(n=wipe))
            self.confirm_wipe.setText(self.tr(
                "I checked the red rows: show 0 for them on {name}.").format(name=self.channel))
        self.only_differences.setChecked(total > 20 and same > 0)
        self.only_differences.setVisible(total > 0)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(
            PreviewModel.OUTCOME, QHeaderView.ResizeMode.Stretch)
        self._mode_changed()

    @Slot(str, str)
    def _failed(self, message: str, detail: str) -> None:
        self.loading.hide()
        self.problem_text.setText(self.tr(
            "Rendo could not read {name}'s listings: {message}").format(
                name=self.channel, message=message))
        self.problem_text.setToolTip(detail)
        self.problem.show()
        self._update_start()

    # -- the choice -------------------------------------------------------------------------
    @property
    def mode(self) -> str | None:
        if self.pull.isChecked():
            return "pull"
        if self.push.isChecked():
            return "push"
        return None

    def _mode_changed(self, *_: object) -> None:
        self.model.set_mode(self.mode)
        wipes = self.model.count("wipe")
        self.wipe_warning.setVisible(self.loaded and wipes > 0 and self.mode != "pull")
        self.confirm_wipe.setVisible(self.mode == "push" and wipes > 0)
        self._update_start()

    def _update_start(self, *_: object) -> None:
        mode = self.mode
        ready = self.loaded and mode is not None
        if ready and mode == "push" and self.model.count("wipe"):
            ready = self.confirm_wipe.isChecked()
        self.start.setEnabled(ready)
        if ready:
            self.start.setDefault(True)

    # -- saving (accept: ShopDialog) ------------------------------------------------------------
    def check(self) -> list[str]:
        if self.start.isEnabled() and self.mode is not None:
            return []
        return [self.tr("Choose which numbers are right before you start syncing.")]

    def show_problems(self, problems: Sequence[str]) -> None:
        self.error.setText("\n".join(problems))
        self.error.show()

    def save(self) -> None:
        mode = self.mode
        assert mode is not None
        choose_first(self.channel, mode)
        self.chosen = mode


def choose_first_sync(shop: Shop, channel: str, parent: QWidget | None = None,
                      adapter_for: AdapterFactory | None = None) -> str | None:
    """Show the first-sync dialog modally; the mode chosen, or None when put off."""
    dialog = FirstSyncDialog(shop, channel, adapter_for, parent)
    dialog.exec()
    return dialog.chosen


__all__ = ["FirstSyncDialog", "PreviewModel", "choose_first_sync", "row_kind"]
