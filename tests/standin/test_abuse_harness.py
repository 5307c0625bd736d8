"""The abuse benchmark's hostile server serves what it claims: a gzip bomb that really inflates,
50 MB without a length, a page that hangs before any header and one that drips."""

from __future__ import annotations

import gzip
import time
import zlib
from collections.abc import Iterator

import httpx
import pytest

from benchmarks.bench_abuse import BIG_BYTES, BOMB_CHUNK, BOMB_CHUNKS, HostileServer, gzip_bomb


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_gzip_bomb_inflates_to_exactly_its_content() -> None:
    bomb = gzip_bomb(b"<p>", b"abc" * 1000, 50)
    assert gzip.decompress(bomb) == b"<p>" + b"abc" * 50_000
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)  # as httpx decodes Content-Encoding
    assert inflate.decompress(bomb) + inflate.flush() == b"<p>" + b"abc" * 50_000
    assert inflate.eof
    assert inflate.unused_data == b""


def test_the_bomb_is_small_on_the_wire_and_a_gibibyte_inflated(hostile: HostileServer) -> None:
    with httpx.stream("GET", hostile.url("bomb", 1), timeout=10) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join(response.iter_raw())
    assert len(raw) < 2_000_000
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    size = 0
    for start in range(0, len(raw), 1 << 16):
        size += len(inflate.decompress(raw[start : start + (1 << 16)]))
    assert size == len(b"<html><body><article><p>") + len(BOMB_CHUNK) * BOMB_CHUNKS
    assert inflate.eof


def test_big_streams_fifty_megabytes_without_a_length(hostile: HostileServer) -> None:
    with httpx.stream("GET", hostile.url("big", 1), timeout=30) as response:
        assert "content-length" not in response.headers
        size = sum(len(chunk) for chunk in response.iter_raw())
    assert size > BIG_BYTES


def test_hang_sends_nothing_and_drip_a_byte_at_a_time(hostile: HostileServer) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(hostile.url("hang", 1), timeout=httpx.Timeout(5, read=1.0))
    with httpx.stream("GET", hostile.url("drip", 1), timeout=5) as response:
        assert response.status_code == 200
        started = time.monotonic()
        received = b""
        for chunk in response.iter_raw():
            received += chunk
            if time.monotonic() - started > 1.2:
                break
    prefix = b"<html><body><article><p>"
    assert received.startswith(prefix)
    assert 1 <= len(received) - len(prefix) <= 4  # about one byte per 0.5 s
    assert set(received[len(prefix) :]) == {ord("a")}
    served = hostile.requests["article"]
    article = httpx.get(hostile.url("article", 1), timeout=5)
    assert "Harbour bridge reopens" in article.text
    assert hostile.requests["article"] == served + 1
