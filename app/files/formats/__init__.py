"""The files that malls and tools write, and how Rendo reads stock from them.

One ``FileFormat`` record per kind of file (``base``), grouped by channel family in small
modules (``rakuten``, ``yahoo``, ``basecsv``, ``shopify``, ``amazon``, ``nextengine``);
``engine`` recognises a file by its header and reads its stock rows. ``FORMATS`` is the order in
which they are tried: the more specific header first. Rendo's own files (its exports and
templates, and any simple list with a code and a count column) need no format: they are read
by the header names of ``app.files.headers`` (``--format rendo`` asks for exactly that).
"""

from __future__ import annotations

from . import amazon, basecsv, nextengine, rakuten, shopify, yahoo
from .base import FileFormat, FormatReading, Label, Note
from .engine import detect, read_formatted

AUTO = "auto"  # recognised from the header
RENDO = "rendo"  # Rendo's own files: columns found by their header names

FORMATS: tuple[FileFormat, ...] = (
    *rakuten.FORMATS, *yahoo.FORMATS, *basecsv.FORMATS, *shopify.FORMATS, *amazon.FORMATS,
    *nextengine.FORMATS,
)
BY_NAME = {f.name: f for f in FORMATS}
NAMES = (AUTO, RENDO, *BY_NAME)
ALL_LOCATIONS = shopify.ALL

__all__ = [
    "ALL_LOCATIONS", "AUTO", "BY_NAME", "FORMATS", "NAMES", "RENDO", "FileFormat",
    "FormatReading", "Label", "Note", "detect", "read_formatted",
]
