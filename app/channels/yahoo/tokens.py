"""Yahoo! ID連携 (OAuth 2, v2), the public key signature, the addresses and XML reading."""

from __future__ import annotations

import base64
import re
import secrets as random_bytes
import time
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote, urlencode

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from ..base import ChannelError, Credentials, ErrorKind
from ..http import HttpClient
from ..urls import parse_channel_url

DEFAULT_URL = "https://circus.shopping.yahooapis.jp"
AUTH_URL = "https://auth.login.yahoo.co.jp"
TOKEN_PATH = "/yconnect/v2/token"
AUTHORIZE_PATH = "/yconnect/v2/authorization"
API = "/ShoppingWebService/V1/"


def api_url(settings: dict[str, object]) -> str:
    return parse_channel_url(str(settings.get("url") or DEFAULT_URL)).url


def auth_url(settings: dict[str, object]) -> str:
    """``--url`` replaces the login host too (every endpoint's host, token endpoint included)."""
    given = settings.get("url")
    return parse_channel_url(str(given)).url if given else AUTH_URL


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{client_id}:{secret}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}


def token_parts(body: Any, now: float) -> dict[str, str]:
    try:
        access = str(body["access_token"])
        lifetime = float(body.get("expires_in") or 3600)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ChannelError("Yahoo!'s token answer is not readable",
                           kind=ErrorKind.MALFORMED) from None
    if not access:
        raise ChannelError("Yahoo!'s token answer has no token", kind=ErrorKind.MALFORMED)
    parts = {"access_token": access, "access_token_expires": str(int(now + lifetime))}
    if body.get("refresh_token"):  # a code exchange answers one; a refresh may not
        parts["refresh_token"] = str(body["refresh_token"])
    return parts


def token_refusal(body: Any, what: str) -> ChannelError:
    """``invalid_grant``: the code or refresh token is no longer good (connect again);
    ``invalid_client`` / ``unauthorized_client``: the app's keys; ``server_error`` passes."""
    error = str(body.get("error") or "") if isinstance(body, dict) else ""
    description = str(body.get("error_description") or "") if isinstance(body, dict) else ""
    detail = f"{error}: {description}" if error else "no reason given"
    if error in ("server_error", "temporarily_unavailable"):
        return ChannelError(f"Yahoo! could not renew the {what} now ({detail})",
                            kind=ErrorKind.SERVER_ERROR)
    if error in ("invalid_client", "unauthorized_client"):
        return ChannelError(f"Yahoo! does not know this app ({detail}); check client_id and "
                            "client_secret", kind=ErrorKind.AUTHENTICATION,
                            renew=("client_id", "client_secret"))
    if error in ("invalid_grant", "access_denied", ""):
        return ChannelError(f"Yahoo! refused the {what} ({detail}); connect Rendo to Yahoo! "
                            "again", kind=ErrorKind.CREDENTIALS_EXPIRED,
                            renew=("refresh_token",))
    return ChannelError(f"Yahoo! refused to renew the {what} ({detail}); check the "
                        "channel's redirect_uri setting", kind=ErrorKind.REFUSED)


class YahooOAuth:
    """Yahoo! ID連携's authorization in the browser; the code comes back to redirect_uri."""

    def authorization_url(self, settings: dict[str, object], credentials: Credentials,
                          state: str) -> str:
        client_id, redirect = credentials.get("client_id"), settings.get("redirect_uri")
        if not client_id or not redirect:
            raise BadInput(QT_TRANSLATE_NOOP(
                "Errors", "Yahoo! needs the app's client_id and its redirect_uri before "
                "connecting."))
        query = urlencode({"response_type": "code", "client_id": client_id,
                           "redirect_uri": str(redirect), "scope": "openid", "state": state,
                           "bail": "1"}, quote_via=quote)
        return f"{auth_url(settings)}{AUTHORIZE_PATH}?{query}"

    def exchange_code(self, settings: dict[str, object], credentials: Credentials,
                      code: str) -> None:
        client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
        if not client_id or not secret:
            raise BadInput(QT_TRANSLATE_NOOP(
                "Errors", "Yahoo! needs the app's client_id and client_secret before "
                "connecting."))
        client = HttpClient(auth_url(settings), secrets=lambda: [*credentials.secrets(), code],
                            max_retries=0)  # a code is good once: never sent twice
        try:
            reply = client.call("POST", TOKEN_PATH, ok=(200, 400, 401),
                                headers=basic(client_id, secret), form={
                                    "grant_type": "authorization_code", "code": code.strip(),
                                    "redirect_uri": str(settings.get("redirect_uri") or "")})
        finally:
            client.close()
        if reply.status != 200:
            refusal = token_refusal(reply.body, "authorization code")
            if refusal.kind is ErrorKind.CREDENTIALS_EXPIRED:
                refusal.kind = ErrorKind.AUTHENTICATION
            raise refusal
        credentials.renew(token_parts(reply.body, time.time()))


# -- the public key signature ---------------------------------------------------------------
def _der(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of the content, its end) of the DER element at *at*."""
    tag, size = data[at], data[at + 1]
    at += 2
    if size & 0x80:
        count = size & 0x7F
        size = int.from_bytes(data[at:at + count], "big")
        at += count
    if at + size > len(data):
        raise ValueError("truncated")
    return tag, at, at + size


def _integers(data: bytes, at: int, end: int) -> list[int]:
    found = []
    while at < end:
        tag, start, stop = _der(data, at)
        if tag == 0x02:
            found.append(int.from_bytes(data[start:stop], "big"))
        at = stop
    return found


def public_key(pem: str) -> tuple[int, int]:
    """(modulus, exponent) of an RSA public key: PEM (``PUBLIC KEY`` or ``RSA PUBLIC KEY``),
    with or without its armour lines, line breaks or not (a credential is one line)."""
    body = "".join(re.sub(r"-----[A-Z ]+-----", " ", pem).split())
    try:
        der = base64.b64decode(body, validate=True)
        _, start, end = _der(der, 0)
        if der[start] == 0x30:  # SubjectPublicKeyInfo: skip the algorithm
            _, _, after = _der(der, start)
            tag, bits, _ = _der(der, after)
            if tag != 0x03:
                raise ValueError("no bit string")
            _, start, end = _der(der, bits + 1)
        numbers = _integers(der, start, end)
        if len(numbers) < 2 or numbers[0] < 2 ** 511:
            raise ValueError("not an RSA key")
        return numbers[0], numbers[1]
    except (ValueError, IndexError, TypeError):
        raise ChannelError("Yahoo!: the public_key is not a readable RSA public key (paste "
                           "the whole key from ストアクリエイターPro)",
                           kind=ErrorKind.AUTHENTICATION, renew=("public_key",)) from None


def encrypt(key: tuple[int, int], message: bytes) -> bytes:
    """RSA PKCS #1 v1.5 encryption (what PHP's openssl_public_encrypt does)."""
    modulus, exponent = key
    size = (modulus.bit_length() + 7) // 8
    pad = size - len(message) - 3
    if pad < 8:
        raise ValueError("message too long")
    filler = bytes(b % 255 + 1 for b in random_bytes.token_bytes(pad))  # non-zero bytes
    block = b"\x00\x02" + filler + b"\x00" + message
    return pow(int.from_bytes(block, "big"), exponent, modulus).to_bytes(size, "big")


def signature_headers(key: tuple[int, int], version: str, seller_id: str,
                      now: float) -> dict[str, str]:
    """``X-sws-signature``: base64 of "seller_id:unixtime" encrypted with the public key."""
    sealed = encrypt(key, f"{seller_id}:{int(now)}".encode())
    return {"X-sws-signature": base64.b64encode(sealed).decode("ascii"),
            "X-sws-signature-version": version}


# -- XML ------------------------------------------------------------------------------------
def parse_xml(raw: Any, what: str) -> ET.Element:
    """An answer's XML, its namespaces dropped; a DTD or entity declaration is refused
    (never expanded)."""
    if not isinstance(raw, bytes | bytearray) or not raw:
        raise ChannelError(f"Yahoo!: {what}: an empty answer", kind=ErrorKind.MALFORMED)
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ChannelError(f"Yahoo!: {what}: the answer declares a DTD (refused)",
                           kind=ErrorKind.MALFORMED)
    try:
        root = ET.fromstring(bytes(raw))
    except ET.ParseError:
        raise ChannelError(f"Yahoo!: {what}: the answer is not readable XML",
                           kind=ErrorKind.MALFORMED) from None
    for element in root.iter():  # Yahoo! writes ``<Error xmlns="urn:yahoo:api">`` at times
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    return root


def text(element: ET.Element | None, tag: str) -> str:
    found = element.find(tag) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def error_of(root: ET.Element | None) -> tuple[str, str]:
    """(Code, Message) of Yahoo!'s ``<Error>`` answer."""
    if root is None:
        return "", ""
    error = root if root.tag == "Error" else root.find(".//Error")
    if error is None:
        return "", ""
    return text(error, "Code"), text(error, "Message")
