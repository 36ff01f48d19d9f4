"""One PC of a shop sharing a PostgreSQL database, as a process of its own (race tests).

    python -m tests.integration.pcs URL FOLDER NAME PCS ACTION ARGS_JSON

The process opens the shop and loads its book, waits for FOLDER/start (so that every PC
starts at the same moment), does ACTION, marks FOLDER/done-NAME, waits until all PCS PCs
are done, catches up with the change feed and prints one JSON line: what it did and its
book's on hand numbers (which must then equal the database's).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path
from typing import Any


def wait_for(check: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the other PCs did not get there")
        time.sleep(0.002)


def stocktake(shop: Any, args: dict[str, Any]) -> Any:
    """Every PC counts the same items with the same numbers, round after round."""
    for count in args["counts"]:
        for code in args["codes"]:
            shop.set_on_hand(code, count, reason="stocktake")
    return None


def adjust(shop: Any, args: dict[str, Any]) -> Any:
    """+N / -N on shared items; returns what this PC added to each."""
    rng = random.Random(args["seed"])
    added: dict[str, int] = {}
    for _ in range(args["times"]):
        code = rng.choice(args["codes"])
        delta = rng.choice([-2, -1, 1, 2, 3])
        shop.adjust_by(code, delta)
        added[code] = added.get(code, 0) + delta
    return added


def undo(shop: Any, args: dict[str, Any]) -> Any:
    """Try to undo every movement given, in an order of its own: ids undone, ids refused."""
    from app.domain.errors import BadInput

    ids = list(args["ids"])
    random.Random(args["seed"]).shuffle(ids)
    done, refused = [], []
    for movement_id in ids:
        try:
            shop.undo(movement_id)
            done.append(movement_id)
        except BadInput:
            refused.append(movement_id)
    return {"done": done, "refused": refused}


def import_file(shop: Any, args: dict[str, Any]) -> Any:
    from app.services.importing import import_file as run

    result = run(shop, args["file"])
    return result.batch


def undo_import(shop: Any, args: dict[str, Any]) -> Any:
    from app.domain.errors import BadInput
    from app.services.importing.undo import undo_import as run

    try:
        return run(shop, args["batch"]).movements
    except BadInput:
        return "refused"


def orders(shop: Any, args: dict[str, Any]) -> Any:
    """Apply the same orders as the other PCs, in an order of its own."""
    from app.domain.orders import OrderLine
    from app.services.orders import apply_order

    given = [[OrderLine(*line) for line in order] for order in args["orders"]]
    random.Random(args["seed"]).shuffle(given)
    applied = unchanged = 0
    for lines in given:
        outcome = apply_order(shop, lines)
        applied += outcome.applied
        unchanged += outcome.unchanged
    return {"applied": applied, "unchanged": unchanged}


ACTIONS = {"stocktake": stocktake, "adjust": adjust, "undo": undo, "import": import_file,
           "undo-import": undo_import, "orders": orders}


def main(argv: list[str]) -> int:
    url, folder_text, name, pcs, action, args_json = argv
    folder = Path(folder_text)
    from app.services.database import open_database
    from app.services.shop import Shop

    open_database(url, migrate=False)
    shop = Shop()
    _ = shop.book  # loaded before the others start writing: it must follow them
    (folder / f"ready-{name}").touch()
    wait_for((folder / "start").exists)
    did = ACTIONS[action](shop, json.loads(args_json))
    (folder / f"done-{name}").touch()
    wait_for(lambda: len(list(folder.glob("done-*"))) == int(pcs))
    shop.catch_up()
    print(json.dumps({"did": did, "book": dict(shop.book.on_hand)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
