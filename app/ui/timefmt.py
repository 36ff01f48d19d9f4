"""Times as the user reads them: the database keeps UTC, the window shows local time."""

from __future__ import annotations

from datetime import UTC, datetime


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
