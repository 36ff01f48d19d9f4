"""The import and the window/command line refuse the same things with the same words: each rule
lives once (app/domain/sets.py) and both paths call it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.domain.errors import BadInput
from app.domain.items import MAX_COUNT
from app.services.importing import ImportOptions, ImportRefused, import_file
from app.services.shop import Shop
from app.store.database import close_database, open_database


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    open_database(str(tmp_path / "x.sqlite3"))
    shop = Shop()
    shop.add_item("MUG")
    shop.adjust_by("MUG", 3, "receive")
    shop.add_item("CUP")
    shop.define_set("PAIR", [("CUP", 2)])
    yield shop
    close_database()


def import_refusal(shop: Shop, tmp_path: Path, kind: str, text: str) -> tuple[str, dict]:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        import_file(shop, path, ImportOptions(kind=kind))
    [problem] = caught.value.problems
    return problem.template, dict(problem.params)


def shop_refusal(call: Callable[[], object]) -> tuple[str, dict]:
    with pytest.raises(BadInput) as caught:
        call()
    return caught.value.template, dict(caught.value.params)


def test_a_single_with_stock_becomes_a_set_nowhere(shop: Shop, tmp_path: Path) -> None:
    by_hand = shop_refusal(lambda: shop.define_set("MUG", [("CUP", 1)]))
    by_file = import_refusal(shop, tmp_path, "sets", "set code,component code,quantity\n"
                                                     "MUG,CUP,1\n")
    assert by_hand == by_file
    assert "has stock movements of its own" in by_hand[0]


def test_a_set_takes_no_backorders_by_hand_or_by_file(shop: Shop, tmp_path: Path) -> None:
    by_hand = shop_refusal(lambda: shop.set_backorder("PAIR", 2))
    by_file = import_refusal(shop, tmp_path, "items", "code,backorder allowance\nPAIR,2\n")
    assert by_hand == by_file
    assert "backorders are set on its components" in by_hand[0]


def test_a_set_too_large_per_unit_is_refused_by_hand_and_by_file(
    shop: Shop, tmp_path: Path
) -> None:
    shop.define_set("CRATE", [("PAIR", 1)])
    too_many = MAX_COUNT // 2 + 1  # CRATE: one unit would use 2 × too_many CUPs
    by_hand = shop_refusal(lambda: shop.define_set("CRATE", [("PAIR", too_many)]))
    by_file = import_refusal(shop, tmp_path, "sets", "set code,component code,quantity\n"
                                                     f"CRATE,PAIR,{too_many}\n")
    assert by_hand == by_file
    assert "one unit would use" in by_hand[0]
