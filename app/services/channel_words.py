"""A channel's failure and its type, worded once for the window and the command line.

The kind (``ErrorKind``) was chosen by the adapter; here it becomes the sentence the user
reads, in their language, naming the credential parts to renew for the type. The adapter's
own detail (English, for the log) follows it where there is one.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.channels.base import KIND_WORDS, ErrorKind
from app.channels.registry import channel_type
from app.i18n import translate_in


def type_label(type_: str, language: str | None = None) -> str:
    """The channel type's label in the user's language (the type's name when unknown)."""
    record = channel_type(type_)
    return translate_in(language, "ChannelTypes", record.label) if record else type_


def error_words(channel: str, type_: str, kind: str, detail: str = "",
                language: str | None = None, renew: Sequence[str] = ()) -> str:
    """What went wrong with *channel*, in one plain sentence (and the channel's detail).

    An unknown or empty *kind* (a failure saved by an earlier version) shows the detail.
    *renew* (``ChannelError.renew``) narrows the credentials named to those parts.
    """
    try:
        known = ErrorKind(kind)
    except ValueError:
        return detail
    record = channel_type(type_)
    fields = record.credentials if record else ()
    named = [f for f in fields if f.key in renew] or fields
    parts = [translate_in(language, "ChannelTypes", f.label) for f in named]
    sentence = translate_in(language, "ChannelErrors", KIND_WORDS[known]).format(
        channel=channel, renew=", ".join(parts) or "-")
    return f"{sentence} ({detail})" if detail else sentence


def saved_channel_error_words(channel: str, kind: str, detail: str = "",
                              language: str | None = None) -> str:
    """``error_words`` for a saved channel, its type read from the database (a channel removed
    meanwhile is worded without its credential parts)."""
    from app.store.models import ChannelRow

    row = ChannelRow.get_or_none(ChannelRow.name == channel)
    return error_words(channel, row.type if row is not None else "", kind, detail, language)
