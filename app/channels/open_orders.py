"""The order cursor of a channel without a "changed since" filter (BASE, Yahoo!, 楽天).

Such a channel is polled over a trailing window of orders (by order time) plus every order not
yet in a final state, however old. The cursor (JSON) remembers, per order, when it was placed,
the channel's mark of its last change (an update time) and its status; an order is read in
detail again only when its mark or status moved, or when it is open and the list no longer
shows it. What was applied per line is the ledger's (app.domain.orders, keyed by channel,
order and line): a line read again applies only its difference from what was applied, and a
cancellation gives back what was applied, once.

Marks count whole seconds on the channel's clock, so a change in the same second as a read
would not move the mark. The newest mark of one answer (one page, one call) may be the second
it was read in: the orders carrying it, if changed within the overlap, are remembered without a
mark and read once more next time. Every other mark of that answer is older than the second it
was read in, so any later change moves it: those orders cost no detail read until they change.

Pure Python: no HTTP, no database.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

ORDER_WINDOW_S = 14 * 86400  # orders placed this far back are listed again each time
VERSION = 2


@dataclass(frozen=True, slots=True)
class Seen:
    """One order as last read: epoch seconds placed, the channel's change mark (None: read
    it again next time), its status."""

    placed: float
    mark: Any
    status: str


@dataclass(frozen=True)
class OpenOrders:
    """The rules of one channel type's cursor.

    ``stamp`` turns a mark into epoch seconds (ValueError or TypeError: not a time, so the
    order is read again next time). ``v1`` says where placed, mark and status sit in the
    lists of a version 1 cursor (written before this module), which still reads.
    """

    final: Collection[str]
    overlap_s: float
    stamp: Callable[[Any], float]
    window_s: float = ORDER_WINDOW_S
    v1: tuple[int, int, int] = (0, 1, 2)

    # -- the cursor --------------------------------------------------------------------------
    def load(self, cursor: str | None, channel: str = "") -> dict[str, Seen] | None:
        """The orders of *cursor*; None when there is none to go on (the first read, or one
        that cannot be read: logged)."""
        if not cursor:
            return None
        try:
            found = json.loads(cursor)
            orders = found["orders"]
            placed, mark, status = (0, 1, 2) if found.get("v") == VERSION else self.v1
            return {str(key): Seen(float(state[placed]),
                                   None if state[mark] == "" else state[mark],  # 楽天's v1
                                   str(state[status]))
                    for key, state in orders.items()}
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            log.warning("%s: unreadable order cursor; reading the last %d days again", channel,
                        self.window_s // 86400)
            return None

    def dump(self, kept: Mapping[str, Seen], floor: float, now: float) -> str:
        """The next cursor: *kept* (as ``settle`` gave them) less the orders the next list no
        longer needs (final, and placed before its window)."""
        oldest = self.start(kept, floor, now)
        orders = {key: [seen.placed, seen.mark, seen.status] for key, seen in kept.items()
                  if seen.placed >= oldest}
        return json.dumps({"v": VERSION, "orders": orders}, separators=(",", ":"),
                          ensure_ascii=False)

    # -- what to read --------------------------------------------------------------------------
    def is_open(self, seen: Seen) -> bool:
        return seen.status not in self.final

    def start(self, orders: Mapping[str, Seen], floor: float, now: float,
              window_s: float | None = None) -> float:
        """Where the next list starts: the trailing window (``window_s``, by default the
        type's), or the oldest open order placed before it; never before *floor* (the
        channel's connection less the overlap)."""
        back = self.window_s if window_s is None else window_s
        open_times = [seen.placed for seen in orders.values() if self.is_open(seen)]
        return float(max(floor, min([now - back, *open_times])))

    @staticmethod
    def changed(listed: Mapping[str, Seen], seen: Mapping[str, Seen]) -> list[str]:
        """The listed orders to read in detail: new ones and those whose mark or status
        moved (or that were kept without a mark), in the list's order."""
        return [key for key, state in listed.items() if seen.get(key) != state]

    def unlisted(self, seen: Mapping[str, Seen], listed: Collection[str]) -> list[str]:
        """Open orders of the cursor the list did not show (none expected): read alone."""
        return [key for key, state in seen.items() if key not in listed and self.is_open(state)]

    # -- what to remember ----------------------------------------------------------------------
    def settle(self, answer: Mapping[str, Seen], now: float) -> dict[str, Seen]:
        """The states of one answer to remember: those carrying its newest mark, changed
        within the overlap, keep no mark (read again next time); see the module's text."""
        stamps: dict[str, float | None] = {}
        for key, state in answer.items():
            try:
                stamps[key] = float(self.stamp(state.mark))
            except (ValueError, TypeError, OverflowError):
                stamps[key] = None
        known = [stamp for stamp in stamps.values() if stamp is not None]
        newest = max(known, default=None)
        recent = now - self.overlap_s
        settled = {}
        for key, state in answer.items():
            stamp = stamps[key]
            if stamp is None or (newest is not None and stamp >= newest and stamp >= recent):
                state = Seen(state.placed, None, state.status)
            settled[key] = state
        return settled
