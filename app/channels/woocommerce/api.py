"""WooCommerce's REST API v3 as the adapter calls it: HTTP Basic with the consumer key and
secret (over plain HTTP, which Rendo allows on loopback only, also OAuth 1.0a one-legged
signing in the query, as "Authentication over HTTP" in the REST API docs asks), the
``{"code", "message", "data": {"status"}}`` refusals read into error kinds, and
``X-WP-TotalPages`` paging."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as random_secrets
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from app.channels.base import ChannelError, Credentials, ErrorKind
from app.channels.http import HttpClient, HttpStatusError, Reply

PREFIX = "/wp-json/wc/v3"
PER_PAGE = 100  # the most WooCommerce lists in one page
MAX_PAGES = 2_000  # 200,000 records in one read: a guard against a site that always says more
RENEW = ("consumer_key", "consumer_secret")
# statuses WooCommerce answers with its JSON error body: read here, not judged by the client
REFUSALS = (400, 401, 403, 404, 413)


def site_root(url: str) -> str:
    """The shop's site address; the REST prefix pasted with it is taken off."""
    url = url.strip().rstrip("/")
    for tail in (PREFIX, "/wp-json"):
        if url.endswith(tail):
            return url[: -len(tail)]
    return url


def basic_auth(credentials: Credentials) -> dict[str, str]:
    """The Authorization header: consumer key as the user name, secret as the password."""
    key, secret = credentials.get("consumer_key"), credentials.get("consumer_secret")
    if not key or not secret:
        missing = [name for name, value in zip(RENEW, (key, secret), strict=True) if not value]
        raise ChannelError(f"no {' and '.join(missing)} saved for this WooCommerce channel",
                           kind=ErrorKind.AUTHENTICATION, renew=RENEW)
    return {"Authorization": "Basic " + _token(key, secret)}


def oauth_signer(credentials: Credentials, clock: Callable[[], float] = time.time
                 ) -> Callable[[str, str, dict[str, Any] | None], dict[str, Any] | None]:
    """The HttpClient's ``sign``: over ``http://`` the call's query gains the OAuth 1.0a
    one-legged parameters (HMAC-SHA256, a fresh nonce for every attempt); over HTTPS it is
    left as it is (HTTP Basic alone)."""

    def sign(method: str, url: str, params: dict[str, Any] | None) -> dict[str, Any] | None:
        if not url.lower().startswith("http://"):
            return params
        basic_auth(credentials)  # names a missing key or secret
        return oauth_query(method, url, params, credentials.get("consumer_key") or "",
                           credentials.get("consumer_secret") or "", int(clock()),
                           random_secrets.token_hex(16))

    return sign


def oauth_query(method: str, url: str, params: dict[str, Any] | None, key: str, secret: str,
                timestamp: int, nonce: str, algorithm: str = "HMAC-SHA256") -> dict[str, Any]:
    """*params* with ``oauth_consumer_key``, ``oauth_timestamp``, ``oauth_nonce``,
    ``oauth_signature_method`` and ``oauth_signature``: every query parameter, percent-encoded
    (RFC 3986) and sorted by key, joined as ``k=v&…``; the base string is the method, the
    encoded URL without its query and the encoded parameter string joined by ``&``; the key
    is the consumer secret and ``&``."""
    signed: dict[str, str] = {str(k): _text(v) for k, v in (params or {}).items()
                              if v is not None}
    signed.update(oauth_consumer_key=key, oauth_timestamp=str(timestamp), oauth_nonce=nonce,
                  oauth_signature_method=algorithm)
    signed["oauth_signature"] = oauth_signature(method, url, signed, secret, algorithm)
    return signed


def oauth_signature(method: str, url: str, params: dict[str, str], secret: str,
                    algorithm: str) -> str:
    pairs = sorted((_encode(k), _encode(v)) for k, v in params.items()
                   if k != "oauth_signature")
    text = "&".join(f"{k}={v}" for k, v in pairs)
    base = "&".join((method.upper(), _encode(url.split("?", 1)[0]), _encode(text)))
    digest = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}[algorithm]
    mac = hmac.new(f"{secret}&".encode(), base.encode(), digest).digest()
    return base64.b64encode(mac).decode("ascii")


def _encode(text: str) -> str:
    return quote(text, safe="-._~")


def _text(value: Any) -> str:
    """A query value as requests sends it."""
    if isinstance(value, bytes):
        return value.decode()
    return str(value)


def _token(key: str, secret: str) -> str:
    return base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")


def secrets(credentials: Credentials) -> list[str]:
    """Every secret and the Basic token made of them, to scrub from messages."""
    found = credentials.secrets()
    key, secret = credentials.get("consumer_key"), credentials.get("consumer_secret")
    return [*found, _token(key, secret)] if key and secret else found


class WooRefusal(ChannelError):
    """WooCommerce refused a call; *code* is its error code (``woocommerce_rest_…``)."""

    def __init__(self, message: str, status: int, code: str) -> None:
        kind = {401: ErrorKind.AUTHENTICATION, 403: ErrorKind.AUTHENTICATION,
                404: ErrorKind.NOT_FOUND}.get(status, ErrorKind.REFUSED)
        if status == 403 and not woo_code(code):  # a firewall or host, not WordPress
            kind = ErrorKind.REFUSED
        super().__init__(message, kind=kind,
                         renew=RENEW if kind is ErrorKind.AUTHENTICATION else ())
        self.status, self.code = status, code


def woo_code(code: str) -> bool:
    """An error code of WordPress's or WooCommerce's REST API (not a host's or a proxy's)."""
    return code.startswith(("woocommerce_rest_", "rest_"))


def error_parts(body: Any) -> tuple[str, str]:
    """(code, message) of a WooCommerce error body; empty strings when it has none."""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("code") or ""), str(body.get("message") or "")


class WooApi:
    """Calls under ``/wp-json/wc/v3`` of one shop; *name* is the channel's, for messages."""

    def __init__(self, client: HttpClient, name: str) -> None:
        self.client, self.name = client, name

    def call(self, method: str, route: str, params: dict[str, Any] | None = None,
             json: Any = None) -> Reply:
        """The answer of a successful call; WooRefusal when WooCommerce says no, ChannelError
        when it cannot be reached (the client's retries and Retry-After spent)."""
        try:
            reply = self.client.call(method, PREFIX + route, json=json, params=params,
                                     ok=(200, 201, *REFUSALS))
        except HttpStatusError as error:  # a redirect or a status WooCommerce does not use
            raise ChannelError(f"{self.name}: {error}", kind=error.kind) from None
        if reply.status in (200, 201):
            return reply
        code, message = error_parts(reply.body)
        what = f"{method} {PREFIX}{route} refused (HTTP {reply.status}"
        what += f", {code})" if code else ")"
        if reply.status == 401:
            what += ": check the consumer key and secret"
        elif reply.status == 403 and woo_code(code):
            what += (": the WordPress user of the REST API key may not do this; give the key "
                     "to a user with the rights (e.g. a shop manager) or check its permissions")
        raise WooRefusal(f"{self.name}: {what}{': ' + message if message else ''}",
                         reply.status, code)

    def pages(self, route: str, params: dict[str, Any] | None = None
              ) -> Iterator[tuple[list[dict[str, Any]], Reply]]:
        """Every page of a list, ``per_page`` 100, until ``X-WP-TotalPages``."""
        for page in range(1, MAX_PAGES + 1):
            reply = self.call("GET", route, params={**(params or {}), "per_page": PER_PAGE,
                                                    "page": page})
            items = reply.body
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ChannelError(f"{self.name}: GET {route} did not answer with a list",
                                   kind=ErrorKind.MALFORMED)
            yield items, reply
            total = total_pages(reply)
            more = page < total if total is not None else len(items) == PER_PAGE
            if not more or not items:
                return
        raise ChannelError(f"{self.name}: more than {MAX_PAGES} pages at {route}",
                           kind=ErrorKind.MALFORMED)


def total_pages(reply: Reply) -> int | None:
    value = str(reply.headers.get("X-WP-TotalPages") or "").strip()
    return int(value) if value.isdigit() else None
