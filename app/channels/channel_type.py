"""One record per channel type: what the command line, the channel form and the window know.

A channel type is one module (or package) of ``app.channels`` that defines ``CHANNEL_TYPE``;
``registry`` finds them. Labels and help texts are English source strings marked for Qt's
translator (context ``ChannelTypes``); the window and the command line translate them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .base import ChannelAdapter, ChannelInfo, ChannelLimits, Credentials

AdapterFactory = Callable[[ChannelInfo, Credentials], ChannelAdapter]
EXPIRY_WARNING_DAYS = 14  # a credential with a known end is warned about this many days ahead


@dataclass(frozen=True, slots=True)
class Field:
    """One setting (``--set key=value``) or credential part (``key=value`` on stdin)."""

    key: str
    label: str  # QT_TRANSLATE_NOOP("ChannelTypes", ...)
    help: str = ""  # where to find it in the channel's admin, QT_TRANSLATE_NOOP too
    required: bool = True
    default: str = ""


class OAuthFlow(Protocol):
    """A channel whose refresh token comes from an authorization in the browser (BASE,
    Yahoo!). The form opens ``authorization_url``; the code comes back to a loopback
    redirect when ``redirect_uri`` is one (http://127.0.0.1:PORT/…), else the user pastes it;
    ``exchange_code`` stores the tokens through ``credentials.renew``."""

    def authorization_url(self, settings: dict[str, object], credentials: Credentials,
                          state: str) -> str: ...

    def exchange_code(self, settings: dict[str, object], credentials: Credentials,
                      code: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ChannelType:
    """A kind of channel Rendo can keep in step.

    *factory* None: nothing to sync (a manual channel). *default_url* None: the user gives the
    address (the shop's own host: Shopify, WooCommerce); otherwise ``--url`` only replaces the
    channel's real hosts (tests, a local double). *oauth*: the form offers a "connect" button
    that opens the channel's authorization page in the browser. *expiry_setting*: the setting
    holding the date (YYYY-MM-DD) on which the credential *expiring_credential* ends (楽天's
    license key); Rendo warns ``EXPIRY_WARNING_DAYS`` ahead.
    """

    name: str
    label: str
    factory: AdapterFactory | None = None
    settings: tuple[Field, ...] = ()
    credentials: tuple[Field, ...] = ()
    limits: ChannelLimits = field(default_factory=ChannelLimits)
    default_url: str | None = None
    oauth: OAuthFlow | None = None
    order: int = 100  # position in lists (manual first, then the channels by name)
    expiry_setting: str | None = None  # a setting's key: the credential's end, YYYY-MM-DD
    expiring_credential: str | None = None  # the credential's key that ends then

    @property
    def synced(self) -> bool:
        return self.factory is not None

    def credential(self, key: str) -> Field | None:
        return next((f for f in self.credentials if f.key == key), None)

    def setting(self, key: str) -> Field | None:
        return next((f for f in self.settings if f.key == key), None)
