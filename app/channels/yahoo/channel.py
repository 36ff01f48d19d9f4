"""The Yahoo!ショッピング adapter itself (see the package's text for what it does and why)."""

from __future__ import annotations

import logging
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.sax.saxutils import escape

from app.domain.errors import QT_TRANSLATE_NOOP
from app.domain.orders import OrderLine

from ..base import (
    ChannelError,
    ChannelInfo,
    ChannelLimits,
    Credentials,
    ErrorKind,
    OrderPage,
    QuantityUpdate,
    RateBudget,
    UpdateResult,
    UpdateStatus,
)
from ..http import HttpClient, Reply
from ..open_orders import OpenOrders, Seen
from .tokens import (
    API,
    TOKEN_PATH,
    api_url,
    auth_url,
    basic,
    error_of,
    parse_xml,
    public_key,
    signature_headers,
    text,
    token_parts,
    token_refusal,
)

log = logging.getLogger(__name__)

# test_connection's warning, worded for the owner (the window translates it: ChannelTypes)
NO_PUBLIC_KEY = QT_TRANSLATE_NOOP(
    "ChannelTypes", "No public key is set: without it Yahoo! asks for a new authorization "
    "within 12 hours. Add the public key from ストアクリエイターPro.")
JST = timezone(timedelta(hours=9))

RATE_PER_S = 1.0  # each API, per store, unless Yahoo! raised it (up to 10) on request
DAY_LIMIT = 50_000  # calls a day (Japan time) Rendo allows itself; see the package's text
DAY_RESERVE = 10_000  # of which kept for reading orders and stock
REFRESH_MARGIN_S = 300
BATCH = 1000  # item codes in one getStock / setStock call
ITEM_PAGE = 100  # myItemList's largest page
ORDER_PAGE = 100
MAX_PAGES = 1000
FINAL = frozenset({"4", "5"})  # キャンセル, 完了
SESSION_ENDED = "px-04102"  # "AccessToken has been expired. This API session is shorter …"
NO_ORDER_API = "px-04303"  # "This application ID is not registered for using order API."
CANCELLED = "4"

YAHOO_LIMITS = ChannelLimits(
    batch_size=BATCH, requests_per_second=RATE_PER_S, maximum_quantity=999_999_999,
    unlimited_quantity=9999, compare_and_set=False, relative=True, order_overlap_s=120,
    restocks_on_cancel=True,
)
# orderList's LastUpdateTime (to the second, Japan time) marks an order's last change
OPEN_ORDERS = OpenOrders(final=FINAL, overlap_s=YAHOO_LIMITS.order_overlap_s,
                         stamp=lambda mark: _epoch_of(str(mark)))


class WritesSpent(ChannelError):
    """A write not sent: the day's share of calls for stock updates is used up."""


def seconds_to_next_day(now: float) -> float:
    today = datetime.fromtimestamp(now, JST).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=1)).timestamp() - now


class DayBudget:
    """Calls made today (Japan time) by this process; writes stop ``reserve`` short."""

    def __init__(self, limit: int = DAY_LIMIT, reserve: int = DAY_RESERVE) -> None:
        self.limit, self.reserve = limit, reserve
        self._day: tuple[int, int] = (-1, 0)
        self._lock = threading.Lock()

    def used(self, now: float) -> int:
        day = datetime.fromtimestamp(now, JST).toordinal()
        with self._lock:
            if self._day[0] != day:
                self._day = (day, 0)
            return self._day[1]

    def take(self, now: float, calls: int) -> None:
        used = self.used(now)
        with self._lock:
            self._day = (self._day[0], used + max(0, calls))

    def allows(self, now: float, write: bool) -> bool:
        return self.used(now) < self.limit - (self.reserve if write else 0)


def _rate(settings: dict[str, object]) -> float:
    try:
        rate = float(str(settings.get("requests_per_second") or RATE_PER_S))
    except ValueError:
        rate = RATE_PER_S
    return min(10.0, max(0.1, rate))


def wire_code(code: str) -> str:
    """Rendo's ``商品コード/個別商品コード`` as Yahoo! writes it (``商品コード:個別商品コード``)."""
    return code.replace("/", ":", 1)


def listing_code(item: str, sub: str) -> str:
    return f"{item}/{sub}" if sub else item


def _stamp(moment: float) -> str:
    return datetime.fromtimestamp(moment, JST).strftime("%Y%m%d%H%M%S")


def _epoch_of(value: str) -> float:
    """Yahoo!'s ``2024-01-02T03:04:05+09:00`` (or ``YYYYMMDDHHMMSS``, Japan time)."""
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=JST).timestamp()


class YahooChannel:
    """ChannelAdapter for one Yahoo!ショッピング store. ``clock`` gives epoch seconds."""

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 clock: Callable[[], float] = time.time, budget: DayBudget | None = None,
                 ) -> None:
        self.info = info
        self.limits = YAHOO_LIMITS
        self.credentials = credentials
        self.clock = clock
        self.day_budget = budget or DayBudget()
        rate = _rate(info.settings)
        base = api_url(info.settings)
        self.client = HttpClient(base, secrets=self._secrets, rate_per_s=rate)
        # a relative change sent twice counts twice: setStock is never retried by the client
        self.write_client = HttpClient(base, secrets=self._secrets, rate_per_s=rate,
                                       max_retries=0)
        self.token_client = HttpClient(auth_url(info.settings), secrets=self._secrets,
                                       max_retries=0)
        self._lock = threading.RLock()
        self._access = credentials.get("access_token")
        try:
            self._expires = float(credentials.get("access_token_expires") or 0)
        except ValueError:
            self._expires = 0.0
        self._warned = False
        self._by_category = False  # myItemList wants a search: list by store category

    @property
    def seller_id(self) -> str:
        seller = str(self.info.settings.get("seller_id") or "").strip()
        if not seller:
            raise ChannelError("Yahoo!: the channel has no seller_id (ストアアカウント) setting",
                               kind=ErrorKind.AUTHENTICATION)
        return seller

    def _secrets(self) -> list[str]:
        return [*self.credentials.secrets(), *([self._access] if self._access else [])]

    # -- the port's small parts ----------------------------------------------------------------
    def close(self) -> None:
        for client in (self.client, self.write_client, self.token_client):
            client.close()

    def set_deadline(self, deadline: float | None) -> None:
        for client in (self.client, self.write_client, self.token_client):
            client.cycle_deadline = deadline

    def cancel(self) -> None:
        for client in (self.client, self.write_client, self.token_client):
            client.cancel()

    def budget(self) -> RateBudget | None:
        budget = self.day_budget
        left = max(0, budget.limit - budget.used(self.clock()))
        return RateBudget(float(left), float(budget.limit), unit="calls")

    def signed(self) -> bool:
        return bool(self.credentials.get("public_key"))

    def warning(self) -> str:
        """Said when no public key is set: Yahoo! then wants a new authorization within
        hours (the order APIs), so the channel stops for want of one."""
        return NO_PUBLIC_KEY

    # -- tokens --------------------------------------------------------------------------------
    def _access_token(self) -> str:
        with self._lock:
            if self._access and self._expires - REFRESH_MARGIN_S > self.clock():
                return self._access
            return self._refresh()

    def _refresh(self) -> str:
        creds = self.credentials
        refresh = creds.get("refresh_token")
        client_id, secret = creds.get("client_id"), creds.get("client_secret")
        if not client_id or not secret:
            raise ChannelError("Yahoo!: client_id or client_secret is missing",
                               kind=ErrorKind.AUTHENTICATION,
                               renew=("client_id", "client_secret"))
        if not refresh:
            raise ChannelError("Yahoo! is not connected yet (no refresh token): use Connect",
                               kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
        try:
            parts = self._token_call(client_id, secret, refresh)
        except ChannelError as refused:
            if refused.kind is not ErrorKind.CREDENTIALS_EXPIRED:
                raise
            creds.reload()  # "Connect" or another Rendo process may have renewed it
            stored = creds.get("refresh_token")
            if not stored or stored == refresh:
                raise
            log.info("%s: Yahoo! refused the refresh token; using the one stored since",
                     self.info.name)
            parts = self._token_call(creds.get("client_id") or client_id,
                                     creds.get("client_secret") or secret, stored)
        creds.renew(parts)  # a rotated refresh token is kept before anything else
        self._access, self._expires = parts["access_token"], float(parts["access_token_expires"])
        log.info("%s: Yahoo! access token renewed", self.info.name)
        return self._access

    def _token_call(self, client_id: str, secret: str, refresh: str) -> dict[str, str]:
        # public clients send the store's signature with the refresh too (where Yahoo! counts
        # the authorization's long period from); the token endpoint is not known to need it
        reply = self._send(self.token_client, "POST", TOKEN_PATH, ok=(200, 400, 401),
                           headers=basic(client_id, secret) | self._signature(),
                           form={"grant_type": "refresh_token", "refresh_token": refresh})
        if reply.status != 200:
            self._access = None
            raise token_refusal(reply.body, "refresh token")
        return token_parts(reply.body, self.clock())

    def _send(self, client: HttpClient, method: str, path: str, **kwargs: Any) -> Reply:
        before = client.calls
        try:
            return client.call(method, path, **kwargs)
        finally:
            self.day_budget.take(self.clock(), client.calls - before)

    # -- calls ---------------------------------------------------------------------------------
    def _signature(self) -> dict[str, str]:
        """X-sws-signature and X-sws-signature-version, or nothing without a public key."""
        pem = self.credentials.get("public_key")
        if not pem:
            return {}
        version = self.credentials.get("public_key_version") or "1"
        return signature_headers(public_key(pem), version, self.seller_id, self.clock())

    def _headers(self, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"} | self._signature()
        if not self.signed() and not self._warned:
            self._warned = True
            log.warning("%s: %s", self.info.name, self.warning())
        return headers

    def _api(self, name: str, method: str = "POST", params: dict[str, str] | None = None,
             form: dict[str, str] | None = None, xml: str | None = None,
             write: bool = False) -> tuple[str, str, ET.Element | None]:
        """(code, message, root): code "" for an answer; Yahoo!'s error code for a refusal
        the caller reads. Token and quota refusals are raised."""
        client = self.write_client if write else self.client
        for attempt in (1, 2):
            token = self._access_token()
            now = self.clock()
            if not self.day_budget.allows(now, write):
                wait = seconds_to_next_day(now)
                budget = self.day_budget
                if write:
                    raise WritesSpent(
                        f"Yahoo!: today's {budget.limit - budget.reserve:,} calls for stock "
                        f"updates are made ({budget.reserve:,} of {budget.limit:,} are kept "
                        f"for reading); the next ones in {wait:.0f} s", wait,
                        ErrorKind.RATE_LIMITED)
                raise ChannelError(f"Yahoo!: today's {budget.limit:,} calls are made; the "
                                   f"next ones in {wait:.0f} s", wait, ErrorKind.RATE_LIMITED)
            headers = self._headers(token)
            data = None
            if xml is not None:
                data = xml.encode("utf-8")
                headers["Content-Type"] = "application/xml; charset=utf-8"
            reply = self._send(client, method, API + name, params=params, form=form,
                               data=data, raw=True, headers=headers,
                               ok=(200, 400, 401, 403, 404))
            if reply.status == 200:
                return "", "", parse_xml(reply.body, name)
            root, code, message = _refusal(reply.body, name)
            said = f"{code} {message}".casefold()
            if reply.status in (401, 403) and "insufficient_scope" in said:
                raise ChannelError(f"Yahoo! does not let this app use {name} ({message}); "
                                   "the app needs the ストア向け操作 scope",
                                   kind=ErrorKind.AUTHENTICATION,
                                   renew=("client_id", "client_secret"))
            if reply.status == 401 and code == SESSION_ENDED:
                # the order APIs' session without a public key: a refresh does not renew it
                raise ChannelError(
                    f"Yahoo! ended the authorization on {name} ({code} {message}); connect "
                    "Rendo to Yahoo! again" + ("" if self.signed() else
                                               " and add the public key to keep it for weeks"),
                    kind=ErrorKind.CREDENTIALS_EXPIRED, renew=("refresh_token",))
            if reply.status == 401:
                with self._lock:
                    if self._access == token:
                        self._access = None
                signature = "signature" in message.casefold()
                if attempt == 1 and not signature:
                    continue
                if signature:
                    raise ChannelError(
                        f"Yahoo! refused the public key signature on {name} ({message}); "
                        "check public_key and public_key_version (ストアクリエイターPro)",
                        kind=ErrorKind.AUTHENTICATION, renew=("public_key", "public_key_version"))
                raise ChannelError(
                    f"Yahoo! refused a newly renewed access token on {name} ({message}); "
                    "connect Rendo to Yahoo! again", kind=ErrorKind.CREDENTIALS_EXPIRED,
                    renew=("refresh_token",))
            if reply.status == 403 and code != NO_ORDER_API and "registered" not in said:
                # "Your Request was Forbidden": the day's calls are spent (the FAQ's first
                # cause; an unknown app id is refused at the token endpoint already)
                wait = seconds_to_next_day(self.clock())
                self.day_budget.take(self.clock(), self.day_budget.limit)  # spent, by Yahoo!
                raise (WritesSpent if write else ChannelError)(
                    f"Yahoo!: today's API calls are spent ({message}); the next ones in "
                    f"{wait:.0f} s", wait, ErrorKind.RATE_LIMITED)
            if reply.status == 403:
                raise ChannelError(f"Yahoo! does not let this app use {name} ({code} "
                                   f"{message}); check the app's API permissions",
                                   kind=ErrorKind.AUTHENTICATION,
                                   renew=("client_id", "client_secret"))
            return code or f"HTTP {reply.status}", message, root
        raise AssertionError("unreachable")

    def _read(self, name: str, **kwargs: Any) -> ET.Element:
        code, message, root = self._api(name, **kwargs)
        if code or root is None:
            raise ChannelError(f"Yahoo! refused {name} ({code}: {message})",
                               kind=ErrorKind.REFUSED)
        return root

    # -- quantities ----------------------------------------------------------------------------
    def _item_codes(self) -> list[str]:
        """Every 商品コード of the store, from the item list (myItemList), 100 a page.

        The docs mark ``query`` "必須※1" (a search word or a store category, stcat_key): when
        Yahoo! refuses the list without one, every store category (stCategoryList, walked
        from the top) is listed instead, for the adapter's life. An item in no store category
        is then not seen."""
        if not self._by_category:
            codes = self._item_list({})
            if codes is not None:
                return codes
            self._by_category = True
            log.info("%s: Yahoo! lists items only by search word or store category; "
                     "reading them category by category", self.info.name)
        found: dict[str, None] = {}
        for key in self._category_keys():
            found |= dict.fromkeys(self._item_list({"stcat_key": key}) or [])
        return list(found)

    def _item_list(self, search: dict[str, str]) -> list[str] | None:
        """The 商品コード myItemList lists for *search*; None when Yahoo! wants a search."""
        codes: list[str] = []
        for page in range(MAX_PAGES):
            code, message, root = self._api("myItemList", method="GET", params={
                "seller_id": self.seller_id, **search, "start": str(page * ITEM_PAGE + 1),
                "results": str(ITEM_PAGE)})
            if code and not search and page == 0:
                return None  # "queryかstcat_keyのどちらか片方が必須です"
            if code or root is None:
                raise ChannelError(f"Yahoo! refused myItemList ({code}: {message})",
                                   kind=ErrorKind.REFUSED)
            batch = [text(result, "ItemCode") for result in root.findall("Result")]
            codes += [code for code in batch if code]
            try:
                total = int(root.get("totalResultsAvailable") or 0)
            except ValueError:
                raise ChannelError("Yahoo!'s item list is not readable",
                                   kind=ErrorKind.MALFORMED) from None
            if len(batch) < ITEM_PAGE or len(codes) >= total:
                return codes
        raise ChannelError(f"Yahoo!: more than {MAX_PAGES} pages of items",
                           kind=ErrorKind.MALFORMED)

    def _category_keys(self) -> list[str]:
        """Every store category's PageKey (stCategoryList, from the top, then each one's)."""
        keys: list[str] = []
        waiting: list[str | None] = [None]
        while waiting:
            parent = waiting.pop(0)
            params = {"seller_id": self.seller_id, **({"page_key": parent} if parent else {})}
            root = self._read("stCategoryList", method="GET", params=params)
            for result in root.findall("Result"):
                key = text(result, "PageKey")
                if key and key not in keys:
                    if len(keys) >= MAX_PAGES:
                        raise ChannelError(f"Yahoo!: more than {MAX_PAGES} store categories",
                                           kind=ErrorKind.MALFORMED)
                    keys.append(key)
                    waiting.append(key)
        return keys

    def read_quantities(self) -> dict[str, int]:
        shown: dict[str, int] = {}
        codes = self._item_codes()
        for start in range(0, len(codes), BATCH):
            root = self._read("getStock", form={
                "seller_id": self.seller_id, "item_code": ",".join(codes[start:start + BATCH])})
            shown |= _quantities(root)
        return shown

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        results: list[UpdateResult] = []
        good: list[QuantityUpdate] = []
        for update in updates:
            if update.quantity < 0:
                results.append(UpdateResult(update.channel_item_id, UpdateStatus.REJECTED,
                                            message=f"negative quantity for "
                                            f"{update.channel_item_id}"))
            else:
                good.append(update)
        for start in range(0, len(good), BATCH):
            results += self._set_batch(good[start:start + BATCH])
        return results

    def _set_batch(self, batch: list[QuantityUpdate]) -> list[UpdateResult]:
        def amount(update: QuantityUpdate) -> str:
            if update.delta is None:
                return str(update.quantity)
            return f"+{update.delta}" if update.delta >= 0 else str(update.delta)

        try:
            code, message, root = self._api("setStock", form={
                "seller_id": self.seller_id,
                "item_code": ",".join(wire_code(u.channel_item_id) for u in batch),
                "quantity": ",".join(amount(u) for u in batch)}, write=True)
        except WritesSpent as spent:
            return [UpdateResult(u.channel_item_id, UpdateStatus.DEFERRED, message=str(spent),
                                 retry_after=spent.retry_after, kind=spent.kind)
                    for u in batch]
        except ChannelError as failure:
            if failure.stops_channel:
                raise
            return [UpdateResult(u.channel_item_id, UpdateStatus.RETRY, message=str(failure),
                                 retry_after=failure.retry_after, kind=failure.kind)
                    for u in batch]
        if code:
            if len(batch) > 1:  # refused whole, nothing applied: each alone finds the one
                return [result for update in batch for result in self._set_batch([update])]
            return [UpdateResult(batch[0].channel_item_id, UpdateStatus.REJECTED,
                                 message=f"Yahoo! refused {batch[0].channel_item_id}: "
                                 f"{code} {message}".strip())]
        shown = _quantities(root) if root is not None else {}
        # Yahoo! takes an unknown 商品コード without a word (kept for an item registered
        # later): the read-back, which lists only existing items, finds it missing
        return [UpdateResult(u.channel_item_id, UpdateStatus.OK, shown.get(u.channel_item_id))
                for u in batch]

    def test_connection(self) -> str | None:
        refused = self._api("myItemList", method="GET", params={
            "seller_id": self.seller_id, "start": "1", "results": "1"})[0]
        if refused:  # a search word or a store category wanted: the category list answers
            self._read("stCategoryList", method="GET", params={"seller_id": self.seller_id})
        self._read("orderList", xml=self._order_search(self.clock() - 86400, 1, 1))
        return None if self.signed() else self.warning()

    # -- orders --------------------------------------------------------------------------------
    def _order_search(self, start: float, first: int, count: int) -> str:
        seller = escape(self.seller_id)
        return ("<Req><Search>"
                f"<Result>{count}</Result><Start>{first}</Start><Sort>+order_time</Sort>"
                f"<Condition><OrderTimeFrom>{_stamp(start)}</OrderTimeFrom></Condition>"
                "<Field>OrderId,OrderTime,OrderStatus,LastUpdateTime</Field>"
                f"</Search><SellerId>{seller}</SellerId></Req>")

    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        """The orders orderList shows since the window's start; orderInfo (one call each) only
        for the new ones and those whose LastUpdateTime or OrderStatus moved."""
        now = self.clock()
        seen = OPEN_ORDERS.load(cursor, self.info.name) or {}
        moment = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        floor = moment.timestamp() - self.limits.order_overlap_s
        pages = self._list_orders(OPEN_ORDERS.start(seen, floor, now))
        listed = {key: state for page in pages for key, state in page.items()}
        due = set(OPEN_ORDERS.changed(listed, seen))
        lines: list[OrderLine] = []
        kept: dict[str, Seen] = {}
        for page in pages:
            for key, state in OPEN_ORDERS.settle(page, now).items():
                if key in due:
                    detail = self._detail(key)
                    if detail is None:
                        continue
                    lines += self._lines(key, detail)
                kept[key] = state
        for key in OPEN_ORDERS.unlisted(seen, listed):  # open orders the list no longer shows
            detail = self._detail(key)
            if detail is not None:
                lines += self._lines(key, detail)
                kept |= OPEN_ORDERS.settle({key: Seen(
                    seen[key].placed, text(detail, "LastUpdateTime"),
                    text(detail, "OrderStatus"))}, now)
        return OrderPage(lines, OPEN_ORDERS.dump(kept, floor, now))

    def _list_orders(self, start: float) -> list[dict[str, Seen]]:
        """The orders placed since *start*, one mapping per page (one answer each)."""
        pages: list[dict[str, Seen]] = []
        count = 0
        for page in range(MAX_PAGES):
            root = self._read("orderList", xml=self._order_search(
                start, page * ORDER_PAGE + 1, ORDER_PAGE))
            search = root.find("Search")
            rows = search.findall("OrderInfo") if search is not None else []
            try:
                pages.append({text(row, "OrderId"): Seen(
                    _epoch_of(text(row, "OrderTime")), text(row, "LastUpdateTime"),
                    text(row, "OrderStatus")) for row in rows})
                total = int(text(search, "TotalCount") or 0)
            except ValueError:
                raise ChannelError("Yahoo!'s order list is not readable",
                                   kind=ErrorKind.MALFORMED) from None
            count += len(pages[-1])
            if len(rows) < ORDER_PAGE or count >= total:
                return pages
        raise ChannelError(f"Yahoo!: more than {MAX_PAGES} pages of orders",
                           kind=ErrorKind.MALFORMED)

    def _detail(self, key: str) -> ET.Element | None:
        fields = "OrderId,OrderTime,OrderStatus,LastUpdateTime,LineId,ItemId,SubCode,Quantity"
        code, message, root = self._api("orderInfo", xml=(
            f"<Req><Target><OrderId>{escape(key)}</OrderId><Field>{fields}</Field></Target>"
            f"<SellerId>{escape(self.seller_id)}</SellerId></Req>"))
        if code and "not found" in message.casefold():
            return None
        order = root.find(".//OrderInfo") if root is not None else None
        if code or order is None:
            raise ChannelError(f"Yahoo!: order {key} is not readable ({code} {message})",
                               kind=ErrorKind.MALFORMED)
        return order

    def _lines(self, key: str, order: ET.Element) -> list[OrderLine]:
        try:
            placed = datetime.fromtimestamp(_epoch_of(text(order, "OrderTime")) + 0.999999, UTC)
            placed = placed.replace(tzinfo=None)
            cancelled = text(order, "OrderStatus") == CANCELLED
            return [OrderLine(
                channel=self.info.name, order_id=key, line_id=text(item, "LineId"),
                channel_item_id=listing_code(text(item, "ItemId"), text(item, "SubCode")),
                quantity=int(text(item, "Quantity")), cancelled=cancelled, placed_at=placed)
                for item in order.findall("Item")]
        except (ValueError, OverflowError) as error:
            raise ChannelError(f"Yahoo!: order {key} is not readable ({type(error).__name__})",
                               kind=ErrorKind.MALFORMED) from None


def _refusal(body: Any, name: str) -> tuple[ET.Element | None, str, str]:
    """(root, Code, Message) of a refusal; a gateway's answer may be plain text."""
    try:
        root = parse_xml(body, name) if body else None
    except ChannelError:
        raw = body if isinstance(body, bytes | bytearray) else b""
        return None, "", bytes(raw[:200]).decode("utf-8", "replace").strip()
    return root, *error_of(root)


def _quantities(root: ET.Element) -> dict[str, int]:
    shown: dict[str, int] = {}
    for result in root.findall("Result"):
        code = text(result, "ItemCode")
        if text(result, "Status") == "0":  # getStock: Status 0 = no such code on Yahoo!
            continue
        try:
            quantity = int(text(result, "Quantity"))
        except ValueError:
            continue  # no number set (INI): not a settable count
        if code:
            shown[listing_code(code, text(result, "SubCode"))] = quantity
    return shown
