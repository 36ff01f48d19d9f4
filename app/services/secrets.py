"""Channel credentials live in the OS keyring (never in the database, logs or messages)."""

from __future__ import annotations

import contextlib

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

SERVICE = "Rendo"


def _account(channel: str) -> str:
    return f"channel:{channel}"


def store_secret(channel: str, secret: str) -> None:
    try:
        keyring.set_password(SERVICE, _account(channel), secret)
    except KeyringError as error:
        raise BadInput(
            QT_TRANSLATE_NOOP("Errors", "The credentials of channel {channel} could not be "
                              "saved in the system's keyring ({kind})."),
            channel=channel, kind=type(error).__name__,
        ) from None


def load_secret(channel: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _account(channel))
    except KeyringError:
        return None


def forget_secret(channel: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _account(channel))
