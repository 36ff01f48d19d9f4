"""One bound for every count (MAX_COUNT = 999,999,999), checked before writing, at every entry
point: the command line (exit 2, one line, nothing written), the services the window calls,
imports and channel orders. Names without control characters; codes normalised (NFKC)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.domain.errors import BadInput
from app.domain.items import MAX_COUNT
from app.domain.offsets import DisplayOffset, OffsetKind
from app.domain.orders import OrderLine
from app.services import orders as order_service
from app.services.orders import apply_order, unmatched_lines
from app.services.report import check_ledger
from app.services.shop import Shop
from app.store.database import close_database, open_database
from app.store.models import AppliedLineRow, ChannelRow, ItemRow, MovementRow

BIG = str(2**63)  # one past the database's largest integer
HUGE = str(10**30)


def refused_without_writing(rendo, db_dump, *args: str, says: str = "") -> str:
    before = db_dump()
    run = rendo(*args)
    assert run.code == 2, (args, run)
    assert len(run.err_lines) == 1 and run.err.startswith("rendo: "), run.err
    assert "Traceback" not in run.err and "OverflowError" not in run.err
    assert says in run.err, run.err
    assert db_dump() == before, args
    return run.err


@pytest.fixture
def cli_shop(rendo):
    for args in (("item", "add", "A"), ("item", "add", "B"), ("channel", "add", "W"),
                 ("adjust", "A", "+10")):
        assert rendo(*args).code == 0, args
    return rendo


# -- item 2: the overflowing adjustments ---------------------------------------------------------

def test_the_two_overflowing_adjustments_are_refused_and_check_stays_ok(cli_shop, db_dump):
    rendo = cli_shop
    refused_without_writing(rendo, db_dump, "adjust", "A", "+9223372036854775807",
                            says="999999999")
    refused_without_writing(rendo, db_dump, "adjust", "A", "+9223372036854775800")
    assert rendo("check").code == 0
    assert rendo("stock", "--json").json()[0]["on_hand"] == 10


def test_an_adjustment_whose_sum_would_pass_the_bound_is_refused(cli_shop, db_dump):
    rendo = cli_shop
    assert rendo("adjust", "A", f"+{MAX_COUNT - 10}").code == 0  # exactly the bound: fine
    err = refused_without_writing(rendo, db_dump, "adjust", "A", "+1", says="A")
    assert "999999999" in err
    refused_without_writing(rendo, db_dump, "adjust", "B", f"={MAX_COUNT + 1}")
    refused_without_writing(rendo, db_dump, "adjust", "B", "+" + "9" * 5000)  # no int() limit
    assert rendo("adjust", "A", "-1").code == 0
    assert rendo("check").code == 0


def test_undo_cannot_take_on_hand_past_the_bound(cli_shop, db_dump):
    rendo = cli_shop
    taken = int(rendo("adjust", "A", "-5").out.split()[-1].strip(")"))  # "… (movement 3)"
    assert rendo("adjust", "A", f"+{MAX_COUNT - 5}").code == 0  # on hand is MAX_COUNT now
    refused_without_writing(rendo, db_dump, "undo", str(taken), says=str(taken))
    assert rendo("check").code == 0


# -- item 13: every command-line number ------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("reserve", "A", BIG), ("reserve", "A", str(MAX_COUNT + 1)),
    ("backorder", "A", BIG), ("reorder-point", "A", BIG),
    ("offset", "A", f"+{BIG}"), ("offset", "A", HUGE), ("offset", "A", f"-{BIG}"),
    ("offset", "A", f"+{BIG}", "--channel", "W"),
    ("channel", "add", "X", "--max", BIG), ("channel", "add", "X", "--unlimited-qty", BIG),
    ("set", "define", "S", f"A:{BIG}"), ("set", "define", "S", f"A:{MAX_COUNT + 1}"),
    ("pattern", "add", "P", "--tier", f"<={HUGE}:W=same"),
    ("pattern", "add", "P", "--tier", f"<=10:W={BIG}"),
    ("pattern", "add", "P", "--tier", f"<=10:W={HUGE}%"),
    ("adjust", "A", f"-{BIG}"),
])
def test_numbers_past_the_bound_are_refused_in_one_line(cli_shop, db_dump, args):
    refused_without_writing(cli_shop, db_dump, *args)


@pytest.mark.parametrize("movement", [BIG, str(2**64), "0", "-1"])
def test_undo_of_an_id_no_movement_can_have_says_there_is_no_such_movement(
        cli_shop, db_dump, movement):
    refused_without_writing(cli_shop, db_dump, "undo", movement, says="no movement")


def test_numbers_at_the_bound_are_accepted(cli_shop):
    rendo = cli_shop
    top = str(MAX_COUNT)
    for args in (("reserve", "A", top), ("backorder", "A", top), ("reorder-point", "A", top),
                 ("offset", "A", f"+{top}"), ("channel", "add", "X", "--max", top),
                 ("set", "define", "S", f"B:{top}"),
                 ("pattern", "add", "P", "--tier", f"<={top}:W={top}")):
        assert rendo(*args).code == 0, (args, rendo(*args).err)
    assert rendo("check").code == 0


# -- the services the window calls ----------------------------------------------------------------

def test_window_paths_share_the_same_checks(shop: Shop):
    shop.add_channel("W")
    shop.add_item("A")
    shop.add_item("B")
    too_many = MAX_COUNT + 1
    for call in (
        lambda: shop.set_item_field(["A"], "reserved", too_many),
        lambda: shop.set_item_field(["A"], "backorder_allowance", 2**63),
        lambda: shop.set_item_field(["A"], "reorder_point", too_many),
        lambda: shop.set_offset(["A"], DisplayOffset(OffsetKind.ADD, too_many)),
        lambda: shop.set_offset(["A"], DisplayOffset(OffsetKind.FIXED, 2**70), "W"),
        lambda: shop.update_channel("W", maximum=too_many),
        lambda: shop.update_channel("W", unlimited_qty=2**63),
        lambda: shop.add_channel("X", maximum=too_many),
        lambda: shop.define_set("S", [("A", too_many)]),
        lambda: shop.save_pattern("P", [f"<={too_many}:W=same"]),
    ):
        with pytest.raises(BadInput):
            call()
    row = ItemRow.get(ItemRow.code == "A")
    assert (row.reserved, row.backorder_allowance, row.reorder_point) == (0, 0, None)
    assert ChannelRow.get(ChannelRow.name == "W").maximum is None
    assert ItemRow.get_or_none(ItemRow.code == "S") is None


def test_nested_sets_cannot_multiply_past_the_bound(shop: Shop):
    shop.add_item("A")
    shop.define_set("INNER", [("A", 100_000)])
    with pytest.raises(BadInput, match="INNER2"):
        shop.define_set("INNER2", [("INNER", 100_000)])  # 10**10 units of A per set
    shop.define_set("OUTER", [("INNER", 9_000)])  # 9 * 10**8: still fine
    with pytest.raises(BadInput, match="OUTER"):  # recomposing INNER would break OUTER
        shop.define_set("INNER", [("A", 200_000)])
    assert shop.compositions()["INNER"] == [("A", 100_000)]


def test_an_import_past_the_bound_is_refused_whole(rendo, db_dump, tmp_path):
    assert rendo("item", "add", "A").code == 0
    stock = tmp_path / "stock.csv"
    stock.write_text(f"code,quantity\nA,{MAX_COUNT}\n", encoding="utf-8")
    assert rendo("import", str(stock), "--mode", "add").code == 0
    stock.write_text("code,quantity\nA,1\n", encoding="utf-8")
    before = db_dump()
    run = rendo("import", str(stock), "--mode", "add")
    assert run.code == 2 and "999999999" in run.err and db_dump() == before
    sets = tmp_path / "sets.csv"
    sets.write_text("set_code,component,component_quantity\nS1,A,100000\nS2,S1,100000\n",
                    encoding="utf-8")
    run = rendo("import", str(sets), "--kind", "sets")
    assert run.code == 2 and "S2" in run.err and db_dump() == before


# -- item 7: orders from channels -----------------------------------------------------------------

CONNECTED = datetime(2026, 1, 1)


def order(order_id: str, sku: str, quantity: int, line_id: str = "1") -> OrderLine:
    return OrderLine("W", order_id, line_id, sku, quantity, placed_at=CONNECTED + timedelta(1))


@pytest.fixture
def order_shop(shop: Shop) -> Shop:
    shop.add_channel("W")
    ChannelRow.update(connected_at=CONNECTED).execute()
    for code in ("A", "B"):
        shop.add_item(code)
        shop.adjust(code, "+10")
    return shop


def test_an_order_past_the_bound_is_refused_listed_and_the_next_applied(order_shop):
    movements = MovementRow.select().count()
    outcome = apply_order(order_shop, [order("o1", "A", 1, "1"), order("o1", "B", 2**63 + 5,
                                                                           "2")])
    assert (outcome.applied, outcome.refused) == (0, 1)
    assert MovementRow.select().count() == movements  # nothing of o1 applied
    [kept] = unmatched_lines()
    problem = order_service.line_problem(kept)
    assert problem is not None and str(2**63 + 5) in str(problem) and "o1" in str(problem)
    assert apply_order(order_shop, [order("o2", "A", 3)]).applied == 1
    assert order_shop.book.on_hand["A"] == 7
    # the channel sends o1 again, corrected: applied once, no longer listed
    assert apply_order(order_shop, [order("o1", "A", 1, "1"),
                                    order("o1", "B", 2, "2")]).applied == 2
    assert unmatched_lines() == []
    assert (order_shop.book.on_hand["A"], order_shop.book.on_hand["B"]) == (6, 8)
    assert check_ledger() == []


def test_orders_cannot_take_on_hand_past_the_bound(order_shop):
    assert apply_order(order_shop, [order("o1", "A", MAX_COUNT)]).applied == 1
    assert order_shop.book.on_hand["A"] == 10 - MAX_COUNT  # oversold, within the bound
    outcome = apply_order(order_shop, [order("o2", "A", 20)])
    assert outcome.refused == 1
    assert "o2" in str(order_service.line_problem(unmatched_lines()[0]))
    assert order_shop.book.on_hand["A"] == 10 - MAX_COUNT
    assert AppliedLineRow.select().count() == 1
    assert check_ledger() == []


class OnePageChannel:
    """A channel that answers every read with the same page: a poison order and a good one."""

    def __init__(self, info, lines):
        from app.channels.base import ChannelLimits

        self.info, self.limits, self.lines, self.reads = info, ChannelLimits(), lines, 0

    def read_orders(self, cursor, since):
        from app.channels.base import OrderPage

        self.reads += 1
        return OrderPage(list(self.lines), next_cursor=f"page-{self.reads}")

    def set_quantities(self, updates):
        from app.channels.base import UpdateResult, UpdateStatus

        return [UpdateResult(u.channel_item_id, UpdateStatus.OK, u.quantity) for u in updates]

    def read_quantities(self):
        return {}

    def test_connection(self):
        return None

    def set_deadline(self, deadline):
        return None

    def cancel(self):
        return None


def test_a_poison_order_does_not_stop_the_channel(order_shop, caplog):
    from app.channels.base import ChannelInfo
    from app.services.channel_sync import choose_first, sync_row
    from app.sync.engine import SyncEngine

    ChannelRow.update(type="sandbox", settings={"url": "http://127.0.0.1:9"}).execute()
    choose_first("W", "push")
    adapter = OnePageChannel(ChannelInfo("W", "sandbox"), [
        order("bad", "A", 10**20), order("good", "B", 4)])
    engine = SyncEngine(order_shop, lambda row: adapter)
    for _ in range(2):  # read twice: the good order once, the bad one refused each time
        report = engine.run_cycle("W")
        assert report.ok, report.error
    state = sync_row(ChannelRow.get(ChannelRow.name == "W"))
    assert adapter.reads >= 2 and state.cursor == f"page-{adapter.reads}"  # it moved on
    assert state.last_error == "" and state.failures == 0  # no back-off for one bad order
    assert any("bad" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)
    assert order_shop.book.on_hand["B"] == 6 and order_shop.book.on_hand["A"] == 10
    [kept] = unmatched_lines()
    assert kept.order_id == "bad" and str(10**20) in str(order_service.line_problem(kept))
    assert check_ledger() == []


def test_rendo_unmatched_lists_a_refused_line_with_its_reason(rendo, db_path):
    assert rendo("channel", "add", "W").code == 0
    assert rendo("item", "add", "A").code == 0
    open_database(db_path)
    try:
        ChannelRow.update(connected_at=CONNECTED).execute()
        apply_order(Shop(), [order("o9", "A", 2**64)])
    finally:
        close_database()
    run = rendo("unmatched")
    assert run.code == 0
    [shown] = run.out.splitlines()
    assert shown.startswith("W\to9\t1\tA\t") and str(2**64) in shown and "refused" in shown


# -- item 20: names ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a\x1b[31mred", "two\nlines", "tab\there", "\u202eevil",
                                  "bell\x07", "del\x7f", "c1\x9b"])
def test_control_characters_in_names_are_refused(cli_shop, db_dump, name):
    refused_without_writing(cli_shop, db_dump, "item", "add", "N1", "--name", name,
                            says="control character")
    refused_without_writing(cli_shop, db_dump, "channel", "add", name, says="control character")


def test_control_characters_in_names_are_refused_by_services_and_import(shop, tmp_path):
    shop.add_item("A", "plain")
    with pytest.raises(BadInput, match="control character"):
        shop.set_item_field(["A"], "name", "x\x1b]0;owned\x07")
    assert ItemRow.get(ItemRow.code == "A").name == "plain"
    with pytest.raises(BadInput, match="control character"):
        shop.add_item("\u202eA")  # codes too: a bidi override reads as another code
    from app.services import importing

    path = tmp_path / "items.csv"
    path.write_text("code,name\nA,fine\nB,\"bad\u202ename\"\n", encoding="utf-8")
    plan = importing.preview(shop, importing.read_import(path, importing.ImportOptions("items")))
    assert [p.row for p in plan.problems] == [3]
    assert ItemRow.get_or_none(ItemRow.code == "B") is None


def test_rendo_stock_stays_one_line_per_item(cli_shop):
    rendo = cli_shop
    assert rendo("item", "add", "N", "--name", "line\nbreak").code == 2
    assert len(rendo("stock").out.splitlines()) == 3  # header, A, B


# -- item 25: full-width codes ---------------------------------------------------------------------

def test_a_full_width_code_is_the_same_item(cli_shop, db_dump):
    rendo = cli_shop
    assert rendo("item", "add", "00123").code == 0
    refused_without_writing(rendo, db_dump, "item", "add", "００１２３", says="00123")
    assert rendo("adjust", "００１２３", "+4").code == 0
    codes = [row["code"] for row in rendo("stock", "--json").json()]
    assert codes.count("00123") == 1 and "００１２３" not in codes
    assert rendo("item", "add", "ＸＹ－１").code == 0
    assert "XY-1" in [row["code"] for row in rendo("stock", "--json").json()]


def test_a_full_width_code_kept_by_an_older_rendo_is_still_found(cli_shop, raw_sql, db_dump):
    rendo = cli_shop
    raw_sql("INSERT INTO item (code, name, kind, variant, unlimited, reserved, "
            "backorder_allowance, on_hand, created_at) VALUES ('ＯＬＤ', '', 'single', '{}', 0, "
            "0, 0, 0, '2025-01-01 00:00:00')")
    assert rendo("adjust", "ＯＬＤ", "+2").code == 0
    refused_without_writing(rendo, db_dump, "item", "add", "ＯＬＤ", says="already exists")
    assert rendo("set", "define", "SET1", "ＯＬＤ:2").code == 0
    assert rendo("check").code == 0


def test_order_lines_and_imports_match_full_width_codes(order_shop, tmp_path):
    order_shop.add_item("00123")
    assert apply_order(order_shop, [order("o1", "００１２３", 1)]).applied == 1
    assert order_shop.book.on_hand["00123"] == -1
    from app.services import importing

    path = tmp_path / "stock.csv"
    path.write_text("code,quantity\n００１２３,5\n", encoding="utf-8")
    source = importing.read_import(path, importing.ImportOptions("stock"))
    plan = importing.preview(order_shop, source)
    assert plan.problems == [] and [c.code for c in plan.changes] == ["00123"]
