"""One PC of the several-PC tests, as its window runs the sync: the Qt sync worker
(``SyncThread``: the channels' threads under their leases, the change feed read every 500 ms)
on the shop's database, its computed stock written to a JSON file every 200 ms so that the
test can compare it with the database's.

    python -m tests.integration.one_pc DATABASE BOOK.json

The PC's name comes from ``RENDO_PC_NAME`` (its machine from ``RENDO_MACHINE``), its log
folder from ``RENDO_LOG_DIR``. It runs until killed (SIGKILL, as a PC that dies) or
terminated (SIGTERM: it stops its sync cleanly, giving its leases back).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer

from app.services.shop import Shop


def book_numbers(shop: Shop) -> dict[str, object]:
    """The computed stock of *shop*, as JSON: on hand, sellable and each channel's number."""
    with shop.lock:  # the sync's threads change it
        book = shop.book
        return {code: [book.on_hand.get(code), stock.sellable, dict(sorted(stock.channels.items()))]
                for code, stock in sorted(book.stock.items())}


def main(database: str, out: str) -> int:
    app = QCoreApplication([])
    from app.logsetup import configure_logging
    from app.services.channels import adapter_for
    from app.services.database import open_database
    from app.sync.worker import SyncThread

    configure_logging()
    open_database(database)
    shop = Shop()
    sync = SyncThread(shop, adapter_for)
    sync.start()
    target = Path(out)

    def dump() -> None:
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(book_numbers(shop)), encoding="utf-8")
        os.replace(temporary, target)

    timer = QTimer()
    timer.timeout.connect(dump)  # also lets Python see SIGTERM between Qt's events
    timer.start(200)
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    app.exec()
    sync.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
