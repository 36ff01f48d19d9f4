"""BASE's call counts: 5,000 an hour (from minute 00) and 100,000 a day (from midnight,
Japan time) per user, as its API docs state; a share of each is kept for reading orders."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
HOUR_LIMIT = 5000
DAY_LIMIT = 100_000
HOUR_RESERVE = 600  # calls an hour kept for reading orders (see the package's text)
DAY_RESERVE = 14_400  # the same share of the day: 600 × 24


class CallBudget:
    """BASE's hourly and daily call counts, in BASE's windows (the hour from minute 00, the
    day from midnight Japan time). Writes may use the allowance less the reserve; reads all
    of it.

    Every HTTP attempt counts (the HTTP client's retries and the token calls too). When BASE
    itself answers ``hour_api_limit`` / ``day_api_limit`` (its count is higher than this one:
    another app of the same user, another Rendo process) the window is marked spent: writes
    wait until it resets; a read is not held back here (its refusal hands the wait to the
    engine, which polls no sooner) and an answer BASE gives clears the mark (its window has
    turned, by its clock).

    The count lives in this process only: a second Rendo process, or a restart within the
    hour, starts from zero (BASE's own limit answers, marked as above, cover that).
    """

    def __init__(self, hour_limit: int = HOUR_LIMIT, day_limit: int = DAY_LIMIT,
                 hour_reserve: int = HOUR_RESERVE, day_reserve: int = DAY_RESERVE) -> None:
        self.hour_limit, self.day_limit = hour_limit, day_limit
        self.hour_reserve, self.day_reserve = hour_reserve, day_reserve
        self._hour: tuple[int, int] = (-1, 0)  # (window, calls)
        self._day: tuple[int, int] = (-1, 0)
        # the hour (epoch hour) and day (ordinal, Japan time) BASE said are spent
        self._hour_spent: int | None = None
        self._day_spent: int | None = None
        self._lock = threading.Lock()

    def _used(self, now: float) -> tuple[int, int]:
        hour, day = int(now // 3600), datetime.fromtimestamp(now, JST).toordinal()
        if self._hour[0] != hour:
            self._hour = (hour, 0)
        if self._day[0] != day:
            self._day = (day, 0)
        return self._hour[1], self._day[1]

    def wait(self, now: float, write: bool) -> float | None:
        """Seconds until a call of this kind may be made; None: now."""
        with self._lock:
            hour_used, day_used = self._used(now)
            day_spent = self._day_spent == self._day[0]
            hour_spent = self._hour_spent == self._hour[0]
        if day_used >= self.day_limit - (self.day_reserve if write else 0) or (
                write and day_spent):
            return seconds_to_next_day(now)
        if hour_used >= self.hour_limit - (self.hour_reserve if write else 0) or (
                write and hour_spent):
            return seconds_to_next_hour(now)
        return None

    def take(self, now: float, calls: int = 1) -> None:
        """Count *calls* HTTP attempts made now."""
        if calls <= 0:
            return
        with self._lock:
            self._used(now)
            self._hour = (self._hour[0], self._hour[1] + calls)
            self._day = (self._day[0], self._day[1] + calls)

    def spend(self, now: float, period: str) -> None:
        """BASE answered that this ``"hour"``'s (or ``"day"``'s) calls are spent."""
        with self._lock:
            self._used(now)
            if period == "day":
                self._day_spent = self._day[0]
            else:
                self._hour_spent = self._hour[0]

    def answered(self) -> None:
        """BASE answered a call: its allowance is not spent (whatever it said before)."""
        with self._lock:
            self._hour_spent = self._day_spent = None

    def spent_by_base(self, now: float) -> str | None:
        """``"day"`` or ``"hour"`` when BASE said this window's calls are spent."""
        with self._lock:
            self._used(now)
            if self._day_spent == self._day[0]:
                return "day"
            return "hour" if self._hour_spent == self._hour[0] else None

    def remaining(self, now: float) -> int:
        if self.spent_by_base(now):
            return 0
        with self._lock:
            hour_used, day_used = self._used(now)
        return max(0, min(self.hour_limit - hour_used, self.day_limit - day_used))


def seconds_to_next_hour(now: float) -> float:
    return 3600 - now % 3600


def seconds_to_next_day(now: float) -> float:
    today = datetime.fromtimestamp(now, JST).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=1)).timestamp() - now
