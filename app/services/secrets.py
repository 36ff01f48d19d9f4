"""Channel credentials live in the OS keyring (never in the database, logs or messages)."""

from __future__ import annotations

import contextlib

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.domain.errors import QT_TRANSLATE_NOOP
from app.store.errors import EnvironmentFailure

SERVICE = "Rendo"


def _account(channel: str) -> str:
    return f"channel:{channel}"


def store_secret(channel: str, secret: str) -> None:
    """Keep *secret* in the OS keyring; ``EnvironmentFailure`` (exit 3) when there is none."""
    try:
        keyring.set_password(SERVICE, _account(channel), secret)
    except Exception as error:  # KeyringError, or a backend's own (D-Bus, Keychain…) error
        raise EnvironmentFailure(
            QT_TRANSLATE_NOOP("Errors", "The credentials of channel {channel} could not be "
                              "saved in the system's keyring ({type}); nothing was changed. "
                              "Unlock or set up the keyring (Windows Credential Manager, macOS "
                              "Keychain, Secret Service on Linux) and try again."),
            kind="keyring", channel=channel, type=type(error).__name__,
        ) from None


def load_secret(channel: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _account(channel))
    except KeyringError:
        return None


def forget_secret(channel: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _account(channel))
