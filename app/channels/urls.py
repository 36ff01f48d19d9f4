"""Channel addresses: HTTPS only, except loopback for the sandbox shop and tests."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_channel_url(url: str) -> str:
    """Return *url* when it is HTTPS, or HTTP to this PC's loopback; refuse anything else."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and is_loopback(host):
        return url
    raise BadInput(
        QT_TRANSLATE_NOOP("Errors", "Channel address {url} must start with https:// (plain "
                          "http:// only to this PC, for the sandbox)."),
        url=url,
    )
