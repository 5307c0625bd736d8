"""Connection locking: which connection a statement gets, and the in-process locks around it.

Writes within one process are serialized by an asyncio lock on SQLite, so they wait on the event
loop rather than in SQLite's busy handler (PostgreSQL takes concurrent writers itself). A store
in memory shares one connection: reads must not interleave with a write either. Also the small
helpers every repository uses (chunked parameters, the dialect's INSERT, times in UTC).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.sql.expression import Executable

from news.store.database import Database, DbConnection
from news.store.tables import Base

__all__ = ["CHUNK", "MAX_ERROR", "Access", "aware", "chunks", "execute_all", "utcnow"]

CHUNK = 500  # rows or parameters per statement, well under SQLite's and asyncpg's limits
MAX_ERROR = 1000  # characters of an error message kept in a row

T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A naive time taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def execute_all(conn: Connection, statements: Sequence[tuple[Executable, Any]]) -> None:
    """Run ``(statement, parameters)`` pairs on a sync connection (``run_sync``: one round
    trip for all of them)."""
    for statement, parameters in statements:
        conn.execute(statement, parameters)


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


class Access:
    """A database and the locks of this process around it; repositories share one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dialect = db.dialect
        lock = asyncio.Lock()
        self._write_lock: asyncio.Lock | _NoLock = lock if self.dialect == "sqlite" else _NoLock()
        self._read_lock: asyncio.Lock | _NoLock = lock if db.memory else _NoLock()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[DbConnection]:
        """A connection for reads (one transaction)."""
        async with self._read_lock, self.db.read() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def read_one(self) -> AsyncIterator[DbConnection]:
        """A connection for ONE read statement (no transaction needed to be consistent)."""
        async with self._read_lock, self.db.read_one() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[DbConnection]:
        """A connection in a write transaction, committed when the block succeeds."""
        async with self._write_lock, self.db.write() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def read_quick(self) -> AsyncIterator[DbConnection]:
        """``read_one`` for a small indexed statement on a hot path: on SQLite it runs on the
        loop's thread when SQLite can answer without waiting (see ``news.store.sqlite``)."""
        async with self._read_lock, self.db.read_quick() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def write_quick(self) -> AsyncIterator[DbConnection]:
        """One small indexed write on a hot path (a statement, or ``run_sync(execute_all,
        ...)``), committed with it: on SQLite on the loop's thread when it can (see
        ``read_quick``), else in one hop to the pool."""
        async with self._write_lock, self.db.write_quick() as conn:
            yield conn

    def insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """A dialect INSERT that supports ON CONFLICT (the one place dialects differ)."""
        if self.dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    async def advisory_lock(self, conn: DbConnection, key: int) -> None:
        """On PostgreSQL, hold ``key`` until the transaction ends (one holder per database);
        SQLite's write lock already serializes writers."""
        if self.dialect == "postgresql":
            await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")
