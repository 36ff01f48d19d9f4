"""A channel Rendo does not talk to (a shop floor, a market stall): its numbers are shown,
nothing is synced."""

from __future__ import annotations

from app.domain.errors import QT_TRANSLATE_NOOP

from .channel_type import ChannelType

CHANNEL_TYPE = ChannelType(
    name="manual", label=QT_TRANSLATE_NOOP("ChannelTypes", "Manual (not synced)"), order=0)
