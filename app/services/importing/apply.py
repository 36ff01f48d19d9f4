"""Steps 2 and 3: preview (nothing written) and apply (all or nothing)."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from app.domain.errors import QT_TRANSLATE_N_NOOP
from app.files.common import (
    CancelCheck,
    OperationCancelled,
    Problem,
    Progress,
    never_cancelled,
    no_progress,
)
from app.store.locks import lock_all_items

from ..shop import Shop
from ..stock_cache import run_again_on_conflict
from .base import _Checked, _Kind, _Rows
from .options import ImportOptions, ImportPlan, ImportRefused, ImportResult, ImportSource
from .reading import _KIND_CLASSES, read_import


def _check(shop: Shop, source: ImportSource, cancelled: CancelCheck) -> tuple[
        _Kind | None, _Checked, list[Problem], list[Problem]]:
    """Check the records against the database: (kind, checked, problems, warnings)."""
    if cancelled():
        raise OperationCancelled
    problems, warnings = list(source.problems), list(source.warnings)
    if source.mapping is None:
        return None, _Checked(), problems, warnings
    kind = _KIND_CLASSES[source.options.kind](_Rows(source, problems, warnings))
    checked = kind.check(source.records, shop)
    problems.sort(key=lambda p: p.row or 0)
    warnings.sort(key=lambda p: p.row or 0)
    return kind, checked, problems, warnings


def preview(shop: Shop, source: ImportSource, progress: Progress = no_progress,
            cancelled: CancelCheck = never_cancelled) -> ImportPlan:
    """Check every row against the database; nothing is written. (A second or so for
    100,000 rows: progress is reported before and after, cancel is checked before.)"""
    progress(0, len(source.records))
    _, checked, problems, warnings = _check(shop, source, cancelled)
    progress(len(source.records), len(source.records))
    return ImportPlan(source, checked.changes, problems, warnings, checked.created)


def refused(source: ImportSource, problems: list[Problem]) -> ImportRefused:
    return ImportRefused(QT_TRANSLATE_N_NOOP(
        "Errors", "{file}: %n problems; nothing was imported."), problems,
        file=source.name)


def new_batch_id() -> str:
    return f"import-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def apply_import(shop: Shop, source: ImportSource, progress: Progress = no_progress,
                 cancelled: CancelCheck = never_cancelled) -> ImportResult:
    """Check and write in one transaction: everything, or nothing (``ImportRefused`` when a
    row is refused, ``OperationCancelled`` when the user cancels)."""
    return run_again_on_conflict(shop, lambda: _apply_import(shop, source, progress, cancelled))


def _apply_import(shop: Shop, source: ImportSource, progress: Progress,
                  cancelled: CancelCheck) -> ImportResult:
    batch = new_batch_id()
    with shop.ledger_transaction():
        lock_all_items()  # the rows are checked against numbers no other PC changes meanwhile
        kind, checked, problems, warnings = _check(shop, source, cancelled)
        if problems or kind is None:
            raise refused(source, problems)
        touched, movements = kind.write(checked, shop, batch, progress, cancelled)
        if cancelled():
            raise OperationCancelled
        # on commit every process's computed stock (this one's too) takes these in
        shop.note_changed(touched)
    return ImportResult(source, checked.changes, [], warnings, checked.created,
                        batch=batch if movements else None, movements=movements,
                        touched=sorted(touched))


def import_file(shop: Shop, path: Path | str, options: ImportOptions | None = None,
                dry_run: bool = False, progress: Progress = no_progress,
                cancelled: CancelCheck = never_cancelled) -> ImportPlan:
    """Read and preview (*dry_run*) or read and apply *path*. Raises ``ImportRefused``
    listing every problem when any row is refused (also in a dry run)."""
    source = read_import(path, options, progress, cancelled)
    if dry_run:
        plan = preview(shop, source, cancelled=cancelled)
        if plan.problems:
            raise refused(source, plan.problems)
        return plan
    if source.problems:  # list the database's problems too, not only the file's
        raise refused(source, preview(shop, source, cancelled=cancelled).problems)
    return apply_import(shop, source, progress, cancelled)
