"""Shopify's inventory export (Products → Inventory → Export, "All quantity types").

A row per variant and location, 19 columns: ``Handle, Title, Option1 Name, Option1 Value,
Option2 Name, Option2 Value, Option3 Name, Option3 Value, SKU, HS Code, COO, Location, Bin name,
Incoming (not editable), Unavailable (not editable), Committed (not editable), Available (not
editable), On hand (current), On hand (new)``. The count Rendo takes is On hand (current):
Shopify's "units physically at a location" (available + committed + unavailable) when the file
was exported, which is what Rendo's on hand is (Shopify's own import checks it against the
store and skips a row whose stock changed since). Available and Committed are what is left
after orders and are never read as stock; On hand (new) is the column a shop fills in to
upload, blank in an export. A cell "not stocked" (any case: the variant is not kept at that
location) is skipped. The "Only Available quantities" export has no On hand column and is
refused.

The same SKU comes once per location. With one location there is nothing to choose. With
several, the import is refused, listing them, until the user chooses one
(``--location NAME``) or their sum (``--location all``): Rendo cannot know whether the shop
floor's units are meant for the online shop, and a wrong guess sells stock that is not there
(a sum) or hides stock that is (one location).

UTF-8, comma-separated.

Sources: help.shopify.com/en/manual/products/inventory/inventory-csv (export for one or all
locations; quantity types "Only Available quantities" or "All quantity types" with Available,
Unavailable, Committed, On hand and Incoming; edit only On hand; "not stocked"); the 19
column names as public tools that read and write the current export spell them (and the
export shown at apify.com/h_murdock/shopify-inventory-preflight); the inventory states:
shopify.dev/docs/api/admin-graphql (InventoryLevel quantities: available, committed,
on_hand = available + committed + unavailable, incoming).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.domain.errors import QT_TRANSLATE_NOOP

from .base import FileFormat, Header, Note, Picked, Reader, Refuse, Row, Rows, Skip

ALL = "all"


class _Inventory(Reader):
    def __init__(self, header: Header) -> None:
        super().__init__(header, code=("SKU",), location=("Location",),
                         count=("On hand (current)", "On hand"), name=("Title",))
        if self.col("count") is None:
            self.problems.append(Refuse(header.find("Available (not editable)", "Available"),
                                        QT_TRANSLATE_NOOP(
                "Errors", "this Shopify export has no On hand column, only quantities that "
                "leave out the units already ordered; export again with \"All quantity "
                "types\".")))

    def prepare(self, rows: Rows) -> Rows:
        if self.problems:
            return []
        locations = list(dict.fromkeys(self.get(cells, "location") for _, cells in rows))
        chosen = self.choice
        if chosen is None:
            if len(locations) > 1:
                self.problems.append(Refuse(self.col("location"), QT_TRANSLATE_NOOP(
                    "Errors", "the file holds the stock of {count} locations ({locations}); "
                    "choose one with --location NAME, or --location all for their sum."),
                    {"count": len(locations), "locations": ", ".join(locations)}))
                return []
            self.notes.append(Note(QT_TRANSLATE_NOOP("Formats", "location: {location}"),
                                   {"location": locations[0] if locations else "-"}))
            return rows
        if chosen == ALL:
            self.notes.append(Note(QT_TRANSLATE_NOOP(
                "Formats", "location: the sum of {locations}"),
                {"locations": ", ".join(locations)}))
            return self._summed(rows)
        if chosen not in locations:
            self.problems.append(Refuse(self.col("location"), QT_TRANSLATE_NOOP(
                "Errors", "there is no location {location} in the file (locations: "
                "{locations})."), {"location": chosen, "locations": ", ".join(locations)}))
            return []
        self.notes.append(Note(QT_TRANSLATE_NOOP("Formats", "location: {location}"),
                               {"location": chosen}))
        return [(n, cells) for n, cells in rows if self.get(cells, "location") == chosen]

    def _summed(self, rows: Rows) -> Rows:
        """One row per SKU (at its first row) with the sum of its locations' On hand. A count
        that is not a number is kept in place of the sum, to be refused at that row."""
        count = self.col("count")
        assert count is not None
        first: dict[str, list[Any]] = {}
        out: list[tuple[int, list[Any]]] = []
        for number, cells in rows:
            code, value = self.get(cells, "code"), self.get(cells, "count")
            row = list(cells) + [""] * max(0, count + 1 - len(cells))
            kept = first.get(code) if code else None
            if kept is None:
                if code:
                    first[code] = row
                out.append((number, row))
            elif not _not_stocked(value):
                if _not_stocked(str(kept[count])):
                    kept[count] = value
                    continue
                try:
                    kept[count] = str(int(str(kept[count])) + int(value))
                except ValueError:
                    if not _is_whole(str(kept[count])):
                        continue
                    kept[count] = value
        return [(number, tuple(row)) for number, row in out]

    def pick(self, cells: Sequence[Any]) -> Row:
        value = self.get(cells, "count")
        if _not_stocked(value):
            return Skip(QT_TRANSLATE_NOOP("Formats", "variants not stocked at the location"))
        return Picked(self.get(cells, "code"), value, self.col("code"), self.col("count"),
                      self.get(cells, "name"))


def _is_whole(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _not_stocked(value: str) -> bool:
    return value.strip().lower() == "not stocked"


INVENTORY = FileFormat(
    "shopify-inventory", QT_TRANSLATE_NOOP("Formats", "Shopify inventory export"),
    (("Handle",), ("SKU",), ("Location",)), _Inventory,
    "help.shopify.com/en/manual/products/inventory/inventory-csv",
    "utf-8", ",",
    never=(
        ("Available (not editable)", QT_TRANSLATE_NOOP("Formats", "on hand less the units "
                                                        "ordered")),
        ("Committed (not editable)", QT_TRANSLATE_NOOP("Formats", "units ordered, not "
                                                        "shipped")),
        ("Incoming (not editable)", QT_TRANSLATE_NOOP("Formats", "units on their way")),
        ("On hand (new)", QT_TRANSLATE_NOOP("Formats", "the column for an upload"))),
    family="Shopify")

FORMATS = (INVENTORY,)
__all__ = ["ALL", "FORMATS", "INVENTORY"]
