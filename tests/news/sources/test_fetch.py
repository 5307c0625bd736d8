"""news.sources.fetch on a local HTTP server: guard, redirects, caps, content types, charsets."""

from __future__ import annotations

import asyncio
import socket
import time
import tracemalloc
from collections.abc import Callable

import httpx
import pytest
from aiohttp import web

from config.settings import Settings
from news.sources.fetch import Fetcher, FetchError, check_url, decode_html, make_client
from tests.support.http_server import LocalHTTPServer, hang, redirect, stream_bytes

HTML = "text/html; charset=utf-8"
ARTICLE = "<html><head><title>T</title></head><body><p>Grüße aus Köln.</p></body></html>"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch_page(url)
    return info.value


# -- the guard ---------------------------------------------------------------------------------
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
    assert "private or local" in info.value.reason
    assert await check_url(url, allow_loopback=True)


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
    assert info.value.kind == "refused"


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
        assert info.value.kind == "refused", host
    for host in ("intranet.example", "metadata.example"):
        with pytest.raises(FetchError):
            await check_url(f"https://{host}/", allow_loopback=True)
    assert await check_url("https://home.example/", allow_loopback=True)


async def test_unknown_host_is_unreachable(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["nowhere.example"] = []
    with pytest.raises(FetchError) as info:
        await check_url("http://nowhere.example/", allow_loopback=False)
    assert info.value.kind == "unreachable"


async def test_private_urls_never_reach_the_transport(
    make_settings: Callable[..., Settings], fake_dns: dict[str, list[str]]
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, html="<p>secret</p>")

    fake_dns["internal.example"] = ["10.0.0.7"]
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(make_settings(allow_loopback=False), client)
        for url in (
            "http://127.0.0.1/",
            "http://10.0.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://internal.example/",
        ):
            error = await _fetch_error(fetcher, url)
            assert error.kind == "refused", url
    assert seen == []


async def test_redirect_from_public_to_private_is_refused(
    make_settings: Callable[..., Settings], fake_dns: dict[str, list[str]]
) -> None:
    # "Public" hosts are answered by a mock transport; nothing connects anywhere.
    fake_dns["news.example"] = ["93.184.216.34"]
    fake_dns["metadata.example"] = ["169.254.169.254"]
    targets = {
        "/a": "http://10.0.0.1/admin",
        "/b": "http://169.254.169.254/latest/meta-data/",
        "/c": "http://metadata.example/",
        "/d": "http://127.0.0.1:9/",
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": targets[request.url.path]})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        fetcher = Fetcher(make_settings(allow_loopback=False), client)
        for path in targets:
            error = await _fetch_error(fetcher, f"http://news.example{path}")
            assert error.kind == "refused"
            assert "private or local" in error.reason
    assert seen == [f"http://news.example{path}" for path in targets]


async def test_local_redirect_to_metadata_is_refused_with_loopback_allowed(
    make_settings: Callable[..., Settings],
) -> None:
    routes = {"/r": redirect("http://169.254.169.254/latest/meta-data/")}
    async with LocalHTTPServer(routes) as server:
        fetcher = Fetcher(make_settings())
        try:
            error = await _fetch_error(fetcher, server.url("/r"))
        finally:
            await fetcher.aclose()
    assert error.kind == "refused"


# -- fetching ----------------------------------------------------------------------------------
async def test_fetch_page_follows_redirects(make_settings: Callable[..., Settings]) -> None:
    routes = {
        "/old": redirect("/mid", 301),
        "/mid": redirect("/article", 307),
        "/article": (200, {"Content-Type": HTML, "ETag": '"x"'}, ARTICLE),
    }
    async with LocalHTTPServer(routes) as server:
        fetcher = Fetcher(make_settings(user_agent="nb-test/1"))
        try:
            page = await fetcher.fetch_page(server.url("/old"))
        finally:
            await fetcher.aclose()
    assert page.url == server.url("/article")
    assert page.status == 200
    assert page.content_type == "text/html"
    assert "Grüße aus Köln" in page.text
    assert page.encoding == "utf-8"
    assert page.truncated is False
    assert page.headers["etag"] == '"x"'
    assert [r.path for r in server.requests] == ["/old", "/mid", "/article"]
    assert all(r.headers["User-Agent"] == "nb-test/1" for r in server.requests)


async def test_too_many_redirects(make_settings: Callable[..., Settings]) -> None:
    routes = {"/a": redirect("/b"), "/b": redirect("/a")}
    async with LocalHTTPServer(routes) as server:
        fetcher = Fetcher(make_settings(fetch_max_redirects=3))
        try:
            error = await _fetch_error(fetcher, server.url("/a"))
        finally:
            await fetcher.aclose()
    assert error.kind == "unreachable"
    assert "redirects too many times" in error.reason
    assert len(server.requests) == 4


async def test_dead_link(make_settings: Callable[..., Settings]) -> None:
    fetcher = Fetcher(make_settings())
    try:
        error = await _fetch_error(fetcher, f"http://127.0.0.1:{_closed_port()}/x")
    finally:
        await fetcher.aclose()
    assert error.kind == "unreachable"
    assert error.reason == "Could not connect to the site."


@pytest.mark.parametrize(
    ("status", "words"),
    [(404, "not found"), (410, "not found"), (503, "error"), (403, "refused"), (304, "HTTP")],
)
async def test_http_errors(
    make_settings: Callable[..., Settings], status: int, words: str
) -> None:
    async with LocalHTTPServer({"/x": (status, {"Content-Type": HTML}, "<p>no</p>")}) as server:
        fetcher = Fetcher(make_settings())
        try:
            error = await _fetch_error(fetcher, server.url("/x"))
        finally:
            await fetcher.aclose()
    assert error.kind == "http_status"
    assert error.status == status
    assert words in error.reason
    assert str(status) in error.reason


async def test_timeout_on_hanging_server(make_settings: Callable[..., Settings]) -> None:
    async with LocalHTTPServer({"/slow": hang()}) as server:
        fetcher = Fetcher(make_settings(fetch_timeout=0.3))
        started = time.monotonic()
        try:
            error = await _fetch_error(fetcher, server.url("/slow"))
        finally:
            await fetcher.aclose()
    assert error.kind == "timeout"
    assert time.monotonic() - started < 2.0


async def test_trickling_server_hits_the_overall_deadline(
    make_settings: Callable[..., Settings],
) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": HTML})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b"<p>a</p>")
            await asyncio.sleep(0.1)  # each read is quick; the whole body is not
        return response

    async with LocalHTTPServer({"/t": trickle}) as server:
        fetcher = Fetcher(make_settings(fetch_timeout=0.3))
        started = time.monotonic()
        try:
            error = await _fetch_error(fetcher, server.url("/t"))
        finally:
            await fetcher.aclose()
    assert error.kind == "timeout"
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "application/json"])
async def test_non_html_is_refused(
    make_settings: Callable[..., Settings], content_type: str
) -> None:
    routes = {"/f": (200, {"Content-Type": content_type}, b"%PDF-1.4 binary")}
    async with LocalHTTPServer(routes) as server:
        fetcher = Fetcher(make_settings())
        try:
            error = await _fetch_error(fetcher, server.url("/f"))
        finally:
            await fetcher.aclose()
    assert error.kind == "not_html"
    assert content_type in error.reason


async def test_missing_content_type_is_sniffed(make_settings: Callable[..., Settings]) -> None:
    async with LocalHTTPServer() as server:
        server.set("/html", lambda r: _body(b"<!DOCTYPE html><html><p>hi</p></html>"))
        server.set("/bin", lambda r: _body(b"\x89PNG\r\n\x1a\n..."))
        fetcher = Fetcher(make_settings())
        try:
            page = await fetcher.fetch_page(server.url("/html"))
            error = await _fetch_error(fetcher, server.url("/bin"))
        finally:
            await fetcher.aclose()
    assert "hi" in page.text
    assert error.kind == "not_html"


async def _body(data: bytes) -> web.StreamResponse:
    response = web.Response(body=data)
    response.headers.popall("Content-Type", None)
    return response


async def test_huge_page_is_cut_at_the_cap_without_buffering_it(
    make_settings: Callable[..., Settings],
) -> None:
    cap = 1_000_000
    async with LocalHTTPServer({"/big": stream_bytes(20_000_000)}) as server:
        fetcher = Fetcher(make_settings(fetch_max_bytes=cap))
        tracemalloc.start()
        try:
            page = await fetcher.fetch_page(server.url("/big"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            await fetcher.aclose()
    assert page.truncated is True
    assert len(page.body) == cap
    assert page.text.startswith("<p>xxx")
    # the page body plus its decoded text plus one read chunk, far below the 20 MB served
    assert peak < 4 * cap + 256 * 1024


async def test_feed_too_large(make_settings: Callable[..., Settings]) -> None:
    feed = stream_bytes(300_000, content_type="application/rss+xml", chunk=b"<item/>")
    async with LocalHTTPServer({"/f": feed}) as server:
        fetcher = Fetcher(make_settings(fetch_max_bytes=100_000))
        try:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch_feed(server.url("/f"))
        finally:
            await fetcher.aclose()
    assert info.value.kind == "too_large"


# -- charsets ----------------------------------------------------------------------------------
RUSSIAN = "Правительство объявило о новых мерах поддержки малого бизнеса в регионах страны."
GERMAN = "Die Bürger müssen größere Straßen überqueren, sagte der Bürgermeister."
FRENCH = "Le maire a présenté un budget équilibré; les élus ont déjà voté, à l'unanimité."


def _page(text: str, meta: str = "") -> str:
    return (
        f"<html><head>{meta}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"
    )


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        (_page(RUSSIAN).encode("cp1251"), None, RUSSIAN),  # no header, no meta
        (_page(FRENCH).encode("latin-1"), None, FRENCH),
        (_page(GERMAN).encode("cp1252"), None, GERMAN),
        (_page(RUSSIAN).encode("cp1251"), "utf-8", RUSSIAN),  # the header lies
        (_page(FRENCH).encode("utf-8"), "iso-8859-1", FRENCH),  # the header lies the other way
        (_page(RUSSIAN, '<meta charset="windows-1251">').encode("cp1251"), None, RUSSIAN),
        (
            _page(
                FRENCH, '<meta http-equiv="Content-Type" content="text/html; charset=latin-1">'
            ).encode("latin-1"),
            "bogus-charset",
            FRENCH,
        ),
        (b"\xef\xbb\xbf" + _page(FRENCH).encode(), "latin-1", FRENCH),  # the BOM wins
    ],
)
def test_decode_html(body: bytes, header: str | None, expected: str) -> None:
    text, _encoding = decode_html(body, header)
    assert expected in text


def test_decode_broken_bytes_never_raises() -> None:
    body = _page("ok").encode() + b"\xff\xfe\x00\x81 broken \xc3"
    text, encoding = decode_html(body, "utf-8")
    assert "ok" in text
    assert encoding


def test_truncated_utf8_keeps_its_encoding() -> None:
    body = _page(FRENCH).encode()
    body = body[: body.index("é".encode()) + 1]  # cut inside a two-byte character
    text, encoding = decode_html(body, None, truncated=True)
    assert encoding == "utf-8"
    assert text.endswith("pr")


async def test_page_in_cp1251_without_header_over_http(
    make_settings: Callable[..., Settings],
) -> None:
    body = _page(RUSSIAN).encode("cp1251")
    async with LocalHTTPServer({"/ru": (200, {"Content-Type": "text/html"}, body)}) as server:
        fetcher = Fetcher(make_settings())
        try:
            page = await fetcher.fetch_page(server.url("/ru"))
        finally:
            await fetcher.aclose()
    assert RUSSIAN in page.text
    assert page.body == body


# -- feeds: conditional GET --------------------------------------------------------------------
async def test_feed_conditional_get(make_settings: Callable[..., Settings]) -> None:
    etag, modified = '"v1"', "Sat, 28 Nov 2026 10:00:00 GMT"

    async def feed(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(
            body=b"<rss version='2.0'><channel><title>x</title></channel></rss>",
            headers={
                "Content-Type": "application/rss+xml",
                "ETag": etag,
                "Last-Modified": modified,
            },
        )

    async with LocalHTTPServer({"/feed": feed}) as server:
        fetcher = Fetcher(make_settings())
        try:
            first = await fetcher.fetch_feed(server.url("/feed"))
            second = await fetcher.fetch_feed(
                server.url("/feed"), etag=first.etag, last_modified=first.last_modified
            )
        finally:
            await fetcher.aclose()
    assert (first.status, first.etag, first.last_modified) == (200, etag, modified)
    assert b"<rss" in first.body
    assert (second.status, second.body) == (304, b"")
    assert (second.etag, second.last_modified) == (etag, modified)
    plain, conditional = server.requests
    assert "If-None-Match" not in plain.headers
    assert conditional.headers["If-None-Match"] == etag
    assert conditional.headers["If-Modified-Since"] == modified


async def test_feed_with_wrong_type_is_refused(make_settings: Callable[..., Settings]) -> None:
    async with LocalHTTPServer({"/f": (200, {"Content-Type": "image/png"}, b"\x89PNG")}) as server:
        fetcher = Fetcher(make_settings())
        try:
            with pytest.raises(FetchError) as info:
                await fetcher.fetch_feed(server.url("/f"))
        finally:
            await fetcher.aclose()
    assert info.value.kind == "not_html"
    assert "not a feed" in info.value.reason


async def test_shared_client_is_not_closed_by_fetcher(
    make_settings: Callable[..., Settings],
) -> None:
    async with httpx.AsyncClient() as client:
        fetcher = Fetcher(make_settings(), client)
        await fetcher.aclose()
        assert not client.is_closed


# -- connect-time guard (DNS rebinding) --------------------------------------------------------
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
    assert info.value.kind == "refused"
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
    assert "Grüße" in page.text
    assert server.requests[0].headers["Host"] == f"pinned.example:{server.port}"
