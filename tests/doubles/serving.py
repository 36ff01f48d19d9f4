"""What the HTTP doubles share: a server on a free loopback port, started and stopped on
demand, and a clock the tests can move on (``advance``) or run on simulated time."""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ServedDouble(ABC):
    """A channel's double served by ``handler()`` (which finds it as ``server.double``)."""

    name = "double"  # the server thread's name, before its port

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.offset = 0.0  # ``advance`` moves the double's time on
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @abstractmethod
    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler that answers as the channel's API does."""

    def now(self) -> float:
        return self._clock() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def start(self) -> None:
        if self._httpd is not None:
            return
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        httpd.daemon_threads = True
        httpd.double = self  # type: ignore[attr-defined]
        self._httpd, self.port = httpd, httpd.server_address[1]
        self._thread = threading.Thread(target=httpd.serve_forever, name=f"{self.name}-{self.port}",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None
