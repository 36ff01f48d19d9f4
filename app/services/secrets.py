"""Channel credentials live in the OS keyring (never in the database, logs or messages).

One keyring entry per channel holds all its parts (``access_token``, ``consumer_key``…) as a
JSON object; an entry written by an earlier version (a bare token) reads as ``{"token": …}``.
"""

from __future__ import annotations

import contextlib
import json
import threading

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.domain.errors import QT_TRANSLATE_NOOP
from app.store.errors import EnvironmentFailure

SERVICE = "Rendo"
_renewing = threading.Lock()


def _account(channel: str) -> str:
    return f"channel:{channel}"


def store_secret(channel: str, secret: str) -> None:
    """Keep a one-part credential (the sandbox's token)."""
    store_credentials(channel, {"token": secret})


def store_credentials(channel: str, parts: dict[str, str]) -> None:
    """Keep *parts* in the OS keyring; ``EnvironmentFailure`` (exit 3) when there is none."""
    try:
        keyring.set_password(SERVICE, _account(channel),
                             json.dumps(parts, ensure_ascii=False, sort_keys=True))
    except Exception as error:  # KeyringError, or a backend's own (D-Bus, Keychain…) error
        raise EnvironmentFailure(
            QT_TRANSLATE_NOOP("Errors", "The credentials of channel {channel} could not be "
                              "saved in the system's keyring ({type}); nothing was changed. "
                              "Unlock or set up the keyring (Windows Credential Manager, macOS "
                              "Keychain, Secret Service on Linux) and try again."),
            kind="keyring", channel=channel, type=type(error).__name__,
        ) from None


def load_secret(channel: str) -> str | None:
    """The one-part credential (``token``) of *channel*, if any."""
    return (load_credentials(channel) or {}).get("token")


def load_credentials(channel: str, strict: bool = False) -> dict[str, str] | None:
    """Every credential part of *channel*; None when the keyring holds none.

    A keyring that cannot be read now (locked after the PC woke, its service not running) is
    not "no credentials": with *strict* it raises ``EnvironmentFailure`` (a channel is then
    retried later, never stopped for refused credentials it was not even sent); otherwise
    (a form showing whether parts are saved) it reads as None.
    """
    try:
        stored = keyring.get_password(SERVICE, _account(channel))
    except Exception as error:  # KeyringError, or a backend's own (D-Bus, Keychain…) error
        if not strict:
            return None
        raise EnvironmentFailure(
            QT_TRANSLATE_NOOP("Errors", "The credentials of channel {channel} could not be "
                              "read from the system's keyring ({type}). Unlock or set up the "
                              "keyring (Windows Credential Manager, macOS Keychain, Secret "
                              "Service on Linux); Rendo tries again."),
            kind="keyring", channel=channel, type=type(error).__name__, transient=True,
        ) from None
    if stored is None:
        return None
    try:
        parts = json.loads(stored)
    except ValueError:
        parts = None
    if not isinstance(parts, dict):  # a bare token, from before credentials had parts
        return {"token": stored}
    return {str(key): str(value) for key, value in parts.items() if value is not None}


class KeyringCredentials:
    """A saved channel's credentials; parts the channel renews go back to the keyring at
    once (a rotated refresh token lost to a crash would cut the channel off)."""

    def __init__(self, channel: str, parts: dict[str, str] | None = None) -> None:
        self.channel = channel
        if parts is None:
            self.parts = dict(load_credentials(channel, strict=True) or {})
            self._saved = dict(self.parts)
        else:  # parts not in the keyring yet (typed in the form) are saved by renew
            self.parts = dict(parts)
            self._saved = dict(load_credentials(channel) or {})

    def get(self, key: str) -> str | None:
        return self.parts.get(key) or None

    def renew(self, parts: dict[str, str]) -> None:
        """Store *parts* over what the keyring holds now (not over this object's copy: a
        reconnect meanwhile may have saved other parts, which an older copy would undo)."""
        with _renewing:  # two threads renewing at once must not lose a rotated token
            current = load_credentials(self.channel, strict=True) or {}
            unsaved = {key: value for key, value in self.parts.items()
                       if self._saved.get(key) != value}
            merged = {**current, **unsaved,
                      **{key: str(value) for key, value in parts.items()}}
            store_credentials(self.channel, merged)
            self.parts, self._saved = merged, dict(merged)

    def reload(self) -> None:
        """Read the keyring again; ``EnvironmentFailure`` when it cannot be read now."""
        with _renewing:
            self.parts = load_credentials(self.channel, strict=True) or {}
            self._saved = dict(self.parts)

    def secrets(self) -> list[str]:
        return [value for value in self.parts.values() if value]


def forget_secret(channel: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _account(channel))
