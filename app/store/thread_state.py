"""peewee's connection state kept per operating-system thread.

peewee keeps each thread's connection in a ``threading.local``. Python empties such a local
whenever a thread that Qt started (the sync worker's QThread, a thread pool's) leaves Python:
PySide gives it a new Python thread state for every slot it calls. The worker would then open
a connection at every read of the change feed (twice a second) and drop the last one unclosed
(a PostgreSQL server counts them until they time out). Keyed by ``threading.get_ident()``, the
state lives as long as the thread.

Only for a server: a SQLite connection costs nothing to open, and keeping one for a thread's
life would risk a read snapshot kept open by a statement not yet finished.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import peewee


class PerThreadState:
    """Stands in for peewee's ``_ConnectionLocal``: the same attributes, one set per thread."""

    def __init__(self) -> None:
        object.__setattr__(self, "_states", {})
        object.__setattr__(self, "_lock", threading.Lock())

    def _mine(self) -> Any:
        states: dict[int, Any] = object.__getattribute__(self, "_states")
        ident = threading.get_ident()
        state = states.get(ident)
        if state is None:
            with object.__getattribute__(self, "_lock"):
                _forget_ended(states)
                state = states[ident] = peewee._ConnectionState()
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self._mine(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._mine(), name, value)


def keep_state_per_thread(database: peewee.Database) -> None:
    """Make *database* keep its connections per OS thread (see above)."""
    if isinstance(getattr(database, "_state", None), threading.local):
        setattr(database, "_state", PerThreadState())  # noqa: B010 (not in peewee's stubs)


def _forget_ended(states: dict[int, Any]) -> None:
    """Close the connections of threads that ended without closing theirs (a threading.local
    would have let them go with the thread)."""
    living = {thread.ident for thread in threading.enumerate()}
    for ident in [ident for ident in states if ident not in living]:
        state = states.pop(ident)
        if not state.closed and state.conn is not None:
            # a dead connection, or SQLite's (closed by its own thread only): gone either way
            with contextlib.suppress(Exception):
                state.conn.close()

