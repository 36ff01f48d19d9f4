"""The BASE adapter itself (see the package's text for what it does and why)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

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
from .budget import HOUR_LIMIT, JST, CallBudget, seconds_to_next_day, seconds_to_next_hour
from .tokens import SCOPES, api_url, error_of, token_parts, token_refusal

log = logging.getLogger(__name__)


class WritesSpent(ChannelError):
    """A write not sent: the share of BASE's calls kept for writes is used up for now."""

REFRESH_MARGIN_S = 300  # refresh an access token this long before it ends
MAP_REFRESH_S = 300  # the item map is read again for an unknown code at most this often
PAGE = 100  # BASE's largest page (items and orders)
MAX_PAGES = 1000
FINAL = frozenset({"dispatched", "cancelled"})
TOKEN_REFUSED = frozenset({"invalid_request", "invalid_token"})

BASE_LIMITS = ChannelLimits(
    batch_size=1, requests_per_second=HOUR_LIMIT / 3600, maximum_quantity=None,
    unlimited_quantity=9999, compare_and_set=False, relative=False, order_overlap_s=120,
    restocks_on_cancel=True,
)
# ``modified`` (epoch seconds on BASE's clock) marks an order's last change
OPEN_ORDERS = OpenOrders(final=FINAL, overlap_s=BASE_LIMITS.order_overlap_s, stamp=float)


def _stamp(moment: float) -> str:
    """Epoch seconds as BASE's ``yyyy-mm-dd hh:mm:ss`` (Japan time)."""
    return datetime.fromtimestamp(moment, JST).strftime("%Y-%m-%d %H:%M:%S")


def _epoch(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()


class BaseShopChannel:
    """ChannelAdapter for one BASE shop. ``clock`` gives epoch seconds (tests move it)."""

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 client: HttpClient | None = None, budget: CallBudget | None = None,
                 clock: Callable[[], float] = time.time,
                 token_client: HttpClient | None = None) -> None:
        self.info = info
        self.limits = BASE_LIMITS
        self.credentials = credentials
        self.clock = clock
        self.calls_budget = budget or CallBudget()
        self.client = client or HttpClient(api_url(info.settings), secrets=self._secrets)
        if self.client.secrets is None:
            self.client.secrets = self._secrets
        # the refresh is never sent twice by the client: after a timeout BASE may already have
        # rotated the refresh token, and a second try would present a spent one
        self.token_client = token_client or HttpClient(
            api_url(info.settings), secrets=self._secrets, max_retries=0)
        self._lock = threading.RLock()
        self._access = credentials.get("access_token")
        try:
            self._expires = float(credentials.get("access_token_expires") or 0)
        except ValueError:
            self._expires = 0.0
        self._refresh_token: str | None = None  # a rotated one the keyring could not take
        # code -> (item_id, variation_id); codes BASE has twice; items with variations
        self._ids: dict[str, tuple[int, int | None]] = {}
        self._codes: dict[tuple[int, int | None], str] = {}
        self._twice: set[str] = set()
        self._parents: set[str] = set()
        self._map_read_at: float | None = None

    def _secrets(self) -> list[str]:
        return [*self.credentials.secrets(), *([self._access] if self._access else [])]

    # -- the port's small parts ----------------------------------------------------------------
    def close(self) -> None:
        self.client.close()
        self.token_client.close()

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = self.token_client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()
        self.token_client.cancel()

    def budget(self) -> RateBudget | None:
        budget = self.calls_budget
        return RateBudget(float(budget.remaining(self.clock())), float(budget.hour_limit),
                          writes_per_hour=float(budget.hour_limit - budget.hour_reserve))

    # -- tokens --------------------------------------------------------------------------------
    def _access_token(self) -> str:
        with self._lock:
            if self._access and self._expires - REFRESH_MARGIN_S > self.clock():
                return self._access
            return self._refresh()

    def _refresh(self) -> str:
        creds = self.credentials
        refresh = self._refresh_token or creds.get("refresh_token")
        client_id, secret = creds.get("client_id"), creds.get("client_secret")
        if not client_id or not secret:
            raise ChannelError("BASE: client_id or client_secret is missing",
                               kind=ErrorKind.AUTHENTICATION, renew=("client_id",
                                                                     "client_secret"))
        if not refresh:
            raise ChannelError("BASE is not connected yet (no refresh token): use Connect",
                               kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
        try:
            parts = self._token_call(client_id, secret, refresh)
        except ChannelError as refused:
            if refused.kind is not ErrorKind.CREDENTIALS_EXPIRED:
                raise
            # another Rendo process, or "Connect", may have renewed the tokens meanwhile:
            # the keyring then holds the refresh token BASE expects now
            creds.reload()
            stored = creds.get("refresh_token")
            if not stored or stored == refresh:
                raise
            log.info("%s: BASE refused the refresh token; using the one stored since",
                     self.info.name)
            self._refresh_token = None
            parts = self._token_call(creds.get("client_id") or client_id,
                                     creds.get("client_secret") or secret, stored)
        self._refresh_token = parts["refresh_token"]
        creds.renew(parts)  # the rotated refresh token is kept before anything else
        self._refresh_token = None
        self._access, self._expires = parts["access_token"], float(parts["access_token_expires"])
        log.info("%s: BASE access token renewed", self.info.name)
        return self._access

    def _token_call(self, client_id: str, secret: str, refresh: str) -> dict[str, str]:
        """One refresh at ``/1/oauth/token`` (sent once: see ``token_client``)."""
        reply = self._send(self.token_client, "POST", "/1/oauth/token", ok=(200, 400, 401),
                           form={"grant_type": "refresh_token", "client_id": client_id,
                                 "client_secret": secret, "refresh_token": refresh,
                                 "redirect_uri": str(self.info.settings.get("redirect_uri")
                                                     or "")})
        if reply.status != 200:
            self._access = None
            raise token_refusal(reply.body, "refresh token")
        return token_parts(reply.body, self.clock())

    def _send(self, client: HttpClient, method: str, path: str, **kwargs: Any) -> Reply:
        """``client.call``, every HTTP attempt it makes counted in the call budget."""
        before = client.calls
        try:
            return client.call(method, path, **kwargs)
        finally:
            self.calls_budget.take(self.clock(), client.calls - before)

    # -- calls -----------------------------------------------------------------------------------
    def _api(self, method: str, path: str, params: dict[str, Any] | None = None,
             form: dict[str, str] | None = None, write: bool = False) -> tuple[str, Any]:
        """("", body) for an answer; (error, body) for a refusal the caller reads (a listing
        BASE refuses). Token, scope and limit refusals are raised as ChannelError."""
        for attempt in (1, 2):
            token = self._access_token()
            now = self.clock()
            wait = self.calls_budget.wait(now, write)
            if wait is not None:
                raise self._spent(wait, write)
            reply = self._send(self.client, method, path, params=params, form=form,
                               ok=(200, 400, 401),
                               headers={"Authorization": f"Bearer {token}"})
            if reply.status == 200:
                self.calls_budget.answered()
                return "", reply.body
            error, description = error_of(reply.body)
            if reply.status == 401 or error in TOKEN_REFUSED:
                with self._lock:
                    if self._access == token:
                        self._access = None  # refreshed on the next attempt
                if attempt == 1:
                    continue
                raise ChannelError("BASE refused a newly renewed access token; connect "
                                   "Rendo to BASE again", kind=ErrorKind.AUTHENTICATION,
                                   renew=("refresh_token",))
            if error == "invalid_scope":
                raise ChannelError(f"BASE: Rendo's app lacks a permission for {path} "
                                   f"({SCOPES} are needed); connect Rendo to BASE again",
                                   kind=ErrorKind.AUTHENTICATION, renew=("refresh_token",))
            if error in ("hour_api_limit", "day_api_limit"):
                # marked spent: the writes wait for the window (DEFERRED), never sent again
                # one by one; the engine reads orders again no sooner than the wait
                period = "hour" if error == "hour_api_limit" else "day"
                now = self.clock()
                self.calls_budget.spend(now, period)
                wait = (seconds_to_next_hour if period == "hour" else seconds_to_next_day)(now)
                raise (WritesSpent if write else ChannelError)(
                    f"BASE: the {period}'s API calls are spent ({error}); the next ones in "
                    f"{wait:.0f} s", wait, ErrorKind.RATE_LIMITED)
            return error or "refused", reply.body
        raise AssertionError("unreachable")

    def _spent(self, wait: float, write: bool) -> ChannelError:
        """The refusal of a call the budget does not allow (never sent)."""
        budget = self.calls_budget
        told = budget.spent_by_base(self.clock())
        if told is not None and write:
            return WritesSpent(f"BASE said this {told}'s API calls are spent; stock updates "
                               f"wait {wait:.0f} s", wait, ErrorKind.RATE_LIMITED)
        day = wait > seconds_to_next_hour(self.clock()) + 1
        limit, reserve = ((budget.day_limit, budget.day_reserve) if day
                          else (budget.hour_limit, budget.hour_reserve))
        period = "day" if day else "hour"
        spent = (f"this {period}'s {limit - reserve:,} calls for stock updates are made "
                 f"({reserve:,} of BASE's {limit:,} per {period} are kept for reading orders)"
                 if write else f"BASE's {limit:,} calls per {period} are made")
        kind = WritesSpent if write else ChannelError
        return kind(f"BASE: {spent}; the next ones in {wait:.0f} s", wait,
                    ErrorKind.RATE_LIMITED)

    def _get(self, path: str, params: dict[str, Any] | None = None,
             write: bool = False) -> Any:
        error, body = self._api("GET", path, params=params, write=write)
        if error:
            detail = error_of(body)[1]
            raise ChannelError(f"BASE refused GET {path} ({error}: {detail})",
                               kind=ErrorKind.REFUSED)
        return body

    # -- the item map --------------------------------------------------------------------------
    def _all_items(self, write: bool) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in range(MAX_PAGES):
            body = self._get("/1/items", {"limit": PAGE, "offset": page * PAGE}, write)
            batch = body.get("items") if isinstance(body, dict) else None
            if not isinstance(batch, list):
                raise ChannelError("BASE's item list is not readable", kind=ErrorKind.MALFORMED)
            items += batch
            if len(batch) < PAGE:
                return items
        raise ChannelError(f"BASE: more than {MAX_PAGES} pages of items",
                           kind=ErrorKind.MALFORMED)

    def _read_map(self, write: bool = False) -> dict[str, int]:
        """Read every item; keep the code map; return what each listing shows."""
        ids: dict[str, tuple[int, int | None]] = {}
        codes: dict[tuple[int, int | None], str] = {}
        shown: dict[str, int] = {}
        twice: set[str] = set()
        parents: set[str] = set()

        def add(code: Any, key: tuple[int, int | None], stock: Any) -> None:
            codes[key] = str(code) if code else f"item:{key[0]}" + (
                f"/variation:{key[1]}" if key[1] is not None else "")
            if not code:
                return
            code = str(code)
            if code in ids:
                twice.add(code)
                return
            ids[code], shown[code] = key, int(stock)

        try:
            for item in self._all_items(write):
                item_id = int(item["item_id"])
                variations = item.get("variations") or []
                if not variations:
                    add(item.get("identifier"), (item_id, None), item["stock"])
                elif item.get("identifier"):
                    parents.add(str(item["identifier"]))
                for variation in variations:
                    add(variation.get("variation_identifier"),
                        (item_id, int(variation["variation_id"])), variation["variation_stock"])
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ChannelError(f"BASE: an item is not readable ({type(error).__name__})",
                               kind=ErrorKind.MALFORMED) from None
        with self._lock:
            self._ids, self._codes, self._twice = ids, codes, twice
            self._parents = parents - set(ids)
            self._map_read_at = self.clock()
        return {code: stock for code, stock in shown.items() if code not in twice}

    def _map_is_due(self) -> bool:
        read_at = self._map_read_at
        return read_at is None or self.clock() - read_at >= MAP_REFRESH_S

    def _code_for(self, item_id: int, variation_id: int | None) -> str:
        key = (item_id, variation_id)
        if key not in self._codes and self._map_is_due():
            self._read_map()
        return self._codes.get(key) or (
            f"item:{item_id}" + (f"/variation:{variation_id}" if variation_id else ""))

    # -- quantities ----------------------------------------------------------------------------
    def read_quantities(self) -> dict[str, int]:
        return self._read_map()

    def set_quantities(self, updates: Sequence[QuantityUpdate]) -> list[UpdateResult]:
        return [self._set_one(update) for update in updates]

    def _set_one(self, update: QuantityUpdate) -> UpdateResult:
        code = update.channel_item_id
        if update.quantity < 0:
            return UpdateResult(code, UpdateStatus.REJECTED,
                                message=f"negative quantity for {code}")
        try:
            if code not in self._ids and self._map_is_due():
                self._read_map(write=True)
            if code in self._twice:
                return UpdateResult(code, UpdateStatus.UNUSABLE, message=(
                    f"{code} is the code of more than one listing on BASE; give each its "
                    "own 商品コード / 種類コード"))
            if code in self._parents:
                return UpdateResult(code, UpdateStatus.UNUSABLE, message=(
                    f"{code} is an item with variations on BASE; its stock is the sum of "
                    "its variations': list their 種類コード instead"))
            target = self._ids.get(code)
            if target is None:
                return UpdateResult(code, UpdateStatus.REJECTED,
                                    message=f"{code} is not listed on BASE")
            item_id, variation_id = target
            form = {"item_id": str(item_id)}
            if variation_id is None:
                form["stock"] = str(update.quantity)
            else:
                form |= {"variation_id": str(variation_id),
                         "variation_stock": str(update.quantity)}
            error, body = self._api("POST", "/1/items/edit_stock", form=form, write=True)
        except WritesSpent as failure:  # nothing sent: the hour's share for writes is used
            return UpdateResult(code, UpdateStatus.DEFERRED, message=str(failure),
                                retry_after=failure.retry_after, kind=failure.kind)
        except ChannelError as failure:
            if failure.stops_channel:
                raise
            return UpdateResult(code, UpdateStatus.RETRY, message=str(failure),
                                retry_after=failure.retry_after, kind=failure.kind)
        if error in ("bad_item_id", "bad_variation_id"):
            with self._lock:
                self._map_read_at = None  # read again before the next write
                self._ids.pop(code, None)
            return UpdateResult(code, UpdateStatus.REJECTED,
                                message=f"{code} is no longer on BASE ({error})")
        if error:
            detail = error_of(body)[1]
            return UpdateResult(code, UpdateStatus.REJECTED,
                                message=f"BASE refused {code}: {error} {detail}".strip())
        return UpdateResult(code, UpdateStatus.OK, _shown(body, variation_id))

    def test_connection(self) -> None:
        self._get("/1/items", {"limit": 1})
        self._get("/1/orders", {"limit": 1})

    # -- orders --------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        now = self.clock()
        seen = OPEN_ORDERS.load(cursor, self.info.name) or {}
        floor = _epoch(since) - self.limits.order_overlap_s
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
                    lines += self._lines(detail)
                kept[key] = state
        for key in OPEN_ORDERS.unlisted(seen, listed):
            detail = self._detail(key)
            if detail is not None:
                lines += self._lines(detail)
                kept |= OPEN_ORDERS.settle({key: Seen(
                    seen[key].placed, detail.get("modified"),
                    str(detail.get("dispatch_status")))}, now)
        return OrderPage(lines, OPEN_ORDERS.dump(kept, floor, now))

    def _list_orders(self, start: float) -> list[dict[str, Seen]]:
        """The orders placed since *start*, one mapping per page (one answer each)."""
        pages: list[dict[str, Seen]] = []
        for page in range(MAX_PAGES):
            body = self._get("/1/orders", {"start_ordered": _stamp(start), "limit": PAGE,
                                           "offset": page * PAGE})
            batch = body.get("orders") if isinstance(body, dict) else None
            if not isinstance(batch, list):
                raise ChannelError("BASE's order list is not readable",
                                   kind=ErrorKind.MALFORMED)
            try:
                pages.append({str(order["unique_key"]): Seen(
                    float(order["ordered"]), order.get("modified"),
                    str(order.get("dispatch_status"))) for order in batch})
            except (KeyError, TypeError, ValueError) as error:
                raise ChannelError(f"BASE: an order is not readable ({type(error).__name__})",
                                   kind=ErrorKind.MALFORMED) from None
            if len(batch) < PAGE:
                return pages
        raise ChannelError(f"BASE: more than {MAX_PAGES} pages of orders",
                           kind=ErrorKind.MALFORMED)

    def _detail(self, key: str) -> dict[str, Any] | None:
        error, body = self._api("GET", f"/1/orders/detail/{quote(key, safe='')}")
        if error == "no_order":
            return None
        order = body.get("order") if isinstance(body, dict) else None
        if error or not isinstance(order, dict):
            raise ChannelError(f"BASE: order {key} is not readable ({error or 'no order'})",
                               kind=ErrorKind.MALFORMED)
        return order

    def _lines(self, order: dict[str, Any]) -> list[OrderLine]:
        key = str(order.get("unique_key"))
        try:
            # BASE stamps whole seconds: an order stamped in the second Rendo connected is
            # taken as placed after it (applied, not lost)
            placed = datetime.fromtimestamp(float(order["ordered"]) + 0.999999, UTC)
            placed = placed.replace(tzinfo=None)
            whole = order.get("dispatch_status") == "cancelled"
            lines = []
            for line in order["order_items"]:
                # 0 or null: the order item is the item itself, not one of its variations
                variation = int(line.get("variation_id") or 0) or None
                code = self._code_for(int(line["item_id"]), variation)
                lines.append(OrderLine(
                    channel=self.info.name, order_id=key, line_id=str(line["order_item_id"]),
                    channel_item_id=code, quantity=int(line["amount"]),
                    cancelled=whole or line.get("status") == "cancelled", placed_at=placed))
            return lines
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ChannelError(f"BASE: order {key} is not readable ({type(error).__name__})",
                               kind=ErrorKind.MALFORMED) from None


def _shown(body: Any, variation_id: int | None) -> int | None:
    item = body.get("item") if isinstance(body, dict) else None
    if not isinstance(item, dict):
        return None
    try:
        if variation_id is None:
            return int(item["stock"])
        for variation in item.get("variations") or []:
            if int(variation["variation_id"]) == variation_id:
                return int(variation["variation_stock"])
    except (KeyError, TypeError, ValueError):
        return None
    return None
