"""news.sources.guard: which URLs and addresses may be fetched, checked before each request
(check_url) and again at connect time (the client's transport, against DNS rebinding)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from config.settings import Settings
from news.sources.fetch import Fetcher, FetchError, check_url, make_client
from tests.support.http_server import LocalHTTPServer

HTML = "text/html; charset=utf-8"
ARTICLE = "<html><head><title>T</title></head><body><p>Grüße aus Köln.</p></body></html>"
REFUSED = "The link points to a private or local network address, which is not fetched."


# -- check_url -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8080/x",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",  # 127.0.0.1 written as one decimal number
    ],
)
async def test_guard_refuses_loopback_unless_allowed(url: str) -> None:
    with pytest.raises(FetchError) as info:
        await check_url(url, allow_loopback=False)
    assert info.value.kind == "refused"
    assert info.value.reason == REFUSED
    assert await check_url(url, allow_loopback=True) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://[::ffff:10.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[64:ff9b::a00:1]/",
        "http://240.0.0.1/",
    ],
)
async def test_guard_refuses_private_even_with_loopback_allowed(url: str) -> None:
    with pytest.raises(FetchError) as info:
        await check_url(url, allow_loopback=True)
    assert (info.value.kind, info.value.reason, info.value.url) == ("refused", REFUSED, url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://example.com/file", "http"),
        ("file:///etc/passwd", "http"),
        ("javascript:alert(1)", "http"),
        ("http://user:pw@example.com/", "password"),
        ("http://example.com@127.0.0.1/", "password"),
        ("", "empty"),
        ("http:///nohost", "host"),
    ],
)
async def test_guard_rejects_invalid_urls(url: str, words: str) -> None:
    with pytest.raises(FetchError) as info:
        await check_url(url, allow_loopback=True)
    assert info.value.kind == "invalid_url"
    assert words in info.value.reason


async def test_guard_resolves_hostnames(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["news.example"] = ["93.184.216.34"]
    fake_dns["intranet.example"] = ["10.1.2.3"]
    fake_dns["metadata.example"] = ["169.254.169.254"]
    fake_dns["split.example"] = ["93.184.216.34", "127.0.0.1"]  # one bad record is enough
    fake_dns["home.example"] = ["127.0.0.1"]
    assert await check_url("HTTP://News.Example/a#frag", allow_loopback=False) == (
        "http://news.example/a"
    )
    for host in ("intranet.example", "metadata.example", "split.example", "home.example"):
        with pytest.raises(FetchError) as info:
            await check_url(f"https://{host}/", allow_loopback=False)
        assert (info.value.kind, info.value.reason) == ("refused", REFUSED), host
    for host in ("intranet.example", "metadata.example"):
        with pytest.raises(FetchError) as info:
            await check_url(f"https://{host}/", allow_loopback=True)
        assert info.value.kind == "refused", host
    assert await check_url("https://home.example/", allow_loopback=True) == "https://home.example/"


async def test_unknown_host_is_unreachable(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["nowhere.example"] = []
    with pytest.raises(FetchError) as info:
        await check_url("http://nowhere.example/", allow_loopback=False)
    assert info.value.kind == "unreachable"
    assert info.value.reason == "The site's address could not be found."


# -- the connect-time guard (DNS rebinding) -------------------------------------------------
async def test_connect_time_guard_refuses_a_name_that_now_resolves_private(
    make_settings: Callable[..., Settings], fake_dns: dict[str, list[str]]
) -> None:
    # check_url is bypassed on purpose: the client itself must refuse the rebound name
    async with LocalHTTPServer({"/x": (200, {"Content-Type": HTML}, ARTICLE)}) as server:
        fake_dns["rebind.example"] = ["127.0.0.1"]
        client = make_client(make_settings(allow_loopback=False))
        try:
            with pytest.raises(FetchError) as info:
                await client.get(f"http://rebind.example:{server.port}/x")
        finally:
            await client.aclose()
    assert (info.value.kind, info.value.reason) == ("refused", REFUSED)
    assert server.requests == []


async def test_connect_time_guard_connects_to_the_checked_address(
    make_settings: Callable[..., Settings], fake_dns: dict[str, list[str]]
) -> None:
    async with LocalHTTPServer({"/x": (200, {"Content-Type": HTML}, ARTICLE)}) as server:
        fake_dns["pinned.example"] = ["127.0.0.1"]  # no real DNS knows this name
        fetcher = Fetcher(make_settings(allow_loopback=True))
        try:
            page = await fetcher.fetch_page(f"http://pinned.example:{server.port}/x")
        finally:
            await fetcher.aclose()
    assert page.text == ARTICLE
    assert server.requests[0].headers["Host"] == f"pinned.example:{server.port}"
