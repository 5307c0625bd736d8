"""SQLite for the store: the synchronous pysqlite engine driven from asyncio on a small thread
pool, one thread hop per statement.

SQLAlchemy's async SQLite driver (aiosqlite) makes every DBAPI call its own round trip to the
connection's thread; a one-row SELECT takes eight of them (cursor, BEGIN, close, cursor, execute,
fetch, close, rollback), each an event-loop wake-up. Here a statement, its rows fetched, is one
hop, and a one-statement read (check out a connection, run, return it) is one hop too: about a
third of the CPU, which the bot pays on every request and every delivery.

Small indexed statements on the hot paths (a briefing's history and its record, an alert marked
sent) go the "quick" way: run at once on the event loop's thread, where a hop would cost more
than the statement, on a connection that never waits (busy timeout 0). When SQLite would have to
wait (another process holds the write lock), the statement goes to the pool instead and waits
there; the loop never blocks on a lock. WAL checkpoints, which write the database file, run on
the pool too.

The file is set up for sharing between processes: WAL journal, foreign keys on, a busy timeout,
and transactions begun explicitly, ``BEGIN IMMEDIATE`` for writes, so two processes never
deadlock upgrading a read lock. ``sqlite+aiosqlite://`` URLs (the form of earlier versions) mean
the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import (
    URL,
    Connection,
    CursorResult,
    Engine,
    Result,
    create_engine,
    make_url,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.sql.expression import Executable

__all__ = [
    "BUSY_TIMEOUT_MS",
    "QUICK_CHECKPOINT_EVERY",
    "PoolCounts",
    "QuickConnection",
    "SQLiteConnection",
    "SQLiteDatabase",
    "ThreadConnection",
    "sqlite_engine",
    "sync_url",
]

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
SQLITE_THREADS = 4  # statements at once: a write waiting on another process's lock holds one
QUICK_CHECKPOINT_EVERY = 500  # quick commits between WAL checkpoints (run on the pool)

T = TypeVar("T")
AnyResult: TypeAlias = Result[*tuple[Any, ...]]
Parameters: TypeAlias = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None


class PoolCounts:
    """What went to the pool's threads, counted for tests and diagnosis: ``hops`` (the tasks
    handed to a thread: a statement, a transaction's end, opening the loop's connection, a
    checkpoint) and ``checkpoints`` (WAL checkpoints done). An int increment each, no more."""

    __slots__ = ("checkpoints", "hops")

    def __init__(self) -> None:
        self.hops = 0
        self.checkpoints = 0


class _Statements:
    """``execute`` and ``exec_driver_sql`` as ``run_sync`` of the sync connection's own, with
    the rows fetched where the statement ran."""

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        raise NotImplementedError

    async def execute(
        self,
        statement: Executable,
        parameters: Parameters = None,
        *,
        execution_options: Mapping[str, Any] | None = None,
    ) -> AnyResult:
        return await self.run_sync(_execute, statement, parameters, execution_options)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> AnyResult:
        return await self.run_sync(_exec_driver_sql, statement, parameters)


class ThreadConnection(_Statements):
    """A sync SQLAlchemy connection used from asyncio, one statement per hop to a pool thread.

    The connection is checked out lazily, by the first statement (``begin``: in a transaction,
    with ``BEGIN`` as the engine's ``sqlite_begin`` option says), and returned by ``finish``
    (committing when ``commit``). ``single``: every statement checks out its own connection and
    returns it in the same hop (with ``begin``: a transaction of its own, committed there too).
    One thread at a time uses it: statements are awaited in turn, and a statement whose caller
    was cancelled finishes before the connection is touched again.
    """

    def __init__(
        self,
        engine: Engine,
        executor: ThreadPoolExecutor,
        *,
        begin: bool,
        single: bool = False,
        counts: PoolCounts,
    ) -> None:
        self._engine = engine
        self._executor = executor
        self._counts = counts  # shared with the database
        self._begin = begin
        self._single = single
        self._conn: Connection | None = None
        self._running: asyncio.Future[Any] | None = None

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(sync_connection, *args, **kwargs)`` on the pool thread, in one hop."""
        return await self._hop(fn, *args, **kwargs)

    async def finish(self, *, commit: bool) -> None:
        """Commit (or roll back) and return the connection to the pool."""
        await self._settle()
        if self._conn is not None:
            await self._submit(self._close, commit)

    # --- on the pool thread --------------------------------------------------------------------

    def _on_thread(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        if self._single:  # check out, (begin,) run, (commit,) return: all in this hop
            with self._engine.connect() as conn:
                if not self._begin:
                    return fn(conn, *args, **kwargs)
                with conn.begin():
                    return fn(conn, *args, **kwargs)
        if self._conn is None:
            conn = self._engine.connect()
            if self._begin:
                try:
                    conn.begin()
                except BaseException:
                    conn.close()
                    raise
            self._conn = conn
        return fn(self._conn, *args, **kwargs)

    def _close(self, commit: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if commit and conn.in_transaction():
                conn.commit()
        finally:
            conn.close()  # rolls back whatever was not committed

    # --- on the event loop ---------------------------------------------------------------------

    async def _hop(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        await self._settle()
        self._counts.hops += 1
        future = asyncio.wrap_future(self._executor.submit(self._on_thread, fn, args, kwargs))
        self._running = future
        result = await asyncio.shield(future)  # cancelled: it still runs; _settle waits for it
        self._running = None
        return result

    async def _submit(self, fn: Callable[..., T], *args: Any) -> T:
        self._counts.hops += 1
        future = asyncio.wrap_future(self._executor.submit(fn, *args))
        self._running = future
        result = await asyncio.shield(future)
        self._running = None
        return result

    async def _settle(self) -> None:
        """Wait for a statement left running by a cancelled caller (its outcome is moot)."""
        running, self._running = self._running, None
        if running is not None:
            await asyncio.wait([running])
            if not running.cancelled():
                running.exception()  # retrieved: no "exception was never retrieved" warning


def _execute(
    conn: Connection,
    statement: Executable,
    parameters: Parameters,
    execution_options: Mapping[str, Any] | None,
) -> AnyResult:
    result = conn.execute(statement, parameters, execution_options=execution_options)
    return _buffered(result)


def _exec_driver_sql(conn: Connection, statement: str, parameters: Any) -> AnyResult:
    return _buffered(conn.exec_driver_sql(statement, parameters))


def _buffered(result: CursorResult[*tuple[Any, ...]]) -> AnyResult:
    """Rows fetched now, where the statement ran: nobody touches the cursor afterwards."""
    if result.returns_rows:
        return result.freeze()()
    return result


class _WouldWait(Exception):
    """SQLite cannot answer on the loop without waiting (or not from this thread)."""


def _is_busy(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError):
        exc = exc.orig or exc
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    message = str(exc).lower()
    return "locked" in message or "busy" in message


class QuickConnection(_Statements):
    """A small indexed statement, run at once on the event loop's thread when SQLite can answer
    without waiting; otherwise as one hop to the pool (``write``: a transaction of its own)."""

    def __init__(self, db: SQLiteDatabase, *, write: bool) -> None:
        self._db = db
        self._write = write

    async def run_sync(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with contextlib.suppress(_WouldWait):
            return self._db.run_on_loop(fn, args, kwargs, write=self._write)
        return await self._db.on_pool(write=self._write).run_sync(fn, *args, **kwargs)


SQLiteConnection: TypeAlias = ThreadConnection | QuickConnection


class SQLiteDatabase:
    """A SQLite file (or memory) through pysqlite on a thread pool; see the module docstring.

    ``checkpoint_every``: quick commits between WAL checkpoints. ``counts`` (a
    :class:`PoolCounts`) says how many thread hops and checkpoints there have been.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        memory: bool,
        threads: int = SQLITE_THREADS,
        checkpoint_every: int = QUICK_CHECKPOINT_EVERY,
    ) -> None:
        self._engine = engine
        self._checkpoint_every = checkpoint_every  # quick commits between WAL checkpoints
        self._memory = memory
        self._reader = engine.execution_options(sqlite_begin="DEFERRED")
        self._single = engine.execution_options(sqlite_begin=None)
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._threads = 1 if memory else threads  # memory: one shared connection
        self._executor = self._new_executor()
        # The loop's own connection for quick statements: (thread id, connection).
        self._quick: tuple[int, Connection] | None = None
        self._opening: Future[Connection] | None = None
        self._quick_commits = 0
        self._checkpoint: Future[None] | None = None
        self.counts = PoolCounts()

    def _new_executor(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self._threads, thread_name_prefix="newsbrief-sqlite")

    @property
    def dialect(self) -> str:
        return "sqlite"

    @property
    def memory(self) -> bool:
        return self._memory

    @property
    def sync_engine(self) -> Engine:
        return self._engine

    @property
    def url(self) -> URL:
        return self._engine.url

    @contextlib.asynccontextmanager
    async def _connection(self, engine: Engine, *, begin: bool) -> AsyncIterator[SQLiteConnection]:
        conn = ThreadConnection(engine, self._executor, begin=begin, counts=self.counts)
        try:
            yield conn
        except BaseException:
            await conn.finish(commit=False)
            raise
        await conn.finish(commit=True)

    def read(self) -> contextlib.AbstractAsyncContextManager[SQLiteConnection]:
        return self._connection(self._reader, begin=False)  # BEGIN with the first statement

    @contextlib.asynccontextmanager
    async def read_one(self) -> AsyncIterator[SQLiteConnection]:
        yield self.on_pool(write=False)

    def write(self) -> contextlib.AbstractAsyncContextManager[SQLiteConnection]:
        return self._connection(self._writer, begin=True)

    def on_pool(self, *, write: bool) -> ThreadConnection:
        """A connection for one statement (``write``: one transaction) on the pool."""
        engine = self._writer if write else self._single
        return ThreadConnection(
            engine, self._executor, begin=write, single=True, counts=self.counts
        )

    @contextlib.asynccontextmanager
    async def read_quick(self) -> AsyncIterator[SQLiteConnection]:
        yield QuickConnection(self, write=False)

    @contextlib.asynccontextmanager
    async def write_quick(self) -> AsyncIterator[SQLiteConnection]:
        yield QuickConnection(self, write=True)

    async def prepare(self) -> None:
        """Open the loop's connection for quick statements now, on the pool (without this,
        the first quick statements go to the pool while it opens)."""
        if self._memory or self._quick is not None:
            return
        if self._opening is None:
            self._opening = self._on_pool(self._open_loop_connection)
        opening = self._opening
        conn = await asyncio.wrap_future(opening)
        if self._opening is opening:
            self._opening = None
            self._quick = (threading.get_ident(), conn)

    def run_on_loop(
        self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], *, write: bool
    ) -> T:
        """``fn(connection, ...)`` right here, as one statement or (``write``) one ``BEGIN
        IMMEDIATE`` transaction; ``_WouldWait`` (nothing done) when SQLite is busy."""
        conn = self._loop_connection()
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        try:
            if write:
                raw.execute("BEGIN IMMEDIATE")  # fails at once if another writer holds the lock
            result = fn(conn, *args, **kwargs)
            conn.commit()  # SQLAlchemy's transaction (no BEGIN of its own on this connection)
            if raw.in_transaction:
                raw.commit()
        except BaseException as exc:
            conn.rollback()
            if raw.in_transaction:
                raw.rollback()
            if _is_busy(exc):
                raise _WouldWait from exc
            raise
        if write:
            self._committed_on_loop()
        return result

    def _loop_connection(self) -> Connection:
        """The loop's own connection; opened on the pool (connecting can wait on the file), so
        the first quick statements go there too until it is ready."""
        if self._memory:  # one shared connection: everything goes through the pool's thread
            raise _WouldWait
        if self._quick is None:
            if self._opening is None:
                self._opening = self._on_pool(self._open_loop_connection)
            if not self._opening.done():
                raise _WouldWait
            opening, self._opening = self._opening, None
            self._quick = (threading.get_ident(), opening.result())
        owner, conn = self._quick
        if owner != threading.get_ident():  # another thread's loop: not this connection
            raise _WouldWait
        return conn

    def _open_loop_connection(self) -> Connection:
        conn = self._single.connect()
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("PRAGMA busy_timeout = 0")  # never wait on the loop: the pool waits instead
        raw.execute("PRAGMA wal_autocheckpoint = 0")  # checkpoints run on the pool
        return conn

    def _committed_on_loop(self) -> None:
        self._quick_commits += 1
        busy = self._checkpoint is not None and not self._checkpoint.done()
        if self._quick_commits % self._checkpoint_every == 0 and not busy:
            self._checkpoint = self._on_pool(self._run_checkpoint)

    async def checkpointed(self) -> None:
        """Wait for a WAL checkpoint in progress, if there is one."""
        if self._checkpoint is not None:
            await asyncio.wrap_future(self._checkpoint)

    def _on_pool(self, fn: Callable[[], T]) -> Future[T]:
        self.counts.hops += 1
        return self._executor.submit(fn)

    def _run_checkpoint(self) -> None:
        try:
            with self._single.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            self.counts.checkpoints += 1
        except Exception:  # the next one, or any pool write's auto-checkpoint, catches up
            logger.warning("WAL checkpoint failed", exc_info=True)

    async def dispose(self) -> None:
        """Close the pooled connections and stop the threads (like ``AsyncEngine.dispose``,
        the database stays usable: a later statement starts them again)."""
        if self._opening is not None:
            with contextlib.suppress(Exception):
                self._quick = (threading.get_ident(), self._opening.result())
            self._opening = None
        if self._quick is not None:
            _, quick = self._quick
            self._quick = None
            quick.invalidate()  # not back to the pool: its settings are for the loop only
            quick.close()
        executor, self._executor = self._executor, self._new_executor()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(executor, self._engine.dispose)
        await asyncio.to_thread(executor.shutdown)


def sync_url(url: str | URL) -> URL:
    """A SQLite URL for the pysqlite driver (``sqlite+aiosqlite://`` is accepted)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    return parsed


def sqlite_engine(url: str | URL) -> tuple[Engine, bool]:
    """A pysqlite engine set up for sharing the file; returns (engine, in_memory)."""
    parsed = sync_url(url)
    database = parsed.database or ""
    memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
    kwargs: dict[str, Any] = {}
    if memory:
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        parsed = parsed.set(database=str(path))
    engine = create_engine(parsed, **kwargs)

    def _use_wal(cursor: Any) -> None:
        """WAL is a property of the file, set once. Switching to it ignores the busy timeout,
        so two processes opening a brand-new file at once can get "database is locked": the
        loser waits a little and finds WAL set by the winner."""
        for attempt in range(50):
            try:
                cursor.execute("PRAGMA journal_mode")
                if str(cursor.fetchone()[0]).lower() != "wal":
                    cursor.execute("PRAGMA journal_mode = WAL")
                return
            except Exception as exc:  # sqlite3.OperationalError
                if "locked" not in str(exc) or attempt == 49:
                    raise
                time.sleep(0.02 * (attempt + 1))  # only ever at a new file's creation

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit transactions defer too much).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode is not None:  # None: one statement, atomic on its own (read_one)
            connection.exec_driver_sql(f"BEGIN {mode}")

    return engine, memory
