"""One sync leader per channel: a lease row with a heartbeat, in the shop's database.

Several PCs (or several Rendo processes on one PC) may run the sync of one shop; only the
holder of a channel's lease (table ``sync_lease``) reads that channel's orders and uploads its
numbers. Taking and renewing it is one short transaction: ``UPDATE … WHERE holder = me`` (renew)
or ``WHERE expires_at < now`` (take over), its row count saying whether it worked. The runner's
heartbeat (``LeaseKeeper``) renews every ``RENEW_S``; a PC that sleeps, quits or is killed stops
renewing, and another PC takes the channel over once ``expires_at`` has passed: at most
``LEASE_S + LOOK_S`` = 27 s after the last renewal, within the 30 s promised.

Why a lease row rather than PostgreSQL's advisory locks:

* one mechanism for SQLite (several processes on one file) and PostgreSQL, with one set of
  tests, instead of an advisory lock on one and a lease on the other;
* an advisory lock belongs to a server session: a PC that sleeps keeps its TCP session (and
  the lock) until the server's keepalive gives up, often far longer than 30 s; and when the
  session does end, nothing stops the woken PC from writing on a new connection;
* fencing: every transaction of a cycle that applies orders, moves a cursor or records an
  upload starts with ``Leases.fence``, an ``UPDATE … WHERE holder = <this taking's token>``
  that must touch its row. A stale leader that wakes after another PC took over finds the
  holder changed and its transaction is rolled back (``LeaseLost``) before it wrote anything.
  On SQLite the transaction holds the write lock (BEGIN IMMEDIATE) from the start; on
  PostgreSQL the updated row stays locked until commit, so a takeover waits for that commit
  and then sees the renewed expiry. Either way no order is applied, and no cursor moved, by
  two PCs;
* the row says who holds it, which the sync panel of every PC shows.

A process that ended without giving its leases back (killed, crashed) on this same machine is
known to be gone: a new Rendo on that machine takes its channels over at once instead of waiting
out the lease (``_ended_here``). The holder string names the machine by its host name (not the
PC name, which a user may give to two PCs), the process and the taking.

Clocks: on PostgreSQL the expiry is computed and compared with the server's ``now()`` (PCs'
clocks may differ); SQLite's file is on one PC, whose clock every process shares (tests give
a simulated one). Each taking has a token of its own: a process that lost a channel and took
it again later does not let a cycle of the first taking write.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee
import psutil

from app.services.database import close_thread_connection
from app.store.database import db, is_sqlite, write_transaction
from app.store.models import ChannelRow, SyncLeaseRow, utcnow

log = logging.getLogger("rendo.sync")

LEASE_S = 25.0  # a lease not renewed for this long may be taken over
RENEW_S = 8.0  # the holder's heartbeat
LOOK_S = 2.0  # how often a PC that does not sync a channel looks whether it is free
LEASE_ENV = "RENDO_LEASE_S"  # tests: a shorter lease (renewed and looked at in proportion)
PC_NAME_ENV = "RENDO_PC_NAME"  # the name the other PCs see (tests, scripts), before…
PC_NAME_KEY = "sync/pcName"  # …the QSettings key of the name set in 設定; else the host name
MACHINE_ENV = "RENDO_MACHINE"  # tests: several "PCs" on one machine, each a machine of its own
_LONG_AGO = datetime(2000, 1, 1)


class LeaseLost(Exception):
    """Another process syncs this channel now: the cycle stops, its transaction rolled back."""

    def __init__(self, channel: str, by: str | None = None) -> None:
        super().__init__(f"{channel}: another PC ({by or '?'}) syncs this channel now")
        self.channel, self.by = channel, by


@dataclass(frozen=True, slots=True)
class Leader:
    """Who syncs *channel*: the PC's name, and whether it is this PC."""

    channel: str
    pc: str
    here: bool


def pc_name() -> str:
    """This PC's name as the others see it: ``RENDO_PC_NAME``, the name set in 設定, or the
    host name."""
    from PySide6.QtCore import QSettings

    named = (os.environ.get(PC_NAME_ENV) or "").strip()
    if not named:
        named = str(QSettings().value(PC_NAME_KEY, "") or "").strip()
    return named or socket.gethostname() or "?"


def lease_seconds() -> float:
    value = os.environ.get(LEASE_ENV, "")
    try:
        seconds = float(value)
    except ValueError:
        return LEASE_S
    return seconds if seconds > 0 else LEASE_S


def _now(clock: Callable[[], datetime]) -> peewee.Node | datetime:
    """Now by the database's clock (PostgreSQL), or by *clock* (SQLite: one PC)."""
    if is_sqlite():
        return clock()
    return peewee.SQL("(now() AT TIME ZONE 'UTC')")


def _expiry(clock: Callable[[], datetime], seconds: float) -> peewee.Node | datetime:
    if is_sqlite():
        return clock() + timedelta(seconds=seconds)
    return peewee.SQL(f"((now() AT TIME ZONE 'UTC') + make_interval(secs => {seconds:.3f}))")


def _channel_id(channel: str) -> int | None:
    row = ChannelRow.select(ChannelRow.id).where(ChannelRow.name == channel).first()
    return None if row is None else int(row.id)


def sync_leaders(clock: Callable[[], datetime] = utcnow) -> list[Leader]:
    """The channels some process syncs now (its lease not expired), by channel position."""
    here = pc_name()
    rows = (SyncLeaseRow.select(ChannelRow.name, SyncLeaseRow.pc).join(ChannelRow)
            .where(SyncLeaseRow.holder != "", SyncLeaseRow.expires_at > _now(clock))
            .order_by(ChannelRow.position, ChannelRow.id).tuples())
    return [Leader(str(name), str(pc), pc == here) for name, pc in rows.iterator()]


class Leases:
    """This process's leases: taken by the channels' threads, renewed by ``LeaseKeeper``,
    checked (``fence``) inside the cycle's write transactions. Thread-safe."""

    def __init__(self, clock: Callable[[], datetime] = utcnow, lease_s: float | None = None,
                 pc: str | None = None) -> None:
        self.clock = clock
        self.lease_s = lease_s if lease_s is not None else lease_seconds()
        self.renew_s = min(RENEW_S, self.lease_s / 3)
        self.look_s = min(LOOK_S, self.lease_s / 5)
        self._pc = pc  # None: pc_name(), read again at each renewal (it may be renamed)
        self._held: dict[str, str] = {}  # channel → holder string of this taking
        self._looked: dict[str, float] = {}  # channel → monotonic time of the last look
        self._elsewhere: dict[str, str] = {}  # channel → the other PC the last look found
        self._lock = threading.Lock()

    @property
    def pc(self) -> str:
        return self._pc or pc_name()

    def holder(self, channel: str) -> str | None:
        with self._lock:
            return self._held.get(channel)

    def holds(self, channel: str) -> bool:
        return self.holder(channel) is not None

    def held(self) -> list[str]:
        with self._lock:
            return sorted(self._held)

    def _drop(self, channel: str, holder: str) -> None:
        with self._lock:
            if self._held.get(channel) == holder:
                del self._held[channel]

    # -- taking -----------------------------------------------------------------------------
    def take(self, channel: str, at_once: bool = False) -> bool:
        """This process syncs *channel*: True when it holds the lease (taken now, or held
        and renewed by the heartbeat). A channel held elsewhere is looked at again after
        ``look_s`` (*at_once*: now)."""
        if self.holds(channel):
            return True
        now = time.monotonic()
        with self._lock:
            if not at_once and now - self._looked.get(channel, -1e9) < self.look_s:
                return False
            self._looked[channel] = now
        channel_id = _channel_id(channel)
        if channel_id is None:
            return False
        found = self._other_holder(channel)
        with self._lock:
            if found is None:
                self._elsewhere.pop(channel, None)
            else:
                self._elsewhere[channel] = found[1]
        ended = found[0] if found is not None and _ended_here(found[0]) else None
        if found is not None and ended is None:
            return False  # held by a live holder: no write needed to know it
        pc = self.pc
        holder = _holder_string()
        with write_transaction():
            db.execute(SyncLeaseRow.insert(channel=channel_id, holder="", pc="",
                                           expires_at=_LONG_AGO).on_conflict_ignore())
            taken = (SyncLeaseRow.update(holder=holder, pc=pc,
                                         expires_at=_expiry(self.clock, self.lease_s),
                                         taken_at=_now(self.clock))
                     .where(SyncLeaseRow.channel == channel_id,
                            (SyncLeaseRow.holder == "")
                            | (SyncLeaseRow.expires_at < _now(self.clock))
                            | (SyncLeaseRow.holder == (ended or "")))
                     .execute())
        if taken != 1:
            return False
        with self._lock:
            self._held[channel] = holder
            self._elsewhere.pop(channel, None)
        log.info("%s: this PC (%s) syncs this channel now", channel, pc)
        return True

    def elsewhere(self, channel: str) -> str | None:
        """The other PC that synced *channel* when ``take`` last looked (None: none, or it
        is held here)."""
        with self._lock:
            return self._elsewhere.get(channel)

    def synced_by(self, channel: str) -> str | None:
        """The PC of the live holder of *channel*'s lease other than this taking, if any."""
        found = self._other_holder(channel)
        return None if found is None else found[1]

    def _other_holder(self, channel: str) -> tuple[str, str] | None:
        """(holder, PC) of *channel*'s live lease when another taking holds it."""
        mine = self.holder(channel)
        row = (SyncLeaseRow.select(SyncLeaseRow.holder, SyncLeaseRow.pc).join(ChannelRow)
               .where(ChannelRow.name == channel, SyncLeaseRow.holder != "",
                      SyncLeaseRow.expires_at >= _now(self.clock)).tuples().first())
        if row is None or row[0] == mine:
            return None
        return str(row[0]), str(row[1])

    # -- keeping ----------------------------------------------------------------------------
    def _extend(self, channel: str, holder: str) -> bool:
        """Inside a transaction: push the expiry on if *holder* still holds *channel*."""
        channel_id = _channel_id(channel)
        return channel_id is not None and SyncLeaseRow.update(
            expires_at=_expiry(self.clock, self.lease_s), pc=self.pc).where(
            SyncLeaseRow.channel == channel_id, SyncLeaseRow.holder == holder).execute() == 1

    def fence(self, channel: str) -> None:
        """First thing in a cycle's write transaction: this taking still holds *channel*
        (renewed by the way), else ``LeaseLost`` and the transaction writes nothing."""
        holder = self.holder(channel)
        if holder is None:
            raise LeaseLost(channel, self.synced_by(channel))
        if not self._extend(channel, holder):
            self._drop(channel, holder)
            raise LeaseLost(channel, self.synced_by(channel))

    def check(self, channel: str) -> None:
        """Before a channel call (a page of orders, a batch of numbers): still the holder,
        renewed in a transaction of its own; else ``LeaseLost``."""
        with write_transaction():
            self.fence(channel)

    def renew(self) -> list[str]:
        """The heartbeat: renew every lease held; returns the channels found lost."""
        lost = []
        for channel in self.held():
            holder = self.holder(channel)
            if holder is None:
                continue
            with write_transaction():
                kept = self._extend(channel, holder)
            if not kept:
                self._drop(channel, holder)
                lost.append(channel)
                log.info("%s: another PC syncs this channel now", channel)
        return lost

    def release(self, channel: str | None = None) -> None:
        """Give up *channel*'s lease (None: every one) so that another PC takes over now."""
        for name in [channel] if channel is not None else self.held():
            holder = self.holder(name)
            if holder is None:
                continue
            self._drop(name, holder)
            with write_transaction():
                SyncLeaseRow.update(holder="", pc="", expires_at=_LONG_AGO).where(
                    SyncLeaseRow.holder == holder).execute()


def _holder_string() -> str:
    """This taking's holder: a token of its own, this process and this machine."""
    return f"{secrets.token_hex(8)}:{os.getpid()}@{_machine()}"


def _machine() -> str:
    """This machine in holder strings: its host name (``RENDO_MACHINE`` for tests)."""
    return os.environ.get(MACHINE_ENV) or socket.gethostname()


def _ended_here(holder: str) -> bool:
    """*holder* is a process of this machine that has ended (killed, crashed): nothing
    renews its lease any more."""
    host, pid = _machine_and_process(holder)
    if host != _machine() or pid is None or pid == os.getpid():
        return False
    return not psutil.pid_exists(pid)


def _machine_and_process(holder: str) -> tuple[str | None, int | None]:
    """The host name and process id in a holder string (None, None: not one of ours)."""
    _token, _, rest = holder.partition(":")
    pid, at, host = rest.partition("@")
    if not at or not pid.isdigit():
        return None, None
    return host, int(pid)


def fence(leases: Leases | None, channel: str) -> None:
    """``leases.fence(channel)`` when the sync runs under leases (the runner's), else nothing:
    an engine used alone (a test, the first sync's preview) syncs without them."""
    if leases is not None:
        leases.fence(channel)


class LeaseKeeper(threading.Thread):
    """The heartbeat: renews this process's leases every ``renew_s`` until ``stop``."""

    def __init__(self, leases: Leases) -> None:
        super().__init__(name="rendo-leases", daemon=True)
        self.leases = leases
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            while not self._halt.wait(self.leases.renew_s):
                try:
                    self.leases.renew()
                except Exception:  # a busy or lost database: the next beat tries again
                    log.warning("renewing the sync leases failed", exc_info=True)
        finally:
            close_thread_connection()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._halt.set()
        if self.ident is not None:
            self.join(timeout_s)
