"""What a search compares, the same in the grid, the item pickers and the command line.

Full-width letters and digits (ＴＷ－００１) are made plain and case is folded, so what a
Japanese input method types finds the item the grid shows.
"""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """*text* as the search compares it: NFKC-normalised and case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def item_search_key(code: str, name: str, jan: str | None) -> str:
    """One item's code, name and JAN as one key (several words must all be in it)."""
    return search_key(f"{code}\n{name}\n{jan or ''}")


def search_words(text: str) -> list[str]:
    """The words of a search: each must be found in an item's key."""
    return search_key(text).split()


def same_key(typed: str, value: str | None) -> bool:
    """Does *typed* name exactly *value* (a code or JAN typed or scanned)?"""
    return value is not None and search_key(typed.strip()) == search_key(value)
