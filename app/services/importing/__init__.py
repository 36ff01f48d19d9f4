"""Importing CSV and Excel files: stock counts and master data, all or nothing.

Three steps, each callable on its own by the window's wizard (from a worker thread: every step
takes ``progress(done, total)`` and ``cancelled()``):

1. ``read_import(path, options)`` reads the file and finds its columns; no database.
2. ``preview(shop, source)`` checks every row against the database and lists each row's
   change (before → after) and every problem (file, row, column, reason). Nothing is written.
3. ``apply_import(shop, source)`` checks again inside one transaction (orders may have moved
   stock since the preview) and writes everything, or nothing when any row is refused or the
   user cancels.

``import_file`` runs 1 + 2 (dry run) or 1 + 3, for the command line. A stock import's
movements share one ``batch`` id; ``undo_import(shop, batch)`` appends their reverse.

The package's rooms: ``options`` (what an import is), ``reading`` (step 1), ``base`` (what the
kinds share), one module per kind of file (``stock``, ``items``, ``sets``, ``patterns``,
``offsets``, ``codemap``), ``apply`` (steps 2 and 3) and ``undo``. Callers import from here.
"""

from __future__ import annotations

from app.files.common import OperationCancelled

from .apply import apply_import, import_file, new_batch_id, preview, refused
from .options import (
    IMPORT_KINDS,
    MODES,
    REASON,
    UNDO_REASON,
    Change,
    ImportOptions,
    ImportPlan,
    ImportRefused,
    ImportResult,
    ImportSource,
)
from .reading import map_table, read_import, read_table
from .undo import ImportBatch, UndoResult, recent_imports, undo_import

__all__ = [
    "IMPORT_KINDS", "MODES", "REASON", "UNDO_REASON", "Change", "ImportBatch", "ImportOptions",
    "ImportPlan", "ImportRefused", "ImportResult", "ImportSource", "OperationCancelled",
    "UndoResult", "apply_import", "import_file", "map_table", "new_batch_id", "preview",
    "read_import", "read_table", "recent_imports", "refused", "undo_import",
]
