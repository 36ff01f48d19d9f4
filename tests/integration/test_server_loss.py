"""A PostgreSQL server that goes away under Rendo (restarted, the network dropped): a write
either happened or the caller is told it did not (or that it cannot be known), nothing is
written twice, and the next use reconnects by itself."""

from __future__ import annotations

from typing import Any

import pytest

from app.services.shop import Shop
from app.store.database import write_transaction
from app.store.errors import EnvironmentFailure
from app.store.models import ItemRow, MovementRow

pytestmark = pytest.mark.databases("postgresql")


def test_an_edit_while_the_server_is_down_is_refused_and_the_next_one_reconnects(
    shop: Shop, pg_server: Any,
) -> None:
    shop.add_item("A", "item A")
    shop.adjust("A", "+10", "receive")
    pg_server.halt()
    try:
        with pytest.raises(EnvironmentFailure) as refused:
            shop.adjust("A", "+1", "receive")
        assert refused.value.kind == "not_written"
        assert refused.value.transient
        assert "nothing was saved" in str(refused.value)
        assert "s3cret" not in str(refused.value)  # the URL's password never shows
        with pytest.raises(EnvironmentFailure) as again:  # still down: still refused
            shop.adjust("A", "+1", "receive")
        assert again.value.kind == "not_written"
    finally:
        pg_server.resume()
    shop.adjust("A", "+2", "receive")  # a new connection, without being asked
    assert shop.book.on_hand["A"] == 12
    assert [m.delta for m in MovementRow.select().order_by(MovementRow.id)] == [10, 2]
    assert ItemRow.get(ItemRow.code == "A").on_hand == 12


def test_a_connection_lost_at_commit_says_the_outcome_is_unknown(
    shop: Shop, pg_server: Any,
) -> None:
    shop.add_item("A", "item A")
    try:
        with pytest.raises(EnvironmentFailure) as unknown, write_transaction():
            ItemRow.update(name="renamed").where(ItemRow.code == "A").execute()
            pg_server.halt()  # the body is done: only the COMMIT is left
        assert unknown.value.kind == "uncertain"
        assert "cannot tell whether the change was saved" in str(unknown.value)
    finally:
        pg_server.resume()
    # here the server rolled it back (it stopped before the COMMIT came)
    assert ItemRow.get(ItemRow.code == "A").name == "item A"


def test_a_server_restarted_while_rendo_was_idle_does_not_fail_the_next_write(
    shop: Shop, pg_server: Any,
) -> None:
    """The connection died with the restart unnoticed: the write's BEGIN finds it dead, and
    the write goes through on a new connection (nothing had been sent on the old one)."""
    shop.add_item("A", "item A")
    pg_server.restart()
    shop.adjust("A", "+1", "receive")
    assert [m.delta for m in MovementRow.select()] == [1]
    assert shop.book.on_hand["A"] == 1


def test_a_silent_network_is_noticed_by_tcp_keepalives(shop: Shop, pg_url: str) -> None:
    """A Wi-Fi drop sends nothing: without keepalives a query would wait for minutes. The
    connection asks for them (the URL's own settings win), and the server takes them."""
    from app.store.database import KEEPALIVE, close_database, db, open_database

    assert {name: db.obj.connect_params[name] for name in KEEPALIVE} == KEEPALIVE
    shop.add_item("A", "item A")  # a connection made with them works
    close_database()
    open_database(pg_url + "?keepalives_idle=30", migrate=False)
    assert db.obj.connect_params["keepalives_idle"] == 30
    assert Shop().book.items.keys() == {"A"}


def test_sync_watch_says_the_server_is_gone_and_goes_on_once_it_is_back(
    rendo: Any, rendo_process: Any, pg_server: Any, sandbox: Any, monkeypatch: Any,
    qtbot: Any,
) -> None:
    from app import cli_sync

    mall = sandbox({"A": 0})
    for args in (("item", "add", "A"), ("adjust", "A", "+10"),
                 ("channel", "add", "mall", "--type", "sandbox", "--url", mall.url,
                  "--first", "push")):
        assert rendo(*args).code == 0
    monkeypatch.setattr(cli_sync, "RETRY_AFTER_FAILURE_S", 0.2)
    steps: list[str] = []

    def pause(seconds: float) -> None:  # the watch loop's pauses, as long as the test needs
        if not steps:
            qtbot.waitUntil(lambda: mall.shop.quantity("A") == 10, timeout=10_000)
            pg_server.halt()
            steps.append("halted")
        elif steps == ["halted"] and seconds == 0.2:  # the wait after the failed look
            pg_server.resume()
            steps.append("resumed")
        elif steps == ["halted", "resumed"] and seconds == 1.0:  # a look that worked
            run = rendo_process("adjust", "A", "+5")  # another PC, meanwhile
            assert run.code == 0, run.err
            steps.append("written")
        elif steps[-1] == "written":
            qtbot.waitUntil(lambda: mall.shop.quantity("A") == 15, timeout=5_000)
            raise KeyboardInterrupt

    monkeypatch.setattr(cli_sync, "_wait", pause)
    run = rendo("sync", "--watch", "--interval", "5")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert steps == ["halted", "resumed", "written"]
    gone = [n for n, line in enumerate(run.err_lines)
            if "cannot be reached" in line and "trying again" in line]
    back = "rendo: the database answers again; the sync goes on"
    assert gone and back in run.err_lines, run.err
    assert gone[0] < run.err_lines.index(back)  # said gone, then said back
    assert mall.shop.quantity("A") == 15
