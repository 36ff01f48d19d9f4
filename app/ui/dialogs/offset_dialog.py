"""Display offsets (表示在庫設定): none, +N, −N or a fixed N, for all stores or for one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.items import MAX_COUNT
from app.domain.offsets import DisplayOffset, OffsetKind
from app.services.previews import current_offset, preview_offset
from app.services.shop import Shop

from .common import MessageBar, ShopDialog, ok_cancel_buttons, size_for_channels

NONE = "none"
PREVIEW_ROWS = 200
MAX_AMOUNT = MAX_COUNT  # the one bound of every count
FIXED_COLUMNS = 3


class OffsetDialog(ShopDialog):
    """Set the display offset of the selected items; the table shows every store's number."""

    def __init__(self, shop: Shop, codes: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self.codes = [c for c in codes if c in shop.book.items]
        self.channels = shop.channel_names()
        self._mixed = False
        if len(self.codes) == 1:
            item = shop.book.items[self.codes[0]]
            title = self.tr("Display stock — {code} {name}").format(code=item.code, name=item.name)
        else:
            title = self.tr("Display stock — {n} items").format(n=len(self.codes))
        self.setWindowTitle(title.strip())
        self.setMinimumWidth(780)
        size_for_channels(self, 780, 420, len(self.channels), 520)

        setting_box = self._build_setting()
        preview_box = self._build_preview()
        self.messages = MessageBar(self)
        self.buttons = ok_cancel_buttons(self, self.tr("OK"), self.tr("Cancel"))

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(setting_box)
        layout.addWidget(preview_box, 1)
        layout.addWidget(self.messages)
        layout.addWidget(self.buttons)

        self.kind_group.buttonToggled.connect(self._kind_toggled)
        self.amount.valueChanged.connect(self._update)
        self.load()

    # -- building the dialog, one widget group each (in the order of the tab chain) -------------
    def _build_setting(self) -> QGroupBox:
        """Which store, which kind of offset and N, with what it means."""
        self.channel_combo = QComboBox(self)
        self.channel_combo.addItem(self.tr("All stores"), None)
        for channel in self.channels:
            self.channel_combo.addItem(channel, channel)
        self.channel_combo.currentIndexChanged.connect(self._channel_changed)
        channel_row = QHBoxLayout()
        channel_row.addWidget(self.channel_combo)
        channel_row.addStretch(1)

        self.kind_group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        labels = {
            NONE: self.tr("None"),
            OffsetKind.ADD.value: self.tr("Add +N"),
            OffsetKind.SUBTRACT.value: self.tr("Subtract −N"),
            OffsetKind.FIXED.value: self.tr("At most N (fixed)"),
        }
        kind_row = QHBoxLayout()
        for key, label in labels.items():
            radio = QRadioButton(label, self)
            self.radios[key] = radio
            self.kind_group.addButton(radio)
            kind_row.addWidget(radio)
        self.amount = QSpinBox(self)
        self.amount.setRange(0, MAX_AMOUNT)
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount.setMinimumWidth(90)
        self.amount.setAccessibleName(self.tr("Amount N"))
        kind_row.addSpacing(12)
        kind_row.addWidget(QLabel(self.tr("N ="), self))
        kind_row.addWidget(self.amount)
        kind_row.addStretch(1)
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Applies to"), channel_row)
        form.addRow(self.tr("Display"), kind_row)
        form.addRow("", self.explain)
        setting_box = QGroupBox(self.tr("Setting"), self)
        setting_box.setLayout(form)
        return setting_box

    def _build_preview(self) -> QGroupBox:
        """What each store will show, one row per item (the first PREVIEW_ROWS)."""
        self.preview = QTableWidget(0, FIXED_COLUMNS + len(self.channels), self)
        self.preview.setHorizontalHeaderLabels(
            [self.tr("Code"), self.tr("Name"), self.tr("Sellable"), *self.channels]
        )
        self.preview.verticalHeader().setVisible(False)
        self.preview.setAlternatingRowColors(True)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.preview.setWordWrap(False)
        header = self.preview.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 120)
        header.resizeSection(2, 90)
        metrics = header.fontMetrics()
        for column, channel in enumerate(self.channels, start=FIXED_COLUMNS):
            header.resizeSection(column, max(96, metrics.horizontalAdvance(channel) + 28))
        self.preview_note = QLabel(self)
        self.preview_note.setWordWrap(True)
        self.preview_note.setEnabled(False)
        preview_box = QGroupBox(self.tr("What each store will show"), self)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview, 1)
        preview_layout.addWidget(self.preview_note)
        return preview_box

    # -- public, for the window and the tests -----------------------------------------------------
    def channel(self) -> str | None:
        data = self.channel_combo.currentData()
        return str(data) if data else None

    def set_channel(self, channel: str | None) -> None:
        self.channel_combo.setCurrentIndex(max(0, self.channel_combo.findData(channel)))

    def offset(self) -> DisplayOffset | None:
        kind = self._kind()
        return None if kind == NONE else DisplayOffset(OffsetKind(kind), self.amount.value())

    def set_offset(self, offset: DisplayOffset | None) -> None:
        self.radios[NONE if offset is None else offset.kind.value].setChecked(True)
        if offset is not None:
            self.amount.setValue(offset.amount)

    def preview_text(self, code: str, channel: str) -> str:
        for row in range(self.preview.rowCount()):
            if self.preview.item(row, 0).text() == code:
                column = FIXED_COLUMNS + self.channels.index(channel)
                return self.preview.item(row, column).text()
        raise KeyError(code)

    # -- state ------------------------------------------------------------------------------------
    def _kind(self) -> str:
        for key, radio in self.radios.items():
            if radio.isChecked():
                return key
        return NONE

    def _channel_changed(self) -> None:
        self.load()

    def load(self) -> None:
        """Show the selection's current setting for the chosen store (if they all agree)."""
        currents = {current_offset(self.shop.book, c, self.channel()) for c in self.codes}
        self.kind_group.blockSignals(True)
        self.amount.blockSignals(True)
        if len(currents) == 1:
            self.set_offset(next(iter(currents)))
        else:
            self.set_offset(None)
        self._mixed = len(currents) > 1
        self.kind_group.blockSignals(False)
        self.amount.blockSignals(False)
        self._update()

    def _kind_toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self._update()
            if self._kind() != NONE:
                self.amount.setFocus()
                self.amount.selectAll()

    def _update(self) -> None:
        kind = self._kind()
        self.amount.setEnabled(kind != NONE)
        self.explain.setText(self._explanation(kind))
        self._fill_preview()

    def _explanation(self, kind: str) -> str:
        channel = self.channel()
        n = self.amount.value()
        if kind == NONE:
            if channel is None:
                text = self.tr("Every store shows its share as it is.")
            else:
                text = self.tr("{store} follows the setting for all stores.").format(store=channel)
        else:
            where = channel or self.tr("Every store")
            text = {
                OffsetKind.ADD.value: self.tr(
                    "{where}: shows {n} more than its share (goods you can restock at once)."
                ),
                OffsetKind.SUBTRACT.value: self.tr(
                    "{where}: shows {n} fewer than its share, never below 0 (a safety margin "
                    "against overselling)."
                ),
                OffsetKind.FIXED.value: self.tr(
                    "{where}: shows at most {n}; less when there is less."
                ),
            }[kind].format(where=where, n=n)
        if self._mixed:
            text += "\n" + self.tr(
                "The selected items have different settings now; OK gives them all this one."
            )
        return text

    # -- preview ----------------------------------------------------------------------------------
    def _fill_preview(self) -> None:
        rows = preview_offset(
            self.shop.book, self.codes[:PREVIEW_ROWS], self.offset(), self.channel()
        )
        self.preview.setRowCount(len(rows))
        bold = QFont(self.preview.font())
        bold.setBold(True)
        own: set[str] = set()
        for row, line in enumerate(rows):
            self._cell(row, 0, line.code)
            self._cell(row, 1, line.name)
            sellable = self.tr("unlimited") if line.unlimited else str(line.sellable)
            self._cell(row, 2, sellable, right=True)
            for index, channel in enumerate(self.channels):
                before, after = line.before.get(channel, 0), line.after.get(channel, 0)
                text = str(after) if before == after else f"{before} → {after}"
                cell = self._cell(row, FIXED_COLUMNS + index, text, right=True)
                if before != after:
                    cell.setFont(bold)
                if channel in line.keeps_own:
                    cell.setToolTip(
                        self.tr("This item has its own setting for {store}; it stays.").format(
                            store=channel
                        )
                    )
                    own.add(line.code)
        notes = []
        if len(self.codes) > PREVIEW_ROWS:
            notes.append(
                self.tr("Showing the first {shown} of {n} items.").format(
                    shown=PREVIEW_ROWS, n=len(self.codes)
                )
            )
        if own:
            notes.append(
                self.tr(
                    "Items with their own setting for a store keep it for that store: {codes}."
                ).format(codes=", ".join(sorted(own)[:5]))
            )
        self.preview_note.setText(" ".join(notes))
        self.preview_note.setVisible(bool(notes))
        self._fit_preview(len(rows))

    def _fit_preview(self, rows: int) -> None:
        """Tall enough for the rows (up to ten), so one item does not sit in an empty box."""
        shown = min(max(rows, 1), 10)
        height = self.preview.horizontalHeader().sizeHint().height()
        height += shown * self.preview.verticalHeader().defaultSectionSize()
        self.preview.setMinimumHeight(height + 2 * self.preview.frameWidth() + 2)

    def _cell(self, row: int, column: int, text: str, right: bool = False) -> QTableWidgetItem:
        cell = QTableWidgetItem(text)
        align = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
        cell.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        self.preview.setItem(row, column, cell)
        return cell

    # -- saving (check and accept: ShopDialog) ----------------------------------------------------
    def save(self) -> None:
        self.shop.set_offset(self.codes, self.offset(), self.channel())
