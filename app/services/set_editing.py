"""The set editor's and the N-pack dialog's saves as use cases: a set's composition and its
name, or every pack of one item, in one transaction (all or nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from .shop import Shop


def save_set(shop: Shop, code: str, name: str, components: Sequence[tuple[str, int]]) -> None:
    """Make *code* a set of *components* and give it *name* (when given and different): a
    refusal of either leaves the item as it was."""
    with shop.lock, shop.ledger_transaction():
        shop.define_set(code, components)
        current = shop.book.items.get(code)
        if name and (current is None or current.name != name):
            shop.set_item_field([code], "name", name)


def create_packs(shop: Shop, item: str, packs: Sequence[tuple[int, str, str]]) -> None:
    """Create one set per (units, set code, name) of *item*: every pack or none."""
    with shop.lock, shop.ledger_transaction():
        for units, code, name in packs:
            shop.define_set(code, [(item, units)])
            shop.set_item_field([code], "name", name or code)


__all__ = ["create_packs", "save_set"]
