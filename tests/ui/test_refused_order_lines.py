"""A refused order line (an absurd quantity) is listed in the window with its reason."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt

from app.domain.orders import OrderLine
from app.services.orders import apply_order
from app.store.models import ChannelRow
from app.ui.unmatched import UnmatchedModel, load_unmatched


def test_the_unmatched_list_shows_a_refused_line_and_why(qtbot, shop):
    shop.add_channel("W")
    shop.add_item("A")
    ChannelRow.update(connected_at=datetime(2026, 1, 1)).execute()
    apply_order(shop, [OrderLine("W", "o1", "1", "A", 10**20, placed_at=datetime(2026, 2, 1))])
    model = UnmatchedModel()
    model.set_lines(load_unmatched())
    assert model.rowCount() == 1
    quantity = model.index(0, 4)
    assert model.data(quantity) == "refused"
    reason = model.data(quantity, Qt.ItemDataRole.ToolTipRole)
    assert str(10**20) in reason and "o1" in reason
