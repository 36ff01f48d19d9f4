"""Hostile HTTP servers on loopback for the HTTP client's tests: drips, floods, silences,
redirects. ``HostileServer(behaviour)``: *behaviour(handler)* writes the whole answer."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.hits += 1
        self.server.asked.set()
        with contextlib.suppress(OSError):
            self.server.behaviour(self)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    behaviour: Behaviour
    hits: int
    asked: threading.Event
    stopping: threading.Event

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class HostileServer:
    def __init__(self, behaviour: Behaviour, host: str = "127.0.0.1") -> None:
        self.httpd = _Server((host, 0), _Handler)
        self.httpd.behaviour, self.httpd.hits = behaviour, 0
        self.httpd.asked, self.httpd.stopping = threading.Event(), threading.Event()
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def hits(self) -> int:
        return self.httpd.hits

    @property
    def asked(self) -> threading.Event:
        """Set once a request has arrived."""
        return self.httpd.asked

    @property
    def stopping(self) -> threading.Event:
        return self.httpd.stopping

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def headers(handler: BaseHTTPRequestHandler, status: int = 200,
            length: int | None = None, **extra: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    if length is not None:
        handler.send_header("Content-Length", str(length))
    for name, value in extra.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.flush()


def drip(every_s: float, total: int = 10_000) -> Behaviour:
    """Headers, then one byte every *every_s* seconds: each read is quick, the answer never
    ends (for longer than any test)."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, length=total)
        for _ in range(total):
            if handler.server.stopping.wait(every_s):  # type: ignore[attr-defined]
                return
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return behave


def flood(declared: int | None, limit: int = 200 * 1024 * 1024,
          chunked: bool = False) -> Behaviour:
    """Zeros as fast as the client takes them, up to *limit* bytes; *declared* is the
    Content-Length sent (None: no length, the body is chunked or ends when the connection
    closes)."""

    def behave(handler: BaseHTTPRequestHandler) -> None:
        extra = {"Transfer_Encoding": "chunked"} if chunked else {}
        if declared is None and not chunked:
            handler.protocol_version = "HTTP/1.0"  # a body delimited by closing
        headers(handler, length=declared, **extra)
        block = b"0" * 65536
        if chunked:
            block = b"%x\r\n%s\r\n" % (len(block), block)
        sent = 0
        while sent < limit and not handler.server.stopping.is_set():  # type: ignore[attr-defined]
            handler.wfile.write(block)
            sent += len(block)

    return behave


def silence(handler: BaseHTTPRequestHandler) -> None:
    """Read the request, answer nothing until the server stops."""
    handler.server.stopping.wait(60)  # type: ignore[attr-defined]


def redirect(location: str, status: int = 302) -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, status=status, length=0, Location=location)

    return behave


def answer(body: bytes = b"{}") -> Behaviour:
    def behave(handler: BaseHTTPRequestHandler) -> None:
        headers(handler, length=len(body))
        handler.wfile.write(body)

    return behave

