"""The row above the grid: quick-filter chips with their counts, and the search box."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QStyle,
    QStyleOptionFocusRect,
    QWidget,
)

from . import icons
from .stock_filter import QuickFilter

# Filters whose count, when not zero, asks for attention (and in which colour).
ALERT = {
    QuickFilter.LOW: (QColor("#fff1d6"), icons.AMBER),
    QuickFilter.OUT: (QColor("#fde4e4"), icons.RED),
    QuickFilter.BACKORDERED: (QColor("#f3e5f5"), icons.PURPLE),
    QuickFilter.OVERSOLD: (QColor("#fde4e4"), icons.DARK_RED),
    QuickFilter.UNMATCHED: (QColor("#fff1d6"), icons.AMBER),
    QuickFilter.PROBLEMS: (QColor("#fde4e4"), icons.RED),
}
ACCENT = QColor("#1565c0")


class FilterChip(QAbstractButton):
    """A checkable pill: the filter's name and how many items it holds."""

    def __init__(self, quick: QuickFilter, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quick = quick
        self.label = label
        self.count: int | None = None
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setObjectName(f"filter_{quick.value}")
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        # A narrow window shortens the labels (the tooltip keeps the whole text) rather than
        # widening the window past a small screen.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._update_text()

    def set_count(self, count: int | None) -> None:
        if count != self.count:
            self.count = count
            self._update_text()
            self.updateGeometry()
            self.update()

    def _update_text(self) -> None:
        self.setText(self.label if self.count is None else f"{self.label} {self.count}")

    def _count_text(self) -> str:
        return "" if self.count is None else f"{self.count:,}"

    def _bold_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _label_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(self.isChecked())
        return font

    def _count_room(self, metrics: QFontMetrics) -> int:
        return 0 if self.count is None else metrics.horizontalAdvance(self._count_text()) + 16

    def sizeHint(self) -> QSize:
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        width = metrics.horizontalAdvance(self.label) + 20 + self._count_room(metrics)
        return QSize(width, metrics.height() + 12)

    def minimumSizeHint(self) -> QSize:
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        short = self.label if len(self.label) <= 4 else self.label[:3] + "…"
        shortest = metrics.horizontalAdvance(short) + 20 + self._count_room(
            metrics)
        hint = self.sizeHint()
        return QSize(min(hint.width(), shortest), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        radius = rect.height() / 2
        hovered = self.underMouse()
        if self.isChecked():
            painter.setPen(QPen(ACCENT, 1))
            painter.setBrush(QColor("#e3eefb"))
        else:
            painter.setPen(QPen(QColor("#c5ced8" if hovered else "#d5dbe2"), 1))
            painter.setBrush(QColor("#f1f4f8") if hovered else QColor("white"))
        painter.drawRoundedRect(rect, radius, radius)

        font = self._label_font()
        painter.setFont(font)
        metrics = QFontMetrics(font)
        x = rect.left() + 10
        painter.setPen(ACCENT if self.isChecked() else icons.INK)
        room = self.width() - 20 - self._count_room(QFontMetrics(self._bold_font())) + 1
        label = metrics.elidedText(self.label, Qt.TextElideMode.ElideRight, max(room, 0))
        label_rect = QRectF(x, rect.top(), metrics.horizontalAdvance(label) + 1, rect.height())
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignVCenter, label)

        if self.count is not None:
            count_text = self._count_text()
            painter.setFont(self.font())
            count_width = QFontMetrics(self.font()).horizontalAdvance(count_text) + 12
            pill = QRectF(label_rect.right() + 6, rect.top() + 4, count_width, rect.height() - 8)
            background, color = ALERT.get(self.quick, (QColor("#e8ecf0"), icons.INK))
            if self.count == 0 or self.quick not in ALERT:
                background, color = QColor("#e8ecf0"), icons.GREY
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(background)
            painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
            painter.setPen(color)
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, count_text)

        if self.hasFocus():
            option = QStyleOptionFocusRect()
            option.initFrom(self)
            self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect, option, painter,
                                       self)
        painter.end()


class FilterBar(QWidget):
    filter_chosen = Signal(object)  # QuickFilter
    search_changed = Signal(str)
    search_entered = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterBar")
        labels = {
            QuickFilter.ALL: self.tr("All"),
            QuickFilter.LOW: self.tr("Low stock"),
            QuickFilter.OUT: self.tr("Out of stock"),
            QuickFilter.SETS: self.tr("Sets"),
            QuickFilter.BACKORDERED: self.tr("Backordered"),
            QuickFilter.OVERSOLD: self.tr("Oversold"),
            QuickFilter.UNMATCHED: self.tr("Unmatched orders"),
            QuickFilter.PROBLEMS: self.tr("Sync problems"),
        }
        tips = {
            QuickFilter.ALL: self.tr("Every item"),
            QuickFilter.LOW: self.tr("Sellable at or below the reorder point"),
            QuickFilter.OUT: self.tr("Nothing left to sell"),
            QuickFilter.SETS: self.tr("Sets made of other items"),
            QuickFilter.BACKORDERED: self.tr("Sold below zero within the backorder allowance"),
            QuickFilter.OVERSOLD: self.tr("Oversold: more sold than on hand plus the backorder "
                                          "allowance"),
            QuickFilter.UNMATCHED: self.tr("Order lines no item matches yet"),
            QuickFilter.PROBLEMS: self.tr("Items with a listing stopped after repeated "
                                          "refusals or changed by hand on the channel"),
        }
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.chips: dict[QuickFilter, FilterChip] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        for number, (quick, label) in enumerate(labels.items(), start=1):
            chip = FilterChip(quick, label, self)
            chip.setToolTip(f"{tips[quick]} (Ctrl+{number})")
            self.group.addButton(chip)
            self.chips[quick] = chip
            layout.addWidget(chip)
            chip.clicked.connect(lambda _=False, q=quick: self.filter_chosen.emit(q))
        self.chips[QuickFilter.ALL].setChecked(True)
        layout.addStretch(1)

        # The search box lives in the window's toolbar (see MainWindow); it belongs to the
        # filters, so the bar owns it.
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search code, name, JAN"))
        self.search.addAction(icons.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.setMinimumWidth(220)
        self.search.setMaximumWidth(360)
        self.search.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.search.setToolTip(self.tr("Search (Ctrl+F). A barcode scanner works here too: an "
                                       "exact code or JAN followed by Enter selects that item."))
        self.search.textChanged.connect(self.search_changed)
        self.search.returnPressed.connect(lambda: self.search_entered.emit(self.search.text()))

    def set_counts(self, counts: dict[QuickFilter, int]) -> None:
        for quick, count in counts.items():
            self.chips[quick].set_count(count)

    def set_current(self, quick: QuickFilter) -> None:
        self.chips[quick].setChecked(True)

    def current(self) -> QuickFilter:
        button = self.group.checkedButton()
        return button.quick if isinstance(button, FilterChip) else QuickFilter.ALL

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()
