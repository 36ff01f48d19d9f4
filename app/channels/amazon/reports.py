"""Every SKU of a seller with more listings than searchListingsItems pages through (1,000):
the All Listings Report (Reports API 2021-06-30, reportType GET_MERCHANT_LISTINGS_ALL_DATA).

From github.com/amzn/selling-partner-api-models, models/reports-api-model/reports_2021-06-30.json
(createReport ``{reportType, marketplaceIds}`` → ``reportId``; getReport → ``processingStatus``
IN_QUEUE, IN_PROGRESS, DONE, FATAL or CANCELLED and ``reportDocumentId``; getReports by type,
status and ``createdSince``; getReportDocument → a pre-signed ``url`` and maybe
``compressionAlgorithm`` GZIP) and
developer-docs.amazon.com/sp-api/docs/report-type-values-inventory
(a tab-delimited flat file; its columns include ``seller-sku``, ``quantity`` and
``fulfillment-channel``). In the Japan marketplace the same file comes with Japanese column names
(出品者SKU, 数量, フルフィルメント・チャンネル; its 在庫数 is pending-quantity, as
app/files/formats/amazon.py reads the same report from a file; only the SKU is read here) in
Shift_JIS (cp932), unless the seller set the feed-processing language to English
(amzn/selling-partner-api-docs#2086, amzn/selling-partner-api-models#545,
saleweaver/python-amazon-sp-api#244): both are read, as is UTF-8 (with or without BOM).

A report takes minutes. Its id is kept between cycles (and a process that starts anew finds a
recent one with getReports), never waited for within a cycle: until the first one is done the
read ends with a RATE_LIMITED ChannelError that says so (the engine tries again later). The
report only says which SKUs exist: the adapter reads their numbers fresh (searchListingsItems
by SKU, 20 a call), because a report's numbers are minutes old and orders read meanwhile would
look like changes by hand. A report older than ``REFRESH_S`` is asked for again, and the old one
used until the new one is done (listings created since appear one report later; listings
deleted since are not found by the fresh read).
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..base import ChannelError, ErrorKind
from .api import SpApi
from .documents import Documents

log = logging.getLogger(__name__)

REPORT_TYPE = "GET_MERCHANT_LISTINGS_ALL_DATA"
REFRESH_S = 3600.0  # the SKUs of a report older than this are asked for again
WAIT_S = 60.0  # the cycle is tried again after this long while the first report is made
SKU_COLUMNS = ("seller-sku", "出品者SKU", "sku")  # English and Japanese headers
PENDING = ("IN_QUEUE", "IN_PROGRESS")


def _decode(data: bytes) -> str:
    """The report's text: UTF-8 (with or without BOM), else Shift_JIS as Windows writes it
    (cp932, which has the characters Shift_JIS lacks: ①, ㈱, NEC's and IBM's extensions)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise ChannelError("the listings report is neither UTF-8 nor Shift_JIS",
                           kind=ErrorKind.MALFORMED) from None


def report_skus(data: bytes) -> list[str]:
    """The seller SKUs of an All Listings Report (tab-delimited, English or Japanese header)."""
    rows = csv.reader(io.StringIO(_decode(data), newline=""), delimiter="\t",
                      quoting=csv.QUOTE_NONE)
    header = next(rows, None)
    if header is None:
        return []
    names = [name.strip().lstrip("\ufeff") for name in header]
    folded = [name.lower() for name in names]
    column = next((folded.index(name.lower()) for name in SKU_COLUMNS
                   if name.lower() in folded), None)
    if column is None:
        raise ChannelError("the listings report has no seller-sku (出品者SKU) column; its "
                           f"columns: {', '.join(names[:8])}", kind=ErrorKind.MALFORMED)
    skus: list[str] = []
    for row in rows:
        if len(row) > column and row[column].strip():
            skus.append(row[column].strip())
    return list(dict.fromkeys(skus))


def _parse_time(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(
            UTC).timestamp()
    except (TypeError, ValueError):
        return None


class ListingsReport:
    """The SKUs of the latest All Listings Report, and the one being made."""

    def __init__(self, sp: SpApi, documents: Documents, marketplace: str,
                 clock: Callable[[], float] = time.time) -> None:
        self.sp, self.documents, self.marketplace, self.clock = sp, documents, marketplace, clock
        self.skus: list[str] | None = None
        self.made_at = 0.0  # when the report in ``skus`` was asked for
        self.report_id: str | None = None
        self.asked_at = 0.0
        self._looked = False  # getReports asked once for a report an earlier process made

    def listing_skus(self, listed: int) -> list[str]:
        """Every SKU of the seller; *listed*: how many searchListingsItems says there are (for
        the message). Raises RATE_LIMITED while the first report is being made."""
        now = self.clock()
        if self.report_id is None and (self.skus is None or now - self.made_at > REFRESH_S):
            if not self._looked:
                self._looked = True
                self._find_recent()
            if self.report_id is None:
                self._create()
        if self.report_id is not None:
            self._follow()
        if self.skus is None:
            raise ChannelError(
                f"Amazon is preparing the listings report: the seller has {listed:,} listings, "
                "more than the 1,000 searchListingsItems reads; the report takes a few minutes "
                "the first time and is read at a later cycle", retry_after=WAIT_S,
                kind=ErrorKind.RATE_LIMITED)
        return self.skus

    def _create(self) -> None:
        body = self.sp.call("createReport", "POST", "/reports/2021-06-30/reports", json={
            "reportType": REPORT_TYPE, "marketplaceIds": [self.marketplace]},
            found=(202,)).body
        if not isinstance(body, dict) or not body.get("reportId"):
            raise ChannelError("createReport: unreadable answer", kind=ErrorKind.MALFORMED)
        self.report_id, self.asked_at = str(body["reportId"]), self.clock()
        log.info("amazon: listings report %s asked for", self.report_id)

    def _find_recent(self) -> None:
        """A report of this type asked for within ``REFRESH_S`` (by an earlier run of Rendo, a
        ``sync --once`` of the command line): followed instead of asking for another."""
        since = datetime.fromtimestamp(self.clock() - REFRESH_S, UTC)
        body = self.sp.call("getReports", "GET", "/reports/2021-06-30/reports", params={
            "reportTypes": REPORT_TYPE, "marketplaceIds": self.marketplace,
            "processingStatuses": "IN_QUEUE,IN_PROGRESS,DONE",
            "createdSince": since.strftime("%Y-%m-%dT%H:%M:%SZ")}).body
        reports = body.get("reports") if isinstance(body, dict) else None
        found = [r for r in reports or [] if isinstance(r, dict) and r.get("reportId")
                 and _parse_time(r.get("createdTime")) is not None]
        if found:
            newest = max(found, key=lambda r: _parse_time(r["createdTime"]) or 0.0)
            self.report_id = str(newest["reportId"])
            self.asked_at = _parse_time(newest["createdTime"]) or self.clock()

    def _follow(self) -> None:
        assert self.report_id is not None
        path = f"/reports/2021-06-30/reports/{quote(self.report_id, safe='')}"
        reply = self.sp.call("getReport", "GET", path, found=(404,))
        body = reply.body if reply.status == 200 else {"processingStatus": "gone (HTTP 404)"}
        if not isinstance(body, dict):
            raise ChannelError("getReport: unreadable answer", kind=ErrorKind.MALFORMED)
        status = str(body.get("processingStatus") or "")
        if status in PENDING:
            return
        report_id, self.report_id = self.report_id, None
        if status != "DONE" or not body.get("reportDocumentId"):
            log.warning("amazon: listings report %s ended %s; asked for again", report_id,
                        status)
            if self.skus is None:
                raise ChannelError(f"Amazon could not make the listings report ({status}); "
                                   "Rendo asks again at a later cycle", retry_after=WAIT_S,
                                   kind=ErrorKind.SERVER_ERROR)
            return
        path = (f"/reports/2021-06-30/documents/"
                f"{quote(str(body['reportDocumentId']), safe='')}")
        document = self.sp.call("getReportDocument", "GET", path).body
        if not isinstance(document, dict) or not document.get("url"):
            raise ChannelError("getReportDocument: unreadable answer", kind=ErrorKind.MALFORMED)
        data = self.documents.download(str(document["url"]),
                                       document.get("compressionAlgorithm"), "listings report")
        self.skus, self.made_at = report_skus(data), self.asked_at
        log.info("amazon: listings report %s read: %d SKUs", report_id, len(self.skus))
