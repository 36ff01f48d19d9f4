"""BASE's OAuth 2: the authorization page, the token endpoint and what its answers mean."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput

from ..base import ChannelError, Credentials, ErrorKind
from ..http import HttpClient
from ..urls import parse_channel_url

DEFAULT_URL = "https://api.thebase.in"
SCOPES = "read_items write_items read_orders"


def error_of(body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        return str(body.get("error") or ""), str(body.get("error_description") or "")
    return "", ""


def api_url(settings: dict[str, object]) -> str:
    return str(settings.get("url") or DEFAULT_URL)


def token_parts(body: Any, now: float) -> dict[str, str]:
    """The parts to store from a token answer; ChannelError when it is not one."""
    try:
        access, refresh = str(body["access_token"]), str(body["refresh_token"])
        lifetime = float(body.get("expires_in") or 3600)
    except (KeyError, TypeError, ValueError):
        raise ChannelError("BASE's token answer is not readable",
                           kind=ErrorKind.MALFORMED) from None
    if not access or not refresh:
        raise ChannelError("BASE's token answer has no token", kind=ErrorKind.MALFORMED)
    return {"access_token": access, "access_token_expires": str(int(now + lifetime)),
            "refresh_token": refresh}


def token_refusal(body: Any, what: str) -> ChannelError:
    error, description = error_of(body)
    detail = f"{error}: {description}" if error else "no reason given"
    if error == "unauthorized_client":
        return ChannelError(f"BASE does not know this app ({detail}); check client_id and "
                            "client_secret", kind=ErrorKind.AUTHENTICATION,
                            renew=("client_id", "client_secret"))
    return ChannelError(f"BASE refused the {what} ({detail}); connect Rendo to BASE again",
                        kind=ErrorKind.CREDENTIALS_EXPIRED, renew=("refresh_token",))


class BaseOAuth:
    """BASE's authorization in the browser: the code comes back to ``redirect_uri``."""

    def authorization_url(self, settings: dict[str, object], credentials: Credentials,
                          state: str) -> str:
        client_id, redirect = credentials.get("client_id"), settings.get("redirect_uri")
        if not client_id or not redirect:
            raise BadInput(QT_TRANSLATE_NOOP(
                "Errors", "BASE needs the app's client_id and its redirect_uri before "
                "connecting."))
        query = urlencode({"response_type": "code", "client_id": client_id,
                           "redirect_uri": str(redirect), "scope": SCOPES, "state": state},
                          quote_via=quote)
        return f"{parse_channel_url(api_url(settings)).url}/1/oauth/authorize?{query}"

    def exchange_code(self, settings: dict[str, object], credentials: Credentials,
                      code: str) -> None:
        client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
        if not client_id or not secret:
            raise BadInput(QT_TRANSLATE_NOOP(
                "Errors", "BASE needs the app's client_id and client_secret before "
                "connecting."))
        client = HttpClient(api_url(settings), secrets=lambda: [*credentials.secrets(), code])
        try:
            reply = client.call("POST", "/1/oauth/token", ok=(200, 400, 401), form={
                "grant_type": "authorization_code", "client_id": client_id,
                "client_secret": secret, "code": code.strip(),
                "redirect_uri": str(settings.get("redirect_uri") or "")})
        finally:
            client.close()
        if reply.status != 200:
            refusal = token_refusal(reply.body, "authorization code")
            if refusal.kind is ErrorKind.CREDENTIALS_EXPIRED:  # a used or stale code
                refusal.kind = ErrorKind.AUTHENTICATION
            raise refusal
        credentials.renew(token_parts(reply.body, time.time()))
