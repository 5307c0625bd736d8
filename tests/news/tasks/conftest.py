"""Queue fixtures: the real Redis (127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672) that run on
development and CI machines. A test needing one skips where it is not running, unless
NEWSBRIEF_TEST_QUEUE is set (as CI may), where its absence fails the test: the queue tests
cannot pass silently on a machine that should have the services."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator

import pytest

# The ingestion tests' local HTTP server, fetcher and unpaced settings, for the same pages.
from tests.news.ingest.conftest import fetcher, server, settings

__all__ = ["fetcher", "server", "settings"]

QUEUE_ENV = "NEWSBRIEF_TEST_QUEUE"
# Read at import: the suite's autouse fixture empties NEWSBRIEF_* before each test.
REQUIRED = bool(os.environ.get(QUEUE_ENV))
SERVICES = {
    "redis": ("redis://127.0.0.1:6379/0", 6379),
    "amqp": ("amqp://guest:guest@127.0.0.1:5672/", 5672),
}


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(("127.0.0.1", port))
        except OSError:
            return False
    return True


def service_url(kind: str) -> str:
    url, port = SERVICES[kind]
    if not reachable(port):
        message = f"{kind} is not running on 127.0.0.1:{port}"
        if REQUIRED:
            pytest.fail(f"{message}, and {QUEUE_ENV} is set")
        pytest.skip(f"{message} (set {QUEUE_ENV} to make this a failure)")
    return url


@pytest.fixture(params=sorted(SERVICES))
def queue_url(request: pytest.FixtureRequest) -> str:
    """The URL of a running Redis or RabbitMQ (each test runs on both)."""
    return service_url(str(request.param))


async def drop_queue(url: str, name: str) -> None:
    """Remove what a test's queue left on the broker."""
    if url.startswith("redis"):
        from redis.asyncio import Redis

        client = Redis.from_url(url)
        try:
            await client.delete(name)
        finally:
            await client.aclose()
        return
    import aio_pika

    connection = await aio_pika.connect(url)
    try:
        channel = await connection.channel()
        for queue in (name, f"{name}.dead_letter"):
            await channel.queue_delete(queue)
        await channel.exchange_delete(name)
    finally:
        await connection.close()


@pytest.fixture
async def queue_name(queue_url: str) -> AsyncIterator[str]:
    """A queue of this test's own on the broker, removed afterwards."""
    name = f"newsbrief-test-{uuid.uuid4().hex[:10]}"
    yield name
    await drop_queue(queue_url, name)
