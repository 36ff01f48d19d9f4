"""Query results in their real shapes.

peewee's own type stubs say that ``query.tuples()`` and ``query.dicts()`` return the query
itself (rows of the model); these helpers give type checkers the tuples and dicts they yield.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import peewee as pw


def tuples(query: pw.BaseQuery, *, stream: bool = False) -> Iterator[tuple[Any, ...]]:
    """The query's rows as tuples of the selected columns, in order; *stream*: without
    keeping them in the query (``.iterator()``, for large results read once)."""
    rows = query.tuples()
    return iter(rows.iterator() if stream else rows)


def dicts(query: pw.BaseQuery, *, stream: bool = False) -> Iterator[dict[str, Any]]:
    """The query's rows as dicts keyed by the selected columns' names (*stream*: see tuples)."""
    rows = query.dicts()
    return iter(rows.iterator() if stream else rows)
