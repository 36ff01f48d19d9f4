"""The channel dialog's Save as one use case: a new channel (enabled or not) or a saved
channel's changed settings, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from .secrets import forget_secret
from .shop import Shop


@dataclass(frozen=True, slots=True)
class ChannelForm:
    """The channel form as typed. *maximum* None: no limit; *token* None: keep the saved one;
    *url* "": none (a manual channel)."""

    name: str
    type: str
    enabled: bool
    url: str
    token: str | None
    maximum: int | None
    unlimited_qty: int


def save_channel(shop: Shop, form: ChannelForm, adding: bool) -> None:
    """Add the channel *form* describes (*adding*) or change the saved one of its name."""
    if not adding:
        shop.update_channel(form.name, enabled=form.enabled, maximum=form.maximum,
                            unlimited_qty=form.unlimited_qty, url=form.url or None,
                            token=form.token)
        return
    added = False
    try:
        with shop.lock, shop.ledger_transaction():
            shop.add_channel(form.name, form.type, form.maximum, form.unlimited_qty,
                             settings={"url": form.url} if form.url else None, token=form.token)
            added = True
            if not form.enabled:
                shop.update_channel(form.name, enabled=False)
    except BaseException:
        if added and form.token:  # the keyring kept the token of a channel rolled back
            forget_secret(form.name)
        raise


__all__ = ["ChannelForm", "save_channel"]
