"""The import wizard's column mapping page: the channel file format detected (``FormatBox``),
or which column holds what and the header row, chosen by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.files.common import column_letter
from app.files.headers import KINDS, find_columns
from app.services.importing import ImportOptions

from .common import MessageBar
from .file_errors import problem_lines
from .import_format_box import FormatBox

if TYPE_CHECKING:
    from .import_wizard import ImportWizard


class ImportMappingPage(QWizardPage):
    """Which column holds which field: found from the headers, changed with combo boxes."""

    NONE = -1

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self._wizard = wizard
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Check which column of the file holds each field. Fields "
                                 "marked required need a column."))
        self.about = QLabel(self)
        self.about.setWordWrap(True)
        self.format_box = FormatBox(self)
        self.format_box.changed.connect(self._format_changed)
        self.header_row = QSpinBox(self)
        self.header_row.setRange(0, 1_000_000)
        self.header_row.setSpecialValueText(self.tr("none (the file has no header row)"))
        self.header_row.valueChanged.connect(self._header_changed)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("columnMapping")
        self.table.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Column in the file"),
                                              "", self.tr("First row")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.messages = MessageBar(self)
        form = QFormLayout()
        form.addRow(self.tr("&Header row:"), self.header_row)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.format_box)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.messages)
        self.combos: dict[str, QComboBox] = {}
        self._fields: tuple[str, ...] = ()
        self._filling = False
        self._found: tuple[int, dict[str, int]] = (1, {})
        self._problems: list[Any] = []

    def field_labels(self) -> dict[str, str]:
        return {
            "code": self.tr("Item code"), "jan": self.tr("JAN code"), "name": self.tr("Name"),
            "quantity": self.tr("Quantity"), "color": self.tr("Colour"),
            "size": self.tr("Size"), "reserved": self.tr("Reserved"),
            "backorder_allowance": self.tr("Backorder allowance"),
            "reorder_point": self.tr("Reorder point"), "unlimited": self.tr("Unlimited"),
            "set_code": self.tr("Set code"), "component": self.tr("Component code"),
            "component_quantity": self.tr("Units per set"),
            "pattern": self.tr("Allocation pattern"), "channel": self.tr("Channel"),
            "offset": self.tr("Display offset"),
            "channel_item_id": self.tr("Channel's item id"),
        }

    def initializePage(self) -> None:
        table = self._wizard.table
        assert table is not None
        options = self._wizard.file_page.options()
        mapping, problems = find_columns(table, options.kind)
        read = table.encoding or table.sheet or ""
        self.about.setText(self.tr("{file} ({read}): %n rows", None, len(table.rows)).format(
            file=table.name, read=read))
        # the header row found, also when a column is missing from it (the problem names it)
        first = next((p.row for p in problems if p.row), table.rows[0][0] if table.rows else 1)
        self._found = (mapping.header_row if mapping is not None else first,
                       dict(mapping.columns) if mapping is not None else {})
        self._problems = problems
        self.format_box.set_table(table, options.kind, self._wizard.detected_reading)

    def _format_changed(self) -> None:
        """A channel's format reads its own columns: the mapping shows them, locked; by hand,
        the columns found from the headers, to change."""
        fmt = self.format_box.chosen()
        table = self._wizard.table
        assert table is not None
        header_row, columns = self._found
        if fmt is not None:
            header_row = table.rows[0][0] if table.rows else 1
            columns = self.format_box.columns()
        self._filling = True
        self.header_row.setValue(header_row)
        self._filling = False
        self._build(columns)
        if fmt is not None:
            self.setTitle(self.tr("Check the file format"))
            self.setSubTitle(self.tr("Rendo reads this file as its channel writes it. If the "
                                     "format is wrong, choose another, or the columns by "
                                     "hand."))
        else:
            self.setTitle(self.tr("Match the columns"))
            self.setSubTitle(self.tr("Check which column of the file holds each field. "
                                     "Fields marked required need a column."))
        self.header_row.setEnabled(fmt is None)
        self.table.setEnabled(fmt is None)
        if self._problems and fmt is None:
            self.messages.show_hint("\n".join(problem_lines(self._problems)))
        else:
            self.messages.clear_messages()

    def _row_values(self, number: int) -> tuple[Any, ...]:
        table = self._wizard.table
        assert table is not None
        return next((v for n, v in table.rows if n == number), ())

    def _first_data_row(self) -> tuple[Any, ...]:
        table = self._wizard.table
        assert table is not None
        after = self.header_row.value()
        return next((v for n, v in table.rows if n > after), ())

    def _header_changed(self) -> None:
        if not self._filling:
            self._build(self.chosen_indexes())

    def _build(self, chosen: dict[str, int]) -> None:
        kind = KINDS[self._wizard.file_page.options().kind]
        required = {n: len(group) > 1 for group in kind.required for n in group}
        headers = self._row_values(self.header_row.value()) if self.header_row.value() else ()
        sample = self._first_data_row()
        width = max(len(headers), len(sample), *(i + 1 for i in chosen.values()), 1)
        labels = self.field_labels()
        self._fields = kind.fields
        self.combos = {}
        self.table.setRowCount(len(self._fields))
        for row, name in enumerate(self._fields):
            self.table.setItem(row, 0, QTableWidgetItem(labels.get(name, name)))
            combo = QComboBox(self.table)
            combo.setObjectName(f"column_{name}")
            combo.addItem(self.tr("(not used)"), self.NONE)
            for index in range(width):
                head = headers[index] if index < len(headers) else None
                text = column_letter(index)
                if head not in (None, ""):
                    text = f"{text}: {str(head).strip()}"
                combo.addItem(text, index)
            combo.setCurrentIndex(max(0, combo.findData(chosen.get(name, self.NONE))))
            combo.currentIndexChanged.connect(lambda _i, r=row: self._column_changed(r))
            self.combos[name] = combo
            self.table.setCellWidget(row, 1, combo)
            if name not in required:
                need = self.tr("optional")
            elif required[name]:
                need = self.tr("required (either)")
            else:
                need = self.tr("required")
            self.table.setItem(row, 2, QTableWidgetItem(need))
            self.table.setItem(row, 3, QTableWidgetItem(""))
            self._column_changed(row)
        self.completeChanged.emit()

    def _column_changed(self, row: int) -> None:
        name = self._fields[row]
        index = self.combos[name].currentData()
        sample = self._first_data_row()
        value = sample[index] if index is not None and 0 <= index < len(sample) else ""
        reading = self.format_box.reading()
        if reading is not None:  # the first stock row as the format reads it (a parent row
            # is skipped; 楽天's code may come from システム連携用SKU番号, the name from the parent)
            first = reading.table.rows[1][1] if len(reading.table.rows) > 1 else ()
            fields = ("code", "quantity", "name")
            value = first[fields.index(name)] if name in fields and first else ""
        item = self.table.item(row, 3)
        if item is not None:
            item.setText("" if value is None else str(value))
        self.completeChanged.emit()

    def set_column(self, name: str, index: int | None) -> None:
        combo = self.combos[name]
        combo.setCurrentIndex(max(0, combo.findData(self.NONE if index is None else index)))

    def chosen_indexes(self) -> dict[str, int]:
        return {name: combo.currentData() for name, combo in self.combos.items()
                if combo.currentData() != self.NONE}

    def isComplete(self) -> bool:
        if self.format_box.chosen() is not None:
            return not self.format_box.needs_location()
        kind = KINDS[self._wizard.file_page.options().kind]
        chosen = self.chosen_indexes()
        return all(any(n in chosen for n in group) for group in kind.required)

    def validatePage(self) -> bool:
        return self.isComplete()  # QWizard.next() does not ask isComplete itself

    def options(self) -> ImportOptions:
        """The columns as shown: a field set to "(not used)" stays unused even when its
        header is one Rendo recognises."""
        base = self._wizard.file_page.options()
        if self.format_box.chosen() is not None:
            return ImportOptions(kind=base.kind, mode=base.mode, encoding=base.encoding,
                                 delimiter=base.delimiter, format=self.format_box.option_name(),
                                 location=self.format_box.chosen_location(),
                                 create_unknown=base.create_unknown)
        columns = {name: column_letter(index) for name, index in self.chosen_indexes().items()}
        excluded = frozenset(name for name, combo in self.combos.items()
                             if combo.currentData() == self.NONE)
        return ImportOptions(kind=base.kind, mode=base.mode, encoding=base.encoding,
                             delimiter=base.delimiter, columns=columns, excluded=excluded,
                             header_row=self.header_row.value(),
                             create_unknown=base.create_unknown)
