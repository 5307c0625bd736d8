"""PostgreSQL's connection pool: a connection is pinged before use only after it sat idle, and a
dead one found so is replaced before anything runs on it (``news.store.database.ping_when_idle``).

These need a server: they exist where NEWSBRIEF_TEST_POSTGRES_URL names one (CI, and every
development machine), as the PostgreSQL half of the other store tests does.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from news.store.database import PING_AFTER_IDLE_S, open_database, ping_when_idle
from tests.news.store.conftest import POSTGRES_ENV, admin_execute

if os.environ.get(POSTGRES_ENV):

    @pytest.fixture
    async def engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
        made = create_async_engine(postgres_url)
        ping_when_idle(made, idle_s=0.2)
        yield made
        await made.dispose()

    def count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        dialect = engine.sync_engine.dialect
        pings: list[int] = []
        real = dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            pings.append(1)
            return real(dbapi_connection)

        monkeypatch.setattr(dialect, "do_ping", counted)
        return pings

    async def backend_pid(engine: AsyncEngine) -> int:
        async with engine.connect() as conn:
            return int((await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one())

    async def terminate(postgres_url: str, pid: int) -> None:
        await admin_execute(postgres_url, "SELECT pg_terminate_backend($1)", pid)

    async def test_a_busy_connection_is_not_pinged_an_idle_one_is(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pings = count_pings(engine, monkeypatch)
        first = await backend_pid(engine)  # connects: a fresh connection needs no ping
        for _ in range(20):
            assert await backend_pid(engine) == first  # the same pooled connection
        assert pings == []
        await asyncio.sleep(0.3)
        assert await backend_pid(engine) == first  # alive: pinged, and kept
        assert pings == [1]

    async def test_a_connection_dropped_while_idle_is_replaced_before_use(
        engine: AsyncEngine, postgres_url: str
    ) -> None:
        dropped = await backend_pid(engine)
        await terminate(postgres_url, dropped)  # as a server restart or a firewall would
        await asyncio.sleep(0.3)
        assert await backend_pid(engine) != dropped  # no error: a new connection answered

    async def test_the_store_replaces_a_connection_dropped_while_idle(postgres_url: str) -> None:
        db = open_database(postgres_url)
        try:
            async with db.read() as conn:
                pid = int((await conn.exec_driver_sql("SELECT pg_backend_pid()")).scalar_one())
            await terminate(postgres_url, pid)
            await asyncio.sleep(PING_AFTER_IDLE_S + 0.2)
            async with db.write() as conn:
                assert (await conn.exec_driver_sql("SELECT 1")).scalar_one() == 1
        finally:
            await db.dispose()
