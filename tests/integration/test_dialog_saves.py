"""The set editor's, the N-pack dialog's and the channel dialog's saves: one service call each,
one transaction, so a refusal half-way leaves nothing written."""

from __future__ import annotations

import pytest

from app.domain.errors import BadInput
from app.services.channel_editing import ChannelForm, save_channel
from app.services.channels import channel_settings
from app.services.secrets import load_secret
from app.services.set_editing import create_packs, save_set
from app.services.shop import Shop


@pytest.fixture
def towels(shop: Shop) -> Shop:
    """Two towels with stock and a mug."""
    for code, on_hand in [("TW-W", 5), ("TW-N", 7), ("MUG", 40)]:
        shop.add_item(code, f"{code} name")
        shop.adjust(code, f"+{on_hand}", "receive")
    return shop


def test_a_new_set_is_saved_with_its_components_and_name(towels: Shop) -> None:
    save_set(towels, "DUO", "Towel duo", [("TW-W", 1), ("TW-N", 1)])

    fresh = Shop()
    assert fresh.book.items["DUO"].name == "Towel duo"
    assert list(fresh.book.components["DUO"]) == [("TW-W", 1), ("TW-N", 1)]


def test_a_refused_name_leaves_no_set_behind(towels: Shop) -> None:
    with pytest.raises(BadInput, match="control character"):
        save_set(towels, "DUO", "Towel\x07duo", [("TW-W", 1), ("TW-N", 1)])

    assert "DUO" not in Shop().book.items


def test_packs_are_created_all_or_none(towels: Shop) -> None:
    create_packs(towels, "MUG", [(2, "MUG-2P", "Mug 2-pack"), (3, "MUG-3P", "")])
    fresh = Shop()
    assert fresh.book.items["MUG-2P"].name == "Mug 2-pack"
    assert fresh.book.items["MUG-3P"].name == "MUG-3P"  # no name: the code
    assert list(fresh.book.components["MUG-3P"]) == [("MUG", 3)]

    # TW-N is a single with stock: it cannot become the pack of 3, so no pack is made.
    with pytest.raises(BadInput):
        create_packs(towels, "TW-W", [(2, "TW-W-2P", ""), (3, "TW-N", "")])
    assert "TW-W-2P" not in Shop().book.items
    assert not Shop().book.items["TW-N"].is_set


def form(name: str, enabled: bool = True, url: str = "https://shop.example/api",
         token: str | None = "secret-1") -> ChannelForm:
    return ChannelForm(name=name, type="sandbox", enabled=enabled, url=url,
                       maximum=None, unlimited_qty=9999,
                       credentials={"token": token} if token else {})


def test_a_channel_added_disabled_is_saved_disabled_in_one_call(shop: Shop) -> None:
    save_channel(shop, form("base-jp", enabled=False), adding=True)

    saved = channel_settings("base-jp")
    assert saved is not None and not saved.enabled and saved.url == "https://shop.example/api"
    assert load_secret("base-jp") == "secret-1"

    save_channel(shop, form("base-jp", enabled=True, token=None), adding=False)
    saved = channel_settings("base-jp")
    assert saved is not None and saved.enabled
    assert load_secret("base-jp") == "secret-1"  # no token typed: the saved one stays


def test_a_refused_channel_keeps_neither_row_nor_token(shop: Shop) -> None:
    with pytest.raises(BadInput):
        save_channel(shop, form("base-jp", enabled=False, url="ftp://shop.example"),
                     adding=True)

    assert channel_settings("base-jp") is None
    assert load_secret("base-jp") is None


def test_a_channel_form_with_an_unknown_or_missing_credential_part_is_refused(
    shop: Shop,
) -> None:
    unknown = ChannelForm(name="base-jp", type="sandbox", enabled=True,
                          url="https://shop.example/api", maximum=None, unlimited_qty=9999,
                          credentials={"password": "hunter2"})
    with pytest.raises(BadInput, match="has no credential password") as refused:
        save_channel(shop, unknown, adding=True)
    assert "hunter2" not in str(refused.value)
    assert channel_settings("base-jp") is None and load_secret("base-jp") is None


def test_a_saved_channels_options_are_replaced_and_its_address_can_be_removed(
    shop: Shop, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from app.channels import registry
    from app.channels.channel_type import ChannelType, Field
    from app.channels.sandbox import CHANNEL_TYPE as SANDBOX

    acme = ChannelType(name="acme", label="Acme", factory=SANDBOX.factory,
                       default_url="https://api.acme.example",
                       settings=(Field("shop_id", "Shop ID"),),
                       credentials=(Field("api_key", "API key"),))
    types = {**registry.channel_types(), "acme": acme}
    monkeypatch.setattr(registry, "channel_types", lambda: types)

    def acme_form(**changes: object) -> ChannelForm:
        values: dict[str, object] = dict(
            name="acme-jp", type="acme", enabled=True, url="http://127.0.0.1:9/api",
            maximum=None, unlimited_qty=9999, options={"shop_id": "1"},
            credentials={"api_key": "k1"})
        values.update(changes)
        return ChannelForm(**values)  # type: ignore[arg-type]

    with pytest.raises(BadInput, match="needs the credentials api_key: enter them in the "
                                       "channel's form"):
        save_channel(shop, acme_form(credentials={}), adding=True)
    save_channel(shop, acme_form(), adding=True)
    save_channel(shop, acme_form(url="", options={"shop_id": "2"}, credentials={}),
                 adding=False)

    saved = channel_settings("acme-jp")
    assert saved is not None and saved.url == "" and saved.options == {"shop_id": "2"}
    assert saved.credential_keys == ("api_key",)  # nothing typed: the saved key stays
