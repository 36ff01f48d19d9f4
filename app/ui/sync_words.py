"""Sync words the panel, the status bar and the tray share: a channel's state, its type, its
failure in words a shop owner can act on (worded from the failure's kind, never guessed from
the adapter's message), a channel's remaining rate budget, a list of codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.channels.base import RateBudget
from app.domain.errors import RendoError
from app.i18n import error_text
from app.services.channel_words import error_words
from app.sync.state import ListingView


def state_text(state: str) -> str:
    """The word for a channel's sync state (ChannelStatus.state, plus running/paused/manual)."""
    words = {
        "running": QCoreApplication.translate("SyncWords", "Syncing…"),
        "ok": QCoreApplication.translate("SyncWords", "OK"),
        "failing": QCoreApplication.translate("SyncWords", "Failing"),
        "stopped": QCoreApplication.translate("SyncWords", "Stopped: enter new credentials"),
        "waiting": QCoreApplication.translate("SyncWords", "Waiting for first-sync choice"),
        "disabled": QCoreApplication.translate("SyncWords", "Disabled"),
        "new": QCoreApplication.translate("SyncWords", "Not synced yet"),
        "paused": QCoreApplication.translate("SyncWords", "Paused"),
        "manual": QCoreApplication.translate("SyncWords", "Manual (not synced)"),
    }
    return words.get(state, state)


def channel_type_text(type_: str) -> str:
    words = {
        "manual": QCoreApplication.translate("SyncWords", "Manual"),
        "sandbox": QCoreApplication.translate("SyncWords", "Sandbox shop"),
    }
    return words.get(type_, type_)


def channel_error_text(name: str, type_: str, kind: str, detail: str = "") -> str:
    """A channel's failure in words a shop owner can act on, from its kind (chosen by the
    adapter; app/services/channel_words.py words each kind once). *detail*, the adapter's own
    message, is shown only when the kind is unknown (a failure saved by an earlier version);
    otherwise it belongs in a tooltip."""
    return error_words(name, type_, kind) or detail


def budget_text(budget: RateBudget | None, uploads_left: int = 0) -> str:
    """"412 of 500 calls left"; "—" when the channel says nothing of its allowance; with
    uploads waiting for the allowance, how many and about how long they still take."""
    text = _allowance_text(budget)
    if not uploads_left:
        return text
    waiting = QCoreApplication.translate("SyncWords", "{n} listings to upload").format(
        n=f"{uploads_left:,}")
    if budget is not None and budget.writes_per_hour:
        minutes = max(1, round(uploads_left / budget.writes_per_hour * 60))
        waiting = QCoreApplication.translate(
            "SyncWords", "{n} listings to upload, about {hours} h {minutes} min").format(
            n=f"{uploads_left:,}", hours=minutes // 60, minutes=minutes % 60)
    return f"{text} · {waiting}"


def _allowance_text(budget: RateBudget | None) -> str:
    if budget is None:
        return "—"
    remaining = max(0, int(budget.remaining))
    capacity = int(budget.capacity)
    if budget.unit == "points":
        return QCoreApplication.translate("SyncWords", "{n} of {total} points left").format(
            n=remaining, total=capacity)
    return QCoreApplication.translate("SyncWords", "{n} of {total} calls left").format(
        n=remaining, total=capacity)


def codes_text(codes: list[str], shown: int = 3) -> str:
    """"A, B, C and 2 more"."""
    head = ", ".join(codes[:shown])
    if len(codes) <= shown:
        return head
    return QCoreApplication.translate("SyncWords", "{codes} and {n} more").format(
        codes=head, n=len(codes) - shown)



def listing_reason(view: ListingView) -> str:
    """Why a listing is stopped: not found on its channel (worded here), or the channel's
    own words for its refusals."""
    if view.missing:  # the channel's read-back did not have it
        return QCoreApplication.translate(
            "SyncPanel", "Not found on {channel}: check the id there, or map this item to the "
            "channel's own id").format(channel=view.channel)
    return view.last_error


def item_label(items: Mapping[str, Any], code: str) -> str:
    """"CODE  name" of an item of the book (its code alone when it has no name)."""
    item = items.get(code)
    return f"{code}  {item.name}" if item is not None and item.name else code


def error_line(error: Exception) -> str:
    """A refusal in the user's words; anything else (a bug, the disk) by its own message."""
    return error_text(error) if isinstance(error, RendoError) else str(error)
