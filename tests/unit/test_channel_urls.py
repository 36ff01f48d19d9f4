"""The channel address policy (issue 8 items 4 and 20): HTTPS, or plain HTTP to this PC only,
read exactly as the HTTP library will read it, and nothing ambiguous."""

from __future__ import annotations

import pytest
from urllib3.util import parse_url

from app.channels.http import HttpClient
from app.channels.urls import ChannelUrlRefused, check_channel_url
from app.domain.errors import BadInput

ALLOWED = {
    "http://127.0.0.1": "http://127.0.0.1",
    "http://127.0.0.1:18601/": "http://127.0.0.1:18601",
    "http://127.9.9.9": "http://127.9.9.9",
    "http://localhost": "http://localhost",
    "http://LocalHost:8080/api/": "http://localhost:8080/api",
    "http://[::1]": "http://[::1]",
    "http://[::1]:5000/": "http://[::1]:5000",
    "https://example.com": "https://example.com",
    "https://api.example.co.jp/shop/v1/": "https://api.example.co.jp/shop/v1",
    "HTTPS://Example.COM": "https://example.com",  # mixed-case scheme and host: normalised
    "HtTp://127.0.0.1:80": "http://127.0.0.1:80",
}

REFUSED = [
    "http://192.0.2.2:18600\\@127.0.0.1:18601",  # the bypass of issue 8: requests read 192.0.2.2
    "http://user:pass@127.0.0.1",  # user-info: a password would reach logs and the database
    "https://user@example.com",
    "http://127.0.0.1#@evil",
    "http://127.0.0.1/?next=@evil.com",
    "http://127.0.0.1.nip.io",  # DNS does not decide what "this PC" is
    "http://2130706433",  # 127.0.0.1 as one decimal number
    "http://127.1",
    "http://0x7f.0.0.1",
    "http://0127.0.0.1",  # octal to some resolvers
    "https://2130706433",
    "http://[::ffff:127.0.0.1]",  # IPv6-mapped: depends on the system's dual stack
    "http://localhost.evil.com",
    "http://localhost.",  # trailing dot: a DNS name, not the literal localhost
    "http://evil.com",
    "http://10.0.0.1:8080",
    "ftp://127.0.0.1",
    "example.com",
    "http://",
    "http://:8080",
    "http://127.0.0.%31",  # percent-encoded host
    "http://[fe80::1%25eth0]",
    "http://127.0.0.1 /",
    "http://127.0.0.1\t",
    "http://127.0.0.1\x00.evil.com",
    "http://１２７.０.０.１",  # full-width digits that IDNA would turn into 127.0.0.1
    "http://127.0.0.1:0",
    "http://127.0.0.1:99999",
    "http://127.0.0.1:8o",
    "https://exa_mple..com",
    "",
]


@pytest.mark.parametrize(("url", "normalised"), ALLOWED.items())
def test_https_and_this_pc_over_http_are_allowed(url, normalised):
    assert check_channel_url(url) == normalised
    assert HttpClient(url).base_url == normalised


@pytest.mark.parametrize("url", REFUSED)
def test_anything_else_is_refused_by_the_one_policy(url):
    with pytest.raises(BadInput):
        check_channel_url(url)
    with pytest.raises(ValueError):  # the HTTP client's own check: the same policy
        HttpClient(url)


@pytest.mark.parametrize("url", list(ALLOWED))
def test_the_http_library_reads_the_same_host_as_the_policy(url):
    """What requests (through urllib3's parse_url) connects to is what was checked."""
    checked = HttpClient(url).address
    parsed = parse_url(checked.url + "/api/orders")
    assert (parsed.scheme, parsed.host, parsed.port, parsed.auth) == (
        checked.scheme, checked.host, checked.port, None)


def test_a_refused_password_is_never_repeated_in_the_message():
    with pytest.raises(ChannelUrlRefused) as refused:
        check_channel_url("http://shopuser:hunter2@127.0.0.1:8000")
    assert "hunter2" not in str(refused.value)
    assert "user name or password" in str(refused.value)


def test_plain_http_refusal_says_to_use_https():
    with pytest.raises(ChannelUrlRefused, match="https://"):
        check_channel_url("http://evil.com")
