"""Times as the user reads them: the database keeps UTC, the window shows local time.

``when_text`` gives a time with its distance: "12:03:15, in 8 s", "12:03:15 (3 min ago)".
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QCoreApplication


def to_local(moment: datetime) -> datetime:
    """*moment* (naive UTC, as stored) in the computer's time zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone()


def local_text(moment: datetime | None, with_date: bool = True) -> str:
    """``2025/11/21 14:45``; this year's dates without the year; or only the time."""
    if moment is None:
        return ""
    local = to_local(moment)
    if not with_date:
        return local.strftime("%H:%M")
    if local.year == datetime.now().year:
        return local.strftime("%m/%d %H:%M")
    return local.strftime("%Y/%m/%d %H:%M")


def utc_now() -> datetime:
    """Now as the store writes times: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def clock_text(moment: datetime, now: datetime | None = None, seconds: bool = True) -> str:
    """"12:03:15" (or "12:03") today, "3/14 12:03" on another day (local time)."""
    local = to_local(moment)
    today = to_local(now or utc_now()).date()
    if local.date() == today:
        return local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return QCoreApplication.translate("SyncWords", "{month}/{day} {time}").format(
        month=local.month, day=local.day, time=local.strftime("%H:%M"))


def span_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return QCoreApplication.translate("SyncWords", "{n} s").format(n=seconds)
    if seconds < 3600:
        return QCoreApplication.translate("SyncWords", "{n} min").format(n=seconds // 60)
    if seconds < 86_400:
        return QCoreApplication.translate("SyncWords", "{n} h").format(n=seconds // 3600)
    return QCoreApplication.translate("SyncWords", "{n} d").format(n=seconds // 86_400)


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """A past or future time with its distance: "12:03:15 (3 min ago)", "12:03:15, in 8 s"."""
    if moment is None:
        return "—"
    now = now or utc_now()
    delta = (_naive_utc(moment) - now).total_seconds()
    time = clock_text(moment, now)
    if delta >= 1:
        return QCoreApplication.translate("SyncWords", "{time}, in {span}").format(
            time=time, span=span_text(delta))
    if delta > -1:
        return QCoreApplication.translate("SyncWords", "{time}, now").format(time=time)
    return QCoreApplication.translate("SyncWords", "{time} ({span} ago)").format(
        time=time, span=span_text(-delta))


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
