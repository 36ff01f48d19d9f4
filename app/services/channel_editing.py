"""The channel dialog's Save as one use case: a new channel (enabled or not) or a saved
channel's changed settings, in one transaction; and the credentials as the form holds them
(typed parts over the saved ones) for "test connection" and "connect"."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from .channel_checks import check_type, missing_credentials
from .secrets import forget_secret, load_credentials
from .shop import Shop


@dataclass(frozen=True, slots=True)
class ChannelForm:
    """The channel form as typed. *maximum* None: no limit; *url* "": none (a manual channel,
    or one that calls the channel's own hosts); *options*: the type's settings (``--set``);
    *credentials*: the parts typed (a part left out keeps the saved one)."""

    name: str
    type: str
    enabled: bool
    url: str
    maximum: int | None
    unlimited_qty: int
    options: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)


def form_credentials(name: str, typed: dict[str, str], saved: bool) -> dict[str, str]:
    """The credentials a channel would have after Save: the parts typed over the saved ones
    (*saved*: the channel exists; a new one has only what was typed)."""
    kept = (load_credentials(name) or {}) if saved else {}
    return {**kept, **{key: value.strip() for key, value in typed.items() if value.strip()}}


def save_channel(shop: Shop, form: ChannelForm, adding: bool) -> None:
    """Add the channel *form* describes (*adding*) or change the saved one of its name.

    Refused (BadInput, nothing written) when a required credential part would be missing.
    """
    record = check_type(form.type)
    typed = {key: value.strip() for key, value in form.credentials.items() if value.strip()}
    missing = missing_credentials(record, form_credentials(form.name, typed, not adding))
    if missing:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Channel {name} needs the credentials "
                                         "{keys}: enter them in the channel's form."),
                       name=form.name, keys=", ".join(missing))
    if not adding:
        shop.update_channel(form.name, enabled=form.enabled, maximum=form.maximum,
                            unlimited_qty=form.unlimited_qty, url=form.url,
                            options=dict(form.options), credentials=typed or None)
        return
    added = False
    try:
        with shop.lock, shop.ledger_transaction():
            settings: dict[str, object] = {**form.options,
                                           **({"url": form.url} if form.url else {})}
            shop.add_channel(form.name, form.type, form.maximum, form.unlimited_qty,
                             settings=settings or None, credentials=typed or None)
            added = True
            if not form.enabled:
                shop.update_channel(form.name, enabled=False)
    except BaseException:
        if added and typed:  # the keyring kept the credentials of a channel rolled back
            forget_secret(form.name)
        raise


__all__ = ["ChannelForm", "form_credentials", "save_channel"]
