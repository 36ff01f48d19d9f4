"""The sandbox shop's REST API over real loopback HTTP: every endpoint, refusal and fault."""

from __future__ import annotations

import re
import time

import pytest
import requests

from app.channels.sandbox_server import SandboxServer, SandboxShop, load_catalog_csv

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture
def shop() -> SandboxShop:
    shop = SandboxShop()
    for sku, quantity in {"A": 10, "B": 5, "007": 3}.items():
        shop.add_listing(sku, quantity)
    return shop


@pytest.fixture
def server(shop, sandbox):
    return sandbox(shop=shop)


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def api(http, server, method, path, body=None, **kwargs):
    return http.request(method, server.url + path, json=body, timeout=kwargs.pop("timeout", 5),
                        **kwargs)


def order(http, server, *lines):
    return api(http, server, "POST", "/api/orders",
               {"lines": [{"sku": s, "quantity": q} for s, q in lines]})


def faults(http, server, **settings):
    answer = api(http, server, "POST", "/api/faults", settings)
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- stock ----------------------------------------------------------------------------------
def test_stock_lists_every_listing_sorted_by_sku(http, server):
    answer = api(http, server, "GET", "/api/stock")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"items": [{"sku": "007", "quantity": 3}, {"sku": "A", "quantity": 10},
                                       {"sku": "B", "quantity": 5}]}


def test_put_stock_sets_quantities(http, server, shop):
    answer = api(http, server, "PUT", "/api/stock", {"items": [{"sku": "A", "quantity": 4},
                                                               {"sku": "007", "quantity": 0}]})
    assert answer.status_code == 200
    assert answer.json()["results"] == [
        {"sku": "A", "status": "ok", "code": 200, "quantity": 4},
        {"sku": "007", "status": "ok", "code": 200, "quantity": 0}]
    assert shop.listings() == {"A": 4, "B": 5, "007": 0}


def test_an_unknown_sku_is_a_per_item_error_and_the_rest_is_applied(http, server, shop):
    answer = api(http, server, "PUT", "/api/stock", {"items": [{"sku": "NOPE", "quantity": 1},
                                                               {"sku": "B", "quantity": 9}]})
    assert answer.status_code == 207
    first, second = answer.json()["results"]
    assert first["status"] == "not_found" and first["code"] == 404 and first["sku"] == "NOPE"
    assert second["status"] == "ok"
    assert shop.quantity("B") == 9


def test_compare_and_set_conflict_is_not_applied(http, server, shop):
    order(http, server, ("A", 2))  # a customer took 2 since we last looked: A is 8
    answer = api(http, server, "PUT", "/api/stock", {"items": [
        {"sku": "A", "quantity": 20, "expected": 10},
        {"sku": "B", "quantity": 1, "expected": 5}]})
    assert answer.status_code == 207
    conflict, applied = answer.json()["results"]
    assert conflict == {"sku": "A", "status": "conflict", "code": 409, "quantity": 8}
    assert applied["status"] == "ok"
    assert shop.listings() == {"A": 8, "B": 1, "007": 3}


def test_a_negative_expected_is_a_conflict_not_a_malformed_call(http, server, shop):
    answer = api(http, server, "PUT", "/api/stock", {"items": [
        {"sku": "A", "quantity": 3, "expected": -1}, {"sku": "B", "quantity": 1}]})
    assert answer.status_code == 207
    assert [r["status"] for r in answer.json()["results"]] == ["conflict", "ok"]
    assert answer.json()["results"][0]["quantity"] == 10 and shop.quantity("A") == 10


def test_more_than_100_items_is_413(http, server, shop):
    items = [{"sku": "A", "quantity": n} for n in range(101)]
    answer = api(http, server, "PUT", "/api/stock", {"items": items})
    assert answer.status_code == 413
    assert "100" in answer.json()["error"]
    assert shop.quantity("A") == 10
    assert api(http, server, "PUT", "/api/stock", {"items": items[:100]}).status_code == 200


@pytest.mark.parametrize("body, names", [
    ({"items": [{"sku": "A", "quantity": 1}, {"sku": "B", "quantity": -1}]}, ["items[1]", "B"]),
    ({"items": [{"sku": "A", "quantity": "3"}]}, ["items[0]", "A"]),
    ({"items": [{"sku": "A", "quantity": 2.5}]}, ["items[0]"]),
    ({"items": [{"sku": "A", "quantity": True}]}, ["items[0]"]),
    ({"items": [{"sku": "A", "quantity": 1, "expected": "2"}]}, ["expected"]),
    ({"items": [{"quantity": 1}]}, ["items[0]"]),
    ({"items": "A"}, ["items"]),
    ([1, 2], ["items"]),
])
def test_malformed_stock_bodies_are_400_and_change_nothing(http, server, shop, body, names):
    answer = api(http, server, "PUT", "/api/stock", body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert all(name in error for name in names), error
    assert shop.listings() == {"A": 10, "B": 5, "007": 3}


def test_a_body_that_is_not_json_is_400(http, server):
    answer = http.put(server.url + "/api/stock", data=b"{nope", timeout=5)
    assert answer.status_code == 400 and "JSON" in answer.json()["error"]


def test_a_quantity_above_the_maximum_is_a_per_item_refusal(http, server, shop):
    answer = api(http, server, "PUT", "/api/stock", {"items": [{"sku": "A", "quantity": 100000}]})
    assert answer.status_code == 207
    assert answer.json()["results"][0]["status"] == "invalid"
    assert shop.quantity("A") == 10


# -- listings -------------------------------------------------------------------------------
def test_post_listing_creates_once(http, server, shop):
    answer = api(http, server, "POST", "/api/listings", {"sku": "００１", "quantity": 7})
    assert answer.status_code == 201 and answer.json() == {"sku": "００１", "quantity": 7}
    assert shop.quantity("００１") == 7
    again = api(http, server, "POST", "/api/listings", {"sku": "００１", "quantity": 1})
    assert again.status_code == 409 and shop.quantity("００１") == 7
    assert api(http, server, "POST", "/api/listings", {"sku": "X"}).status_code == 400


# -- orders ---------------------------------------------------------------------------------
def test_an_order_covered_by_the_shown_quantity_is_taken(http, server, shop):
    answer = order(http, server, ("A", 2), ("007", 1), ("A", 1))
    assert answer.status_code == 201
    body = answer.json()
    assert isinstance(body["id"], str) and body["status"] == "open"
    assert STAMP.match(body["created_at"]) and body["updated_at"] == body["created_at"]
    assert [(x["line_id"], x["sku"], x["quantity"]) for x in body["lines"]] == [
        ("1", "A", 2), ("2", "007", 1), ("3", "A", 1)]
    assert shop.listings() == {"A": 7, "B": 5, "007": 2}


def test_an_order_the_shop_cannot_cover_is_refused_whole(http, server, shop):
    answer = order(http, server, ("A", 1), ("B", 3), ("B", 3))
    assert answer.status_code == 409
    assert answer.json()["error"] == "insufficient" and answer.json()["sku"] == "B"
    assert shop.listings() == {"A": 10, "B": 5, "007": 3}
    assert order(http, server, ("ZZZ", 1)).status_code == 404
    assert order(http, server).status_code == 400
    assert order(http, server, ("A", 0)).status_code == 400


def test_changing_an_order_moves_the_shown_quantity(http, server, shop):
    placed = order(http, server, ("A", 2), ("B", 1)).json()
    time.sleep(0.001)
    path = f"/api/orders/{placed['id']}"
    less = api(http, server, "PATCH", path, {"lines": [{"line_id": "1", "quantity": 1}]})
    assert less.status_code == 200 and shop.quantity("A") == 9
    assert less.json()["updated_at"] > placed["updated_at"]
    more = api(http, server, "PATCH", path, {"lines": [{"line_id": "2", "quantity": 5}]})
    assert more.status_code == 200 and shop.quantity("B") == 0
    too_much = api(http, server, "PATCH", path, {"lines": [{"line_id": "1", "quantity": 11}]})
    assert too_much.status_code == 409 and shop.quantity("A") == 9
    assert api(http, server, "PATCH", path,
               {"lines": [{"line_id": "9", "quantity": 1}]}).status_code == 404
    assert api(http, server, "PATCH", "/api/orders/999",
               {"lines": [{"line_id": "1", "quantity": 1}]}).status_code == 404
    assert api(http, server, "PATCH", path,
               {"lines": [{"line_id": "1", "quantity": -1}]}).status_code == 400


def test_cancelling_returns_the_units_once(http, server, shop):
    placed = order(http, server, ("A", 2), ("B", 1)).json()
    assert shop.listings() == {"A": 8, "B": 4, "007": 3}
    path = f"/api/orders/{placed['id']}/cancel"
    answer = api(http, server, "POST", path)
    assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
    assert answer.json()["updated_at"] > placed["updated_at"]
    assert shop.listings() == {"A": 10, "B": 5, "007": 3}
    assert api(http, server, "POST", path).status_code == 409
    assert shop.listings() == {"A": 10, "B": 5, "007": 3}
    assert api(http, server, "POST", "/api/orders/999/cancel").status_code == 404
    changed = api(http, server, "PATCH", f"/api/orders/{placed['id']}",
                  {"lines": [{"line_id": "1", "quantity": 1}]})
    assert changed.status_code == 409


def test_orders_since_a_time_are_paged_by_updated_at(http, server, shop):
    shop.set_listing("A", 1000)
    ids = [order(http, server, ("A", 1)).json()["id"] for _ in range(60)]
    first = api(http, server, "GET", "/api/orders", params={"page": 1}).json()
    assert len(first["orders"]) == 50 and first["has_more"] and first["page"] == 1
    assert STAMP.match(first["server_time"])
    second = api(http, server, "GET", "/api/orders", params={"page": 2}).json()
    assert len(second["orders"]) == 10 and not second["has_more"]
    assert [o["id"] for o in first["orders"] + second["orders"]] == ids
    api(http, server, "POST", f"/api/orders/{ids[3]}/cancel")
    since = first["orders"][-1]["updated_at"]  # the 50th order's time: inclusive
    later = api(http, server, "GET", "/api/orders", params={"updated_since": since}).json()
    assert [o["id"] for o in later["orders"]] == [*ids[49:], ids[3]]
    assert later["orders"][-1]["status"] == "cancelled"
    assert later["server_time"] >= later["orders"][-1]["updated_at"]


@pytest.mark.parametrize("params", [{"updated_since": "yesterday"}, {"page": "x"}, {"page": 0}])
def test_bad_order_queries_are_400(http, server, params):
    assert api(http, server, "GET", "/api/orders", params=params).status_code == 400


def test_updated_since_accepts_offsets(http, server):
    order(http, server, ("A", 1))
    answer = api(http, server, "GET", "/api/orders",
                 params={"updated_since": "2000-01-01T09:00:00+09:00"})
    assert answer.status_code == 200 and len(answer.json()["orders"]) == 1
    future = api(http, server, "GET", "/api/orders", params={"updated_since": "2999-01-01"})
    assert future.json()["orders"] == []


def test_admin_orders_lists_everything(http, server):
    order(http, server, ("A", 1))
    order(http, server, ("B", 1))
    assert len(api(http, server, "GET", "/api/_admin/orders").json()["orders"]) == 2


def test_unknown_endpoints_are_404_json(http, server):
    for method, path in [("GET", "/api/nothing"), ("GET", "/"), ("DELETE", "/api/stock"),
                         ("POST", "/api/stock")]:
        answer = api(http, server, method, path)
        assert answer.status_code in (404, 501), (method, path)
    assert api(http, server, "GET", "/api/nothing").json()["error"]


# -- faults ---------------------------------------------------------------------------------
def test_faults_are_set_replaced_and_read_back(http, server):
    set_ = faults(http, server, error_rate=0.25, retry_after=2, seed=3)
    assert set_["error_rate"] == 0.25 and set_["retry_after"] == 2 and set_["seed"] == 3
    assert api(http, server, "GET", "/api/faults").json() == set_
    reset = faults(http, server)
    assert reset["error_rate"] == 0 and reset["seed"] is None
    for bad in ({"error_rate": 2}, {"timeout_rate": "x"}, {"seed": "s"}, {"slow_s": -1}):
        assert api(http, server, "POST", "/api/faults", bad).status_code == 400


def test_injected_errors_change_no_state(http, server, shop):
    faults(http, server, error_rate=1.0, seed=1)
    before = shop.listings()
    answers = [
        api(http, server, "PUT", "/api/stock", {"items": [{"sku": "A", "quantity": 0}]}),
        order(http, server, ("A", 1)),
        api(http, server, "POST", "/api/listings", {"sku": "N", "quantity": 1}),
        api(http, server, "GET", "/api/stock"),
    ]
    assert [a.status_code for a in answers] == [500, 500, 500, 500]
    assert answers[0].json()["error"]
    assert shop.listings() == before and shop.orders() == []
    # /api/faults and /api/_admin/* are never faulted
    assert api(http, server, "GET", "/api/_admin/orders").status_code == 200
    faults(http, server)
    assert api(http, server, "GET", "/api/stock").status_code == 200


def test_injected_429_carries_retry_after_and_changes_nothing(http, server, shop):
    faults(http, server, rate_limit_rate=1.0, retry_after=7)
    answer = order(http, server, ("A", 1))
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "7"
    assert shop.quantity("A") == 10 and shop.orders() == []


def test_injected_malformed_answer_is_truncated_json_and_changes_nothing(http, server, shop):
    faults(http, server, malformed_rate=1.0)
    answer = api(http, server, "PUT", "/api/stock", {"items": [{"sku": "A", "quantity": 1}]})
    assert answer.status_code == 200
    with pytest.raises(ValueError):
        answer.json()
    assert shop.quantity("A") == 10


def test_injected_timeout_drops_the_call_and_changes_nothing(http, server, shop):
    faults(http, server, timeout_rate=1.0, timeout_s=0.5)
    with pytest.raises(requests.ReadTimeout):
        api(http, server, "POST", "/api/orders", {"lines": [{"sku": "A", "quantity": 1}]},
            timeout=0.3)
    with pytest.raises(requests.ConnectionError):  # waiting longer: the shop hangs up
        api(http, server, "GET", "/api/stock", timeout=3)
    faults(http, server)
    assert shop.quantity("A") == 10 and shop.orders() == []


def test_injected_slow_answer_arrives_late_but_whole(http, server, shop):
    faults(http, server, slow_rate=1.0, slow_s=0.2)
    started = time.monotonic()
    answer = order(http, server, ("A", 1))
    assert time.monotonic() - started >= 0.2
    assert answer.status_code == 201 and shop.quantity("A") == 9


def test_a_seed_makes_faults_repeat(http, server):
    def run() -> list[int]:
        faults(http, server, error_rate=0.5, seed=42)
        return [api(http, server, "GET", "/api/stock").status_code for _ in range(12)]

    first = run()
    assert first == run()
    assert 200 in first and 500 in first


# -- auth, rate limit, lifecycle -------------------------------------------------------------
def test_a_token_is_required_when_set(http, shop, sandbox):
    server = sandbox(shop=shop, token="s3cret")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        answer = api(http, server, "GET", "/api/stock", headers=headers)
        assert answer.status_code == 401 and answer.json() == {"error": "unauthorized"}
    assert "s3cret" not in answer.text
    ok = api(http, server, "GET", "/api/stock", headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 200
    assert api(http, server, "POST", "/api/faults", {}).status_code == 401


def test_the_real_rate_limit_answers_429_with_retry_after(http, shop, sandbox):
    server = sandbox(shop=shop, rate_limit_per_s=3)
    codes = [api(http, server, "GET", "/api/stock") for _ in range(8)]
    limited = [a for a in codes if a.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert [a.status_code for a in codes[:3]] == [200, 200, 200]
    assert api(http, server, "GET", "/api/faults").status_code == 200  # not limited


def test_a_new_token_revokes_the_old_one(http, shop, sandbox):
    server = sandbox(shop=shop, token="first")
    server.set_token("second")
    old = api(http, server, "GET", "/api/stock", headers={"Authorization": "Bearer first"})
    assert old.status_code == 401
    new = api(http, server, "GET", "/api/stock", headers={"Authorization": "Bearer second"})
    assert new.status_code == 200


def test_throttled_calls_answer_429_then_the_shop_answers_again(http, server, shop):
    server.throttle(2, retry_after=0.5)
    first, second = (api(http, server, "PUT", "/api/stock", {"items": [{"sku": "A",
                                                                       "quantity": 1}]})
                     for _ in range(2))
    assert [first.status_code, second.status_code] == [429, 429]
    assert first.headers["Retry-After"] == "0.5"
    assert shop.quantity("A") == 10  # a throttled call changes nothing
    assert api(http, server, "GET", "/api/stock").status_code == 200


def test_every_request_is_reported_to_the_observer(http, server):
    seen: list[tuple[str, str]] = []
    server.on_request = lambda method, path: seen.append((method, path))
    api(http, server, "GET", "/api/stock?x=1")
    api(http, server, "POST", "/api/orders", {"lines": []})
    assert seen == [("GET", "/api/stock"), ("POST", "/api/orders")]


def test_a_listing_whose_writes_are_refused_is_a_per_item_refusal(http, server, shop):
    shop.refuse_writes("B")
    answer = api(http, server, "PUT", "/api/stock", {"items": [
        {"sku": "A", "quantity": 4}, {"sku": "B", "quantity": 4}]})
    assert answer.status_code == 207
    results = answer.json()["results"]
    assert results[0]["status"] == "ok"
    assert results[1]["status"] == "invalid" and results[1]["quantity"] == 5
    assert (shop.quantity("A"), shop.quantity("B")) == (4, 5)
    assert order(http, server, ("B", 2)).status_code == 201  # customers still buy it


def test_start_returns_the_port_and_stop_frees_it(shop):
    server = SandboxServer(shop)
    port = server.start()
    assert port > 0 and server.url == f"http://127.0.0.1:{port}"
    assert requests.get(server.url + "/api/shop", timeout=5).json()["listings"] == 3
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/api/stock", timeout=1)


# -- catalogue ------------------------------------------------------------------------------
def test_catalog_csv_with_or_without_header(tmp_path):
    shop = SandboxShop()
    with_header = tmp_path / "a.csv"
    with_header.write_text("sku,quantity\n007,3\nA,10\n\n", encoding="utf-8-sig")
    assert load_catalog_csv(shop, with_header) == 2
    plain = tmp_path / "b.csv"
    plain.write_bytes("靴-赤,4\nA,1\n".encode("cp932"))
    assert load_catalog_csv(shop, plain) == 2
    assert shop.listings() == {"007": 3, "A": 1, "靴-赤": 4}
    bad = tmp_path / "c.csv"
    bad.write_text("A,1\nB,lots\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_catalog_csv(shop, bad)
