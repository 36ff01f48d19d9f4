"""The HTTP helper every channel adapter shares: HTTPS only, retries, back-off, rate limit.

Retries server errors, 429s (honouring Retry-After), timeouts, dropped connections and
malformed JSON with exponential back-off and jitter. A Retry-After longer than ``max_backoff``
is not slept through: the call fails at once with ``ChannelError.retry_after`` set, so the
sync engine reschedules instead of blocking its thread. Messages never contain the token.

``requests``' timeout bounds each read, not the call: a channel that drips a byte every few
seconds would hold a call forever. So every call has a total deadline (``deadline_s``, connect
and retries included, and never past ``cycle_deadline`` when the engine sets one), answers
are read in chunks up to ``max_answer_bytes`` (a bigger one is refused, not retried), and
redirects are never followed (a 3xx is a refusal). Each exchange runs in a short-lived helper
thread, so the caller returns at the deadline or at ``cancel()`` even while a read or a name
look-up is stuck; the helper stops at its next chunk or read timeout.
"""

from __future__ import annotations

import json as jsonlib
import logging
import random
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from urllib3 import exceptions as urllib3_errors

from .base import MAX_WAIT_S, ChannelError, ErrorKind
from .urls import parse_channel_url, same_origin

log = logging.getLogger(__name__)


class _NoQueries(logging.Filter):
    """urllib3 logs each request's path at DEBUG, query included: not a query, which may be
    a signature (Amazon's pre-signed document addresses, OAuth 1.0a), should Rendo's log
    ever be set that low."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_shown(a) if isinstance(a, str) and a.startswith("/") else a
                                for a in record.args)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_NoQueries())

USER_AGENT = "Rendo/0.1 (+stock sync)"
NOT_RETRIED = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
               requests.exceptions.InvalidSchema, requests.exceptions.InvalidHeader)
DEFAULT_DEADLINE_S = 60.0  # one call, all attempts included
MAX_ANSWER_BYTES = 32 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MIN_SECRET = 6  # shorter credential values are not secrets (versions, ids)


class HttpStatusError(ChannelError):
    """The channel refused the whole call with this HTTP status (not worth retrying)."""

    def __init__(self, message: str, status: int, retry_after: float | None = None,
                 kind: ErrorKind | None = None) -> None:
        super().__init__(message, retry_after, kind or status_kind(status))
        self.status = status


def status_kind(status: int) -> ErrorKind:
    """The kind of a refusal by HTTP status alone (an adapter that knows better says so)."""
    if status == 401:
        return ErrorKind.AUTHENTICATION
    # 403 alone is not "credentials refused" (a firewall in front of the shop says it too):
    # the adapters of channels whose API means that by it say so themselves
    if status == 404:
        return ErrorKind.NOT_FOUND
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status >= 500:
        return ErrorKind.SERVER_ERROR
    return ErrorKind.REFUSED


class CallCancelled(ChannelError):
    """The call was given up because Rendo is stopping (``HttpClient.cancel``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=ErrorKind.UNREACHABLE)


class _Retry(Exception):
    """A passing failure of one attempt."""

    def __init__(self, message: str, retry_after: float | None = None,
                 kind: ErrorKind = ErrorKind.UNREACHABLE) -> None:
        super().__init__(message)
        self.message, self.retry_after, self.kind = message, retry_after, kind


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None.

    Never more than MAX_WAIT_S: ``inf`` or 99999999999999 is a channel's bug, not a
    reason to stop syncing it for ever (nor to overflow a date).
    """
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(float(MAX_WAIT_S), max(0.0, seconds))


@dataclass
class _Answer:
    status: int
    headers: Any
    content: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """A channel's answer: status, parsed JSON (None for an empty body) and headers (a
    case-insensitive mapping)."""

    status: int
    body: Any
    headers: Any


class _Exchange:
    """One HTTP exchange, run in a helper thread; the caller waits on ``wake``."""

    def __init__(self, client: HttpClient, method: str, url: str, deadline: float,
                 **kwargs: Any) -> None:
        self.client, self.method, self.url, self.deadline = client, method, url, deadline
        self.kwargs = kwargs
        self.wake = threading.Event()  # set when done, or by cancel()
        self.abandoned = False
        self.answer: _Answer | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.answer = self._fetch()
        except BaseException as error:  # handed to the caller's thread
            self.error = error
        finally:
            self.wake.set()

    def _fetch(self) -> _Answer:
        client = self.client
        response = client.session.request(self.method, self.url, stream=True,
                                          allow_redirects=False, **self.kwargs)
        try:
            cap = client.max_answer_bytes
            length = response.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > cap:
                raise _TooBig(int(length))
            body = bytearray()
            while not self.abandoned and time.monotonic() < self.deadline:
                chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
                if not chunk:
                    return _Answer(response.status_code, response.headers, bytes(body))
                body += chunk
                with client._lock:
                    client.received_bytes += len(chunk)
                if len(body) > cap:
                    raise _TooBig(None)
            raise _Late()
        finally:
            response.close()


class _TooBig(Exception):
    def __init__(self, declared: int | None) -> None:
        super().__init__(declared)
        self.declared = declared


class _Late(Exception):
    """The answer did not end before the call's deadline."""


class HttpClient:
    """JSON over HTTP(S) on one requests.Session; ``calls`` counts every attempt sent and
    ``received_bytes`` every body byte read."""

    def __init__(self, base_url: str, token_getter: Callable[[], str | None] | None = None,
                 auth: Callable[[], dict[str, str]] | None = None,
                 secrets: Callable[[], list[str]] | None = None,
                 sign: Callable[[str, str, dict[str, Any] | None], dict[str, Any] | None]
                 | None = None,
                 timeout: float | tuple[float, float] = (3.05, 10), max_retries: int = 4,
                 backoff_base: float = 0.5, max_backoff: float = 30,
                 rate_per_s: float | None = None,
                 sleep: Callable[[float], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 deadline_s: float = DEFAULT_DEADLINE_S,
                 max_answer_bytes: int = MAX_ANSWER_BYTES) -> None:
        self.address = parse_channel_url(base_url)
        self.base_url = self.address.url
        self.token_getter = token_getter
        self.auth = auth  # the adapter's auth strategy: headers for each call
        self.secrets = secrets  # every secret value, scrubbed from messages
        # (method, url, params) -> the params to send, for each attempt (OAuth 1.0a query
        # signing: a fresh nonce and timestamp every time)
        self.sign = sign
        self.timeout, self.max_retries = timeout, max_retries
        self.backoff_base, self.max_backoff = backoff_base, max_backoff
        self.rate_per_s, self.clock = rate_per_s, clock
        self._sleep = sleep
        self.deadline_s, self.max_answer_bytes = deadline_s, max_answer_bytes
        self.cycle_deadline: float | None = None  # time.monotonic() value; set by the engine
        self.calls = 0
        self.received_bytes = 0
        self.session = requests.Session()
        # Not the environment's proxies or .netrc: a proxy would see a loopback call's token in
        # clear text (http_proxy without no_proxy), and .netrc could add credentials of its own.
        self.session.trust_env = False
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._random = random.Random()
        self._cancelled = threading.Event()
        self._running: set[_Exchange] = set()

    def close(self) -> None:
        self.session.close()

    def cancel(self) -> None:
        """Give up every call now and from now on (Rendo is stopping); any thread may call."""
        self._cancelled.set()
        with self._lock:
            running = list(self._running)
        for exchange in running:
            exchange.abandoned = True
            exchange.wake.set()
        self.session.close()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def sleep(self, seconds: float) -> None:
        """Wait, but not past cancel()."""
        if self._sleep is not None:
            self._sleep(seconds)
        elif seconds > 0:
            self._cancelled.wait(seconds)
        self._check_cancelled()

    def _check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise CallCancelled("the call was cancelled: Rendo is stopping")

    def request(self, method: str, path: str, json: Any = None,
                params: dict[str, Any] | None = None,
                ok: Collection[int] = (200, 201, 207),
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """(status, parsed JSON or None) for a status in *ok*, or 409 (a conflict is an answer).

        Raises ChannelError when the retries or the deadline are spent, HttpStatusError for
        other refusals, CallCancelled after cancel().
        """
        reply = self.call(method, path, json, params, ok, headers)
        return reply.status, reply.body

    def call(self, method: str, path: str, json: Any = None,
             params: dict[str, Any] | None = None,
             ok: Collection[int] = (200, 201, 207),
             headers: dict[str, str] | None = None, form: dict[str, str] | None = None,
             data: bytes | None = None, raw: bool = False) -> Reply:
        """As ``request``, with the answer's headers (paging, rate budget); *form* sends an
        ``application/x-www-form-urlencoded`` body instead of JSON (OAuth token calls), *data*
        a body as it is (XML); *raw*: the answer's body is its bytes, not parsed as JSON."""
        self._check_cancelled()
        target, path = path, _shown(path)  # the query of a pre-signed address stays unsaid
        deadline = time.monotonic() + self.deadline_s
        if self.cycle_deadline is not None:
            if time.monotonic() >= self.cycle_deadline:
                raise ChannelError(f"{method} {path}: not sent: the time allowed for one sync "
                                   "cycle is over", kind=ErrorKind.UNREACHABLE)
            deadline = min(deadline, self.cycle_deadline)
        problem, retry_after, kind = "", None, ErrorKind.UNREACHABLE
        for attempt in range(self.max_retries + 1):
            if attempt:
                delay = self._delay(attempt, retry_after)
                if time.monotonic() + delay >= deadline:
                    break
                self.sleep(delay)
            self._check_cancelled()
            try:
                return self._attempt(method, target, json, params, ok, deadline, headers, form,
                                     data, raw)
            except _Retry as passing:
                problem, retry_after, kind = passing.message, passing.retry_after, passing.kind
            log.info("%s %s: %s (attempt %d of %d)", method, path, problem, attempt + 1,
                     self.max_retries + 1)
            if retry_after is not None and retry_after > self.max_backoff:
                raise ChannelError(self._clean(
                    f"{method} {path}: {problem}; the channel asks to wait {retry_after:g} s"),
                    retry_after, kind)
            if time.monotonic() >= deadline:
                break
        else:
            raise ChannelError(self._clean(
                f"{method} {path}: {problem} (gave up after {self.max_retries + 1} attempts)"),
                retry_after, kind)
        late = "" if problem.startswith("no complete answer") else (
            f" (gave up: no complete answer within {self._limit_words(deadline)})")
        raise ChannelError(self._clean(f"{method} {path}: {problem}{late}"), retry_after, kind)

    def _limit_words(self, deadline: float) -> str:
        if self.cycle_deadline is not None and deadline >= self.cycle_deadline:
            return "the time allowed for one sync cycle"
        return f"{self.deadline_s:g} s"

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential back-off with jitter, never shorter than the channel's Retry-After."""
        backoff = min(self.max_backoff, self.backoff_base * 2.0 ** (attempt - 1))
        backoff *= self._random.uniform(0.5, 1.0)
        return max(backoff, retry_after or 0.0)

    def _wait_for_slot(self) -> None:
        """The client-side rate limit: calls start at least 1/rate_per_s apart."""
        if not self.rate_per_s:
            return
        with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate_per_s
        if slot > now:
            self.sleep(slot - now)

    def _timeouts(self, deadline: float) -> tuple[float, float]:
        connect, read = self.timeout if isinstance(self.timeout, tuple) else (self.timeout,) * 2
        left = max(0.001, deadline - time.monotonic())
        return min(connect, left), min(read, left)

    def _attempt(self, method: str, path: str, json: Any, params: dict[str, Any] | None,
                 ok: Collection[int], deadline: float, extra_headers: dict[str, str] | None,
                 form: dict[str, str] | None, data: bytes | None = None,
                 raw: bool = False) -> Reply:
        self._wait_for_slot()
        url, path = self.base_url + path, _shown(path)
        if not same_origin(url, self.address):
            raise ChannelError(f"{method} {path}: refused: the call would leave "
                               f"{self.address.url}", kind=ErrorKind.REFUSED)
        headers = dict(self.auth()) if self.auth else {}
        if self.sign is not None:
            params = self.sign(method, url, params)
        token = self.token_getter() if self.token_getter else None
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra_headers or {})
        with self._lock:
            self.calls += 1
        body: dict[str, Any] = ({"data": form} if form is not None else {"data": data}
                                if data is not None else {"json": json})
        exchange = _Exchange(self, method, url, deadline, params=params, headers=headers,
                             timeout=self._timeouts(deadline), **body)
        with self._lock:
            self._running.add(exchange)
        try:
            threading.Thread(target=exchange.run, name="rendo-http", daemon=True).start()
            exchange.wake.wait(max(0.0, deadline - time.monotonic()) + 0.5)
        finally:
            with self._lock:
                self._running.discard(exchange)
        if exchange.answer is None and exchange.error is None:
            exchange.abandoned = True  # the helper stops at its next chunk or read timeout
            self._check_cancelled()
            raise _Retry(f"no complete answer within {self._limit_words(deadline)}")
        self._check_cancelled()
        if exchange.error is not None:
            self._failure(method, path, exchange.error, deadline)
        assert exchange.answer is not None
        log.debug("%s %s -> %d", method, path, exchange.answer.status)
        if raw and exchange.answer.status in ok:
            return Reply(exchange.answer.status, exchange.answer.content,
                         exchange.answer.headers)
        return self._answer(method, path, exchange.answer, ok)

    def _failure(self, method: str, path: str, error: BaseException, deadline: float) -> None:
        """Raise what one failed exchange means: a retry, or a refusal."""
        if isinstance(error, NOT_RETRIED):
            raise ChannelError(f"{method} {path}: bad request ({type(error).__name__})",
                               kind=ErrorKind.REFUSED)
        if isinstance(error, _TooBig):
            size = f" ({error.declared:,} bytes)" if error.declared is not None else ""
            raise ChannelError(f"{method} {path}: the channel's answer is too large{size}; "
                               f"Rendo reads at most {self.max_answer_bytes:,} bytes",
                               kind=ErrorKind.MALFORMED)
        if isinstance(error, _Late):
            raise _Retry(f"no complete answer within {self._limit_words(deadline)}")
        if isinstance(error, requests.Timeout | urllib3_errors.ReadTimeoutError):
            limit = self.timeout[-1] if isinstance(self.timeout, tuple) else self.timeout
            raise _Retry(f"no answer within {limit:g} s")
        if isinstance(error, urllib3_errors.DecodeError):
            raise _Retry("the answer could not be decoded", kind=ErrorKind.MALFORMED)
        if isinstance(error, requests.RequestException | urllib3_errors.HTTPError | OSError):
            raise _Retry(f"connection to {self.address.url.split('://', 1)[1]} failed "
                         f"({type(error).__name__})")
        raise error

    def _answer(self, method: str, path: str, response: _Answer,
                ok: Collection[int]) -> Reply:
        """A status in *ok* is the adapter's to read, whatever it is (a 401 that means "renew
        the token", a 400 with per-item errors); the others are judged here."""
        status = response.status
        if status in ok:
            if status >= 400 and not _is_json(response):  # a proxy's or firewall's page
                return Reply(status, None, response.headers)
            return Reply(status, self._json(response), response.headers)
        if status in (401, 403):
            raise HttpStatusError(f"authentication failed (HTTP {status}) on {method} {path}: "
                                  "check the channel's credentials", status)
        if 300 <= status < 400:
            raise HttpStatusError(f"{method} {path} refused: the channel answered with a "
                                  f"redirect (HTTP {status}), which Rendo does not follow; "
                                  "check the channel's address", status)
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            what = "rate limited" if status == 429 else "server error"
            raise _Retry(f"{what} (HTTP {status})", retry_after, status_kind(status))
        if status == 409:
            return Reply(status, self._json(response), response.headers)
        detail = _error_text(response)
        raise HttpStatusError(self._clean(
            f"{method} {path} refused (HTTP {status}){': ' + detail if detail else ''}"), status)

    @staticmethod
    def _json(response: _Answer) -> Any:
        if not response.content:
            return None
        try:
            return jsonlib.loads(response.content)
        except ValueError:
            raise _Retry(f"malformed JSON in the answer (HTTP {response.status})",
                         kind=ErrorKind.MALFORMED) from None

    def _clean(self, message: str) -> str:
        """Belt and braces: no secret ever leaves in a message."""
        token = self.token_getter() if self.token_getter else None
        for secret in [*(self.secrets() if self.secrets else []), *([token] if token else [])]:
            if secret and len(secret) >= MIN_SECRET:  # not "1" (a key version) in "HTTP 401"
                message = message.replace(secret, "***")
        return message


def _shown(path: str) -> str:
    """*path* for a message or the log: without a query, which may be a signature (the
    pre-signed document addresses of Amazon's Feeds and Reports APIs)."""
    return path.split("?", 1)[0]


def _is_json(response: _Answer) -> bool:
    try:
        jsonlib.loads(response.content or b"null")
    except ValueError:
        return False
    return True


def _error_text(response: _Answer) -> str:
    try:
        body = jsonlib.loads(response.content)
    except ValueError:
        return ""
    if isinstance(body, dict) and "error" in body:
        extra = {k: v for k, v in body.items() if k != "error"}
        return f"{body['error']}{' ' + jsonlib.dumps(extra, ensure_ascii=False) if extra else ''}"
    return ""
