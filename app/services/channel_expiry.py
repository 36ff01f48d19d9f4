"""Credentials with a known end (楽天's license key lasts 90 days): which end soon or have ended.

A channel type names the setting that holds the end date (``ChannelType.expiry_setting``) and
the credential it belongs to (``expiring_credential``). The window, the tray and
``rendo channel list`` warn ``EXPIRY_WARNING_DAYS`` ahead and word it here, once. Nothing here
stops a channel: it stops when the channel refuses the key (``CREDENTIALS_EXPIRED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.channels.channel_type import EXPIRY_WARNING_DAYS
from app.channels.registry import channel_type
from app.domain.errors import QT_TRANSLATE_NOOP
from app.i18n import translate_in
from app.store.models import ChannelRow

CONTEXT = "ChannelExpiry"
EXPIRES_IN = QT_TRANSLATE_NOOP("ChannelExpiry", "{credential} expires in {n} days ({date})")
EXPIRES_TOMORROW = QT_TRANSLATE_NOOP("ChannelExpiry", "{credential} expires tomorrow ({date})")
EXPIRES_TODAY = QT_TRANSLATE_NOOP("ChannelExpiry", "{credential} expires today ({date})")
EXPIRED = QT_TRANSLATE_NOOP("ChannelExpiry", "{credential} expired on {date}")
RENEW = QT_TRANSLATE_NOOP("ChannelExpiry", "Renew it on the channel's site, then enter the new "
                          "one and its end date in the settings of {channel}.")


@dataclass(frozen=True, slots=True)
class CredentialWarning:
    channel: str
    type: str
    credential: str  # the credential's label (QT_TRANSLATE_NOOP("ChannelTypes", …))
    expires_on: date
    days_left: int  # 0: ends today; negative: ended that many days ago

    @property
    def expired(self) -> bool:
        return self.days_left < 0


def credential_warnings(today: date) -> list[CredentialWarning]:
    """Saved, enabled channels whose credential ends within ``EXPIRY_WARNING_DAYS`` of *today*
    or has ended, in the channels' order. A date that cannot be read (saved by hand, never
    through Rendo's checks) is passed over."""
    warnings = []
    for row in ChannelRow.select().order_by(ChannelRow.position, ChannelRow.id):
        record = channel_type(row.type)
        if not row.enabled or record is None or record.expiry_setting is None:
            continue
        try:
            expires_on = date.fromisoformat(str((row.settings or {})
                                                .get(record.expiry_setting) or ""))
        except ValueError:
            continue
        days_left = (expires_on - today).days
        if days_left > EXPIRY_WARNING_DAYS:
            continue
        field = record.credential(record.expiring_credential or "")
        label = field.label if field is not None else (record.expiring_credential
                                                       or record.expiry_setting)
        warnings.append(CredentialWarning(row.name, row.type, label, expires_on, days_left))
    return warnings


def warning_words(warning: CredentialWarning, language: str | None = None) -> str:
    """"license key expires in 9 days (2027-03-31)", in the user's language."""
    credential = translate_in(language, "ChannelTypes", warning.credential)
    if warning.expired:
        template = EXPIRED
    elif warning.days_left == 0:
        template = EXPIRES_TODAY
    elif warning.days_left == 1:
        template = EXPIRES_TOMORROW
    else:
        template = EXPIRES_IN
    return translate_in(language, CONTEXT, template).format(
        credential=credential, n=warning.days_left, date=warning.expires_on.isoformat())


def renew_words(warning: CredentialWarning, language: str | None = None) -> str:
    """What to do about it, one sentence."""
    return translate_in(language, CONTEXT, RENEW).format(channel=warning.channel)
