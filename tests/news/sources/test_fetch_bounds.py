"""news.sources.fetch under hostile bodies: compression bombs (the decoded bytes are capped, not
only the wire bytes), stacked or unknown codings, Content-Length lies, and news.sources.inflate."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable

import pytest

from config.settings import Settings
from news.sources.fetch import FeedResponse, Fetcher, FetchError, Page
from news.sources.inflate import Inflater
from tests.support.http_server import LocalHTTPServer, Route

UNIT = b"<p>" + b"x" * 1000 + b"</p>\n"


def _bomb(decoded: int, wbits: int = 16 + zlib.MAX_WBITS) -> bytes:
    """``decoded`` bytes of repeated paragraphs, compressed (about 500:1)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = UNIT * (1_000_000 // len(UNIT))
    parts = [packer.compress(block) for _ in range(decoded // len(block))]
    return b"".join(parts) + packer.flush()


def _encoded(body: bytes, coding: str, content_type: str = "text/html; charset=utf-8") -> Route:
    return (200, {"Content-Type": content_type, "Content-Encoding": coding}, body)


async def _fetch(settings: Settings, route: Route) -> Page:
    async with LocalHTTPServer({"/x": route}) as server:
        fetcher = Fetcher(settings)
        try:
            return await fetcher.fetch_page(server.url("/x"))
        finally:
            await fetcher.aclose()


async def _fetch_feed(settings: Settings, route: Route) -> FeedResponse:
    async with LocalHTTPServer({"/x": route}) as server:
        fetcher = Fetcher(settings)
        try:
            return await fetcher.fetch_feed(server.url("/x"))
        finally:
            await fetcher.aclose()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _bomb(50_000_000)  # 50 MB decoded from about 100 KB on the wire: one 64 KB read is
    # about 32 MB once inflated


async def test_gzip_bomb_is_cut_at_the_decoded_cap(
    make_settings: Callable[..., Settings], bomb: bytes
) -> None:
    assert len(bomb) < 150_000
    cap = 1_000_000
    tracemalloc.start()
    try:
        page = await _fetch(make_settings(fetch_max_bytes=cap), _encoded(bomb, "gzip"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert page.truncated is True
    assert page.body == (UNIT * (cap // len(UNIT) + 1))[:cap]
    # about the body, its text and one wire chunk: nowhere near what one 64 KB chunk inflates to
    assert peak < 4 * cap + 512 * 1024


async def test_deflate_with_and_without_zlib_header(
    make_settings: Callable[..., Settings],
) -> None:
    html = b"<html><body>" + UNIT * 50 + b"</body></html>"
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        packer = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body = packer.compress(html) + packer.flush()
        page = await _fetch(make_settings(), _encoded(body, "deflate"))
        assert (page.body, page.truncated) == (html, False)


async def test_feed_bomb_is_too_large(make_settings: Callable[..., Settings], bomb: bytes) -> None:
    with pytest.raises(FetchError) as info:
        await _fetch_feed(
            make_settings(fetch_max_bytes=100_000), _encoded(bomb, "gzip", "application/rss+xml")
        )
    assert (info.value.kind, info.value.reason) == (
        "too_large",
        "The feed is larger than 100,000 bytes.",
    )


@pytest.mark.parametrize(
    ("coding", "reason"),
    [
        ("gzip, gzip", "The site sent the page compressed 2 times over."),
        ("br", "The site sent the page in a compression that is not read (br)."),
    ],
)
async def test_stacked_and_unknown_codings_are_refused(
    make_settings: Callable[..., Settings], coding: str, reason: str
) -> None:
    body = gzip.compress(gzip.compress(UNIT * 10))
    with pytest.raises(FetchError) as info:
        await _fetch(make_settings(), _encoded(body, coding))
    assert (info.value.kind, info.value.reason) == ("decode", reason)


async def test_broken_gzip_is_a_clear_error(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(FetchError) as info:
        await _fetch(make_settings(), _encoded(b"\x1f\x8b\x08\x00garbage" * 10, "gzip"))
    assert (info.value.kind, info.value.reason) == (
        "decode",
        "The site sent a page whose compression is broken.",
    )


async def test_only_gzip_and_deflate_are_asked_for(make_settings: Callable[..., Settings]) -> None:
    async with LocalHTTPServer({"/x": (200, {"Content-Type": "text/html"}, "<p>hi</p>")}) as srv:
        fetcher = Fetcher(make_settings())
        try:
            await fetcher.fetch_page(srv.url("/x"))
        finally:
            await fetcher.aclose()
        assert srv.requests_to("/x")[0].headers["Accept-Encoding"] == "gzip, deflate"


# -- Content-Length lies, on a raw socket (aiohttp would refuse to send them) -----------------
@contextlib.asynccontextmanager
async def _raw_server(head: bytes, body_size: int) -> AsyncIterator[tuple[str, list[int]]]:
    """Answer every request with ``head`` and then up to ``body_size`` bytes; ``sent`` counts
    what the server managed to write."""
    sent: list[int] = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head)
        try:
            while sent[0] < body_size:
                writer.write(UNIT * 64)
                await writer.drain()
                sent[0] += len(UNIT) * 64
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/", sent
    finally:
        server.close()


@pytest.mark.parametrize("length", [b"Content-Length: 10000000000\r\n", b""])
async def test_body_longer_than_the_cap_stops_reading(
    make_settings: Callable[..., Settings], length: bytes
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + length + b"\r\n"
    cap = 200_000
    async with _raw_server(head, 50_000_000) as (url, sent):
        fetcher = Fetcher(make_settings(fetch_max_bytes=cap))
        try:
            page = await fetcher.fetch_page(url)
        finally:
            await fetcher.aclose()
        assert (len(page.body), page.truncated) == (cap, True)
        assert sent[0] < 10_000_000  # the client stopped reading; the server could not go on


async def test_body_beyond_a_short_content_length_is_not_read(
    make_settings: Callable[..., Settings],
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n"
    async with _raw_server(head, 5_000_000) as (url, _sent):
        fetcher = Fetcher(make_settings())
        try:
            page = await fetcher.fetch_page(url)
        finally:
            await fetcher.aclose()
        assert (page.body, page.truncated) == (UNIT[:100], False)


# -- the inflater alone ---------------------------------------------------------------------
def test_inflater_never_gives_more_than_the_room_plus_one(bomb: bytes) -> None:
    inflater = Inflater("gzip", "u")
    out = inflater.decode(bomb[:65536], 1000)
    assert len(out) == 1001
    assert inflater.decode(b"", 10) == (UNIT * 2)[1001:1012]  # the held-back input, resumed


def test_inflater_identity_and_trailing_bytes() -> None:
    assert Inflater("identity", "u").decode(b"abcdef", 3) == b"abcd"
    inflater = Inflater("GZIP", "u")
    assert inflater.decode(gzip.compress(b"hello") + b"trailing junk", 100) == b"hello"
    assert inflater.decode(b"more junk", 100) == b""
