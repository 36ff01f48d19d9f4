"""Large uploads as one JSON listings feed (Feeds API 2021-06-30, feedType JSON_LISTINGS_FEED).

From github.com/amzn/selling-partner-api-models: models/feeds-api-model/feeds_2021-06-30.json,
schemas/feeds/listings-feed-schema-v2.json (+ .example.json) and
schemas/feeds/listings-feed-processing-report-schema-v2.json (+ .example.json).

createFeedDocument ``{contentType}`` → PUT the JSON to the pre-signed ``url`` with that content
type → createFeed ``{feedType, marketplaceIds, inputFeedDocumentId}`` → (a later cycle) getFeed
until ``processingStatus`` is DONE, FATAL or CANCELLED → getFeedDocument(``resultFeedDocumentId``)
→ download the processing report (GZIP when ``compressionAlgorithm`` says so). Each message
PATCHes ``/attributes/fulfillment_availability`` with the DEFAULT (merchant) channel's quantity,
exactly as one patchListingsItem does: ``merge`` (listings-feed-schema-v2.example.json, message
5), so the listing's handling time and restock date stay as they are.

When (``FEED_MIN``): a batch of at least 100 SKUs goes as one feed, fewer as patches. A patch
costs one call of patchListingsItem's 5 a second (100 take some 20 s of a cycle, 1,000 over
three minutes) and is validated at once; a feed costs three calls now and three later
(getFeed, getFeedDocument, the download) whatever its size, but createFeed's usage plan is one
call every two minutes after a burst of 15 (JSON_LISTINGS_FEED: five feeds per five minutes a
region), Amazon processes one seller's feeds of a type one after another and asks for fewer,
larger feeds rather than many small ones (Feeds API Best Practices). ``FEED_MAX``: 10,000
messages a feed (Amazon takes 25,000 since May 2025; 10,000 keep the document near 3 MB, well
under the 10 MiB Amazon recommends, and one feed covers a 10,000-listing shop).

What Amazon refused: the processing report's issues of severity ERROR (each names its
``sku`` or ``messageId``; one without either concerns the whole feed) are written to the log
with the SKU and Amazon's message at once, and kept: the next ``set_quantities`` for that SKU
answers REJECTED with that message (the listing shows it; it counts towards suspension) and the
one after sends the number again. Meanwhile the number stays pending, and the read-back says
whether Amazon shows it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ..base import STOPPING_KINDS, ChannelError, ErrorKind, QuantityUpdate
from .api import SpApi
from .documents import Documents

log = logging.getLogger(__name__)

FEED_MIN = 100  # SKUs in one batch from which a feed is sent instead of patches
FEED_MAX = 10_000  # messages in one feed (Amazon's limit: 25,000)
FEED_TYPE = "JSON_LISTINGS_FEED"
CONTENT_TYPE = "application/json; charset=UTF-8"
POLL_S = 30.0  # a feed's status is asked at most this often
GIVE_UP_S = 24 * 3600  # a feed not done after this long is forgotten (the read-back decides)
FINAL = ("DONE", "FATAL", "CANCELLED")
LOGGED = 50  # refused SKUs written to the log one by one, per feed


@dataclass
class _Feed:
    feed_id: str
    skus: dict[int, str]  # messageId -> SKU
    sent_at: float
    checked_at: float
    status: str = "IN_QUEUE"
    errors: dict[str, list[str]] = field(default_factory=dict)


def feed_document(seller: str, updates: Sequence[QuantityUpdate], merchant: str) -> bytes:
    """The JSON listings feed (schema v2) setting each update's merchant-fulfilled quantity."""
    messages = [{"messageId": number, "sku": update.channel_item_id, "operationType": "PATCH",
                 "productType": "PRODUCT", "patches": [{
                     "op": "merge", "path": "/attributes/fulfillment_availability",
                     "value": [{"fulfillment_channel_code": merchant,
                                "quantity": max(0, update.quantity)}]}]}
                for number, update in enumerate(updates, 1)]
    document = {"header": {"sellerId": seller, "version": "2.0", "issueLocale": "en_US"},
                "messages": messages}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def report_errors(report: Any, skus: dict[int, str]) -> tuple[dict[str, list[str]], list[str]]:
    """({SKU: Amazon's messages}, messages about the whole feed) of a processing report."""
    if not isinstance(report, dict):
        raise ChannelError("the feed's processing report is not readable",
                           kind=ErrorKind.MALFORMED)
    per_sku: dict[str, list[str]] = {}
    whole: list[str] = []
    for issue in report.get("issues") or []:
        if not isinstance(issue, dict) or issue.get("severity") != "ERROR":
            continue
        message = str(issue.get("message") or "")
        if issue.get("code"):
            message = f"{message} ({issue['code']})"
        sku = issue.get("sku")
        if not sku and isinstance(issue.get("messageId"), int):
            sku = skus.get(issue["messageId"])
        if sku:
            per_sku.setdefault(str(sku), []).append(message)
        else:
            whole.append(message)
    return per_sku, whole


class Feeds:
    """The feeds this adapter sent and what Amazon refused in them."""

    def __init__(self, sp: SpApi, documents: Documents, seller: str, marketplace: str,
                 merchant: str, clock: Callable[[], float] = time.time) -> None:
        self.sp, self.documents = sp, documents
        self.seller, self.marketplace, self.merchant = seller, marketplace, merchant
        self.clock = clock
        self.pending: list[_Feed] = []
        self.errors: dict[str, str] = {}  # SKU -> what Amazon said, until answered once

    def submit(self, updates: Sequence[QuantityUpdate]) -> str:
        """Send *updates* as one feed; its id. Raises ChannelError when it is not sent."""
        data = feed_document(self.seller, updates, self.merchant)
        created = self.sp.call("createFeedDocument", "POST", "/feeds/2021-06-30/documents",
                               json={"contentType": CONTENT_TYPE}, found=(201,)).body
        if not isinstance(created, dict) or not created.get("url") or not created.get(
                "feedDocumentId"):
            raise ChannelError("createFeedDocument: unreadable answer", kind=ErrorKind.MALFORMED)
        self.documents.upload(str(created["url"]), data, CONTENT_TYPE)
        answer = self.sp.call("createFeed", "POST", "/feeds/2021-06-30/feeds", json={
            "feedType": FEED_TYPE, "marketplaceIds": [self.marketplace],
            "inputFeedDocumentId": str(created["feedDocumentId"])}, found=(202,)).body
        if not isinstance(answer, dict) or not answer.get("feedId"):
            raise ChannelError("createFeed: unreadable answer", kind=ErrorKind.MALFORMED)
        now = self.clock()
        feed = _Feed(str(answer["feedId"]), {n: u.channel_item_id for n, u in
                                              enumerate(updates, 1)}, now, now)
        self.pending.append(feed)
        log.info("amazon: feed %s sent with %d listings (%d bytes)", feed.feed_id,
                 len(updates), len(data))
        return feed.feed_id

    def take_error(self, sku: str) -> str | None:
        """What Amazon refused for *sku* in a feed, once (then forgotten)."""
        return self.errors.pop(sku, None)

    def check(self) -> None:
        """Read the processing reports of the feeds Amazon has finished since the last look
        (each feed asked at most every ``POLL_S``). Never fails the caller, except for
        refused credentials: the read-back still says what landed."""
        try:
            for feed in list(self.pending):
                self._check(feed)
        except ChannelError as error:
            if error.kind in STOPPING_KINDS:
                raise
            log.info("amazon: the feeds' processing reports are read later: %s", error)

    def _check(self, feed: _Feed) -> None:
        now = self.clock()
        if now - feed.checked_at < POLL_S:
            return
        feed.checked_at = now
        path = f"/feeds/2021-06-30/feeds/{quote(feed.feed_id, safe='')}"
        reply = self.sp.call("getFeed", "GET", path, found=(404,))
        if reply.status == 404:
            log.warning("amazon: feed %s is not known to Amazon any more; the read-back shows "
                        "which numbers landed", feed.feed_id)
            self.pending.remove(feed)
            return
        body = reply.body
        if not isinstance(body, dict):
            raise ChannelError("getFeed: unreadable answer", kind=ErrorKind.MALFORMED)
        feed.status = str(body.get("processingStatus") or "")
        if feed.status not in FINAL:
            if now - feed.sent_at > GIVE_UP_S:
                log.warning("amazon: feed %s is still %s after a day; not followed any more",
                            feed.feed_id, feed.status)
                self.pending.remove(feed)
            return
        result = body.get("resultFeedDocumentId")
        if result:
            self._read_report(feed, str(result))
        elif feed.status != "DONE":
            log.warning("amazon: feed %s ended %s without a processing report; the read-back "
                        "shows which numbers landed", feed.feed_id, feed.status)
        self.pending.remove(feed)

    def _read_report(self, feed: _Feed, document_id: str) -> None:
        path = f"/feeds/2021-06-30/documents/{quote(document_id, safe='')}"
        body = self.sp.call("getFeedDocument", "GET", path).body
        if not isinstance(body, dict) or not body.get("url"):
            raise ChannelError("getFeedDocument: unreadable answer", kind=ErrorKind.MALFORMED)
        data = self.documents.download(str(body["url"]), body.get("compressionAlgorithm"),
                                       "feed's processing report")
        try:
            report = json.loads(data)
        except ValueError:
            raise ChannelError("the feed's processing report is not JSON",
                               kind=ErrorKind.MALFORMED) from None
        per_sku, whole = report_errors(report, feed.skus)
        for message in whole:
            log.warning("amazon: feed %s (%s) refused as a whole: %s", feed.feed_id,
                        feed.status, message)
            for sku in feed.skus.values():
                per_sku.setdefault(sku, []).append(message)
        for number, (sku, messages) in enumerate(sorted(per_sku.items())):
            text = "; ".join(messages)
            self.errors[sku] = text
            if number < LOGGED and not whole:
                log.warning("amazon: feed %s: %s refused: %s", feed.feed_id, sku, text)
        if len(per_sku) > LOGGED and not whole:
            log.warning("amazon: feed %s: %d more listings refused", feed.feed_id,
                        len(per_sku) - LOGGED)
        summary = report.get("summary") if isinstance(report, dict) else None
        if isinstance(summary, dict):
            log.info("amazon: feed %s %s: %s messages accepted, %s invalid", feed.feed_id,
                     feed.status, summary.get("messagesAccepted"),
                     summary.get("messagesInvalid"))
