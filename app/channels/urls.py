"""Channel addresses: HTTPS only, except loopback for the sandbox shop and tests.

One policy, used by the command line and the window (``check_channel_url``, BadInput) and by
the HTTP client (``HttpClient``, whose refusal is also a ValueError). It is parsed the way the
HTTP library parses it (urllib3's ``parse_url``, which ``requests`` uses) and refused when our
reading and the library's could differ: backslashes, user-info (``user:pass@``), queries and
fragments, whitespace, control or non-ASCII characters, percent-escaped hosts, empty hosts or
labels (``localhost.``), and IPv4 addresses in short or unusual forms (``127.1``,
``2130706433``, ``0x7f.0.0.1``, ``0127.0.0.1``). Plain ``http://`` is allowed only to the
literal names of this PC: ``localhost``, ``127.x.y.z`` written as four decimal numbers, and
``[::1]``. No DNS is asked: ``127.0.0.1.nip.io`` is not this PC. An IPv6-mapped IPv4 address
(``[::ffff:127.0.0.1]``) is refused for ``http://``: whether it reaches this PC depends on the
system's dual-stack settings.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

_SHAPE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
    r"(?P<host>\[[0-9A-Fa-f:.]*\]|[^/:\[\]]*)"
    r"(?::(?P<port>[0-9]*))?"
    r"(?P<path>/.*)?"
)
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?")
_NUMBER = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")


class ChannelUrlRefused(BadInput, ValueError):
    """A channel address Rendo will not call (a BadInput for the user, a ValueError for code)."""


@dataclass(frozen=True, slots=True)
class ChannelAddress:
    scheme: str  # "http" or "https", lower case
    host: str  # lower case; an IPv6 address in brackets
    port: int | None
    path: str  # without the trailing slash

    @property
    def url(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{self.host}{port}{self.path}"


def is_loopback(host: str) -> bool:
    """*host* is a literal name of this PC: localhost, 127.x.y.z (four numbers) or [::1]."""
    host = host.lower()
    if host == "localhost":
        return True
    if host.startswith("["):
        try:
            return ipaddress.IPv6Address(host.strip("[]")) == ipaddress.IPv6Address("::1")
        except ValueError:
            return False
    try:
        return ipaddress.IPv4Address(host).is_loopback  # refuses 127.1, 0x7f…, 0127.…
    except ValueError:
        return False


def _refuse(template: str, **params: object) -> ChannelUrlRefused:
    return ChannelUrlRefused(template, **params)


def parse_channel_url(url: str) -> ChannelAddress:
    """*url* as the HTTP library will call it; ChannelUrlRefused when it cannot be trusted.

    Messages never repeat an address that may hold a password or a key (user-info, query).
    """
    if not url or any(not ("!" <= char <= "~") for char in url):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The channel address is empty or contains a space, a control character "
            "or a character outside ASCII: type it again as https://host/…"))
    if "\\" in url:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The channel address contains a backslash (\\): use / only."))
    if "@" in url:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The channel address must not contain a user name or password "
            "(user:password@…): give credentials with --token-stdin."))
    if "?" in url or "#" in url:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The channel address must not contain ? or #: give only "
            "https://host[:port][/path]."))
    shape = _SHAPE.fullmatch(url)
    if shape is None:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "Channel address {url} must start with https:// (plain http:// only to "
            "this PC, for the sandbox)."), url=url)
    scheme, host = shape["scheme"].lower(), shape["host"].lower()
    if scheme not in ("http", "https"):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "Channel address {url} must start with https:// (plain http:// only to "
            "this PC, for the sandbox)."), url=url)
    _check_host(url, host)
    port = _port(url, shape["port"])
    address = ChannelAddress(scheme, host, port, (shape["path"] or "").rstrip("/"))
    if not _library_agrees(url, address):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "Channel address {url} is ambiguous: write it as https://host[:port]"
            "[/path]."), url=url)
    if scheme == "http" and not is_loopback(host):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "Channel address {url} must start with https:// (plain http:// only to "
            "this PC, for the sandbox)."), url=url)
    return address


def _check_host(url: str, host: str) -> None:
    if not host or host == "[]":
        raise _refuse(QT_TRANSLATE_NOOP("Errors", "Channel address {url} has no host name."),
                      url=url)
    if "%" in host:
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The host of channel address {url} must be written without % escapes."),
            url=url)
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise _refuse(QT_TRANSLATE_NOOP(
                "Errors", "Channel address {url} has an invalid IPv6 address."), url=url
            ) from None
        return
    labels = host.split(".")
    if not all(labels):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The host of channel address {url} has an empty part (a dot at the end "
            "or two dots in a row)."), url=url)
    if _NUMBER.fullmatch(labels[-1]):  # read as an IPv4 address by browsers and resolvers
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise _refuse(QT_TRANSLATE_NOOP(
                "Errors", "The host of channel address {url} is an IP address in a short or "
                "unusual form: write it as four decimal numbers, e.g. 127.0.0.1."), url=url
            ) from None
        return
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The host of channel address {url} may contain only letters, digits, "
            "- and dots."), url=url)


def _port(url: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not text or not 1 <= int(text) <= 65535 or text != str(int(text)):
        raise _refuse(QT_TRANSLATE_NOOP(
            "Errors", "The port of channel address {url} must be a number from 1 to 65535."),
            url=url)
    return int(text)


def _library_agrees(url: str, address: ChannelAddress) -> bool:
    """urllib3 (hence requests) reads the same scheme, host and port as we do."""
    try:
        parsed = parse_url(url)
    except LocationParseError:
        return False
    return (parsed.scheme, (parsed.host or "").lower(), parsed.port, parsed.auth,
            parsed.query, parsed.fragment) == (address.scheme, address.host, address.port,
                                               None, None, None)


def same_origin(url: str, address: ChannelAddress) -> bool:
    """The full *url* of a call goes to exactly *address*'s scheme, host and port."""
    try:
        parsed = parse_url(url)
    except LocationParseError:
        return False
    return ((parsed.scheme, (parsed.host or "").lower(), parsed.port, parsed.auth)
            == (address.scheme, address.host, address.port, None))


def check_channel_url(url: str) -> str:
    """*url* normalised (lower-case scheme and host, no trailing slash) when Rendo may call it:
    HTTPS, or HTTP to this PC's loopback; ChannelUrlRefused (a BadInput) for anything else."""
    return parse_channel_url(url).url
