"""まとめ売り: create sets of 2, 3, … units of one item in one go (X-2P "… 2個セット", …)."""

from __future__ import annotations

import re
import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.previews import preview_set
from app.services.set_editing import create_packs
from app.services.shop import Shop

from .common import ItemSearch, MessageBar, ShopDialog, ok_cancel_buttons

SIZE, CODE, NAME, SELLABLE = range(4)
BAD = QColor("#b3261e")
_SEPARATORS = re.compile(r"[\s,、;/]+")
MAX_PACK = 999


def pack_code(code: str, size: int) -> str:
    return f"{code}-{size}P"


class PackDialog(ShopDialog):
    """Pick one item and the pack sizes; OK creates one set per size."""

    def __init__(self, shop: Shop, code: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop = shop
        self._item: str | None = None
        self._bad_sizes: list[str] = []
        self._filling = False
        self.created: list[str] = []
        self.setWindowTitle(self.tr("Create N-packs"))
        self.setMinimumSize(700, 460)

        intro = QLabel(
            self.tr(
                "Sell several units of one item as one product: each pack size becomes a "
                "set of that many units, and its stock follows the item's."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.search = ItemSearch(lambda: self.shop.book, self)
        self.search.setPlaceholderText(self.tr("Search by code, name or JAN…"))
        self.search.chosen.connect(self.set_item)
        self.item_label = QLabel(self)
        bold = self.item_label.font()
        bold.setBold(True)
        self.item_label.setFont(bold)
        self.item_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sizes_edit = QLineEdit("2, 3", self)
        self.sizes_edit.setPlaceholderText(self.tr("e.g. 2, 3, 5"))
        self.sizes_edit.textChanged.connect(self._sizes_changed)
        sizes_row = QHBoxLayout()
        sizes_row.addWidget(self.sizes_edit, 1)
        sizes_hint = QLabel(self.tr("units per pack, separated by commas"), self)
        sizes_hint.setEnabled(False)
        sizes_row.addWidget(sizes_hint)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self.tr("Item"), self.search)
        form.addRow("", self.item_label)
        form.addRow(self.tr("Pack sizes"), sizes_row)

        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Units"), self.tr("Set code"), self.tr("Name"), self.tr("Can sell")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(SIZE, 70)
        header.resizeSection(CODE, 170)
        header.resizeSection(SELLABLE, 96)
        self.table.itemChanged.connect(self._cell_edited)
        table_hint = QLabel(self.tr("Double-click a code or name to change it."), self)
        table_hint.setEnabled(False)

        self.messages = MessageBar(self)
        self.buttons = ok_cancel_buttons(self, self.tr("Create sets"), self.tr("Cancel"))

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(table_hint)
        layout.addWidget(self.messages)
        layout.addWidget(self.buttons)

        self._start = code
        self.load()

    def load(self) -> None:
        """The item the dialog was opened for, if any: its packs of 2 and 3 to start with."""
        if self._start and self._start in self.shop.book.items:
            self.set_item(self._start)
        else:
            self._fill_table()
            self.search.setFocus()

    # -- input ------------------------------------------------------------------------------
    def set_item(self, code: str) -> None:
        item = self.shop.book.items[code]
        self._item = code
        stock = self.shop.book.stock.get(code)
        self.item_label.setText(
            self.tr("{code} {name} — sellable {n}").format(
                code=code, name=item.name, n=stock.sellable if stock else 0
            )
        )
        self._fill_table(reset=True)
        self.sizes_edit.setFocus()

    def set_sizes(self, text: str) -> None:
        self.sizes_edit.setText(text)

    def sizes(self) -> list[int]:
        """Pack sizes typed, in order, without repeats (full-width digits and 、 allowed)."""
        found: list[int] = []
        self._bad_sizes = []
        text = unicodedata.normalize("NFKC", self.sizes_edit.text())
        for token in _SEPARATORS.split(text):
            if not token:
                continue
            if not token.isdigit() or not 2 <= int(token) <= MAX_PACK:
                self._bad_sizes.append(token)
            elif int(token) not in found:
                found.append(int(token))
        return found

    def packs(self) -> list[tuple[int, str, str]]:
        """(units, set code, name) of every row."""
        rows: list[tuple[int, str, str]] = []
        for row in range(self.table.rowCount()):
            size = int(self.table.item(row, SIZE).text())
            code = self.table.item(row, CODE).text().strip()
            name = self.table.item(row, NAME).text().strip()
            rows.append((size, code, name))
        return rows

    def set_pack_code(self, size: int, code: str) -> None:
        for row in range(self.table.rowCount()):
            if int(self.table.item(row, SIZE).text()) == size:
                self.table.item(row, CODE).setText(code)

    # -- the table ---------------------------------------------------------------------------
    def _sizes_changed(self) -> None:
        self._fill_table()

    def _default_name(self, size: int) -> str:
        assert self._item is not None
        item = self.shop.book.items[self._item]
        return self.tr("{name} {n}-pack").format(name=item.name or item.code, n=size)

    def _fill_table(self, reset: bool = False) -> None:
        """One row per pack size; codes and names the user changed are kept."""
        kept = {} if reset else {size: (code, name) for size, code, name in self.packs()}
        sizes = self.sizes() if self._item else []
        self._filling = True
        try:
            self.table.setRowCount(len(sizes))
            for row, size in enumerate(sizes):
                assert self._item is not None
                code, name = kept.get(size, (pack_code(self._item, size), self._default_name(size)))
                sellable = preview_set(self.shop.book, code, [(self._item, size)]).sellable
                cells = [
                    (str(size), False, Qt.AlignmentFlag.AlignRight),
                    (code, True, Qt.AlignmentFlag.AlignLeft),
                    (name, True, Qt.AlignmentFlag.AlignLeft),
                    (
                        "—" if sellable is None else str(sellable),
                        False,
                        Qt.AlignmentFlag.AlignRight,
                    ),
                ]
                for column, (text, editable, align) in enumerate(cells):
                    cell = QTableWidgetItem(text)
                    cell.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
                    flags = Qt.ItemFlag.ItemIsEnabled
                    if editable:
                        flags |= Qt.ItemFlag.ItemIsEditable
                    cell.setFlags(flags)
                    self.table.setItem(row, column, cell)
        finally:
            self._filling = False
        self._check()

    def _cell_edited(self, _cell: QTableWidgetItem) -> None:
        if not self._filling:
            self._check()

    # -- messages ----------------------------------------------------------------------------
    def _check(self) -> None:
        errors = self._errors()
        hint = ""
        if self._item is None:
            hint = self.tr("Choose the item to sell in packs.")
        elif not self.table.rowCount() and not errors:
            hint = self.tr("Type the pack sizes, for example 2, 3, 5.")
        self.messages.show_state(errors, hint)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not errors and self._item is not None and self.table.rowCount() > 0)

    def _errors(self) -> list[str]:
        """Every problem, in order; the code cells with a problem turn red."""
        self.sizes()
        found = [
            self.tr("“{text}” is not a pack size: type whole numbers from 2 to {max}.").format(
                text=text, max=MAX_PACK
            )
            for text in self._bad_sizes
        ]
        seen: set[str] = set()
        bad_rows: set[int] = set()
        for row, (size, code, _name) in enumerate(self.packs()):
            problem = None
            if not code:
                problem = self.tr("The pack of {n} needs a code.").format(n=size)
            elif code in seen:
                problem = self.tr("Code {code} is used twice.").format(code=code)
            elif code in self.shop.book.items:
                problem = self.tr(
                    "{code} already exists: change its code or leave out the pack of {n}."
                ).format(code=code, n=size)
            if problem:
                found.append(problem)
                bad_rows.add(row)
            seen.add(code)
        self._mark(bad_rows)
        return found

    def _mark(self, bad_rows: set[int]) -> None:
        was_filling, self._filling = self._filling, True
        try:
            for row in range(self.table.rowCount()):
                cell = self.table.item(row, CODE)
                cell.setForeground(BAD if row in bad_rows else self.palette().text())
        finally:
            self._filling = was_filling

    # -- saving (accept: ShopDialog) -----------------------------------------------------------
    def check(self) -> list[str]:
        found = self._errors()
        if self._item is None:
            found.append(self.tr("Choose the item to sell in packs."))
        elif not self.table.rowCount():
            found.append(self.tr("Type the pack sizes, for example 2, 3, 5."))
        return found

    def save(self) -> None:
        assert self._item is not None
        packs = self.packs()
        create_packs(self.shop, self._item, packs)
        self.created = [code for _size, code, _name in packs]

    def refused(self) -> None:
        self._fill_table()
