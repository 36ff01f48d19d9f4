"""The item panel beside the grid: master data, stock history chart, movements, listings."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.stock import single_sellable
from app.i18n import kind_label, reason_label
from app.services.shop import MovementView, Shop
from app.sync.state import ListingView, listings_of

from . import icons
from .history_chart import ON_HAND_COLOR, SELLABLE_COLOR, Series, StockHistoryChart
from .stock_model import variant_text
from .timefmt import local_text, to_local

HISTORY_LIMIT = 1000
LISTING_STATE = {
    "ok": QT_TRANSLATE_NOOP("ItemDetail", "In step"),
    "pending": QT_TRANSLATE_NOOP("ItemDetail", "Not confirmed yet"),
    "failed": QT_TRANSLATE_NOOP("ItemDetail", "Upload refused"),
    "suspended": QT_TRANSLATE_NOOP("ItemDetail", "Suspended"),
    "drift": QT_TRANSLATE_NOOP("ItemDetail", "Changed on the channel"),
    "not_found": QT_TRANSLATE_NOOP("ItemDetail", "Not found on the channel"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ItemDetail", text)


def on_hand_steps(history: list[MovementView], on_hand_now: int) -> list[tuple[datetime, int]]:
    """On hand after each movement, oldest first, ending with today's number."""
    points: list[tuple[datetime, int]] = []
    value = on_hand_now
    for movement in history:  # newest first
        points.append((to_local(movement.created_at), value))
        value -= movement.delta
    if history:
        points.append((to_local(history[-1].created_at), value))
    points.reverse()
    return points


class NumberTile(QFrame):
    """A caption over a big number."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setStyleSheet(
            "#tile { background: #f6f8fa; border: 1px solid #e1e6eb; border-radius: 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(0)
        self.caption = QLabel(caption)
        self.caption.setStyleSheet("color: #5f6b76;")
        self.caption.setWordWrap(True)
        self.value = QLabel("—")
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.value.setFont(font)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)

    def set_value(self, text: str, color: QColor | None = None) -> None:
        self.value.setText(text)
        self.value.setStyleSheet(f"color: {color.name()};" if color is not None else "")


class ItemDetailPanel(QWidget):
    undo_requested = Signal(int, str)  # movement id, item code
    edit_set_requested = Signal(str)

    def __init__(self, shop: Shop, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemDetail")
        self.shop = shop
        self.code: str | None = None
        self.history: list[MovementView] = []
        self.listings: list[ListingView] = []

        content = self._build_content()
        self.placeholder = QLabel(self.tr("Select an item to see its details."))
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #78828c;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.setMinimumWidth(330)

    # -- building the panel, one widget group each (in the order of the tab chain) ----------------
    def _build_content(self) -> QWidget:
        """What an item shows: heading, number tiles, master data, the tabs."""
        self.title = QLabel()
        self.title.setObjectName("detailTitle")
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.subtitle = QLabel()
        self.subtitle.setStyleSheet("color: #5f6b76;")
        self.subtitle.setWordWrap(True)
        tiles = self._build_tiles()
        self._build_form()
        self._build_tabs()

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addLayout(tiles)
        layout.addLayout(self.form)
        set_row = QHBoxLayout()
        set_row.addStretch(1)
        set_row.addWidget(self.edit_set_button)
        layout.addLayout(set_row)
        layout.addWidget(self.tabs, 1)
        return content

    def _build_tiles(self) -> QGridLayout:
        """On hand, reserved, sellable and reorder point in big numbers."""
        self.tiles = {
            "on_hand": NumberTile(self.tr("On hand")),
            "reserved": NumberTile(self.tr("Reserved")),
            "sellable": NumberTile(self.tr("Sellable")),
            "reorder_point": NumberTile(self.tr("Reorder point")),
        }
        tiles = QGridLayout()
        tiles.setSpacing(6)
        for position, tile in enumerate(self.tiles.values()):
            tiles.addWidget(tile, 0, position)
        return tiles

    def _build_form(self) -> None:
        """The master data (JAN, backorder, pattern, offset, components…) and Edit set…"""
        self.fields = {
            "jan": QLabel(), "backorder": QLabel(), "unlimited": QLabel(), "pattern": QLabel(),
            "offset": QLabel(), "components": QLabel(), "limited_by": QLabel(),
        }
        for label in self.fields.values():
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(4)
        self.form.addRow(self.tr("JAN:"), self.fields["jan"])
        self.form.addRow(self.tr("Backorder allowance:"), self.fields["backorder"])
        self.form.addRow(self.tr("Unlimited:"), self.fields["unlimited"])
        self.form.addRow(self.tr("Allocation pattern:"), self.fields["pattern"])
        self.form.addRow(self.tr("Display offset:"), self.fields["offset"])
        self.form.addRow(self.tr("Components:"), self.fields["components"])
        self.form.addRow(self.tr("Limited by:"), self.fields["limited_by"])
        self.edit_set_button = QPushButton(self.tr("Edit set…"))
        self.edit_set_button.setObjectName("editSet")
        self.edit_set_button.clicked.connect(
            lambda: self.code and self.edit_set_requested.emit(self.code))

    def _build_tabs(self) -> None:
        """History (the chart), Movements and Channels."""
        self.chart = StockHistoryChart()
        movement_page = self._build_movements()
        listing_page = self._build_listings()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("detailTabs")
        chart_page = QWidget()
        chart_layout = QVBoxLayout(chart_page)
        chart_layout.setContentsMargins(0, 6, 0, 0)
        chart_layout.addWidget(self.chart)
        self.tabs.addTab(chart_page, self.tr("History"))
        self.tabs.addTab(movement_page, self.tr("Movements"))
        self.tabs.addTab(listing_page, self.tr("Channels"))

    def _build_movements(self) -> QWidget:
        """The movements' table with Undo this movement."""
        self.movements = self._table(
            "movements", [self.tr("Date"), self.tr("Change"), self.tr("Reason"),
                          self.tr("Reference"), self.tr("By")], stretch=3)
        self.undo_button = QPushButton(self.tr("&Undo this movement"))
        self.undo_button.setObjectName("undoMovement")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self._undo_selected)
        self.movements.itemSelectionChanged.connect(self._update_undo)
        movement_page = QWidget()
        movement_layout = QVBoxLayout(movement_page)
        movement_layout.setContentsMargins(0, 6, 0, 0)
        movement_layout.addWidget(self.movements)
        undo_row = QHBoxLayout()
        undo_row.addStretch(1)
        undo_row.addWidget(self.undo_button)
        movement_layout.addLayout(undo_row)
        return movement_page

    def _build_listings(self) -> QWidget:
        """The item's listing on each channel, and why uploads were refused."""
        self.listing_table = self._table(
            "listings", [self.tr("Channel"), self.tr("Listing id"), self.tr("Shows"),
                         self.tr("Confirmed"), self.tr("State")], stretch=1)
        self.listing_errors = QLabel()
        self.listing_errors.setObjectName("listingErrors")
        self.listing_errors.setWordWrap(True)
        self.listing_errors.setTextFormat(Qt.TextFormat.PlainText)
        self.listing_errors.setStyleSheet("color: #c62828;")
        self.listing_errors.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        listing_page = QWidget()
        listing_layout = QVBoxLayout(listing_page)
        listing_layout.setContentsMargins(0, 6, 0, 0)
        listing_layout.addWidget(self.listing_table, 1)
        listing_layout.addWidget(self.listing_errors)
        return listing_page

    def sizeHint(self) -> QSize:
        return QSize(400, 640)

    @staticmethod
    def _table(name: str, headers: list[str], stretch: int) -> QTableWidget:
        """A small read-only table; column *stretch* takes the room left (elided)."""
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return table

    # -- what is shown ---------------------------------------------------------------------------
    def show_code(self, code: str | None) -> None:
        self.code = code
        self.refresh()

    def refresh(self) -> None:
        """Read the item again (its numbers, history and listings)."""
        book = self.shop.book
        code = self.code
        item = book.items.get(code) if code is not None else None
        if code is None or item is None:
            self.code = None
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        stock = book.stock.get(code)
        name = item.name.replace("&", "&amp;").replace("<", "&lt;")
        self.title.setText(f"<span style='font-size:large'><b>{code}</b></span>&nbsp;&nbsp;{name}")
        kind = kind_label(item.kind.value)
        extra = [kind]
        if item.variant:
            extra.append(variant_text(item.variant))
        self.subtitle.setText(" · ".join(extra))

        sellable = stock.sellable if stock is not None else 0
        self.tiles["on_hand"].set_value(
            "—" if item.is_set else f"{book.on_hand.get(code, 0):,}",
            icons.PURPLE if book.on_hand.get(code, 0) < 0 else None)
        self.tiles["reserved"].set_value(f"{item.reserved:,}")
        color = None
        if stock is not None and not stock.unlimited:
            color = icons.RED if sellable <= 0 else icons.AMBER if stock.low else icons.GREEN
        self.tiles["sellable"].set_value(
            self.tr("Unlimited") if stock is not None and stock.unlimited else f"{sellable:,}",
            color)
        self.tiles["reorder_point"].set_value(
            "—" if item.reorder_point is None else f"{item.reorder_point:,}")

        self._set_field("jan", item.jan or "—")
        self._set_field("backorder", "—" if item.is_set else str(item.backorder_allowance),
                        visible=not item.is_set)
        self._set_field("unlimited", self.tr("Yes") if item.unlimited else self.tr("No"))
        self._set_field("pattern", item.pattern or self.tr("None (every channel shows "
                                                           "sellable)"))
        self._set_field("offset", self._offset_text(code))
        parts = book.components.get(code, ())
        self._set_field("components", ", ".join(f"{c} × {q}" for c, q in parts),
                        visible=bool(parts))
        self._set_field("limited_by", stock.limited_by if stock and stock.limited_by else "",
                        visible=bool(stock and stock.limited_by))
        self.edit_set_button.setVisible(item.is_set)
        self._load_history(code, item.is_set)
        self.refresh_listings()

    def _set_field(self, key: str, text: str, visible: bool = True) -> None:
        self.fields[key].setText(text)
        self.form.setRowVisible(self.fields[key], visible)

    def _offset_text(self, code: str) -> str:
        book = self.shop.book
        parts = []
        if code in book.offsets:
            parts.append(self.tr("all channels {offset}").format(offset=book.offsets[code]))
        for channel, offset in sorted(book.channel_offsets.get(code, {}).items()):
            parts.append(f"{channel} {offset}")
        return ", ".join(parts) if parts else self.tr("None")

    def _load_history(self, code: str, is_set: bool) -> None:
        self.history = [] if is_set else self.shop.history(code, limit=HISTORY_LIMIT)
        book = self.shop.book
        item = book.items[code]
        table = self.movements
        table.setRowCount(len(self.history))
        grey = icons.GREY
        for row, movement in enumerate(self.history):
            reason = reason_label(movement.reason)
            if movement.undone_by is not None:
                reason = self.tr("{reason} (undone)").format(reason=reason)
            cells = [local_text(movement.created_at), f"{movement.delta:+,}", reason,
                     movement.reference, movement.user]
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column == 1:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    cell.setForeground(icons.GREEN if movement.delta > 0 else icons.RED)
                if movement.undone_by is not None or movement.undoes is not None:
                    cell.setForeground(grey)
                cell.setData(Qt.ItemDataRole.UserRole, movement.id)
                table.setItem(row, column, cell)
        self._update_undo()
        if is_set:
            self.chart.show_message(self.tr("A set has no shelf stock of its own: its sellable "
                                            "number comes from its components."))
            return
        steps = on_hand_steps(self.history, book.on_hand.get(code, 0))
        if not steps:
            self.chart.show_message(self.tr("No stock movements yet."))
            return
        now = datetime.now().astimezone()
        steps.append((now, steps[-1][1]))
        sellable = [
            (moment, single_sellable(value, item.reserved, item.backorder_allowance))
            for moment, value in steps
        ]
        reorder_label = (self.tr("Reorder point {n}").format(n=item.reorder_point)
                         if item.reorder_point is not None else "")
        self.chart.set_series(
            [Series(self.tr("On hand"), ON_HAND_COLOR, steps, filled=True),
             Series(self.tr("Sellable"), SELLABLE_COLOR, sellable, dashed=True)],
            item.reorder_point, reorder_label)
        self.chart.setToolTip(self.tr("Sellable is drawn with today's reserved and backorder "
                                      "allowance."))

    def refresh_listings(self) -> None:
        if self.code is None:
            return
        code = self.code
        book = self.shop.book
        stock = book.stock.get(code)
        self.listings = listings_of(code)
        by_channel = {view.channel: view for view in self.listings}
        table = self.listing_table
        table.setRowCount(len(book.channels))
        errors = []
        for row, spec in enumerate(book.channels):
            view = by_channel.get(spec.name)
            shows = stock.channels.get(spec.name, 0) if stock is not None else 0
            cells = [spec.name, "—", f"{shows:,}", "—", self.tr("Not listed / manual")]
            state, confirmed_at = None, ""
            if view is not None:
                state = view.state
                cells[1] = view.channel_item_id
                if view.believed_qty is not None:
                    cells[3] = f"{view.believed_qty:,}"
                confirmed_at = local_text(view.confirmed_at)
                cells[4] = _tr(LISTING_STATE.get(state, state))
                if view.drift_qty is not None:
                    cells[4] += " " + self.tr("(channel shows {qty})").format(qty=view.drift_qty)
                if view.last_error:
                    errors.append(f"{spec.name}: {view.last_error}")
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                if column in (2, 3):
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if column == 3 and confirmed_at:
                    cell.setToolTip(self.tr("Confirmed {time}").format(time=confirmed_at))
                if column == 4 and state is not None:
                    cell.setIcon(icons.icon(state if state != "ok" else "ok"))
                table.setItem(row, column, cell)
        self.listing_errors.setText("\n".join(errors))
        self.listing_errors.setVisible(bool(errors))

    # -- undo a movement --------------------------------------------------------------------------
    def selected_movement(self) -> MovementView | None:
        rows = self.movements.selectionModel().selectedRows()
        return self.history[rows[0].row()] if rows else None

    def _update_undo(self) -> None:
        movement = self.selected_movement()
        self.undo_button.setEnabled(
            movement is not None and movement.undone_by is None
            and movement.reason not in ("order", "cancel"))
        if movement is not None and movement.reason in ("order", "cancel"):
            self.undo_button.setToolTip(self.tr("Order movements change with the order on its "
                                                "channel."))
        else:
            self.undo_button.setToolTip("")

    def _undo_selected(self) -> None:
        movement = self.selected_movement()
        if movement is not None and self.code is not None:
            self.undo_requested.emit(movement.id, self.code)
