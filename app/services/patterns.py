"""The allocation-pattern editor's save as one use case: every pattern saved or renamed, every
pattern deleted and one assignment, in one transaction (all or nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.allocation import AllocationPattern
from app.store.models import AllocationPatternRow, ItemRow
from app.store.rows import tuples

from .shop import Shop


@dataclass(frozen=True, slots=True)
class PatternSave:
    """A pattern to save over any of that name; *original* is the name it had when it was
    renamed (None or the same name: not renamed)."""

    pattern: AllocationPattern
    original: str | None = None

    @property
    def renamed(self) -> bool:
        return bool(self.original) and self.original != self.pattern.name


@dataclass(frozen=True, slots=True)
class PatternChanges:
    """What the editor changed. *assign*: (pattern name, or None for no pattern; item codes)."""

    saves: Sequence[PatternSave] = ()
    deleted: Sequence[str] = ()
    assign: tuple[str | None, Sequence[str]] | None = None


def _users(name: str) -> list[str]:
    return [code for (code,) in tuples(ItemRow.select(ItemRow.code).join(AllocationPatternRow)
                                       .where(AllocationPatternRow.name == name))]


def save_patterns(shop: Shop, changes: PatternChanges) -> None:
    """Delete, save (renamed ones first, their items following them) and assign, in one
    transaction: a refusal anywhere leaves every pattern and item as it was."""
    renamed = [s for s in changes.saves if s.renamed]
    others = [s for s in changes.saves if not s.renamed]
    with shop.lock, shop.ledger_transaction():
        for name in changes.deleted:
            shop.delete_pattern(name)
        for save in renamed + others:
            pattern = save.pattern
            shop.save_pattern(pattern.name, [str(t) for t in pattern.tiers],
                              list(pattern.priority), pattern.hold_back, replace=True)
            if save.renamed and save.original:
                shop.assign_pattern(pattern.name, _users(save.original))
                shop.delete_pattern(save.original)
        if changes.assign is not None:
            target, codes = changes.assign
            if codes:
                shop.assign_pattern(target, codes)


__all__ = ["PatternChanges", "PatternSave", "save_patterns"]
