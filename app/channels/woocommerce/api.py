"""WooCommerce's REST API v3 as the adapter calls it: HTTP Basic with the consumer key and
secret, the ``{"code", "message", "data": {"status"}}`` refusals read into error kinds, and
``X-WP-TotalPages`` paging."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

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
        super().__init__(message, kind=kind,
                         renew=RENEW if kind is ErrorKind.AUTHENTICATION else ())
        self.status, self.code = status, code


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
        if reply.status in (401, 403):
            what += ": check the consumer key and secret"
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
