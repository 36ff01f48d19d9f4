"""Feed and report documents: the pre-signed addresses Amazon's Feeds and Reports APIs hand out
(``url`` of createFeedDocument, getFeedDocument and getReportDocument; Amazon S3, a host other
than the SP-API endpoint).

Such an address is its own credential (the query is a signature, valid five minutes), so it is
called with no ``x-amz-access-token`` and nothing else of Rendo's: a fresh HttpClient without
auth for each document, on the address policy of app/channels/urls.py (HTTPS; plain http only
to this PC, for the tests' double), no redirects followed, the answer size-capped, and the
query never written into a message or the log. A document compressed with GZIP
(``compressionAlgorithm``) is unpacked here, also under a cap. S3 may also send a document with
``Content-Encoding: gzip`` (an object stored with that metadata): the HTTP layer unpacks that
transfer encoding, so a GZIP document may arrive already unpacked, which its first bytes tell
(every GZIP stream starts with 1f 8b; a report or a JSON processing report never does).
Rendo does not ask for that (get*Document's ``enableContentEncodingUrlHeader``, default
false: "identity"), so that its own cap on the unpacked size holds.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

from ..base import ChannelError, ErrorKind
from ..http import HttpClient
from ..urls import ChannelUrlRefused, parse_channel_url

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # a document as sent (compressed or not)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # a GZIP document once unpacked
DOCUMENT_DEADLINE_S = 600.0  # one transfer (a report of 100,000 listings on a slow line)


GZIP_MAGIC = b"\x1f\x8b"


def unpack(data: bytes, compression: str | None, limit: int = MAX_UNPACKED_BYTES) -> bytes:
    """*data* as Amazon made it: GZIP unpacked (at most *limit* bytes), else as it is; a GZIP
    document the transfer's Content-Encoding already unpacked is taken as it is."""
    if not compression:
        return data
    if compression.upper() != "GZIP":
        raise ChannelError(f"Amazon's document uses {compression}, which Rendo cannot unpack",
                           kind=ErrorKind.MALFORMED)
    if not data.startswith(GZIP_MAGIC):
        log.debug("a GZIP document came unpacked (Content-Encoding: gzip)")
        return data
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = unpacker.decompress(data, limit + 1)
    except zlib.error:
        raise ChannelError("Amazon's GZIP document could not be unpacked",
                           kind=ErrorKind.MALFORMED) from None
    if len(out) > limit or unpacker.unconsumed_tail:
        raise ChannelError(f"Amazon's document is larger than {limit:,} bytes once unpacked",
                           kind=ErrorKind.MALFORMED)
    if not unpacker.eof:  # cut short: never taken for a shorter document
        raise ChannelError("Amazon's GZIP document ends before its end (incomplete)",
                           kind=ErrorKind.MALFORMED)
    return out


class Documents:
    """Upload to and download from pre-signed document addresses, within the cycle's deadline
    and ``cancel()`` of the adapter."""

    def __init__(self, deadline: Callable[[], float | None],
                 sleep: Callable[[float], None] | None = None) -> None:
        self._deadline = deadline
        self._sleep = sleep
        self._lock = threading.Lock()
        self._running: HttpClient | None = None
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            running = self._running
        if running is not None:
            running.cancel()

    def _client(self, url: str, what: str) -> tuple[HttpClient, str]:
        """An HttpClient for the address's scheme and host, and the path with its query."""
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        try:
            parse_channel_url(base)
        except ChannelUrlRefused:
            # the address without its query (a signature)
            raise ChannelError(f"Amazon's {what} address {base}{parts.path} is refused: "
                               "Rendo calls https:// addresses only", kind=ErrorKind.REFUSED
                               ) from None
        client = HttpClient(base, sleep=self._sleep, max_answer_bytes=MAX_DOCUMENT_BYTES,
                            max_retries=2, deadline_s=DOCUMENT_DEADLINE_S)
        client.cycle_deadline = self._deadline()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return client, target

    def _run(self, url: str, what: str, method: str, data: bytes | None = None,
             content_type: str | None = None) -> bytes:
        client, target = self._client(url, what)
        with self._lock:
            if self._cancelled:
                client.cancel()
            self._running = client
        try:
            headers = {"Content-Type": content_type} if content_type else None
            reply = client.call(method, target, ok=(200, 400, 401, 403, 404, 410),
                                headers=headers, data=data, raw=True)
        finally:
            with self._lock:
                self._running = None
            client.close()
        if reply.status != 200:
            # a refusal of the document store (an expired signature…) is not Rendo's
            # credentials being refused: the channel is not stopped for it
            kind = ErrorKind.NOT_FOUND if reply.status in (404, 410) else ErrorKind.REFUSED
            raise ChannelError(f"Amazon's document store refused the {what} (HTTP "
                               f"{reply.status})", kind=kind)
        return bytes(reply.body or b"")

    def upload(self, url: str, data: bytes, content_type: str) -> None:
        """PUT *data* with the content type given to createFeedDocument."""
        self._run(url, "feed document", "PUT", data=data, content_type=content_type)

    def download(self, url: str, compression: str | None, what: str = "document") -> bytes:
        return unpack(self._run(url, what, "GET"), compression)
