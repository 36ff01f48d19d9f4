"""Errors the user can act on.

Messages are English templates marked for Qt's translator without importing Qt: lupdate
extracts every ``QT_TRANSLATE_NOOP("Errors", ...)`` literal, and the window or command line
translates ``error.template`` before formatting it with ``error.params``. A template that
counts something says ``%n`` and its error has the number as ``n``: Qt picks the form for
that number ("1 problem", "2 problems"). Such templates are marked with
``QT_TRANSLATE_N_NOOP`` and listed in ``app.i18n._counted_errors``, where lupdate finds them.
"""

from __future__ import annotations

from typing import Any


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Mark *text* for translation in *context*; returns it unchanged."""
    return text


def QT_TRANSLATE_N_NOOP(context: str, text: str) -> str:
    """Mark *text*, which counts something (``%n``), for translation in *context* as a plural
    message. lupdate does not read this mark in Python: every text so marked is also listed
    in ``app.i18n._counted_errors`` (a test checks it). Returns *text* unchanged."""
    return text


def counted(text: str, params: dict[str, Any]) -> str:
    """*text* with Qt's ``%n`` replaced by ``params["n"]`` (when given): what translating a
    counted message does, for the untranslated text (logs, ``str(error)``)."""
    return text.replace("%n", str(params["n"])) if "n" in params else text


class RendoError(Exception):
    """An error whose message tells the user what is wrong and where."""

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(counted(template, params).format(**params))

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
