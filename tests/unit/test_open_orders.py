"""The open-orders cursor shared by BASE, Yahoo! and 楽天 (app/channels/open_orders.py)."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import pytest

from app.channels.base_shop.channel import OPEN_ORDERS as BASE
from app.channels.open_orders import ORDER_WINDOW_S, OpenOrders, Seen
from app.channels.rakuten.channel import OPEN_ORDERS as RAKUTEN
from app.channels.yahoo.channel import OPEN_ORDERS as YAHOO

NOW = 1_800_000_000.0
DAY = 86400.0
ORDERS = OpenOrders(final=frozenset({"done", "cancelled"}), overlap_s=120, stamp=float)


def test_cursors_written_before_the_shared_module_still_read():
    base = json.dumps({"v": 1, "orders": {"K1": [NOW - DAY, 1799990000, "ordered"],
                                          "K2": [NOW, None, "dispatched"]}})
    assert BASE.load(base) == {"K1": Seen(NOW - DAY, 1799990000, "ordered"),
                               "K2": Seen(NOW, None, "dispatched")}
    yahoo = json.dumps({"v": 1, "orders": {"s-1": [NOW, "2027-01-15T17:00:00+09:00", "2"]}})
    assert YAHOO.load(yahoo) == {"s-1": Seen(NOW, "2027-01-15T17:00:00+09:00", "2")}
    rakuten = json.dumps({"v": 1, "orders": {
        "R1": [NOW, 300, "2027-01-15T17:00:00+0900"], "R2": [NOW, 900, ""]}})
    assert RAKUTEN.load(rakuten) == {"R1": Seen(NOW, "2027-01-15T17:00:00+0900", "300"),
                                     "R2": Seen(NOW, None, "900")}


def test_a_cursor_reads_back_what_was_written():
    kept = {"A": Seen(NOW - DAY, 1799990000, "ordered"), "B": Seen(NOW, None, "new")}
    assert ORDERS.load(ORDERS.dump(kept, 0.0, NOW)) == kept


@pytest.mark.parametrize("cursor", ["{", "[]", '{"orders": {"A": [1]}}', '{"v": 2}'])
def test_an_unreadable_cursor_is_logged_and_read_as_none(cursor, caplog):
    with caplog.at_level(logging.WARNING):
        assert ORDERS.load(cursor, "mall") is None
    assert "mall: unreadable order cursor" in caplog.text
    assert ORDERS.load(None) is None and ORDERS.load("") is None


def test_only_new_changed_or_unsettled_orders_are_read_in_detail():
    seen = {"same": Seen(NOW, 10, "ordered"), "moved": Seen(NOW, 10, "ordered"),
            "status": Seen(NOW, 10, "ordered"), "again": Seen(NOW, None, "ordered")}
    listed = {"same": Seen(NOW, 10, "ordered"), "moved": Seen(NOW, 11, "ordered"),
              "status": Seen(NOW, 10, "cancelled"), "again": Seen(NOW, 10, "ordered"),
              "new": Seen(NOW, 12, "ordered")}
    assert ORDERS.changed(listed, seen) == ["moved", "status", "again", "new"]


def test_open_orders_the_list_does_not_show_are_read_alone():
    seen = {"open": Seen(NOW, 1, "ordered"), "done": Seen(NOW, 1, "done"),
            "listed": Seen(NOW, 1, "ordered")}
    assert ORDERS.unlisted(seen, ["listed"]) == ["open"]


def test_the_list_starts_at_the_window_or_the_oldest_open_order_never_before_the_floor():
    assert ORDERS.start({}, 0.0, NOW) == NOW - ORDER_WINDOW_S
    old = {"open": Seen(NOW - 30 * DAY, 1, "ordered"), "done": Seen(NOW - 40 * DAY, 1, "done")}
    assert ORDERS.start(old, 0.0, NOW) == NOW - 30 * DAY
    assert ORDERS.start(old, NOW - 20 * DAY, NOW) == NOW - 20 * DAY
    assert ORDERS.start({}, 0.0, NOW, window_s=63 * DAY) == NOW - 63 * DAY


def test_the_next_cursor_forgets_final_orders_before_the_window_and_keeps_open_ones():
    kept = {"old-open": Seen(NOW - 30 * DAY, 1, "ordered"),
            "old-done": Seen(NOW - 40 * DAY, 1, "done"),
            "done-in-window": Seen(NOW - 20 * DAY, 1, "done"),
            "recent": Seen(NOW - DAY, 1, "done")}
    assert set(ORDERS.load(ORDERS.dump(kept, 0.0, NOW)) or {}) == {
        "old-open", "done-in-window", "recent"}
    assert set(ORDERS.load(ORDERS.dump({"old-done": kept["old-done"]}, 0.0, NOW)) or {}) == set()


def test_only_the_newest_mark_of_an_answer_changed_within_the_overlap_is_read_again():
    answer = {"older": Seen(NOW, NOW - 30, "ordered"), "newest": Seen(NOW, NOW - 2, "ordered"),
              "tie": Seen(NOW, NOW - 2, "ordered"), "odd": Seen(NOW, "soon", "ordered")}
    settled = ORDERS.settle(answer, NOW)
    assert settled["older"] == answer["older"]  # any later change moves its mark
    assert settled["newest"].mark is None and settled["tie"].mark is None
    assert settled["odd"].mark is None  # not a time: read again
    quiet = {"a": Seen(NOW, NOW - 600, "ordered"), "b": Seen(NOW, NOW - 900, "ordered")}
    assert ORDERS.settle(quiet, NOW) == quiet  # the newest is older than the overlap


def test_each_channel_reads_its_own_marks():
    moment = datetime.fromisoformat("2027-01-15T17:00:00+09:00").timestamp()
    assert YAHOO.stamp("2027-01-15T17:00:00+09:00") == moment
    assert RAKUTEN.stamp("2027-01-15T17:00:00+0900") == moment
    assert BASE.stamp(1799990000) == 1799990000
    for policy, mark in ((YAHOO, "None"), (RAKUTEN, "None"), (BASE, None)):
        assert policy.settle({"k": Seen(NOW, mark, "1")}, NOW)["k"].mark is None
