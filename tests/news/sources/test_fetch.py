"""news.sources.fetch on a local HTTP server: the guard on every hop, redirects, caps, content
types, charsets over HTTP, conditional GET."""

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
from news.sources.fetch import Fetcher, FetchError
from tests.support.http_server import LocalHTTPServer, hang, redirect, stream_bytes

HTML = "text/html; charset=utf-8"
ARTICLE = "<html><head><title>T</title></head><body><p>Grüße aus Köln.</p></body></html>"
REFUSED = "The link points to a private or local network address, which is not fetched."
RUSSIAN = "Правительство объявило о новых мерах поддержки малого бизнеса в регионах страны."


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        await fetcher.fetch_page(url)
    return info.value


def _page(text: str) -> str:
    return f"<html><head><title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"


# -- the guard applies to every hop -------------------------------------------------------------
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
            assert (error.kind, error.reason) == ("refused", REFUSED)
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
    assert page.text == ARTICLE
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
    assert (error.kind, error.reason) == ("unreachable", "The link redirects too many times.")
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
    ("status", "reason"),
    [
        (404, "The page was not found (HTTP 404)."),
        (410, "The page was not found (HTTP 410)."),
        (503, "The site had an error (HTTP 503); try again later."),
        (403, "The site refused access to the page (HTTP 403)."),
        (429, "The site is limiting requests right now (HTTP 429); try again later."),
        (304, "The site answered with HTTP 304."),
    ],
)
async def test_http_errors(
    make_settings: Callable[..., Settings], status: int, reason: str
) -> None:
    async with LocalHTTPServer({"/x": (status, {"Content-Type": HTML}, "<p>no</p>")}) as server:
        fetcher = Fetcher(make_settings())
        try:
            error = await _fetch_error(fetcher, server.url("/x"))
        finally:
            await fetcher.aclose()
    assert (error.kind, error.status, error.reason) == ("http_status", status, reason)


async def test_timeout_on_hanging_server(make_settings: Callable[..., Settings]) -> None:
    async with LocalHTTPServer({"/slow": hang()}) as server:
        fetcher = Fetcher(make_settings(fetch_timeout=0.3))
        started = time.monotonic()
        try:
            error = await _fetch_error(fetcher, server.url("/slow"))
        finally:
            await fetcher.aclose()
    assert (error.kind, error.reason) == ("timeout", "The site took too long to answer.")
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
    assert (error.kind, error.reason) == ("timeout", "The site took too long to answer.")
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
    assert error.reason == f"The link is not a web page (it is {content_type})."


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
    assert page.text == "<!DOCTYPE html><html><p>hi</p></html>"
    assert page.content_type == "text/html"
    assert (error.kind, error.reason) == ("not_html", "The link is not a web page.")


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
    assert info.value.reason == "The feed is larger than 100,000 bytes."


# -- charsets over HTTP ----------------------------------------------------------------------
async def test_page_in_cp1251_without_charset_over_http(
    make_settings: Callable[..., Settings],
) -> None:
    body = _page(RUSSIAN).encode("cp1251")
    async with LocalHTTPServer({"/ru": (200, {"Content-Type": "text/html"}, body)}) as server:
        fetcher = Fetcher(make_settings())
        try:
            page = await fetcher.fetch_page(server.url("/ru"))
        finally:
            await fetcher.aclose()
    assert (page.text, page.encoding) == (_page(RUSSIAN), "cp1251")
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
    assert info.value.reason == "The link is not a feed (it is image/png)."


async def test_shared_client_is_not_closed_by_fetcher(
    make_settings: Callable[..., Settings],
) -> None:
    async with httpx.AsyncClient() as client:
        fetcher = Fetcher(make_settings(), client)
        await fetcher.aclose()
        assert not client.is_closed
