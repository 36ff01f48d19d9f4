"""Three PCs writing to one shop at the same moment (in the spirit of cosmicpython's
concurrent-update test): three processes (tests/integration/pcs.py) start together on a
real PostgreSQL server and do the same or competing writes.

After each: `rendo check` is clean, every order line counts once, and every PC's book
equals the database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.domain.orders import OrderLine
from app.services.orders import apply_order
from app.services.report import check_ledger
from app.store.models import ItemRow, MovementRow

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.databases("postgresql")
PCS = 3


def on_hand_in_database() -> dict[str, int]:
    return {code: on_hand for code, on_hand in ItemRow.select(ItemRow.code, ItemRow.on_hand)
            .where(ItemRow.kind == "single").tuples()}


@pytest.fixture
def three_pcs(db_path: str, tmp_path: Path) -> Callable[..., list[Any]]:
    """``three_pcs(action, [args of PC 1, of PC 2, of PC 3])``: what each PC did, once all
    three have finished and checked that their books equal the database."""
    env = {k: v for k, v in os.environ.items() if k != "RENDO_DB"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")

    def run(action: str, args: list[dict[str, Any]]) -> list[Any]:
        folder = tmp_path / f"pcs-{action}-{time.monotonic_ns()}"
        folder.mkdir()
        processes = [subprocess.Popen(
            [sys.executable, "-m", "tests.integration.pcs", db_path, str(folder), f"pc{n}",
             str(PCS), action, json.dumps(args[n])],
            cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True) for n in range(PCS)]
        try:
            deadline = time.monotonic() + 60
            while len(list(folder.glob("ready-*"))) < PCS:
                assert all(p.poll() is None for p in processes), "a PC stopped at start"
                assert time.monotonic() < deadline
                time.sleep(0.01)
            (folder / "start").touch()
            outputs = [p.communicate(timeout=180) for p in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        for process, (_out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err
            assert "Traceback" not in err
        results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
        database = on_hand_in_database()
        for result in results:  # every PC's book equals the database
            assert result["book"] == database
        return [result["did"] for result in results]

    return run


def assert_clean(rendo_process: Callable[..., Any]) -> None:
    assert check_ledger() == []
    run = rendo_process("check")
    assert run.code == 0, run.err


def test_stocktakes_at_once_end_at_the_count(shop, three_pcs, rendo_process):
    codes = [f"S{n}" for n in range(8)]
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+3")
    counts = [5, 12, 7, 30, 9, 41, 5]
    three_pcs("stocktake", [{"codes": codes, "counts": counts}] * PCS)
    assert on_hand_in_database() == dict.fromkeys(codes, 5)  # not 5 + 2 × (5 − what was)
    # every count written left the item at a number counted, never at two counts' sum
    for code in codes:
        running = 0
        for delta, reason in (MovementRow.select(MovementRow.delta, MovementRow.reason)
                              .join(ItemRow).where(ItemRow.code == code)
                              .order_by(MovementRow.id).tuples()):
            running += delta
            assert reason == "manual" or running in counts, (code, running)
    assert_clean(rendo_process)


def test_adjustments_at_once_all_count(shop, three_pcs, rendo_process):
    codes = [f"A{n}" for n in range(5)]
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+1000")
    added = three_pcs("adjust", [{"codes": codes, "times": 150, "seed": n}
                                 for n in range(PCS)])
    expected = {code: 1000 + sum(pc.get(code, 0) for pc in added) for code in codes}
    assert on_hand_in_database() == expected
    assert MovementRow.select().count() == len(codes) + PCS * 150
    assert_clean(rendo_process)


def test_undo_at_once_undoes_each_movement_once(shop, three_pcs, rendo_process):
    codes = ["U1", "U2"]
    ids = []
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+50")
        ids += [shop.adjust(code, "+1") for _ in range(10)]
    did = three_pcs("undo", [{"ids": ids, "seed": n} for n in range(PCS)])
    undone = Counter(i for pc in did for i in pc["done"])
    assert undone == Counter(ids)  # each once, by one PC or another
    assert sorted(i for pc in did for i in pc["refused"]) == sorted(ids * (PCS - 1))
    assert on_hand_in_database() == dict.fromkeys(codes, 50)
    assert_clean(rendo_process)


def test_imports_at_once_are_each_all_or_nothing(shop, three_pcs, rendo_process, tmp_path):
    codes = [f"I{n:03d}" for n in range(300)]
    for code in codes[:10]:
        shop.add_item(code)
    files = []
    for n in range(PCS):
        path = tmp_path / f"count{n}.csv"
        path.write_text("code,quantity\n" + "".join(f"{c},{10 * (n + 1)}\n" for c in codes[:10]),
                        encoding="utf-8")
        files.append({"file": str(path)})
    batches = three_pcs("import", files)
    assert len(set(batches)) == PCS  # three imports, none lost
    final = set(on_hand_in_database().values())
    assert len(final) == 1 and final <= {10, 20, 30}  # one file's counts, never a mix
    assert_clean(rendo_process)
    # the three PCs undo the last import at once: one undo
    last = MovementRow.select(MovementRow.batch).order_by(MovementRow.id.desc()).first().batch
    undone = three_pcs("undo-import", [{"batch": last}] * PCS)
    assert sorted(undone, key=str) == [10, "refused", "refused"]
    assert_clean(rendo_process)


def test_the_same_orders_applied_by_three_pcs_count_once(shop, three_pcs, rendo_process):
    shop.add_channel("mall", "manual")
    codes = ["O1", "O2", "O3"]
    for code in codes:
        shop.add_item(code)
        shop.adjust(code, "+500")
    orders = [[("mall", f"order-{n}", f"line-{k}", codes[(n + k) % 3], 1 + (n + k) % 4)
               for k in range(1 + n % 3)] for n in range(30)]
    did = three_pcs("orders", [{"orders": orders, "seed": n} for n in range(PCS)])
    lines = [line for order in orders for line in order]
    assert sum(pc["applied"] for pc in did) == len(lines)  # each line applied by one PC
    assert sum(pc["unchanged"] for pc in did) == len(lines) * (PCS - 1)
    sold = Counter()
    for _, _, _, code, quantity in lines:
        sold[code] += quantity
    assert on_hand_in_database() == {code: 500 - sold[code] for code in codes}
    references = Counter(m.reference for m in MovementRow.select().where(
        MovementRow.reason == "order"))
    assert set(references.values()) == {1} and len(references) == len(lines)
    assert_clean(rendo_process)
    # and once more from this PC: nothing changes
    for order in orders:
        assert apply_order(shop, [OrderLine(*line) for line in order]).applied == 0
    assert on_hand_in_database() == {code: 500 - sold[code] for code in codes}
