"""Allocation patterns (在庫配分パターン): split sellable among channels when stock is low.

A pattern is an ordered list of tiers. The first tier whose condition holds for the item's
sellable decides every channel's share; with no tier holding, every channel gets sellable
(全店同数). Channels a tier does not name get 0 while that tier holds: a new channel never
sells low stock by accident.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import QT_TRANSLATE_NOOP, PatternInvalid, RendoError
from .items import MAX_COUNT, count_from_digits


class ShareKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"
    SAME = "same"
    ZERO = "zero"


@dataclass(frozen=True, slots=True)
class Share:
    kind: ShareKind
    value: int = 0

    def __str__(self) -> str:
        if self.kind is ShareKind.PERCENT:
            return f"{self.value}%"
        if self.kind is ShareKind.FIXED:
            return str(self.value)
        if self.kind is ShareKind.SAME:
            return "same"
        return "0"


_OPS: dict[str, Callable[[int, int], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "=": operator.eq,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """``sellable <op> value``; op ``*`` always holds."""

    op: str
    value: int = 0

    def holds(self, sellable: int) -> bool:
        if self.op == "*":
            return True
        return _OPS[self.op](sellable, self.value)

    def __str__(self) -> str:
        return "*" if self.op == "*" else f"{self.op}{self.value}"


@dataclass(frozen=True, slots=True)
class Tier:
    condition: Condition
    shares: tuple[tuple[str, Share], ...]

    @property
    def is_split(self) -> bool:
        """A split tier divides sellable; its shares never add up to more than sellable."""
        return all(share.kind is not ShareKind.SAME for _, share in self.shares)

    def __str__(self) -> str:
        shares = ",".join(f"{channel}={share}" for channel, share in self.shares)
        return f"{self.condition}:{shares}"


@dataclass(frozen=True, slots=True)
class AllocationPattern:
    name: str
    tiers: tuple[Tier, ...]
    priority: tuple[str, ...] = ()
    hold_back: bool = False
    channels: tuple[str, ...] = field(default=(), compare=False)

    def tier_for(self, sellable: int) -> Tier | None:
        for tier in self.tiers:
            if tier.condition.holds(sellable):
                return tier
        return None


def allocate(
    pattern: AllocationPattern, sellable: int, channels: Sequence[str]
) -> dict[str, int] | None:
    """Each channel's share of *sellable*, or None when no tier holds (全店同数)."""
    tier = pattern.tier_for(sellable)
    if tier is None:
        return None
    result = dict.fromkeys(channels, 0)
    shares = dict(tier.shares)
    if not tier.is_split:
        for channel, share in shares.items():
            if channel in result and share.kind is ShareKind.SAME:
                result[channel] = sellable
        return result
    order = _priority_order(pattern, tier, channels)
    remaining = sellable
    for channel in order:
        share = shares[channel]
        if share.kind is ShareKind.FIXED:
            given = min(share.value, remaining)
            result[channel] = given
            remaining -= given
    percent_channels = [
        c for c in order if shares[c].kind is ShareKind.PERCENT and shares[c].value > 0
    ]
    floored = 0
    for channel in percent_channels:
        given = min(sellable * shares[channel].value // 100, remaining)
        result[channel] = given
        remaining -= given
        floored += given
    total_percent = sum(shares[c].value for c in percent_channels)
    leftover = min(sellable * total_percent // 100 - floored, remaining)
    if not pattern.hold_back and percent_channels:
        index = 0
        while leftover > 0:
            result[percent_channels[index % len(percent_channels)]] += 1
            leftover -= 1
            index += 1
    return result


def _priority_order(pattern: AllocationPattern, tier: Tier, channels: Sequence[str]) -> list[str]:
    """Channels of *tier* that exist, in the pattern's priority order, then in tier order."""
    named = [channel for channel, _ in tier.shares if channel in channels]
    first = [channel for channel in pattern.priority if channel in named]
    return first + [channel for channel in named if channel not in first]


def problems(pattern: AllocationPattern, channels: Collection[str]) -> list[RendoError]:
    """Every rule the pattern breaks, each with a message naming the tier and channel."""
    found: list[RendoError] = []

    def add(template: str, **params: object) -> None:
        found.append(PatternInvalid(template, pattern=pattern.name, **params))

    if not pattern.name.strip():
        add(QT_TRANSLATE_NOOP("Errors", "The allocation pattern needs a name."))
    if not pattern.tiers:
        add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}: add at least one tier."))
    for number, tier in enumerate(pattern.tiers, start=1):
        if tier.condition.op != "*" and tier.condition.value < 0:
            add(
                QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: the condition "
                                  "cannot use a negative number ({value})."),
                tier=number, value=tier.condition.value,
            )
        if tier.condition.op != "*" and tier.condition.value > MAX_COUNT:
            add(
                QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: the condition's "
                                  "number {value} is more than {max}."),
                tier=number, value=tier.condition.value, max=MAX_COUNT,
            )
        seen: set[str] = set()
        for channel, share in tier.shares:
            if channel in seen:
                add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: channel "
                                      "{channel} is named twice."), tier=number, channel=channel)
            seen.add(channel)
            if channel not in channels:
                add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: there is no "
                                      "channel called {channel}."), tier=number, channel=channel)
            if share.value < 0:
                add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: the share of "
                                      "{channel} cannot be negative ({value})."),
                    tier=number, channel=channel, value=share.value)
            if share.value > MAX_COUNT:
                add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: the share of "
                                      "{channel} ({value}) is more than {max}."),
                    tier=number, channel=channel, value=share.value, max=MAX_COUNT)
        total = sum(s.value for _, s in tier.shares if s.kind is ShareKind.PERCENT)
        if total > 100:
            add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: the percentages "
                                  "add up to {total}%, more than 100%."), tier=number, total=total)
        kinds = {share.kind for _, share in tier.shares}
        if ShareKind.SAME in kinds and kinds & {ShareKind.PERCENT, ShareKind.FIXED}:
            add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}, tier {tier}: \"same as "
                                  "sellable\" cannot be mixed with percentages or fixed counts "
                                  "(the channels would sell more than there is)."), tier=number)
    seen_priority: set[str] = set()
    for channel in pattern.priority:
        if channel in seen_priority:
            add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}: channel {channel} is twice in "
                                  "the priority order."), channel=channel)
        seen_priority.add(channel)
        if channel not in channels:
            add(QT_TRANSLATE_NOOP("Errors", "Pattern {pattern}: the priority order names "
                                  "{channel}, which is not a channel."), channel=channel)
    return found


def validate(pattern: AllocationPattern, channels: Collection[str]) -> AllocationPattern:
    """Return *pattern* if it breaks no rule, else raise the first problem."""
    found = problems(pattern, channels)
    if found:
        raise found[0]
    return pattern


_CONDITION = re.compile(r"^\s*(<=|>=|==|=|<|>|≤|≥)\s*(-?\d+)\s*$")
_SHARE = re.compile(r"^\s*(-?\d+)\s*(%?)\s*$")


def parse_condition(text: str) -> Condition:
    """``<=10``, ``<5``, ``>=3``, ``>3``, ``=0`` or ``*`` (always)."""
    stripped = text.strip()
    if stripped in ("*", "all", "always"):
        return Condition("*")
    match = _CONDITION.match(stripped)
    if not match:
        raise PatternInvalid(
            QT_TRANSLATE_NOOP("Errors", "Condition {text!r} is not like <=10, <5, >=3, =0 or *."),
            text=text,
        )
    op = {"==": "=", "≤": "<=", "≥": ">="}.get(match.group(1), match.group(1))
    number = match.group(2)
    if number.startswith("-"):
        return Condition(op, -count_from_digits(number[1:], stripped))
    return Condition(op, count_from_digits(number, stripped))


def parse_share(text: str) -> Share:
    """``50%``, a fixed count ``3``, ``same`` (同数) or ``0``."""
    stripped = text.strip().lower()
    if stripped in ("same", "同数", "="):
        return Share(ShareKind.SAME)
    match = _SHARE.match(stripped)
    if not match:
        raise PatternInvalid(
            QT_TRANSLATE_NOOP("Errors", "Share {text!r} is not N%, a count, same or 0."),
            text=text,
        )
    number = match.group(1)
    if number.startswith("-"):
        raise PatternInvalid(
            QT_TRANSLATE_NOOP("Errors", "Share {text!r} cannot be negative."), text=text
        )
    value = count_from_digits(number, text.strip())
    if value == 0:
        return Share(ShareKind.ZERO)
    return Share(ShareKind.PERCENT if match.group(2) else ShareKind.FIXED, value)


def parse_tier(text: str) -> Tier:
    """Parse ``<=10:A=50%,B=30%,C=20%`` (condition, colon, channel=share list)."""
    condition_text, sep, shares_text = text.partition(":")
    if not sep or not shares_text.strip():
        raise PatternInvalid(
            QT_TRANSLATE_NOOP("Errors", "Tier {text!r} is not like \"<=10:A=50%,B=30%,C=20%\"."),
            text=text,
        )
    shares: list[tuple[str, Share]] = []
    for part in shares_text.split(","):
        channel, eq, share_text = part.partition("=")
        if not eq or not channel.strip():
            raise PatternInvalid(
                QT_TRANSLATE_NOOP("Errors", "In tier {text!r}, {part!r} is not CHANNEL=SHARE."),
                text=text, part=part,
            )
        shares.append((channel.strip(), parse_share(share_text)))
    return Tier(parse_condition(condition_text), tuple(shares))
