"""Credentials with a known end: warned EXPIRY_WARNING_DAYS ahead, "expired" after, a date
that cannot be read refused when saved (a channel type registered for these tests only)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from app.channels import registry
from app.channels.channel_type import EXPIRY_WARNING_DAYS, ChannelType, Field
from app.domain.errors import BadInput

KEYED = ChannelType(
    name="keyed", label="Keyed mall", factory=None,
    settings=(Field("license_expires", "License key's end", "Where the mall shows it."),),
    credentials=(Field("license_key", "License key", "The mall's admin."),),
    expiry_setting="license_expires", expiring_credential="license_key",
)


@pytest.fixture(autouse=True)
def keyed(monkeypatch: pytest.MonkeyPatch) -> ChannelType:
    types = {**registry.channel_types(), "keyed": KEYED}
    monkeypatch.setattr(registry, "channel_types", lambda: types)
    return KEYED


TODAY = date(2027, 3, 1)


def _add(shop: Any, name: str, ends: date | str) -> None:
    value = ends.isoformat() if isinstance(ends, date) else ends
    shop.add_channel(name, "keyed", settings={"license_expires": value})


def test_the_window_is_fourteen_days() -> None:
    assert EXPIRY_WARNING_DAYS == 14


def test_warned_within_the_window_and_expired_after(shop: Any) -> None:
    from app.services.channel_expiry import credential_warnings, warning_words

    _add(shop, "far", TODAY + timedelta(days=20))
    _add(shop, "edge", TODAY + timedelta(days=15))
    _add(shop, "soon", TODAY + timedelta(days=14))
    _add(shop, "gone", TODAY - timedelta(days=3))
    shop.add_channel("plain", "manual")
    warnings = credential_warnings(TODAY)
    assert [(w.channel, w.days_left, w.expired) for w in warnings] == [
        ("soon", 14, False), ("gone", -3, True)]
    assert warnings[0].type == "keyed"
    assert warnings[0].credential == "License key"
    assert warnings[0].expires_on == date(2027, 3, 15)
    assert warning_words(warnings[0]) == "License key expires in 14 days (2027-03-15)"
    assert warning_words(warnings[1]) == "License key expired on 2027-02-26"
    # the days count down: "far" enters the window six days later
    assert [w.channel for w in credential_warnings(TODAY + timedelta(days=6))] == [
        "far", "edge", "soon", "gone"]
    today = credential_warnings(TODAY + timedelta(days=14))
    assert warning_words(today[2]) == "License key expires today (2027-03-15)"


def test_a_disabled_channel_is_not_warned_about(shop: Any) -> None:
    from app.services.channel_expiry import credential_warnings
    from app.store.models import ChannelRow

    _add(shop, "soon", TODAY + timedelta(days=2))
    ChannelRow.update(enabled=False).where(ChannelRow.name == "soon").execute()
    assert credential_warnings(TODAY) == []


@pytest.mark.parametrize("value", ["2027-13-01", "2027-02-30", "31/03/2027", "soon",
                                   "20270331"])
def test_a_date_that_cannot_be_read_is_refused(shop: Any, value: str) -> None:
    from app.store.models import ChannelRow

    with pytest.raises(BadInput) as refused:
        _add(shop, "mall", value)
    assert refused.value.params == {"name": "mall", "key": "license_expires"}
    assert ChannelRow.select().count() == 0


def test_the_command_refuses_a_bad_date_with_exit_2(rendo: Any) -> None:
    refused = rendo("channel", "add", "mall", "--type", "keyed",
                    "--set", "license_expires=2027-13-01")
    assert refused.code == 2
    assert "mall" in refused.err and "license_expires" in refused.err
    assert "YYYY-MM-DD" in refused.err
    assert "Traceback" not in refused.err
    assert rendo("channel", "list").out == ""


def test_channel_list_says_when_the_key_ends(rendo: Any) -> None:
    today = date.today()
    soon, gone = today + timedelta(days=9), today - timedelta(days=1)
    for name, ends in (("far", today + timedelta(days=40)), ("soon", soon), ("gone", gone)):
        assert rendo("channel", "add", name, "--type", "keyed",
                     "--set", f"license_expires={ends.isoformat()}").code == 0
    lines = {line.split("\t")[0]: line for line in rendo("channel", "list").out.splitlines()}
    assert "expire" not in lines["far"]
    assert lines["soon"].endswith(f"\tLicense key expires in 9 days ({soon.isoformat()})")
    assert lines["gone"].endswith(f"\tLicense key expired on {gone.isoformat()}")


@pytest.mark.parametrize("record", [*registry.channel_types().values(), KEYED],
                         ids=lambda record: record.name)
def test_an_end_date_names_a_setting_and_a_credential_of_its_type(record: ChannelType) -> None:
    """Every channel type (the real ones, and "keyed" here): an expiry_setting is one of its
    settings, the expiring credential one of its credentials."""
    if record.expiry_setting is None:
        assert record.expiring_credential is None
        return
    assert record.setting(record.expiry_setting) is not None
    assert record.expiring_credential is not None
    assert record.credential(record.expiring_credential) is not None
