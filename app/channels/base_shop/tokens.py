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


# what an ``invalid_request`` from the token endpoint says when it is about the token or code
# presented ("不正なリフレッシュトークンです。", "リフレッシュトークンの有効期限が切れています。",
# "不正な認可コードです。"…), not about the request ("不正なgrant_typeです。", "不正なパラメーター
# です。") nor the app ("client_idもしくはclient_secretがありません。")
TOKEN_WORDS = ("リフレッシュトークン", "認可コード", "refresh_token", "refresh token", "code")
CLIENT_WORDS = ("client_id", "client_secret")
PASSING_ERRORS = frozenset({"server_error", "temporarily_unavailable"})


def token_refusal(body: Any, what: str) -> ChannelError:
    """What a refusal by ``/1/oauth/token`` means (its documented answers, all HTTP 400):

    - ``invalid_request`` (or RFC 6749's ``invalid_grant``) about the token or code presented:
      CREDENTIALS_EXPIRED (connect again, ``renew=("refresh_token",)``);
    - ``unauthorized_client`` / ``invalid_client`` or a missing client_id/secret: the app's
      keys (AUTHENTICATION);
    - ``access_denied`` (the user no longer exists…): AUTHENTICATION;
    - ``server_error`` ("DB error"): a passing failure, retried; the channel is not stopped;
    - anything else (a parameter BASE did not take): REFUSED, retried, not stopped.
    """
    error, description = error_of(body)
    detail = f"{error}: {description}" if error else "no reason given"
    if error in PASSING_ERRORS:
        return ChannelError(f"BASE could not renew the {what} now ({detail})",
                            kind=ErrorKind.SERVER_ERROR)
    folded = description.casefold()
    if error in ("unauthorized_client", "invalid_client") or (
            error == "invalid_request" and any(w in folded for w in CLIENT_WORDS)):
        return ChannelError(f"BASE does not know this app ({detail}); check client_id and "
                            "client_secret", kind=ErrorKind.AUTHENTICATION,
                            renew=("client_id", "client_secret"))
    if error == "access_denied":
        return ChannelError(f"BASE denied access ({detail}); connect Rendo to BASE again",
                            kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
    if error == "invalid_grant" or (
            error == "invalid_request" and (not description
                                            or any(w in folded for w in TOKEN_WORDS))):
        return ChannelError(f"BASE refused the {what} ({detail}); connect Rendo to BASE "
                            "again", kind=ErrorKind.CREDENTIALS_EXPIRED,
                            renew=("refresh_token",))
    return ChannelError(f"BASE refused to renew the {what} ({detail}); check the channel's "
                        "redirect_uri setting", kind=ErrorKind.REFUSED)


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
        # sent once: a code is good once, and a retry after a timeout would present a used one
        client = HttpClient(api_url(settings), secrets=lambda: [*credentials.secrets(), code],
                            max_retries=0)
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
