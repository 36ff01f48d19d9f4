"""The adapter for BASE (BASE API v1, https://api.thebase.in).

(A package called ``base_shop``: ``base`` is the channel port's own module.)

From BASE's published API docs (github.com/baseinc/api-docs, now docs.thebase.in/docs/api):

- OAuth 2: the owner approves Rendo's app in the browser (``/1/oauth/authorize``), the code is
  exchanged at ``/1/oauth/token`` for an access token (one hour) and a refresh token (30 days).
  Rendo refreshes the access token before it ends (and once when BASE refuses it), and stores
  the refresh token BASE answers at once, before using the new access token: should Rendo stop
  right after, the keyring holds the token BASE now expects.
- Every error is HTTP 400 with ``{"error", "error_description"}``; an access token BASE no
  longer takes is ``invalid_request`` on an API call (``invalid_token`` and HTTP 401, the
  RFC 6750 words, are taken the same way); a refresh token it no longer takes is
  ``invalid_request`` (or RFC 6749's ``invalid_grant``) at the token endpoint.
- A listing is an item's 商品コード (``identifier``, an item without variations) or a
  variation's 種類コード (``variation_identifier``); ``/1/items`` is read (100 a page) to map
  them to item_id / variation_id, and the map is kept for the adapter's life (read again when
  a code is not in it, at most every few minutes). ``/1/items/edit_stock`` sets one listing a
  call: absolutely, so the engine reads the orders right before setting.
- The limits are 5,000 calls an hour (reset at minute 00) and 100,000 a day (reset at
  midnight, Japan time) for the user. ``CallBudget`` counts them as BASE does; writes stop
  ``HOUR_RESERVE`` calls short of the hour's limit (``DAY_RESERVE`` of the day's), which are
  kept for reading orders. Why 600: at the default poll of 30 s a cycle reads the orders
  list once, and once more before an upload: 120-240 list calls an hour, and the rest for
  the detail of each new or changed order (360 an hour, far more than a BASE shop takes).
  So 4,400 stock writes an hour: a full upload of 5,000 listings takes about 1 h 10 min.
  A spent hour answers RETRY with the time to the next hour, never sent.
- Orders have no "changed since" filter: each read lists the orders placed in the last
  ``ORDER_WINDOW_S`` (and back to the oldest order not yet shipped or cancelled), and reads
  the detail of each order that is new or whose ``modified`` / ``dispatch_status`` changed.
  The cursor (JSON) keeps what was seen of each order. Lines are per order item, cancelled
  by their own ``status`` (a per-line cancellation) or the order's; the engine applies only
  the difference from what it applied before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

from app.domain.errors import QT_TRANSLATE_NOOP, BadInput
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
from ..channel_type import ChannelType, Field
from ..http import HttpClient
from ..urls import parse_channel_url

log = logging.getLogger(__name__)

DEFAULT_URL = "https://api.thebase.in"
SCOPES = "read_items write_items read_orders"
JST = timezone(timedelta(hours=9))
HOUR_LIMIT = 5000
DAY_LIMIT = 100_000
HOUR_RESERVE = 600  # calls an hour kept for reading orders (see the module's text)
DAY_RESERVE = 14_400  # the same share of the day: 600 × 24
REFRESH_MARGIN_S = 300  # refresh an access token this long before it ends
ORDER_WINDOW_S = 14 * 86400  # orders placed this far back are read again each time
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


class CallBudget:
    """BASE's hourly and daily call counts, in BASE's windows (the hour from minute 00, the
    day from midnight Japan time). Writes may use the allowance less the reserve; reads all
    of it."""

    def __init__(self, hour_limit: int = HOUR_LIMIT, day_limit: int = DAY_LIMIT,
                 hour_reserve: int = HOUR_RESERVE, day_reserve: int = DAY_RESERVE) -> None:
        self.hour_limit, self.day_limit = hour_limit, day_limit
        self.hour_reserve, self.day_reserve = hour_reserve, day_reserve
        self._hour: tuple[int, int] = (-1, 0)  # (window, calls)
        self._day: tuple[int, int] = (-1, 0)
        self._lock = threading.Lock()

    def _used(self, now: float) -> tuple[int, int]:
        hour, day = int(now // 3600), datetime.fromtimestamp(now, JST).toordinal()
        if self._hour[0] != hour:
            self._hour = (hour, 0)
        if self._day[0] != day:
            self._day = (day, 0)
        return self._hour[1], self._day[1]

    def wait(self, now: float, write: bool) -> float | None:
        """Seconds until a call of this kind may be made; None: now."""
        with self._lock:
            hour_used, day_used = self._used(now)
        if day_used >= self.day_limit - (self.day_reserve if write else 0):
            return seconds_to_next_day(now)
        if hour_used >= self.hour_limit - (self.hour_reserve if write else 0):
            return seconds_to_next_hour(now)
        return None

    def take(self, now: float) -> None:
        with self._lock:
            self._used(now)
            self._hour = (self._hour[0], self._hour[1] + 1)
            self._day = (self._day[0], self._day[1] + 1)

    def remaining(self, now: float) -> int:
        with self._lock:
            hour_used, day_used = self._used(now)
        return max(0, min(self.hour_limit - hour_used, self.day_limit - day_used))


def seconds_to_next_hour(now: float) -> float:
    return 3600 - now % 3600


def seconds_to_next_day(now: float) -> float:
    today = datetime.fromtimestamp(now, JST).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=1)).timestamp() - now


def _stamp(moment: float) -> str:
    """Epoch seconds as BASE's ``yyyy-mm-dd hh:mm:ss`` (Japan time)."""
    return datetime.fromtimestamp(moment, JST).strftime("%Y-%m-%d %H:%M:%S")


def _epoch(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()


def _error(body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        return str(body.get("error") or ""), str(body.get("error_description") or "")
    return "", ""


def _api_url(settings: dict[str, object]) -> str:
    return str(settings.get("url") or DEFAULT_URL)


def _tokens(body: Any, now: float) -> dict[str, str]:
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


def _token_refusal(body: Any, what: str) -> ChannelError:
    error, description = _error(body)
    detail = f"{error}: {description}" if error else "no reason given"
    if error == "unauthorized_client":
        return ChannelError(f"BASE does not know this app ({detail}); check client_id and "
                            "client_secret", kind=ErrorKind.AUTHENTICATION,
                            renew=("client_id", "client_secret"))
    return ChannelError(f"BASE refused the {what} ({detail}); connect Rendo to BASE again",
                        kind=ErrorKind.CREDENTIALS_EXPIRED, renew=("refresh_token",))


class BaseShopChannel:
    """ChannelAdapter for one BASE shop. ``clock`` gives epoch seconds (tests move it)."""

    def __init__(self, info: ChannelInfo, credentials: Credentials,
                 client: HttpClient | None = None, budget: CallBudget | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.info = info
        self.limits = BASE_LIMITS
        self.credentials = credentials
        self.clock = clock
        self.calls_budget = budget or CallBudget()
        self.client = client or HttpClient(_api_url(info.settings), secrets=self._secrets)
        if self.client.secrets is None:
            self.client.secrets = self._secrets
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

    def set_deadline(self, deadline: float | None) -> None:
        self.client.cycle_deadline = deadline

    def cancel(self) -> None:
        self.client.cancel()

    def budget(self) -> RateBudget | None:
        budget = self.calls_budget
        return RateBudget(float(budget.remaining(self.clock())), float(budget.hour_limit))

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
        reply = self.client.call("POST", "/1/oauth/token", ok=(200, 400, 401), form={
            "grant_type": "refresh_token", "client_id": client_id, "client_secret": secret,
            "refresh_token": refresh,
            "redirect_uri": str(self.info.settings.get("redirect_uri") or "")})
        if reply.status != 200:
            self._access = None
            raise _token_refusal(reply.body, "refresh token")
        parts = _tokens(reply.body, self.clock())
        self._refresh_token = parts["refresh_token"]
        creds.renew(parts)  # the rotated refresh token is kept before anything else
        self._refresh_token = None
        self._access, self._expires = parts["access_token"], float(parts["access_token_expires"])
        log.info("%s: BASE access token renewed", self.info.name)
        return self._access

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
            self.calls_budget.take(now)
            reply = self.client.call(method, path, params=params, form=form,
                                     ok=(200, 400, 401),
                                     headers={"Authorization": f"Bearer {token}"})
            if reply.status == 200:
                return "", reply.body
            error, description = _error(reply.body)
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
            if error == "hour_api_limit":
                raise ChannelError("BASE: the hour's API calls are spent",
                                   seconds_to_next_hour(self.clock()), ErrorKind.RATE_LIMITED)
            if error == "day_api_limit":
                raise ChannelError("BASE: the day's API calls are spent",
                                   seconds_to_next_day(self.clock()), ErrorKind.RATE_LIMITED)
            return error or "refused", reply.body
        raise AssertionError("unreachable")

    def _spent(self, wait: float, write: bool) -> ChannelError:
        budget = self.calls_budget
        day = wait > seconds_to_next_hour(self.clock()) + 1
        limit, reserve = ((budget.day_limit, budget.day_reserve) if day
                          else (budget.hour_limit, budget.hour_reserve))
        period = "day" if day else "hour"
        spent = (f"this {period}'s {limit - reserve:,} calls for stock updates are made "
                 f"({reserve:,} of BASE's {limit:,} per {period} are kept for reading orders)"
                 if write else f"BASE's {limit:,} calls per {period} are made")
        return ChannelError(f"BASE: {spent}; the next ones in {wait:.0f} s", wait,
                            ErrorKind.RATE_LIMITED)

    def _get(self, path: str, params: dict[str, Any] | None = None,
             write: bool = False) -> Any:
        error, body = self._api("GET", path, params=params, write=write)
        if error:
            detail = _error(body)[1]
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
        except ChannelError as failure:
            if failure.stops_channel:
                raise
            return UpdateResult(code, UpdateStatus.RETRY, message=str(failure),
                                retry_after=failure.retry_after)
        if error in ("bad_item_id", "bad_variation_id"):
            with self._lock:
                self._map_read_at = None  # read again before the next write
                self._ids.pop(code, None)
            return UpdateResult(code, UpdateStatus.REJECTED,
                                message=f"{code} is no longer on BASE ({error})")
        if error:
            detail = _error(body)[1]
            return UpdateResult(code, UpdateStatus.REJECTED,
                                message=f"BASE refused {code}: {error} {detail}".strip())
        return UpdateResult(code, UpdateStatus.OK, _shown(body, variation_id))

    def test_connection(self) -> None:
        self._get("/1/items", {"limit": 1})
        self._get("/1/orders", {"limit": 1})

    # -- orders --------------------------------------------------------------------------------
    def read_orders(self, cursor: str | None, since: datetime) -> OrderPage:
        now = self.clock()
        seen = self._seen(cursor)
        floor = _epoch(since) - self.limits.order_overlap_s
        start = _window_start(seen, floor, now)
        listed = self._list_orders(start)
        lines: list[OrderLine] = []
        kept: dict[str, list[Any]] = {}
        for key, summary in listed.items():
            state = [summary["ordered"], summary.get("modified"),
                     str(summary.get("dispatch_status"))]
            if seen.get(key) != state:
                detail = self._detail(key)
                if detail is None:
                    continue
                lines += self._lines(detail)
            kept[key] = self._settled(state, now)
        for key, state in seen.items():  # open orders the list did not show (none expected)
            if key in listed or state[2] in FINAL:
                continue
            detail = self._detail(key)
            if detail is not None:
                lines += self._lines(detail)
                kept[key] = self._settled(
                    [state[0], detail.get("modified"), str(detail.get("dispatch_status"))], now)
        oldest = _window_start(kept, floor, now)
        kept = {k: v for k, v in kept.items() if v[0] >= oldest}
        return OrderPage(lines, json.dumps({"v": 1, "orders": kept}, separators=(",", ":")))

    def _settled(self, state: list[Any], now: float) -> list[Any]:
        """*state* to remember; an order changed within the overlap keeps no ``modified``, so
        its detail is read again next time: ``modified`` counts whole seconds (on BASE's
        clock), and a change in the same second as a read would not show in it."""
        modified = state[1]
        if not isinstance(modified, int | float) or modified >= now - self.limits.order_overlap_s:
            return [state[0], None, state[2]]
        return state

    def _seen(self, cursor: str | None) -> dict[str, list[Any]]:
        if not cursor:
            return {}
        try:
            orders = json.loads(cursor)["orders"]
            return {str(k): [float(v[0]), v[1], str(v[2])] for k, v in orders.items()}
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            log.warning("%s: unreadable order cursor; reading the last %d days again",
                        self.info.name, ORDER_WINDOW_S // 86400)
            return {}

    def _list_orders(self, start: float) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for page in range(MAX_PAGES):
            body = self._get("/1/orders", {"start_ordered": _stamp(start), "limit": PAGE,
                                           "offset": page * PAGE})
            batch = body.get("orders") if isinstance(body, dict) else None
            if not isinstance(batch, list):
                raise ChannelError("BASE's order list is not readable",
                                   kind=ErrorKind.MALFORMED)
            try:
                for order in batch:
                    found[str(order["unique_key"])] = order | {"ordered": float(order["ordered"])}
            except (KeyError, TypeError, ValueError) as error:
                raise ChannelError(f"BASE: an order is not readable ({type(error).__name__})",
                                   kind=ErrorKind.MALFORMED) from None
            if len(batch) < PAGE:
                return found
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
            placed = datetime.fromtimestamp(float(order["ordered"]), UTC).replace(tzinfo=None)
            whole = order.get("dispatch_status") == "cancelled"
            lines = []
            for line in order["order_items"]:
                variation = line.get("variation_id")
                code = self._code_for(int(line["item_id"]),
                                      int(variation) if variation is not None else None)
                lines.append(OrderLine(
                    channel=self.info.name, order_id=key, line_id=str(line["order_item_id"]),
                    channel_item_id=code, quantity=int(line["amount"]),
                    cancelled=whole or line.get("status") == "cancelled", placed_at=placed))
            return lines
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
            raise ChannelError(f"BASE: order {key} is not readable ({type(error).__name__})",
                               kind=ErrorKind.MALFORMED) from None


def _window_start(orders: dict[str, list[Any]], floor: float, now: float) -> float:
    """Where the next list starts: the trailing window, or the oldest open order placed
    before it; never before the channel was connected (less the overlap)."""
    open_times = [state[0] for state in orders.values() if state[2] not in FINAL]
    return float(max(floor, min([now - ORDER_WINDOW_S, *open_times])))


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
        return f"{parse_channel_url(_api_url(settings)).url}/1/oauth/authorize?{query}"

    def exchange_code(self, settings: dict[str, object], credentials: Credentials,
                      code: str) -> None:
        client_id, secret = credentials.get("client_id"), credentials.get("client_secret")
        if not client_id or not secret:
            raise BadInput(QT_TRANSLATE_NOOP(
                "Errors", "BASE needs the app's client_id and client_secret before "
                "connecting."))
        client = HttpClient(_api_url(settings), secrets=lambda: [*credentials.secrets(), code])
        try:
            reply = client.call("POST", "/1/oauth/token", ok=(200, 400, 401), form={
                "grant_type": "authorization_code", "client_id": client_id,
                "client_secret": secret, "code": code.strip(),
                "redirect_uri": str(settings.get("redirect_uri") or "")})
        finally:
            client.close()
        if reply.status != 200:
            refusal = _token_refusal(reply.body, "authorization code")
            if refusal.kind is ErrorKind.CREDENTIALS_EXPIRED:  # a used or stale code
                refusal.kind = ErrorKind.AUTHENTICATION
            raise refusal
        credentials.renew(_tokens(reply.body, time.time()))


def _make(info: ChannelInfo, credentials: Credentials) -> BaseShopChannel:
    return BaseShopChannel(info, credentials)


CHANNEL_TYPE = ChannelType(
    name="base", label=QT_TRANSLATE_NOOP("ChannelTypes", "BASE"), factory=_make,
    limits=BASE_LIMITS, default_url=DEFAULT_URL, oauth=BaseOAuth(),
    settings=(
        Field("redirect_uri", QT_TRANSLATE_NOOP("ChannelTypes", "Redirect URI"),
              QT_TRANSLATE_NOOP("ChannelTypes", "The callback URL registered for the app at "
                                "BASE Developers (Apps → your app), exactly as registered.")),
    ),
    credentials=(
        Field("client_id", QT_TRANSLATE_NOOP("ChannelTypes", "Client ID"), QT_TRANSLATE_NOOP(
            "ChannelTypes", "BASE Developers (developers.thebase.in) → register an app "
            "(scopes read_items, write_items, read_orders) → its client_id.")),
        Field("client_secret", QT_TRANSLATE_NOOP("ChannelTypes", "Client secret"),
              QT_TRANSLATE_NOOP("ChannelTypes", "BASE Developers → your app → its "
                                "client_secret.")),
        Field("refresh_token", QT_TRANSLATE_NOOP("ChannelTypes", "Refresh token"),
              QT_TRANSLATE_NOOP("ChannelTypes", "Filled in by \"Connect\": BASE asks you to "
                                "allow Rendo, then Rendo keeps the token (renewed on its "
                                "own)."), required=False),
    ),
)
