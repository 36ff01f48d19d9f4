"""The authorization code an OAuth channel (BASE, Yahoo!) sends back after the user allowed
Rendo in the browser.

When the app's registered ``redirect_uri`` is a loopback address (``http://127.0.0.1:PORT/…``
or ``localhost``), ``LoopbackRedirect`` listens there once: it takes the code whose ``state``
is the one Rendo sent, answers the browser with a short page in the user's language and stops
(or gives up after a few minutes). Otherwise the user pastes the code, or the whole address the
browser was sent to, and ``code_from_answer`` reads it. Plain standard library: no framework,
nothing left listening.
"""

from __future__ import annotations

import contextlib
import html
import logging
import os
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput, RendoError
from app.i18n import translate_in

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 300.0  # the user has five minutes to allow Rendo in the browser
POLL_S = 0.25  # how often the listener looks at its clock and whether it was cancelled
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}

# (code, refusal): exactly one of them is set
Answer = Callable[[str, RendoError | None], None]


def new_state() -> str:
    """A random ``state`` for one authorization: an answer carrying another one is refused."""
    return secrets.token_urlsafe(24)


def loopback_address(redirect_uri: str) -> tuple[str, int, str] | None:
    """(host to bind, port, path) when *redirect_uri* leads back to this PC over plain HTTP;
    None when the browser is sent elsewhere (the user then pastes the code)."""
    parts = urlsplit(redirect_uri.strip())
    if parts.scheme != "http" or parts.hostname not in LOOPBACK_NAMES:
        return None
    try:
        port = parts.port or 80
    except ValueError:
        return None
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    return host, port, parts.path or "/"


def code_from_answer(text: str, state: str) -> str:
    """The authorization code in what the user pasted: the code itself, or the whole address
    the browser was sent to (whose ``state`` must be this authorization's)."""
    text = text.strip()
    if not text:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Paste the code the channel showed after "
                                         "you allowed Rendo (or the whole address)."))
    if "?" in text or "://" in text or "code=" in text:
        query = urlsplit(text).query if "?" in text else text
        return code_in_query(parse_qs(query), state)
    if any(c.isspace() or ord(c) < 32 for c in text) or len(text) > 4096:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "This does not look like an authorization "
                                         "code: paste the code or the whole address."))
    return text


def code_in_query(query: dict[str, list[str]], state: str) -> str:
    """The code in a redirect's query; refuses a denial, another state and a missing code."""
    error = (query.get("error") or [""])[0]
    if error:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The channel did not authorize Rendo "
                                         "({error}). Click Connect… to try again."),
                       error=error[:100])
    if not secrets.compare_digest((query.get("state") or [""])[0], state):
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "This answer does not belong to the "
                                         "authorization Rendo asked for just now. Click "
                                         "Connect… and allow Rendo again."))
    code = (query.get("code") or [""])[0].strip()
    if not code:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "The channel's answer holds no "
                                         "authorization code."))
    return code


PAGE_DONE = QT_TRANSLATE_NOOP("OAuthRedirect", "Rendo is connected to the channel. You can "
                              "close this tab and go back to Rendo.")
PAGE_DENIED = QT_TRANSLATE_NOOP("OAuthRedirect", "Rendo was not authorized. You can close this "
                                "tab; click Connect… in Rendo to try again.")
PAGE_FOREIGN = QT_TRANSLATE_NOOP("OAuthRedirect", "This answer does not belong to Rendo's "
                                 "request. Rendo keeps waiting for the right one.")
PAGE_TITLE = QT_TRANSLATE_NOOP("OAuthRedirect", "Rendo")


class LoopbackRedirect:
    """A one-shot listener on this PC for the browser's redirect after the authorization.

    ``on_answer(code, None)`` or ``on_answer("", refusal)`` is called once, from the
    listener's thread: with the code of a redirect carrying *state*, with a refusal when the
    user denied Rendo or *timeout_s* passed. A redirect with another state is answered and
    ignored (it is not Rendo's). ``cancel`` stops it without an answer.
    """

    def __init__(self, redirect_uri: str, state: str, on_answer: Answer,
                 timeout_s: float = DEFAULT_TIMEOUT_S, language: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        address = loopback_address(redirect_uri)
        if address is None:
            raise ValueError(f"not a loopback redirect: {redirect_uri!r}")
        host, port, self.path = address
        self.state = state
        self.language = language
        self._on_answer = on_answer
        self._timeout_s = timeout_s
        self._clock = clock
        self._done = threading.Event()
        self._answered = threading.Lock()
        self._server = _bind(host, port, self)
        self._thread = threading.Thread(target=self._serve, name="oauth-redirect", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        """Stop listening; ``on_answer`` is not called any more."""
        self._done.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()
        self._server.server_close()

    @property
    def listening(self) -> bool:
        return self._thread.is_alive()

    def _serve(self) -> None:
        deadline = self._clock() + self._timeout_s
        try:
            while not self._done.is_set():
                left = deadline - self._clock()
                if left <= 0:
                    self._finish("", BadInput(QT_TRANSLATE_NOOP(
                        "Errors", "No answer came from the browser within {minutes} minutes. "
                        "Click Connect… to try again."),
                        minutes=max(1, round(self._timeout_s / 60))))
                    break
                self._server.timeout = min(POLL_S, left)
                self._server.handle_request()
        finally:
            self._server.server_close()

    def _finish(self, code: str, refusal: RendoError | None) -> None:
        with self._answered:
            if self._done.is_set():
                return
            self._done.set()
        self._on_answer(code, refusal)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, str]:
        """The status and page for one request of the browser (the handler's part)."""
        if path != self.path:
            return 404, ""
        try:
            code = code_in_query(query, self.state)
        except BadInput as refusal:
            if (query.get("error") or [""])[0]:
                self._finish("", refusal)
                return 200, PAGE_DENIED
            return 400, PAGE_FOREIGN
        self._finish(code, None)
        return 200, PAGE_DONE


class _Server(socketserver.TCPServer):
    # On Windows SO_REUSEADDR would let another program take the port from under us.
    allow_reuse_address = os.name != "nt"
    listener: LoopbackRedirect


class _Server6(_Server):
    address_family = socket.AF_INET6


def _bind(host: str, port: int, listener: LoopbackRedirect) -> _Server:
    try:
        server = (_Server6 if ":" in host else _Server)((host, port), _Handler)
    except OSError:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Rendo cannot listen for the answer at "
                                         "{host}:{port} on this PC (the port is in use or not "
                                         "allowed). Close the program using it, or register "
                                         "another redirect address."),
                       host=host, port=port) from None
    server.listener = listener
    return server


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        listener = self.server.listener
        status, page = listener.answer(parts.path, parse_qs(parts.query))
        words = html.escape(translate_in(listener.language, "OAuthRedirect", page)) if page \
            else ""
        title = html.escape(translate_in(listener.language, "OAuthRedirect", PAGE_TITLE))
        body = (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>"
                f"</head><body><p>{words}</p></body></html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Never the request line: it holds the code."""
        log.debug("authorization redirect answered")


__all__ = ["DEFAULT_TIMEOUT_S", "LoopbackRedirect", "code_from_answer", "code_in_query",
           "loopback_address", "new_state"]
