"""Sync words the panel, the status bar and the tray share: a channel's state, its type, an
adapter's technical message in words a shop owner can act on ("GET /api/stock: connection to …
failed" → "Rendo could not reach the channel…"), a list of codes.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication


def state_text(state: str) -> str:
    """The word for a channel's sync state (ChannelStatus.state, plus running/paused/manual)."""
    words = {
        "running": QCoreApplication.translate("SyncWords", "Syncing…"),
        "ok": QCoreApplication.translate("SyncWords", "OK"),
        "failing": QCoreApplication.translate("SyncWords", "Failing"),
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


_HTTP = re.compile(r"HTTP (\d{3})")


def plain_error(message: str) -> str:
    """An adapter's message in words a shop owner can act on; the original stays in tooltips."""
    if not message:
        return ""
    text = message.casefold()
    if "authentication failed" in text or "unauthorized" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel did not accept Rendo's API token. Enter the token again "
            "in the channel settings.")
    if "connection to" in text or "no answer within" in text:
        return QCoreApplication.translate(
            "SyncWords", "Rendo could not reach the channel. Check the internet connection "
            "and the channel's address.")
    if "rate limit" in text or "asks to wait" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel asked Rendo to wait a little (too many requests).")
    if "server error" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel's server had a problem on its side.")
    if "malformed" in text or "not readable" in text or "no per-item results" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel answered with something Rendo cannot read.")
    if "does not answer like" in text or "bad request" in text or "not a web address" in text:
        return QCoreApplication.translate(
            "SyncWords", "This address does not lead to the channel's API. Check the address "
            "in the channel settings.")
    if "is not listed on" in text or "unknown sku" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel does not know this item (was the listing deleted or "
            "renamed there?).")
    if "quantity above" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel refused the quantity: it is above what the channel "
            "allows. Set a maximum for the channel.")
    if "negative quantity" in text:
        return QCoreApplication.translate(
            "SyncWords", "Rendo computed a negative quantity for this item; check its "
            "display offset.")
    status = _HTTP.search(message)
    if status and status.group(1) == "404":
        return QCoreApplication.translate(
            "SyncWords", "The channel says this address does not exist. Check the address in "
            "the channel settings.")
    if "refused" in text:
        return QCoreApplication.translate(
            "SyncWords", "The channel refused Rendo's request ({detail}).").format(
                detail=message)
    return message



def codes_text(codes: list[str], shown: int = 3) -> str:
    """"A, B, C and 2 more"."""
    head = ", ".join(codes[:shown])
    if len(codes) <= shown:
        return head
    return QCoreApplication.translate("SyncWords", "{codes} and {n} more").format(
        codes=head, n=len(codes) - shown)

