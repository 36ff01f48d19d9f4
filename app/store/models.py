"""peewee models of the current schema (the migrations build it; see migrations.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import peewee as pw

from .database import db


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class JSONField(pw.TextField):
    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    # peewee adds this primary key itself; declared so that type checkers know it.
    id = pw.AutoField()

    class Meta:
        database = db
        legacy_table_names = False


class SchemaVersion(BaseModel):
    version = pw.IntegerField()
    applied_at = pw.DateTimeField(default=utcnow)


class AllocationPatternRow(BaseModel):
    name = pw.TextField(unique=True)
    tiers = JSONField(default=list)  # ["<=10:A=50%,B=30%,C=20%", …] in order
    priority = JSONField(default=list)
    hold_back = pw.BooleanField(default=False)

    class Meta:
        table_name = "allocation_pattern"


class ItemRow(BaseModel):
    code = pw.TextField(unique=True)
    name = pw.TextField(default="")
    kind = pw.TextField(default="single")
    jan = pw.TextField(null=True, index=True)
    variant = JSONField(default=dict)
    unlimited = pw.BooleanField(default=False)
    reserved = pw.IntegerField(default=0)
    backorder_allowance = pw.IntegerField(default=0)
    reorder_point = pw.IntegerField(null=True)
    pattern = pw.ForeignKeyField(AllocationPatternRow, null=True, on_delete="SET NULL")
    on_hand = pw.IntegerField(default=0)  # cache: always the sum of this item's movements
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "item"


class SetComponentRow(BaseModel):
    set_item = pw.ForeignKeyField(ItemRow, backref="components", on_delete="CASCADE")
    component = pw.ForeignKeyField(ItemRow, backref="used_in")
    quantity = pw.IntegerField()
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "set_component"
        indexes = ((("set_item", "component"), True),)


class MovementRow(BaseModel):
    """One ledger row. Never updated or deleted: undo appends the reverse."""

    item = pw.ForeignKeyField(ItemRow, backref="movements")
    delta = pw.IntegerField()
    reason = pw.TextField()
    reference = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow, index=True)
    user = pw.TextField(default="")
    undoes = pw.ForeignKeyField("self", null=True, backref="undone_by")
    undoes_id: int | None  # peewee's accessor for the column, declared for type checkers
    batch = pw.TextField(null=True, index=True)

    class Meta:
        table_name = "movement"


class ChannelRow(BaseModel):
    name = pw.TextField(unique=True)
    type = pw.TextField(default="manual")
    maximum = pw.IntegerField(null=True)
    unlimited_qty = pw.IntegerField(default=9999)
    enabled = pw.BooleanField(default=True)
    settings = JSONField(default=dict)  # url and other non-secret settings; secrets: keyring
    connected_at = pw.DateTimeField(default=utcnow)
    position = pw.IntegerField(default=0)

    class Meta:
        table_name = "channel"


class DisplayOffsetRow(BaseModel):
    item = pw.ForeignKeyField(ItemRow, backref="offsets", on_delete="CASCADE")
    channel = pw.ForeignKeyField(ChannelRow, null=True, on_delete="CASCADE")
    kind = pw.TextField()
    amount = pw.IntegerField()

    class Meta:
        table_name = "display_offset"


class CodeMapRow(BaseModel):
    """A channel whose codes differ from ours: its item id → our item."""

    channel = pw.ForeignKeyField(ChannelRow, on_delete="CASCADE")
    channel_item_id = pw.TextField()
    item = pw.ForeignKeyField(ItemRow, on_delete="CASCADE")
    item_id: int  # peewee's accessor for the column, declared for type checkers

    class Meta:
        table_name = "code_map"
        indexes = ((("channel", "channel_item_id"), True),)


class AppliedLineRow(BaseModel):
    """How much of one order line has been applied (the idempotency record)."""

    channel = pw.ForeignKeyField(ChannelRow)
    order_id = pw.TextField()
    line_id = pw.TextField()
    item = pw.ForeignKeyField(ItemRow)
    quantity = pw.IntegerField()
    units = JSONField(null=True)  # singles one unit used when first applied (set recipes)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "applied_line"
        indexes = ((("channel", "order_id", "line_id"), True),)


class UnmatchedLineRow(BaseModel):
    """An order line Rendo could not map to an item yet; applied once the user maps it."""

    channel = pw.ForeignKeyField(ChannelRow)
    order_id = pw.TextField()
    line_id = pw.TextField()
    channel_item_id = pw.TextField()
    quantity = pw.IntegerField()
    cancelled = pw.BooleanField(default=False)
    placed_at = pw.DateTimeField(null=True)
    seen_at = pw.DateTimeField(default=utcnow)
    # why Rendo refused the line (its quantity); empty for a line that waits for a code map
    problem = pw.TextField(default="")

    class Meta:
        table_name = "unmatched_line"
        indexes = ((("channel", "order_id", "line_id"), True),)


class ChannelSyncRow(BaseModel):
    """Where the sync of one channel stands: cursor, first-connection choice, status."""

    channel = pw.ForeignKeyField(ChannelRow, unique=True, backref="sync", on_delete="CASCADE")
    first_mode = pw.TextField(null=True)  # None: waiting for the user; "push" or "pull"
    first_done = pw.BooleanField(default=False)
    cursor = pw.TextField(null=True)
    interval_s = pw.IntegerField(default=30)
    last_sync_at = pw.DateTimeField(null=True)
    last_ok_at = pw.DateTimeField(null=True)
    next_sync_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(default="")
    error_kind = pw.TextField(default="")  # app.channels.base.ErrorKind of last_error
    failures = pw.IntegerField(default=0)  # cycles failed in a row
    last_drift_check_at = pw.DateTimeField(null=True)
    orders_applied = pw.IntegerField(default=0)
    uploads = pw.IntegerField(default=0)
    calls = pw.IntegerField(default=0)

    class Meta:
        table_name = "channel_sync"


class ListingRow(BaseModel):
    """An item on one channel (出品) and the quantity Rendo believes the channel shows."""

    channel = pw.ForeignKeyField(ChannelRow, backref="listings", on_delete="CASCADE")
    item = pw.ForeignKeyField(ItemRow, backref="listings", on_delete="CASCADE")
    channel_item_id = pw.TextField()
    believed_qty = pw.IntegerField(null=True)  # None: never confirmed by the channel
    # numbers sent whose answer never came (a crash, a dropped line): the channel may show one
    pending = JSONField(default=list)
    confirmed_at = pw.DateTimeField(null=True)
    failures = pw.IntegerField(default=0)  # uploads refused in a row
    suspended = pw.BooleanField(default=False)
    last_error = pw.TextField(default="")
    drift_qty = pw.IntegerField(null=True)  # the channel shows this, changed by hand
    drift_seen_at = pw.DateTimeField(null=True)
    submitted_at = pw.DateTimeField(null=True)  # a number accepted for later (pending holds it)
    missing_at = pw.DateTimeField(null=True)  # the channel's read-back did not have it

    class Meta:
        table_name = "listing"
        indexes = ((("channel", "channel_item_id"), True),)


class SyncLeaseRow(BaseModel):
    """Which process (on which PC) syncs one channel, until when (app/sync/lease.py)."""

    channel = pw.ForeignKeyField(ChannelRow, unique=True, on_delete="CASCADE")
    holder = pw.TextField(default="")  # "PC/process id/token" of one taking; "": nobody
    pc = pw.TextField(default="")  # the holder's PC name, shown in the sync panel
    expires_at = pw.DateTimeField()  # by the database's clock on PostgreSQL
    taken_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "sync_lease"


class ChangeRow(BaseModel):
    """One committed change of an item's stock inputs (code None: of everything), in the
    order of commit; read by every process to keep its computed stock current
    (app/store/feed.py)."""

    code = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "change_feed"


ALL_MODELS: list[type[BaseModel]] = [
    SchemaVersion,
    AllocationPatternRow,
    ItemRow,
    SetComponentRow,
    MovementRow,
    ChannelRow,
    DisplayOffsetRow,
    CodeMapRow,
    AppliedLineRow,
    UnmatchedLineRow,
    ChannelSyncRow,
    ListingRow,
    ChangeRow,
    SyncLeaseRow,
]
