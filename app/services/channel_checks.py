"""What a channel's type allows: its settings and credential parts, its address, its numbers.

Every entry point (``rendo channel add``, the channel form, ``channel credentials``) checks
through here, so a refusal reads the same wherever it comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from app.channels.channel_type import ChannelType
from app.channels.registry import channel_type, type_names
from app.channels.urls import check_channel_url
from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
from app.domain.items import check_bound

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a credential's key, safe to repeat in a message
MAX_PART_LENGTH = 4096  # a credential or setting value: tokens are long, never this long


def check_type(type_: str) -> ChannelType:
    record = channel_type(type_)
    if record is None:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown channel type {type}; the types "
                                         "are: {types}."), type=type_,
                       types=", ".join(type_names()))
    return record


def check_numbers(record: ChannelType, name: str, maximum: int | None,
                  unlimited_qty: int | None) -> None:
    """The user's maximum and unlimited number: 0 … the channel's own ceiling."""
    ceiling = record.limits.maximum_quantity
    for value, template in (
        (maximum, QT_TRANSLATE_NOOP("Errors", "The maximum of channel {name} cannot be "
                                    "negative.")),
        (unlimited_qty, QT_TRANSLATE_NOOP("Errors", "The unlimited number of channel {name} "
                                          "cannot be negative.")),
    ):
        if value is None:
            continue
        if value < 0:
            raise BadInput(template, name=name)
        check_bound(value, name)
        if ceiling is not None and value > ceiling:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: {type} shows at most "
                                             "{ceiling}; {value} is more than it accepts."),
                           name=name, type=record.name, ceiling=ceiling, value=value)


def check_settings(record: ChannelType, name: str, settings: dict[str, object]) -> dict[str,
                                                                                      object]:
    """*settings* with the type's defaults filled in; refuses unknown or missing ones and an
    address Rendo may not call."""
    known = {f.key for f in record.settings}
    for key in settings:
        if key != "url" and key not in known:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: a {type} channel has no "
                                             "setting {key}; its settings are: {keys}."),
                           name=name, type=record.name, key=key,
                           keys=", ".join(sorted(known)) or "-")
    result: dict[str, object] = dict(settings)
    for setting in record.settings:
        value = str(result.get(setting.key) or "").strip() or setting.default
        _check_value(name, setting.key, value)
        if value and setting.key == record.expiry_setting:
            check_end_date(name, setting.key, value)
        if value:
            result[setting.key] = value
        elif setting.required:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name} needs the setting {key} "
                                             "(--set {key}=…)."), name=name, key=setting.key)
    url = str(result.get("url") or "")
    if record.synced and not url and record.default_url is None:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name} needs the address of "
                                         "its API (--url)."), name=name)
    if url:
        check_channel_url(url)
    return result


def check_end_date(name: str, key: str, value: str) -> date:
    """A credential's end date as the setting *key* of channel *name* holds it (YYYY-MM-DD)."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: {key} must be a date "
                                         "written YYYY-MM-DD (for example 2027-03-31)."),
                       name=name, key=key) from None


def check_credentials(record: ChannelType, name: str, parts: dict[str, str],
                      complete: bool = True) -> dict[str, str]:
    """*parts* stripped; refuses a part the type does not have and, when *complete*, a
    missing required one (the message names the parts, never their values)."""
    known = {f.key for f in record.credentials}
    cleaned = {key: value.strip() for key, value in parts.items()}
    for key, value in cleaned.items():
        if key not in known and not NAME.fullmatch(key):  # a secret pasted without its key=
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: a credential line is "
                                             "not key=value for one of its credentials: "
                                             "{keys}."), name=name,
                           keys=", ".join(f.key for f in record.credentials) or "-")
        if key not in known:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: a {type} channel has no "
                                             "credential {key}; its credentials are: {keys}."),
                           name=name, type=record.name, key=key,
                           keys=", ".join(f.key for f in record.credentials) or "-")
        _check_value(name, key, value)
    if complete:
        missing = missing_credentials(record, cleaned)
        if missing:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name} needs the credentials "
                                             "{keys} (one key=value a line on standard "
                                             "input)."), name=name, keys=", ".join(missing))
    return {key: value for key, value in cleaned.items() if value}


def missing_credentials(record: ChannelType, parts: dict[str, str]) -> list[str]:
    """The required credential parts of *record* that *parts* leaves empty."""
    return [f.key for f in record.credentials if f.required and not parts.get(f.key, "").strip()]


def parse_key_values(lines: Iterable[str], source: str) -> dict[str, str]:
    """``key=value`` lines (``--set`` options, credentials on standard input) as a dict.

    Blank lines and lines starting with ``#`` are skipped. *source* names where they came
    from in a refusal ("standard input", "--set"); a refusal never repeats a value.
    """
    parts: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, equals, value = text.partition("=")
        key = key.strip()
        if not equals or not key:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "{source}, line {line}: expected "
                                             "key=value."), source=source, line=number)
        if key in parts:
            raise BadInput(QT_TRANSLATE_NOOP("Errors", "{source}, line {line}: {key} is given "
                                             "twice."), source=source, line=number, key=key)
        parts[key] = value.strip()
    return parts


def _check_value(name: str, key: str, value: str) -> None:
    if len(value) > MAX_PART_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name}: the value of {key} is too "
                                         "long or contains control characters."),
                       name=name, key=key)
