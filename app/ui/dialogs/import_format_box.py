"""The import wizard's channel file format: detected from the file's header (楽天, Yahoo!,
BASE, Shopify, Amazon, ネクストエンジン), shown with the columns it reads and the rows it
skips, and changed with a combo box, down to "columns by hand" (the mapping table).

A Shopify export with several locations needs a choice: one location or their sum. The box
stays incomplete until it is made, as ``rendo import`` refuses the file without
``--location``.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QWidget

from app.files import formats
from app.files.common import Table
from app.files.formats.base import Header, cell

from .file_errors import problem_lines, qt_translate

HAND = ""  # the combo's data for "columns by hand"


def format_label(fmt: formats.FileFormat) -> str:
    return QCoreApplication.translate("Formats", fmt.label)


def summary_lines(reading: formats.FormatReading) -> list[str]:
    """The lines ``rendo import --dry-run`` prints about the format (app.cli_files)."""
    return [note.text(qt_translate) for note in reading.summary()]


def locations_in(table: Table, fmt: formats.FileFormat) -> list[str]:
    """The locations a file with a location column holds, in the file's order."""
    if not table.rows:
        return []
    reader = fmt.reader(Header(table.rows[0][1]))
    column = reader.col("location")
    if column is None:
        return []
    return list(dict.fromkeys(cell(cells, column) for _, cells in table.rows[1:]))


class FormatBox(QWidget):
    """File format: [combo]; Location: [combo] (Shopify, several locations); what it reads."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: Table | None = None
        self.kind = "stock"
        self.detected: formats.FileFormat | None = None
        self._reading: formats.FormatReading | None = None
        self._reading_key: tuple[str, str | None] | None = None
        self.format = QComboBox(self)
        self.format.setObjectName("importFormat")
        self.location = QComboBox(self)
        self.location.setObjectName("importLocation")
        self.location_label = QLabel(self.tr("&Location:"), self)
        self.location_label.setBuddy(self.location)
        self.about = QLabel(self)
        self.about.setObjectName("formatAbout")
        self.about.setWordWrap(True)
        format_label_widget = QLabel(self.tr("File &format:"), self)
        format_label_widget.setBuddy(self.format)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(format_label_widget, self.format)
        form.addRow(self.location_label, self.location)
        form.addRow(self.about)
        self.format.currentIndexChanged.connect(self._format_changed)
        self.location.currentIndexChanged.connect(self._location_changed)
        self._filling = False

    # -- filling --------------------------------------------------------------------------
    def set_table(self, table: Table, kind: str,
                  read: formats.FormatReading | None = None) -> None:
        """Detect the format of *table* (formats are for stock counts only); *read*: the
        table already read with the detected format, in the wizard's worker."""
        self.table = table
        self.kind = kind
        self.setVisible(kind == "stock")
        self.detected = formats.detect(table, formats.FORMATS) if kind == "stock" else None
        self._reading = None
        self._reading_key = None
        if read is not None and read.format is self.detected and read.table.path == table.path:
            self._reading, self._reading_key = read, (read.format.name, None)
        self._filling = True
        self.format.clear()
        self.format.addItem(self.tr("Columns by hand (choose them below)"), HAND)
        for fmt in formats.FORMATS:
            text = format_label(fmt)
            if fmt is self.detected:
                text = self.tr("{format} (detected)").format(format=text)
            self.format.addItem(text, fmt.name)
        self.format.setCurrentIndex(
            self.format.findData(self.detected.name) if self.detected is not None else 0)
        self._filling = False
        self._format_changed()

    def choose(self, name: str) -> None:
        """Choose a format by its --format name, or HAND."""
        self.format.setCurrentIndex(self.format.findData(name))

    def choose_location(self, location: str) -> None:
        self.location.setCurrentIndex(self.location.findData(location))

    def _format_changed(self) -> None:
        if self._filling:
            return
        fmt = self.chosen()
        places = locations_in(self.table, fmt) if fmt and self.table else []
        self._filling = True
        self.location.clear()
        if len(places) > 1:
            self.location.addItem(self.tr("Choose a location…"), None)
            for place in places:
                self.location.addItem(place, place)
            self.location.addItem(self.tr("The sum of all locations"), formats.ALL_LOCATIONS)
        self._filling = False
        self.location.setVisible(len(places) > 1)
        self.location_label.setVisible(len(places) > 1)
        self._update()

    def _location_changed(self) -> None:
        if not self._filling:
            self._update()

    # -- what was chosen ------------------------------------------------------------------
    def chosen(self) -> formats.FileFormat | None:
        """The format chosen, or None: columns by hand (or not a stock import)."""
        if self.kind != "stock":
            return None
        return formats.BY_NAME.get(self.format.currentData() or HAND)

    def chosen_location(self) -> str | None:
        return self.location.currentData() if self.location.count() else None

    def needs_location(self) -> bool:
        return self.location.count() > 0 and self.location.currentData() is None

    def option_name(self) -> str:
        """``ImportOptions.format``: auto for the detected format (the preview says so)."""
        fmt = self.chosen()
        if fmt is None or fmt is self.detected:
            return formats.AUTO
        return fmt.name

    def reading(self) -> formats.FormatReading | None:
        """The file read with the chosen format (for what the box and mapping show)."""
        fmt = self.chosen()
        if fmt is None or self.table is None:
            return None
        key = (fmt.name, self.chosen_location())
        if self._reading is None or self._reading_key != key:
            self._reading = formats.read_formatted(self.table, fmt, fmt is self.detected,
                                                   self.chosen_location())
            self._reading_key = key
        return self._reading

    def columns(self) -> dict[str, int]:
        """The 0-based columns the format reads by default: code, quantity, name."""
        fmt = self.chosen()
        if fmt is None or self.table is None or not self.table.rows:
            return {}
        reader = fmt.reader(Header(self.table.rows[0][1]))
        found = {"code": reader.col("code"), "quantity": reader.col("count"),
                 "name": reader.col("name")}
        return {name: index for name, index in found.items() if index is not None}

    # -- what is shown --------------------------------------------------------------------
    def _update(self) -> None:
        self.about.setText("\n".join(self.lines()))
        self.about.setVisible(bool(self.about.text()))
        self.changed.emit()

    def lines(self) -> list[str]:
        fmt = self.chosen()
        if fmt is None:
            if self.detected is None:
                return [self.tr("No channel file format recognised from the header: the "
                                "columns are found from their names.")]
            return [self.tr("The columns chosen below are read; the rows are not skipped "
                            "as the {format} does.").format(format=format_label(self.detected))]
        if self.needs_location():
            places = [self.location.itemText(i) for i in range(1, self.location.count() - 1)]
            return [self.tr("The file holds the stock of {count} locations ({locations}): "
                            "choose the one to import, or their sum.").format(
                count=len(places), locations=", ".join(places))]
        reading = self.reading()
        assert reading is not None
        code, count, _name = reading.headers
        lines = summary_lines(reading)
        lines.insert(1, self.tr("code from column {code}, count from column {count}").format(
            code=code, count=count))
        return lines + problem_lines(reading.problems) + self._delimiter_hint(fmt, reading)

    def _delimiter_hint(self, fmt: formats.FileFormat,
                        reading: formats.FormatReading) -> list[str]:
        """A file that is not the format chosen may only have been split at the wrong
        character: the format named in ``rendo import --format`` gives its delimiter, the
        wizard has read the file already (the first page chooses the delimiter)."""
        table = self.table
        if (table is None or reading.table.rows or table.format != "csv"
                or fmt.delimiter is None or table.delimiter in (None, fmt.delimiter)):
            return []
        names = {",": self.tr("commas"), "\t": self.tr("tabs"), ";": self.tr("semicolons")}
        return [self.tr("The {format} is separated by {written}, but the file was read as "
                        "separated by {read}: if it is one, go back and choose the delimiter."
                        ).format(format=format_label(fmt),
                                 written=names.get(fmt.delimiter, fmt.delimiter),
                                 read=names.get(table.delimiter, table.delimiter))]
