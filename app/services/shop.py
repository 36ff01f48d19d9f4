"""The use cases the window, the command line and the sync engine share.

``Shop`` writes to the database in one transaction per use case (items, sets, adjustments and
undo, channels, allocation patterns, display offsets). What it holds between them (the lock,
the stock book computed in memory and the change feed that keeps it true) is its base class,
``StockCache`` (stock_cache.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from app.channels.base import STOPPING_KINDS
from app.domain import allocation
from app.domain.allocation import AllocationPattern, parse_tier
from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, UnknownItem
from app.domain.items import (
    MAX_COUNT,
    MAX_ID,
    ItemKind,
    check_bound,
    check_count,
    clean_code,
    clean_name,
    count_from_digits,
    normalise_code,
)
from app.domain.offsets import DisplayOffset, check_offset, normalise_signs
from app.domain.sets import (
    check_backorders_on_single,
    check_components,
    check_may_become_set,
    check_no_loop,
    check_units,
)
from app.store.database import is_sqlite
from app.store.locks import lock_item_rows, lock_movement
from app.store.models import (
    AllocationPatternRow,
    AppliedLineRow,
    ChannelRow,
    ChannelSyncRow,
    DisplayOffsetRow,
    ItemRow,
    MovementRow,
    SetComponentRow,
    UnmatchedLineRow,
    utcnow,
)
from app.store.rows import tuples

from .channel_checks import check_credentials, check_numbers, check_settings, check_type
from .loading import channel_specs, pattern_from_row
from .secrets import forget_secret, load_credentials, store_credentials
from .stock_cache import StockCache, locked

MANUAL_REASONS = ("manual", "stocktake", "receive", "damage", "return")


@dataclass(frozen=True, slots=True)
class MovementView:
    id: int
    code: str
    delta: int
    reason: str
    reference: str
    created_at: datetime
    user: str
    undoes: int | None
    undone_by: int | None


def find_item(code: str) -> ItemRow | None:
    """The item with *code* as given, else as Rendo normalises codes (NFKC, no blanks around):
    ``００１２３`` finds ``00123``, and a full-width code an older Rendo kept is still found
    when typed as it was kept."""
    row: ItemRow | None = ItemRow.get_or_none(ItemRow.code == code)
    if row is None:
        normalised = normalise_code(code)
        if normalised != code:
            row = ItemRow.get_or_none(ItemRow.code == normalised)
    return row


def kept_code(code: str) -> str:
    """*code* as the shop keeps it (``００１２３`` is ``00123``); as normalised when unknown."""
    row = find_item(code)
    return str(row.code) if row is not None else normalise_code(code)


def item_row(code: str) -> ItemRow:
    row = find_item(code)
    if row is None:
        raise UnknownItem(
            QT_TRANSLATE_NOOP("Errors", "There is no item with code {code}."), code=code
        )
    return row


def locked_item_row(code: str) -> ItemRow:
    """``item_row``, its row locked until commit and read again after the lock: what is
    written from its on hand is computed from the number no other PC changes meanwhile."""
    row = item_row(code)
    if is_sqlite():  # the transaction holds the file's write lock already
        return row
    lock_item_rows([row.id])
    return ItemRow.get_by_id(row.id)


def channel_row(name: str) -> ChannelRow:
    row = ChannelRow.get_or_none(ChannelRow.name == name)
    if row is None:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "There is no channel called {name}."), name=name
        )
    return row


_ADJUST = re.compile(r"^\s*([+\-=])\s*(\d+)\s*$")


def parse_adjustment(text: str, where: str = "") -> tuple[str, int]:
    """``+N`` (add), ``-N`` (take away) or ``=N`` (count is N); N at most MAX_COUNT.

    *where* (the item code) names the item in the message for a number too large."""
    match = _ADJUST.match(normalise_signs(text))
    if not match:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "Adjustment {text!r} is not +N, -N or =N."), text=text
        )
    return match.group(1), count_from_digits(match.group(2), where or text.strip())


def restart_stopped(channel: ChannelRow) -> None:
    """New credentials: a channel stopped for refused or expired ones is due again at once;
    its cursor stays, so no order is read twice or missed."""
    ChannelSyncRow.update(failures=0, error_kind="", last_error="", next_sync_at=None).where(
        ChannelSyncRow.channel == channel,
        ChannelSyncRow.error_kind.in_([kind.value for kind in STOPPING_KINDS])).execute()


class Shop(StockCache):
    """The use cases; the lock, the computed stock and the change feed are ``StockCache``'s."""

    # -- items --------------------------------------------------------------------------------
    @locked
    def add_item(
        self,
        code: str,
        name: str = "",
        jan: str | None = None,
        unlimited: bool = False,
        variant: dict[str, str] | None = None,
    ) -> str:
        given = code.strip()
        code = clean_code(code)
        name = clean_name(name)
        with self.ledger_transaction():
            if find_item(given) is not None:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "An item with code {code} already exists."),
                    code=code,
                )
            ItemRow.create(
                code=code, name=name, jan=(jan or "").strip() or None,
                unlimited=unlimited, variant=variant or {},
            )
            self.note_changed([code])
        return code

    @locked
    def set_item_field(
        self, codes: Sequence[str], field: str, value: int | str | bool | None
    ) -> list[str]:
        """Set reserved, backorder_allowance, reorder_point, unlimited, name or jan."""
        labels = {
            "reserved": QT_TRANSLATE_NOOP(
                "Errors", "{code}: reserved cannot be negative (got {value})."),
            "backorder_allowance": QT_TRANSLATE_NOOP(
                "Errors", "{code}: the backorder allowance cannot be negative (got {value})."),
            "reorder_point": QT_TRANSLATE_NOOP(
                "Errors", "{code}: the reorder point cannot be negative (got {value})."),
        }
        if field not in (*labels, "unlimited", "name", "jan"):
            raise ValueError(field)
        if field == "name":
            value = clean_name(str(value or ""))
        with self.ledger_transaction():
            for code in codes:
                row = item_row(code)
                if field in labels and value is not None:
                    check_count(int(value), labels[field], code)
                if field == "backorder_allowance":
                    check_backorders_on_single(code, row.kind == ItemKind.SET.value)
                setattr(row, field, value)
                row.save()
            self.note_changed(codes)
        return self._changed_by_last_write(codes)

    @locked
    def define_set(self, set_code: str, components: Sequence[tuple[str, int]]) -> None:
        """Make *set_code* a set of *components* (created if it does not exist)."""
        given = set_code.strip()
        set_code = clean_code(set_code)
        parts = check_components(set_code, [(clean_code(c), q) for c, q in components])
        with self.ledger_transaction():
            row = find_item(given)
            if row is not None:
                set_code = row.code  # as kept (an older Rendo may have kept it full-width)
            if row is None:
                row = ItemRow.create(code=set_code, name=set_code, kind=ItemKind.SET.value)
            elif row.kind == ItemKind.SINGLE.value:
                check_may_become_set(set_code, row.on_hand, MovementRow.select().where(
                    MovementRow.item == row).exists())
            # each component as kept (an older Rendo may have kept a code full-width)
            found = [item_row(typed.strip()) for typed, _ in components]
            component_rows = {r.code: r for r in found}
            parts = tuple((r.code, quantity) for r, (_, quantity) in zip(found, parts, strict=True))
            compositions = self._stored_compositions()
            check_no_loop(set_code, parts, compositions)
            check_units(set_code, parts, compositions)
            SetComponentRow.delete().where(SetComponentRow.set_item == row).execute()
            for position, (code, quantity) in enumerate(parts):
                SetComponentRow.create(
                    set_item=row, component=component_rows[code], quantity=quantity,
                    position=position,
                )
            row.kind = ItemKind.SET.value
            row.save()
            self.note_changed([set_code])

    def adjust(self, code: str, change: str, reason: str = "manual", note: str = "") -> int | None:
        """Apply the text ``+N``, ``-N`` or ``=N`` (the command line's) to a single's on hand;
        returns the movement id."""
        op, amount = parse_adjustment(change, code)
        delta_or_count = -amount if op == "-" else amount
        return self._adjust(code, op, delta_or_count, reason, note, change)

    def set_on_hand(self, code: str, count: int, reason: str = "manual",
                    note: str = "") -> int | None:
        """A single's on hand is *count* (a stocktake, a count typed in the grid); returns the
        movement id, None when it already was."""
        check_bound(count, code)
        return self._adjust(code, "=", count, reason, note, f"={count}")

    def adjust_by(self, code: str, delta: int, reason: str = "manual",
                  note: str = "") -> int | None:
        """Add *delta* (negative: take away) to a single's on hand; returns the movement id."""
        check_bound(delta, code)
        return self._adjust(code, "+", delta, reason, note, f"{delta:+d}")

    @locked
    def _adjust(self, code: str, op: str, amount: int, reason: str, note: str,
                shown: str) -> int | None:
        """*op* ``=``: on hand becomes *amount*; else *amount* is added. *shown* is the change
        as the user wrote it, for the messages.

        The on hand it leads to stays within 0 … MAX_COUNT (checked before writing)."""
        if reason not in MANUAL_REASONS:
            note, reason = (f"{reason} {note}".strip(), "manual")
        with self.ledger_transaction():
            row = locked_item_row(code)  # "=N" computed from the number it replaces
            if row.kind == ItemKind.SET.value:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "{code} is a set: it has no shelf stock of its "
                                      "own. Adjust its components instead."), code=code)
            delta = amount - row.on_hand if op == "=" else amount
            if row.on_hand + delta < 0:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "{code}: on hand {on_hand} {change} would go "
                                      "below 0."), code=code, on_hand=row.on_hand, change=shown)
            if row.on_hand + delta > MAX_COUNT:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "{code}: on hand {on_hand} {change} would go "
                                      "above {max}."),
                    code=code, on_hand=row.on_hand, change=shown.strip(), max=MAX_COUNT)
            if delta == 0:
                return None
            movement = self.record_movement(row, delta, reason, note)
        return int(movement.id)

    @locked
    def undo(self, movement_id: int) -> int:
        """Append the reverse of movement *movement_id*; returns the new movement's id."""
        with self.ledger_transaction():
            original = (MovementRow.get_or_none(MovementRow.id == movement_id)
                        if 0 < movement_id <= MAX_ID else None)
            if original is None:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "There is no movement {id}."), id=movement_id
                )
            lock_movement(original.id)  # two PCs undoing it at once: one undo, then "already"
            if original.reason in ("order", "cancel"):
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "Movement {id} comes from an order; cancel or "
                                      "change the order on its channel instead."), id=movement_id)
            if MovementRow.select().where(MovementRow.undoes == original.id).exists():
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "Movement {id} has already been undone."),
                    id=movement_id,
                )
            lock_item_rows([original.item.id])
            row = ItemRow.get_by_id(original.item.id)
            if row.on_hand - original.delta < 0:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "Undoing movement {id} would take {code} below "
                                      "0 (on hand {on_hand})."),
                    id=movement_id, code=row.code, on_hand=row.on_hand)
            if row.on_hand - original.delta > MAX_COUNT:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "Undoing movement {id} would take {code} above "
                                      "{max} (on hand {on_hand})."),
                    id=movement_id, code=row.code, on_hand=row.on_hand, max=MAX_COUNT)
            movement = self.record_movement(
                row, -original.delta, "undo", f"#{original.id}", undoes=original.id
            )
        return int(movement.id)

    def history(self, code: str, limit: int | None = None) -> list[MovementView]:
        row = item_row(code)
        undone = {
            m.undoes_id: m.id
            for m in MovementRow.select(MovementRow.id, MovementRow.undoes).where(
                MovementRow.item == row, MovementRow.undoes.is_null(False)
            )
        }
        query = MovementRow.select().where(MovementRow.item == row).order_by(
            MovementRow.id.desc()
        )
        if limit:
            query = query.limit(limit)
        return [
            MovementView(m.id, row.code, m.delta, m.reason, m.reference, m.created_at, m.user,
                         m.undoes_id, undone.get(m.id))
            for m in query
        ]

    def set_reserved(self, code: str, amount: int) -> list[str]:
        return self.set_item_field([code], "reserved", amount)

    def set_backorder(self, code: str, amount: int) -> list[str]:
        return self.set_item_field([code], "backorder_allowance", amount)

    def set_reorder_point(self, code: str, amount: int | None) -> list[str]:
        return self.set_item_field([code], "reorder_point", amount)

    # -- channels ---------------------------------------------------------------------------
    @locked
    def add_channel(
        self, name: str, type_: str = "manual", maximum: int | None = None,
        unlimited_qty: int = 9999, settings: dict[str, object] | None = None,
        token: str | None = None, credentials: dict[str, str] | None = None,
    ) -> None:
        """Add a channel; its credentials (*credentials*, or a one-part *token*) go to the OS
        keyring, never to the database."""
        name = clean_name(name, "channel")
        if not name or "=" in name or "," in name or ":" in name:
            raise BadInput(
                QT_TRANSLATE_NOOP("Errors", "Channel name {name!r} must not be empty or "
                                  "contain = , or :."), name=name)
        record = check_type(type_)
        check_numbers(record, name, maximum, unlimited_qty)
        settings = check_settings(record, name, settings or {})
        parts = {**({"token": token} if token else {}), **(credentials or {})}
        # none yet (entered later in the window) or all those the type needs
        parts = check_credentials(record, name, parts, complete=True) if parts else {}
        stored = False
        try:
            with self.ledger_transaction():
                if ChannelRow.get_or_none(ChannelRow.name == name) is not None:
                    raise BadInput(
                        QT_TRANSLATE_NOOP("Errors", "A channel called {name} already exists."),
                        name=name,
                    )
                position = ChannelRow.select().count()
                ChannelRow.create(
                    name=name, type=type_, maximum=maximum, unlimited_qty=unlimited_qty,
                    settings=settings, position=position, connected_at=utcnow(),
                )
                if parts:  # inside the transaction: no keyring, no channel
                    store_credentials(name, parts)
                    stored = True
                self.note_changed(everything=True)
        except BaseException:
            if stored:  # the secret was kept but the channel's row was not
                forget_secret(name)
            raise

    @locked
    def update_channel(
        self, name: str, *, enabled: bool | None = None,
        maximum: int | None | Literal["keep"] = "keep", unlimited_qty: int | None = None,
        url: str | None = None, token: str | None = None,
        credentials: dict[str, str] | None = None, options: dict[str, str] | None = None,
    ) -> None:
        """Change a channel's settings; new credential parts replace the saved ones (the
        parts not given stay). *url* None keeps the address, "" removes it (the channel's
        own hosts again)."""
        record = check_type(channel_row(name).type)
        check_numbers(record, name, None if isinstance(maximum, str) else maximum,
                      unlimited_qty)
        with self.ledger_transaction():
            row = channel_row(name)
            if enabled is not None:
                row.enabled = enabled
            if not isinstance(maximum, str):  # not "keep"
                row.maximum = maximum
            if unlimited_qty is not None:
                row.unlimited_qty = unlimited_qty
            if url is not None or options is not None:
                settings = dict(row.settings or {})
                if options is not None:
                    settings = {k: v for k, v in settings.items() if k == "url"} | options
                if url:
                    settings["url"] = url
                elif url == "":
                    settings.pop("url", None)
                row.settings = check_settings(record, name, settings)
            row.save()
            parts = {**({"token": token} if token else {}), **(credentials or {})}
            if parts:  # inside the transaction: no keyring, no change
                parts = check_credentials(record, name, parts, complete=False)
                # never lose a saved part, tokens the channel renewed included (they are not
                # the type's declared parts: BASE's access token)
                merged = {**(load_credentials(name, strict=True) or {}), **parts}
                check_credentials(record, name, {k: merged.get(k, "") for k in
                                                 (f.key for f in record.credentials)})
                store_credentials(name, merged)
                restart_stopped(row)
            self.note_changed(everything=True)

    @locked
    def set_credentials(self, name: str, credentials: dict[str, str] | str) -> None:
        """Replace the credentials of channel *name* in the keyring; a channel stopped for
        refused or expired credentials starts again (its cursor kept)."""
        row = channel_row(name)
        record = check_type(row.type)
        parts = {"token": credentials} if isinstance(credentials, str) else credentials
        if not any(value.strip() for value in parts.values()):
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "No credentials for channel {name} were "
                                             "given on standard input."), name=name)
        parts = check_credentials(record, name, parts, complete=True)
        with self.ledger_transaction():
            store_credentials(name, parts)
            restart_stopped(row)

    @locked
    def remove_channel(self, name: str) -> None:
        """Remove channel *name* with its listings, sync state, code maps, offsets, order
        lines and keyring entry. The ledger's movements stay: they are the shop's history.

        Refused while an allocation pattern names the channel (the pattern would break).
        """
        with self.ledger_transaction():
            row = channel_row(name)
            for pattern in AllocationPatternRow.select():
                shares = [channel for tier in pattern.tiers or []
                          for channel, _share in parse_tier(tier).shares]
                if name in shares or name in (pattern.priority or []):
                    raise BadInput(QT_TRANSLATE_NOOP(
                        "Errors", "Channel {name} is used by the allocation pattern {pattern}; "
                        "change or delete the pattern first."), name=name, pattern=pattern.name)
            # Order lines refer to the channel without cascading: they only serve to apply
            # the channel's orders once, which can no longer come.
            AppliedLineRow.delete().where(AppliedLineRow.channel == row).execute()
            UnmatchedLineRow.delete().where(UnmatchedLineRow.channel == row).execute()
            row.delete_instance()  # listings, sync state, code maps, offsets: ON DELETE CASCADE
            self.note_changed(everything=True)
        forget_secret(name)

    def channel_names(self) -> list[str]:
        return [spec.name for spec in channel_specs()]

    # -- allocation patterns ------------------------------------------------------------------
    @locked
    def save_pattern(
        self, name: str, tiers: Sequence[str], priority: Sequence[str] = (),
        hold_back: bool = False, replace: bool = False,
    ) -> AllocationPattern:
        """Create (or with *replace*, overwrite) a pattern after checking every rule."""
        pattern = AllocationPattern(
            name.strip(), tuple(parse_tier(t) for t in tiers),
            tuple(p.strip() for p in priority if p.strip()), hold_back,
        )
        allocation.validate(pattern, self.channel_names())
        with self.ledger_transaction():
            row = AllocationPatternRow.get_or_none(AllocationPatternRow.name == pattern.name)
            if row is not None and not replace:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "An allocation pattern called {name} already "
                                      "exists."), name=pattern.name)
            row = row or AllocationPatternRow(name=pattern.name)
            row.tiers = [str(t) for t in pattern.tiers]
            row.priority = list(pattern.priority)
            row.hold_back = hold_back
            row.save()
            self.note_changed(code for (code,) in tuples(ItemRow.select(ItemRow.code).where(
                ItemRow.pattern == row)))
        return pattern

    @locked
    def delete_pattern(self, name: str) -> list[str]:
        """Remove a pattern; the items that used it show sellable everywhere (全店同数)."""
        with self.ledger_transaction():
            row = AllocationPatternRow.get_or_none(AllocationPatternRow.name == name)
            if row is None:
                raise BadInput(QT_TRANSLATE_NOOP("Errors", "There is no allocation pattern "
                                                 "called {name}."), name=name)
            users = [r.code for r in ItemRow.select(ItemRow.code).where(ItemRow.pattern == row)]
            ItemRow.update(pattern=None).where(ItemRow.pattern == row).execute()
            row.delete_instance()
            self.note_changed(users)
        return self._changed_by_last_write(users)

    def patterns(self) -> list[AllocationPattern]:
        return [pattern_from_row(r) for r in AllocationPatternRow.select().order_by(
            AllocationPatternRow.name)]

    @locked
    def assign_pattern(self, name: str | None, codes: Sequence[str]) -> list[str]:
        """Give *codes* the pattern *name* (None: no pattern, 全店同数)."""
        pattern_row = None
        if name is not None:
            pattern_row = AllocationPatternRow.get_or_none(AllocationPatternRow.name == name)
            if pattern_row is None:
                raise BadInput(
                    QT_TRANSLATE_NOOP("Errors", "There is no allocation pattern called "
                                      "{name}."), name=name)
        with self.ledger_transaction():
            rows = [item_row(code) for code in codes]
            ItemRow.update(pattern=pattern_row).where(
                ItemRow.id.in_([r.id for r in rows])
            ).execute()
            self.note_changed(codes)
        return self._changed_by_last_write(codes)

    # -- display offsets -----------------------------------------------------------------------
    @locked
    def set_offset(
        self, codes: Sequence[str], offset: DisplayOffset | None, channel: str | None = None
    ) -> list[str]:
        """Set (or with None, remove) the display offset of *codes*, for one channel or all."""
        for code in codes:
            check_offset(offset, code)
        with self.ledger_transaction():
            channel_record = channel_row(channel) if channel else None
            for code in codes:
                row = item_row(code)
                DisplayOffsetRow.delete().where(
                    DisplayOffsetRow.item == row,
                    DisplayOffsetRow.channel.is_null() if channel_record is None
                    else DisplayOffsetRow.channel == channel_record,
                ).execute()
                if offset is not None:
                    DisplayOffsetRow.create(
                        item=row, channel=channel_record, kind=offset.kind.value,
                        amount=offset.amount,
                    )
            self.note_changed(codes)
        return self._changed_by_last_write(codes)
