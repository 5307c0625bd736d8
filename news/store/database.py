"""The store's connections: one small async interface over PostgreSQL and SQLite.

- PostgreSQL: SQLAlchemy's ``AsyncEngine`` on asyncpg, which is asynchronous all the way down.
- SQLite: the synchronous pysqlite engine on a small thread pool, with a "quick" path on the
  event loop's thread for small indexed statements (``news.store.sqlite``).

Both hand out connections with the part of ``AsyncConnection``'s API the store uses:
``execute``, ``exec_driver_sql`` and ``run_sync``. Results come back buffered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol, TypeAlias

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from news.store.sqlite import (
    BUSY_TIMEOUT_MS,
    QuickConnection,
    SQLiteDatabase,
    ThreadConnection,
    sqlite_engine,
    sync_url,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Database",
    "DbConnection",
    "PostgresDatabase",
    "QuickConnection",
    "SQLiteDatabase",
    "ThreadConnection",
    "open_database",
    "sync_url",
]

DbConnection: TypeAlias = AsyncConnection | ThreadConnection | QuickConnection

# A pooled PostgreSQL connection idle longer than this is pinged before use (see
# ``ping_when_idle``).
PING_AFTER_IDLE_S = 1.0


class Database(Protocol):
    """What the store needs of a database."""

    @property
    def dialect(self) -> str: ...

    @property
    def memory(self) -> bool: ...

    @property
    def sync_engine(self) -> Engine: ...

    @property
    def url(self) -> URL: ...

    def read(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A connection for reads (one transaction: its statements see one snapshot)."""
        ...

    def read_one(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A connection for ONE read statement (atomic on its own: no BEGIN needed)."""
        ...

    def write(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A connection in a write transaction, committed when the block succeeds."""
        ...

    def read_quick(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """``read_one`` for a small indexed statement (on SQLite: on the loop when it can)."""
        ...

    def write_quick(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """ONE small indexed write (a statement, or one ``run_sync`` of several), committed
        with it (on SQLite: on the loop when it can, else in one hop to the pool)."""
        ...

    async def prepare(self) -> None:
        """Get ready for statements (after the schema is migrated)."""
        ...

    async def dispose(self) -> None: ...


class PostgresDatabase:
    """PostgreSQL through SQLAlchemy's async engine (asyncpg)."""

    memory = False

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def sync_engine(self) -> Engine:
        return self._engine.sync_engine

    @property
    def url(self) -> URL:
        return self._engine.url

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[DbConnection]:
        async with self._engine.connect() as conn:
            yield conn

    read_one = read

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[DbConnection]:
        async with self._engine.begin() as conn:
            yield conn

    read_quick = read
    write_quick = write

    async def prepare(self) -> None:
        return None

    async def dispose(self) -> None:
        await self._engine.dispose()


def ping_when_idle(engine: AsyncEngine, *, idle_s: float = PING_AFTER_IDLE_S) -> None:
    """Check a pooled connection before use when it has been idle more than ``idle_s``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and asyncpg's ping is three round
    trips (BEGIN, an empty query, ROLLBACK): 0.7 ms on every transaction, more than the
    statements of most. A connection used a moment ago is alive; one that sat idle may have
    been dropped (a server restart, a firewall's timeout), so that one is pinged, and when it
    is dead the pool is renewed (as ``pool_pre_ping`` does: ``InvalidatePoolError``) before
    anything runs on it. A server that goes away between two busy moments fails the one
    statement that meets it, and SQLAlchemy then renews the pool as well.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _idle_from(dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _alive(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop("idle_since", None)  # none: connected just now
        if since is None or time.monotonic() - since <= idle_s:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError(str(error)) from error
            raise


def open_database(url: str) -> Database:
    """The database behind a SQLAlchemy URL: a SQLite file or memory, or PostgreSQL."""
    if make_url(url).get_backend_name() == "sqlite":
        engine, memory = sqlite_engine(url)
        return SQLiteDatabase(engine, memory=memory)
    pooled = create_async_engine(url)
    ping_when_idle(pooled)
    return PostgresDatabase(pooled)
