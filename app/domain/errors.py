"""Errors the user can act on.

Messages are English templates marked for Qt's translator without importing Qt: lupdate
extracts every ``QT_TRANSLATE_NOOP("Errors", ...)`` literal, and the window or command line
translates ``error.template`` before formatting it with ``error.params``.
"""

from __future__ import annotations

from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark *text* for translation in *context*; returns it unchanged."""
    return text


class RendoError(Exception):
    """An error whose message tells the user what is wrong and where."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))

    @property
    def message(self) -> str:
        return str(self)


class BadInput(RendoError):
    """A value given by the user (code, number, rule) cannot be used."""


class UnknownItem(BadInput):
    pass


class CycleError(BadInput):
    """A set would (indirectly) contain itself."""


class PatternInvalid(BadInput):
    """An allocation pattern breaks one of its rules."""
