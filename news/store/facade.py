"""The newsbrief store: feeds, articles and stories, summaries, chats, subscriptions, alert outbox.

SQLAlchemy 2 on SQLite (the default) or PostgreSQL, the same code on both, through the small
async connection interface of ``news.store.database`` (pysqlite on a thread pool; asyncpg).
The schema is created and upgraded only by the Alembic migrations in ``news/store/migrations``:
``Store.open`` upgrades the database to head. Every method runs in its own transaction (nothing
half-written on errors) and returns plain ``news.models`` objects; all times are timezone-aware
UTC.

SQLite is opened for sharing between the bot and a worker process (see ``news.store.database``).
Writes within one process are serialized by an asyncio lock, so they wait on the event loop
rather than in SQLite's busy handler. ``add_article`` groups one article at a time per database
(on PostgreSQL through an advisory lock), so near-duplicates stored at once by two processes
still share a story.

Caches hold only data that never changes once written (MinHash signatures, story embeddings),
that a change counter in the database invalidates (active subscriptions), or that one query
checks on every use (the story snapshot briefings rank: the newest article id and the number of
active stories), so several processes on one database always see each other's writes.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import functools
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path
from time import monotonic
from typing import Any, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from news.models import (
    AddResult,
    Article,
    Chat,
    FeedRecord,
    OutboxItem,
    StoredArticle,
    StorySource,
    StoryView,
    SubscribeResult,
    Subscription,
)
from news.store.database import Database, DbConnection, open_database
from news.store.tables import (
    ArticleRow,
    Base,
    BriefingRow,
    ChatRow,
    CounterRow,
    FeedEntryRow,
    FeedRow,
    OutboxRow,
    StoryRow,
    SubscriptionRow,
    SummaryRow,
)
from news.stories.dedupe import content_hash, signature
from news.stories.grouping import STORY_WINDOW, StoryCandidate, choose_story, from_blob, to_blob

__all__ = [
    "DEFAULT_URL",
    "SchemaError",
    "Store",
    "StorySnapshot",
    "normalize_topic_key",
    "upgrade_schema",
]

logger = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///newsbrief.db"
MIGRATIONS = Path(__file__).with_name("migrations")
CHUNK = 500  # rows or parameters per statement, well under SQLite's and asyncpg's limits
_PG_MIGRATION_LOCK = 0x6E657773  # "news": one Store.open migrates at a time per database
_PG_GROUPING_LOCK = 0x73746F72  # "stor": one add_article groups at a time per database
_MAX_ERROR = 1000
SUBSCRIPTIONS_COUNTER = "subscriptions"  # bumped by every change to the active subscriptions
SNAPSHOT_FRESH_S = 1.0  # seconds a checked story snapshot is trusted without asking again
CHAT_TOUCH_TTL = 60.0  # seconds touch_chat trusts this process's last sighting of a chat
CHAT_TOUCH_MAX = 50_000  # chats it remembers (least recently seen forgotten first)
_VECTOR_CACHE = 20_000  # story embeddings kept in memory (about 30 MB at 384 floats)
_ID_OVERLAP = 64  # re-read this many recent article ids: PostgreSQL ids may commit late
_SNAPSHOT_SLACK = timedelta(days=1)  # a story snapshot serves windows starting this much later

Vector = npt.NDArray[np.float32]
T = TypeVar("T")
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@functools.cache
def _digest_chats_query() -> Select[*tuple[Any, ...]]:
    """Active digest-mode chats (built once: the digest job asks every few seconds)."""
    return (
        select(*_CHAT_COLUMNS)
        .where(ChatRow.active.is_(True), ChatRow.digest_time.is_not(None))
        .order_by(ChatRow.id)
    )


def _execute_all(conn: Connection, statements: Sequence[tuple[Executable, Any]]) -> None:
    """Run ``(statement, parameters)`` pairs on a sync connection (``run_sync``: one round
    trip for all of them)."""
    for statement, parameters in statements:
        conn.execute(statement, parameters)


def normalize_topic_key(topic: str) -> str:
    """The per-chat uniqueness key of a topic: whitespace collapsed, casefolded."""
    return " ".join(topic.split()).casefold()


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- migrations -------------------------------------------------------------------------------


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


class SchemaError(RuntimeError):
    """The database's schema is not one this version of newsbrief knows (it is newer)."""


def upgrade_schema(connection: Connection, revision: str = "head") -> None:
    """Upgrade the database behind ``connection`` (a sync connection, in a transaction)."""
    script = _script()
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None:
        try:
            script.get_revision(current)
        except Exception as exc:  # alembic raises several kinds for an unknown revision
            raise SchemaError(
                f"the database schema is at revision {current!r}, which this version of "
                f"newsbrief does not know (newest: {script.get_current_head()!r}); "
                "upgrade newsbrief or use another database"
            ) from exc
    target = script.get_current_head() if revision == "head" else revision
    if current == target:
        return
    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    logger.info("database schema upgraded from %s to %s", current or "empty", target)


class _CandidateCache:
    """Immutable grouping data of the recently active stories, kept between add_article calls."""

    def __init__(self) -> None:
        self.signatures: dict[int, dict[int, bytes]] = {}  # story id -> article id -> MinHash
        self.embeddings: dict[int, Vector | None] = {}  # story id -> embedding (once set)
        self.max_article_id = 0

    def add(self, story_id: int, article_id: int, sig: bytes) -> None:
        self.signatures.setdefault(story_id, {})[article_id] = sig
        self.max_article_id = max(self.max_article_id, article_id)


class _NoLock:
    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, *exc: object) -> None:
        return None


# --- row conversion ---------------------------------------------------------------------------

_ARTICLE_COLUMNS = (
    ArticleRow.id,
    ArticleRow.url,
    ArticleRow.title,
    ArticleRow.text,
    ArticleRow.source,
    ArticleRow.published,
    ArticleRow.author,
    ArticleRow.language,
    ArticleRow.content_hash,
    ArticleRow.story_id,
    ArticleRow.feed_id,
    ArticleRow.fetched_at,
)
_FEED_COLUMNS = (
    FeedRow.id,
    FeedRow.url,
    FeedRow.title,
    FeedRow.etag,
    FeedRow.last_modified,
    FeedRow.error_count,
    FeedRow.next_check_at,
    FeedRow.last_checked_at,
    FeedRow.last_error,
)
_CHAT_COLUMNS = (
    ChatRow.id,
    ChatRow.kind,
    ChatRow.title,
    ChatRow.active,
    ChatRow.digest_time,
    ChatRow.last_briefing_at,
    ChatRow.last_digest_at,
)
_SUB_COLUMNS = (
    SubscriptionRow.id,
    SubscriptionRow.chat_id,
    SubscriptionRow.topic,
    SubscriptionRow.created_at,
)
_OUTBOX_COLUMNS = (
    OutboxRow.id,
    OutboxRow.chat_id,
    OutboxRow.story_id,
    OutboxRow.topic,
    OutboxRow.attempts,
    OutboxRow.created_at,
    OutboxRow.next_attempt_at,
)
_STORY_COLUMNS = (StoryRow.id, StoryRow.title, StoryRow.first_seen, StoryRow.last_seen)

# Statements of the briefing hot path, built once (building one costs more than running it).
_SNAPSHOT_VERSION = select(
    select(func.max(ArticleRow.id)).scalar_subquery(),
    select(func.count())
    .select_from(StoryRow)
    .where(StoryRow.last_seen >= bindparam("since"))
    .scalar_subquery(),
)
# A chat's last briefing: on one row per story shown since :since, or on one row with NULL.
_BRIEFING_HISTORY = (
    select(ChatRow.last_briefing_at, BriefingRow.story_id)
    .outerjoin(
        BriefingRow,
        and_(BriefingRow.chat_id == ChatRow.id, BriefingRow.at >= bindparam("since")),
    )
    .where(ChatRow.id == bindparam("chat_id"))
)


def _article(row: AnyRow) -> StoredArticle:
    return StoredArticle(*row[: len(_ARTICLE_COLUMNS)])


def _feed(row: AnyRow) -> FeedRecord:
    return FeedRecord(*row[: len(_FEED_COLUMNS)])


def _chat(row: AnyRow) -> Chat:
    return Chat(
        id=row.id,
        kind=row.kind,
        title=row.title,
        active=bool(row.active),
        digest_time=row.digest_time,
        last_briefing_at=row.last_briefing_at,
    )


def _subscription(row: AnyRow) -> Subscription:
    return Subscription(*row[: len(_SUB_COLUMNS)])


def _outbox(row: AnyRow) -> OutboxItem:
    return OutboxItem(*row[: len(_OUTBOX_COLUMNS)])


def _last_occurrence(now: datetime, at: time, zone: tzinfo) -> datetime:
    """The latest moment <= now at which the local wall clock in ``zone`` showed ``at``."""
    local = now.astimezone(zone)
    occurrence = datetime.combine(local.date(), at.replace(tzinfo=None), tzinfo=zone)
    if occurrence > local:
        occurrence = datetime.combine(
            local.date() - timedelta(days=1), at.replace(tzinfo=None), tzinfo=zone
        )
    return occurrence


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(value: datetime) -> int:
    """Exact integer microseconds since the epoch (floats lose the last digits)."""
    return (_aware(value) - _EPOCH) // _MICROSECOND


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class StorySnapshot:
    """The stories active since ``since``, with their articles and embeddings, as one immutable
    picture (``Store.story_snapshot``): what a briefing ranks, read once per database change
    instead of once per request. Never mutate it or its members; callers share them."""

    since: datetime
    stories: tuple[StoryView, ...]  # most recently active first (last_seen desc, id desc)
    articles: Mapping[int, tuple[StoredArticle, ...]]  # story id -> its articles, oldest first
    embeddings: Mapping[int, Vector]  # story id -> embedding (read-only), where one is set
    max_article_id: int  # every article up to this id is reflected
    _keys: tuple[int, ...] = dataclasses.field(default=(), repr=False)

    def __post_init__(self) -> None:
        # Ascending keys (stories are newest first) for bisecting "active since".
        object.__setattr__(self, "_keys", tuple(-_micros(s.last_seen) for s in self.stories))

    def count_since(self, since: datetime) -> int:
        """How many stories were seen since ``since``: ``stories[:n]`` are those."""
        return bisect.bisect_right(self._keys, -_micros(since))

    def recent(self, *, since: datetime, limit: int | None = None) -> list[StoryView]:
        """Like ``Store.recent_stories``: the stories seen since ``since`` (and since the
        snapshot's own ``since``), most recently active first, at most ``limit``."""
        end = self.count_since(since)
        return list(self.stories[: end if limit is None else min(end, max(limit, 0))])

    def lead(self, story_id: int) -> StoredArticle | None:
        """Like ``Store.story_text``: the story's first article."""
        articles = self.articles.get(story_id)
        return articles[0] if articles else None


def _build_snapshot(
    since: datetime,
    story_rows: Sequence[AnyRow],
    articles: Mapping[int, Sequence[StoredArticle]],
    newest: int,
    *,
    base: StorySnapshot | None,
) -> StorySnapshot:
    """A snapshot of ``story_rows`` (story columns and embedding) with their ``articles``,
    replacing those stories in ``base`` (None: these are all the stories)."""
    stories: dict[int, StoryView] = {}
    story_articles: dict[int, tuple[StoredArticle, ...]] = {}
    embeddings: dict[int, Vector] = {}
    if base is not None:
        changed = {row.id for row in story_rows}
        stories = {s.id: s for s in base.stories if s.id not in changed}
        story_articles = {i: a for i, a in base.articles.items() if i not in changed}
        embeddings = {i: v for i, v in base.embeddings.items() if i not in changed}
    for row in story_rows:
        mine = tuple(articles.get(row.id, ()))
        stories[row.id] = StoryView(
            id=row.id,
            title=row.title,
            first_seen=row.first_seen,
            last_seen=row.last_seen,
            sources=tuple(StorySource(a.id, a.source, a.url, a.title, a.published) for a in mine),
        )
        story_articles[row.id] = mine
        vector = from_blob(row.embedding)
        if vector is not None:
            vector.setflags(write=False)
            embeddings[row.id] = vector
    ordered = sorted(stories.values(), key=lambda s: (s.last_seen, s.id), reverse=True)
    return StorySnapshot(
        since=since,
        stories=tuple(ordered),
        articles=story_articles,
        embeddings=embeddings,
        max_article_id=newest,
    )


class Store:
    """Async access to the newsbrief database. Create with ``await Store.open(url)``."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._dialect = db.dialect
        lock = asyncio.Lock()
        # Writes within this process wait here, on the loop, rather than in SQLite's busy
        # handler (PostgreSQL takes concurrent writers itself).
        self._write_lock: asyncio.Lock | _NoLock = lock if self._dialect == "sqlite" else _NoLock()
        # One shared connection in memory: reads must not interleave with a write either.
        self._read_lock: asyncio.Lock | _NoLock = lock if db.memory else _NoLock()
        self._candidates = _CandidateCache()
        self._story_vectors: dict[int, Vector] = {}
        self._snapshot: StorySnapshot | None = None
        self._snapshot_lock = asyncio.Lock()
        self._snapshot_checked = float("-inf")  # monotonic time the snapshot was last current
        # record_briefing's statements, built on first use (the dialect's INSERTs)
        self._record: tuple[Executable, Executable] | None = None
        self._subscriptions: tuple[int, list[tuple[Subscription, Vector | None]]] | None = None
        # add_article reads the recent stories, then writes: one at a time, so near-duplicates
        # stored at once still meet (SQLite's write lock does this across processes; on
        # PostgreSQL an advisory lock does).
        self._grouping = asyncio.Lock()
        # touch_chat: chat id -> ((kind, title), monotonic time this process last saw it active)
        self._touched: OrderedDict[int, tuple[tuple[str, str | None], float]] = OrderedDict()

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str = DEFAULT_URL, *, revision: str = "head") -> Store:
        """Connect and upgrade the schema to the newest migration (or to ``revision``, for
        tests and maintenance)."""
        db = open_database(url)
        store = cls(db)
        try:
            await store.migrate(revision)
            await db.prepare()
        except BaseException:
            await db.dispose()
            raise
        logger.debug("store open: %s", db.url.render_as_string(hide_password=True))
        return store

    async def migrate(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision`` in one transaction."""
        async with self._write() as conn:
            if self._dialect == "postgresql":
                await conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            await conn.run_sync(upgrade_schema, revision)

    async def close(self) -> None:
        await self._db.dispose()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._dialect

    @property
    def sync_engine(self) -> Engine:
        """The underlying sync engine, for event listeners (tests and diagnostics)."""
        return self._db.sync_engine

    def connect(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A raw connection for reads (tests and maintenance; the app goes through methods)."""
        return self._read()

    def begin(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A raw connection in a write transaction (tests and maintenance)."""
        return self._write()

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[DbConnection]:
        async with self._read_lock, self._db.read() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _read_one(self) -> AsyncIterator[DbConnection]:
        """A connection for ONE read statement (no transaction needed to be consistent)."""
        async with self._read_lock, self._db.read_one() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[DbConnection]:
        async with self._write_lock, self._db.write() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _read_quick(self) -> AsyncIterator[DbConnection]:
        """``_read_one`` for a small indexed statement on a hot path: on SQLite it runs on the
        loop's thread when SQLite can answer without waiting (see ``news.store.database``)."""
        async with self._read_lock, self._db.read_quick() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write_quick(self) -> AsyncIterator[DbConnection]:
        """One small indexed write on a hot path (a statement, or ``run_sync(_execute_all,
        ...)``), committed with it: on SQLite on the loop's thread when it can (see
        ``_read_quick``), else in one hop to the pool."""
        async with self._write_lock, self._db.write_quick() as conn:
            yield conn

    def _insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """A dialect INSERT that supports ON CONFLICT (the one place dialects differ)."""
        if self._dialect == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    # --- feeds --------------------------------------------------------------------------------

    async def add_feed(self, url: str, title: str | None = None) -> FeedRecord:
        """Register a feed; adding a known URL returns it (filling in a missing title)."""
        url = url.strip()
        async with self._write() as conn:
            await conn.execute(
                self._insert(FeedRow)
                .values(url=url, title=title, error_count=0, created_at=_utcnow())
                .on_conflict_do_nothing(index_elements=["url"])
            )
            if title:
                await conn.execute(
                    update(FeedRow)
                    .where(FeedRow.url == url, FeedRow.title.is_(None))
                    .values(title=title)
                )
            row = (await conn.execute(select(*_FEED_COLUMNS).where(FeedRow.url == url))).one()
        return _feed(row)

    async def list_feeds(self) -> list[FeedRecord]:
        async with self._read_one() as conn:
            rows = await conn.execute(select(*_FEED_COLUMNS).order_by(FeedRow.id))
        return [_feed(row) for row in rows]

    async def get_feed(self, feed_id: int) -> FeedRecord | None:
        async with self._read_one() as conn:
            row = (
                await conn.execute(select(*_FEED_COLUMNS).where(FeedRow.id == feed_id))
            ).one_or_none()
        return None if row is None else _feed(row)

    async def remove_feed(self, url_or_id: str | int) -> bool:
        """Forget a feed (by URL, or id) and its seen entries; its articles stay."""
        if isinstance(url_or_id, int):
            condition: ColumnElement[bool] = FeedRow.id == url_or_id
        else:
            key = url_or_id.strip()
            condition = FeedRow.url == key
            if key.isdigit():
                condition = or_(condition, FeedRow.id == int(key))
        async with self._write() as conn:
            ids = (await conn.execute(select(FeedRow.id).where(condition))).scalars().all()
            if not ids:
                return False
            # Explicit, so it does not depend on the database's ON DELETE support.
            await conn.execute(delete(FeedEntryRow).where(FeedEntryRow.feed_id.in_(ids)))
            await conn.execute(
                update(ArticleRow).where(ArticleRow.feed_id.in_(ids)).values(feed_id=None)
            )
            await conn.execute(delete(FeedRow).where(FeedRow.id.in_(ids)))
        return True

    async def due_feeds(self, now: datetime) -> list[FeedRecord]:
        """Feeds never checked or whose ``next_check_at`` has come, most overdue first."""
        async with self._read_one() as conn:
            rows = await conn.execute(
                select(*_FEED_COLUMNS)
                .where(or_(FeedRow.next_check_at.is_(None), FeedRow.next_check_at <= now))
                .order_by(
                    case((FeedRow.next_check_at.is_(None), 0), else_=1),
                    FeedRow.next_check_at,
                    FeedRow.id,
                )
            )
        return [_feed(row) for row in rows]

    async def update_feed(
        self,
        feed_id: int,
        *,
        checked_at: datetime,
        next_check_at: datetime,
        error_count: int,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        last_error: str | None = None,
    ) -> None:
        """Record a poll. ``etag``, ``last_modified`` and ``title`` given as None are kept as
        they were (a failed poll must not forget them); ``last_error`` None clears it."""
        values: dict[str, Any] = {
            "last_checked_at": checked_at,
            "next_check_at": next_check_at,
            "error_count": error_count,
            "last_error": None if last_error is None else last_error[:_MAX_ERROR],
        }
        if etag is not None:
            values["etag"] = etag
        if last_modified is not None:
            values["last_modified"] = last_modified
        if title is not None:
            values["title"] = title
        async with self._write() as conn:
            await conn.execute(update(FeedRow).where(FeedRow.id == feed_id).values(**values))

    async def seen_entries(self, feed_id: int, entry_ids: Sequence[str]) -> set[str]:
        """The subset of ``entry_ids`` already marked for this feed."""
        seen: set[str] = set()
        unique = list(dict.fromkeys(entry_ids))
        async with self._read() as conn:
            for chunk in _chunks(unique):
                result = await conn.execute(
                    select(FeedEntryRow.entry_id).where(
                        FeedEntryRow.feed_id == feed_id, FeedEntryRow.entry_id.in_(chunk)
                    )
                )
                seen.update(result.scalars())
        return seen

    async def mark_entries(
        self, feed_id: int, entry_ids: Sequence[str], *, now: datetime | None = None
    ) -> None:
        """Remember entries as seen (idempotent)."""
        unique = list(dict.fromkeys(entry_ids))
        if not unique:
            return
        at = now or _utcnow()
        async with self._write() as conn:
            for chunk in _chunks(unique):
                await conn.execute(
                    self._insert(FeedEntryRow)
                    .values([{"feed_id": feed_id, "entry_id": e, "seen_at": at} for e in chunk])
                    .on_conflict_do_nothing(index_elements=["feed_id", "entry_id"])
                )

    # --- articles and stories -----------------------------------------------------------------

    async def add_article(
        self,
        article: Article,
        *,
        feed_id: int | None = None,
        embedding: npt.ArrayLike | None = None,
        now: datetime | None = None,
    ) -> AddResult:
        """Store an article unless known, grouping it into a story.

        A known canonical URL, or the same text (content hash) under another URL, is a
        ``duplicate`` and returns the stored article. Otherwise the article joins the most similar
        recent story (``news.stories.choose_story``) or starts a new one.
        """
        at = _aware(now or _utcnow())
        url = article.url.strip()
        digest = content_hash(article.text)
        sig = signature(article.text)
        vector = None if embedding is None else from_blob(to_blob(embedding))
        blob = to_blob(vector)
        try:
            async with self._grouping, self._write() as conn:
                if self._dialect == "postgresql":
                    await conn.exec_driver_sql(
                        f"SELECT pg_advisory_xact_lock({_PG_GROUPING_LOCK})"
                    )
                existing = await self._existing(conn, url, digest)
                if existing is not None:
                    return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
                candidates = await self._story_candidates(conn, since=at - STORY_WINDOW)
                match = choose_story(candidates, sig, vector)
                if match is None:
                    story_id = (
                        await conn.execute(
                            self._insert(StoryRow)
                            .values(
                                title=article.title, first_seen=at, last_seen=at, embedding=blob
                            )
                            .returning(StoryRow.id)
                        )
                    ).scalar_one()
                else:
                    story_id = match.story_id
                    logger.debug("article %s joins story %d (%s)", url, story_id, match)
                    await conn.execute(
                        update(StoryRow)
                        .where(StoryRow.id == story_id, StoryRow.last_seen < at)
                        .values(last_seen=at)
                    )
                    if blob is not None:
                        await conn.execute(
                            update(StoryRow)
                            .where(StoryRow.id == story_id, StoryRow.embedding.is_(None))
                            .values(embedding=blob)
                        )
                stored = StoredArticle(
                    id=0,
                    url=url,
                    title=article.title,
                    text=article.text,
                    source=article.source,
                    published=None
                    if article.published is None
                    else _aware(article.published).astimezone(UTC),
                    author=article.author,
                    language=article.language,
                    content_hash=digest,
                    story_id=story_id,
                    feed_id=feed_id,
                    fetched_at=at.astimezone(UTC),
                )
                values = {
                    f.name: getattr(stored, f.name)
                    for f in dataclasses.fields(stored)
                    if f.name != "id"
                }
                article_id = (
                    await conn.execute(
                        self._insert(ArticleRow)
                        .values(signature=sig, embedding=blob, **values)
                        .returning(ArticleRow.id)
                    )
                ).scalar_one()
        except IntegrityError:
            # Someone stored the same URL without the grouping lock (not this class).
            async with self._read() as conn:
                existing = await self._existing(conn, url, digest)
            if existing is None:
                raise
            return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
        self._snapshot_checked = float("-inf")  # this process's briefings see it at once
        stored = dataclasses.replace(stored, id=article_id)
        return AddResult("new", stored, story_id, story_is_new=match is None)

    async def _existing(self, conn: DbConnection, url: str, digest: str) -> StoredArticle | None:
        """The article stored under ``url``, else the first one with the same content hash."""
        row = (
            await conn.execute(
                select(*_ARTICLE_COLUMNS)
                .where(or_(ArticleRow.url == url, ArticleRow.content_hash == digest))
                .order_by(case((ArticleRow.url == url, 0), else_=1), ArticleRow.id)
                .limit(1)
            )
        ).one_or_none()
        return None if row is None else _article(row)

    async def _story_candidates(
        self, conn: DbConnection, *, since: datetime
    ) -> list[StoryCandidate]:
        """Stories active since ``since``, most recent first, with their articles' signatures.

        Signatures and story embeddings never change once written, so they are cached; each call
        reads only the active story ids and the articles added since the last call (with an
        overlap, for ids that commit out of order on PostgreSQL).
        """
        stories = (
            await conn.execute(
                select(StoryRow.id, StoryRow.embedding.is_not(None))
                .where(StoryRow.last_seen >= since)
                .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
            )
        ).all()
        cache = self._candidates
        active = {story_id for story_id, _ in stories}
        for story_id in list(cache.signatures):
            if story_id not in active:
                del cache.signatures[story_id]
                cache.embeddings.pop(story_id, None)
        if not stories:
            return []

        new = await conn.execute(
            select(ArticleRow.id, ArticleRow.story_id, ArticleRow.signature)
            .join(StoryRow, StoryRow.id == ArticleRow.story_id)
            .where(ArticleRow.id > cache.max_article_id - _ID_OVERLAP)
            .where(StoryRow.last_seen >= since)
        )
        for article_id, story_id, sig in new:
            cache.add(story_id, article_id, sig)
        missing = [s for s in active if s not in cache.signatures]
        for chunk in _chunks(missing):
            rows = await conn.execute(
                select(ArticleRow.id, ArticleRow.story_id, ArticleRow.signature).where(
                    ArticleRow.story_id.in_(chunk)
                )
            )
            for article_id, story_id, sig in rows:
                cache.add(story_id, article_id, sig)
        need = [s for s, has in stories if has and s not in cache.embeddings]
        for chunk in _chunks(need):
            blobs = await conn.execute(
                select(StoryRow.id, StoryRow.embedding).where(StoryRow.id.in_(chunk))
            )
            for story_id, blob in blobs:
                cache.embeddings[story_id] = from_blob(blob)
        return [
            StoryCandidate(
                story_id,
                list(cache.signatures.get(story_id, {}).values()),
                cache.embeddings.get(story_id),
            )
            for story_id, _ in stories
        ]

    async def get_article(self, article_id: int) -> StoredArticle | None:
        async with self._read_one() as conn:
            row = (
                await conn.execute(select(*_ARTICLE_COLUMNS).where(ArticleRow.id == article_id))
            ).one_or_none()
        return None if row is None else _article(row)

    async def find_article(self, url: str) -> StoredArticle | None:
        """The article stored under this canonical URL, if any."""
        async with self._read_one() as conn:
            row = (
                await conn.execute(select(*_ARTICLE_COLUMNS).where(ArticleRow.url == url.strip()))
            ).one_or_none()
        return None if row is None else _article(row)

    async def list_articles(self, *, limit: int = 20, offset: int = 0) -> list[StoredArticle]:
        """Newest first."""
        async with self._read_one() as conn:
            rows = await conn.execute(
                select(*_ARTICLE_COLUMNS)
                .order_by(ArticleRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
        return [_article(row) for row in rows]

    async def count_articles(self) -> int:
        async with self._read_one() as conn:
            return int((await conn.execute(select(func.count(ArticleRow.id)))).scalar_one())

    async def article_embedding(self, article_id: int) -> Vector | None:
        """The embedding stored with an article, if one was given."""
        async with self._read_one() as conn:
            blob = (
                await conn.execute(select(ArticleRow.embedding).where(ArticleRow.id == article_id))
            ).scalar_one_or_none()
        return from_blob(blob)

    async def _story_views(
        self, conn: DbConnection, story_rows: Sequence[AnyRow]
    ) -> list[StoryView]:
        ids = [row.id for row in story_rows]
        sources: dict[int, list[StorySource]] = {story_id: [] for story_id in ids}
        for chunk in _chunks(ids):
            rows = await conn.execute(
                select(
                    ArticleRow.story_id,
                    ArticleRow.id,
                    ArticleRow.source,
                    ArticleRow.url,
                    ArticleRow.title,
                    ArticleRow.published,
                )
                .where(ArticleRow.story_id.in_(chunk))
                .order_by(ArticleRow.id)
            )
            for story_id, article_id, source, url, title, published in rows:
                sources[story_id].append(StorySource(article_id, source, url, title, published))
        return [
            StoryView(
                id=row.id,
                title=row.title,
                first_seen=row.first_seen,
                last_seen=row.last_seen,
                sources=tuple(sources[row.id]),
            )
            for row in story_rows
        ]

    async def get_story(self, story_id: int) -> StoryView | None:
        async with self._read() as conn:
            row = (
                await conn.execute(select(*_STORY_COLUMNS).where(StoryRow.id == story_id))
            ).one_or_none()
            if row is None:
                return None
            return (await self._story_views(conn, [row]))[0]

    async def get_stories(self, story_ids: Sequence[int]) -> list[StoryView]:
        """Several stories at once, in the order asked (unknown ids left out)."""
        found: dict[int, StoryView] = {}
        async with self._read() as conn:
            for chunk in _chunks(list(dict.fromkeys(story_ids))):
                rows = (
                    await conn.execute(select(*_STORY_COLUMNS).where(StoryRow.id.in_(chunk)))
                ).all()
                for view in await self._story_views(conn, rows):
                    found[view.id] = view
        return [found[i] for i in story_ids if i in found]

    async def recent_stories(self, *, since: datetime, limit: int = 50) -> list[StoryView]:
        """Stories seen (first or again) since ``since``, most recently active first."""
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(*_STORY_COLUMNS)
                    .where(StoryRow.last_seen >= since)
                    .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
                    .limit(limit)
                )
            ).all()
            return await self._story_views(conn, rows)

    async def search_stories(
        self, words: Sequence[str], *, since: datetime | None = None, limit: int = 50
    ) -> list[StoryView]:
        """Stories whose articles contain any of ``words`` (case-insensitive substring of title
        or text); more words matched first, then most recently active."""
        terms = [w.strip() for w in words if w.strip()]
        if not terms:
            return []
        hits = [
            case(
                (
                    or_(
                        ArticleRow.title.ilike(f"%{_like_escape(t)}%", escape="\\"),
                        ArticleRow.text.ilike(f"%{_like_escape(t)}%", escape="\\"),
                    ),
                    1,
                ),
                else_=0,
            )
            for t in terms
        ]
        score: ColumnElement[int] = hits[0]
        for hit in hits[1:]:
            score = score + hit
        per_article = select(ArticleRow.story_id.label("story_id"), score.label("score"))
        if since is not None:
            per_article = per_article.join(StoryRow, StoryRow.id == ArticleRow.story_id).where(
                StoryRow.last_seen >= since
            )
        scored = per_article.subquery()
        best = (
            select(scored.c.story_id, func.max(scored.c.score).label("score"))
            .group_by(scored.c.story_id)
            .having(func.max(scored.c.score) > 0)
            .subquery()
        )
        async with self._read() as conn:
            rows = (
                await conn.execute(
                    select(*_STORY_COLUMNS)
                    .join(best, best.c.story_id == StoryRow.id)
                    .order_by(best.c.score.desc(), StoryRow.last_seen.desc(), StoryRow.id.desc())
                    .limit(limit)
                )
            ).all()
            return await self._story_views(conn, rows)

    async def story_embeddings(self, *, since: datetime) -> list[tuple[int, Vector]]:
        """(story id, embedding) of stories active since ``since`` that have an embedding, most
        recently active first. Embeddings never change once set, so they are cached by story
        (read-only arrays): a call reads the ids and only the embeddings it has not seen."""
        cache = self._story_vectors
        async with self._read() as conn:
            ids = (
                (
                    await conn.execute(
                        select(StoryRow.id)
                        .where(StoryRow.last_seen >= since, StoryRow.embedding.is_not(None))
                        .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
                    )
                )
                .scalars()
                .all()
            )
            for chunk in _chunks([i for i in ids if i not in cache]):
                rows = await conn.execute(
                    select(StoryRow.id, StoryRow.embedding).where(StoryRow.id.in_(chunk))
                )
                for story_id, blob in rows:
                    vector = from_blob(blob)
                    if vector is not None:
                        vector.setflags(write=False)
                        cache[story_id] = vector
        if len(cache) > max(_VECTOR_CACHE, 2 * len(ids)):  # keep what recent calls use
            self._story_vectors = {i: cache[i] for i in ids if i in cache}
        return [(i, cache[i]) for i in ids if i in cache]

    async def story_text(self, story_id: int) -> StoredArticle | None:
        """The article to summarize for a story: its first one (the story's title source)."""
        async with self._read_one() as conn:
            row = (
                await conn.execute(
                    select(*_ARTICLE_COLUMNS)
                    .where(ArticleRow.story_id == story_id)
                    .order_by(ArticleRow.id)
                    .limit(1)
                )
            ).one_or_none()
        return None if row is None else _article(row)

    async def story_snapshot(self, *, since: datetime) -> StorySnapshot:
        """The stories active since ``since`` with all their articles and embeddings, as one
        immutable ``StorySnapshot`` (what briefings rank), cached per process.

        Stories and articles change only when an article is stored (articles are never
        rewritten), so one small query (the newest article id, and how many stories are active
        since the cached snapshot's start) tells whether the cached snapshot is current; when it
        is not, only the new articles and their stories are read. That query runs at most every
        ``SNAPSHOT_FRESH_S`` seconds under load: this process's own new articles are seen at
        once, another process's within that time. The snapshot may start up to a day before
        ``since``: use ``StorySnapshot.recent`` to cut it.
        """
        since = _aware(since)
        cached = self._snapshot
        if cached is not None and cached.since <= since < cached.since + _SNAPSHOT_SLACK:
            checked = monotonic()
            if checked - self._snapshot_checked < SNAPSHOT_FRESH_S:
                return cached
            async with self._read_quick() as conn:
                version = await self._snapshot_version(conn, cached.since)
            if version == (cached.max_article_id, len(cached.stories)):
                self._snapshot_checked = checked
                return cached
        async with self._snapshot_lock:  # one refresh at a time; the others reuse it
            base = self._snapshot
            async with self._read() as conn:
                if base is not None and base.since <= since < base.since + _SNAPSHOT_SLACK:
                    version = await self._snapshot_version(conn, base.since)
                    if version == (base.max_article_id, len(base.stories)):
                        return base
                    snapshot = await self._snapshot_update(conn, base, version)
                else:
                    snapshot = None
                if snapshot is None:
                    snapshot = await self._snapshot_load(conn, since)
            self._snapshot = snapshot
            self._snapshot_checked = monotonic()
            return snapshot

    async def _snapshot_version(self, conn: DbConnection, since: datetime) -> tuple[int, int]:
        """(newest article id, number of stories active since ``since``)."""
        row = (await conn.execute(_SNAPSHOT_VERSION, {"since": since})).one()
        return int(row[0] or 0), int(row[1])

    async def _snapshot_load(self, conn: DbConnection, since: datetime) -> StorySnapshot:
        """Read a snapshot from scratch."""
        newest, _ = await self._snapshot_version(conn, since)  # first: later ids get re-read
        story_rows = (
            await conn.execute(
                select(*_STORY_COLUMNS, StoryRow.embedding)
                .where(StoryRow.last_seen >= since)
                .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
            )
        ).all()
        articles: dict[int, list[StoredArticle]] = {row.id: [] for row in story_rows}
        rows = await conn.execute(
            select(*_ARTICLE_COLUMNS)
            .join(StoryRow, StoryRow.id == ArticleRow.story_id)
            .where(StoryRow.last_seen >= since)
            .order_by(ArticleRow.id)
        )
        for row in rows:
            article = _article(row)
            if article.story_id in articles:  # not a story that became active meanwhile
                articles[article.story_id].append(article)
        snapshot = _build_snapshot(since, story_rows, articles, newest, base=None)
        logger.debug("story snapshot loaded: %d stories", len(snapshot.stories))
        return snapshot

    async def _snapshot_update(
        self, conn: DbConnection, base: StorySnapshot, version: tuple[int, int]
    ) -> StorySnapshot | None:
        """``base`` brought up to date by reading only the articles added since it was made
        (and their stories); None when that does not explain ``version`` (then reload)."""
        newest, count = version
        rows = await conn.execute(
            select(*_ARTICLE_COLUMNS)
            .where(ArticleRow.id > base.max_article_id - _ID_OVERLAP)
            .order_by(ArticleRow.id)
        )
        added: dict[int, list[StoredArticle]] = {}
        for row in rows:
            article = _article(row)
            added.setdefault(article.story_id, []).append(article)
        if not added:
            return None
        story_rows: list[AnyRow] = []
        for chunk in _chunks(list(added)):
            story_rows.extend(
                await conn.execute(
                    select(*_STORY_COLUMNS, StoryRow.embedding).where(
                        StoryRow.id.in_(chunk), StoryRow.last_seen >= base.since
                    )
                )
            )
        articles: dict[int, list[StoredArticle]] = {}
        unknown = [row.id for row in story_rows if row.id not in base.articles]
        for chunk in _chunks(unknown):  # new stories, or old ones active again: all articles
            for row in await conn.execute(
                select(*_ARTICLE_COLUMNS)
                .where(ArticleRow.story_id.in_(chunk))
                .order_by(ArticleRow.id)
            ):
                articles.setdefault(row.story_id, []).append(_article(row))
        for row in story_rows:
            merged = {a.id: a for a in (*base.articles.get(row.id, ()), *added[row.id])}
            merged.update((a.id, a) for a in articles.get(row.id, ()))
            articles[row.id] = sorted(merged.values(), key=lambda a: a.id)
        # Stories re-read only for the overlap stay as they were (the same objects).
        views = {story.id: story for story in base.stories}

        def same(row: AnyRow) -> bool:
            view, before = views.get(row.id), base.articles.get(row.id)
            return (
                view is not None
                and before is not None
                and (view.title, view.first_seen, view.last_seen)
                == (row.title, row.first_seen, row.last_seen)
                and [a.id for a in before] == [a.id for a in articles[row.id]]
                and (row.id in base.embeddings) == (row.embedding is not None)
            )

        story_rows = [row for row in story_rows if not same(row)]
        snapshot = _build_snapshot(
            base.since, story_rows, articles, max(newest, base.max_article_id), base=base
        )
        if len(snapshot.stories) != count:  # something else changed (or raced): reload
            return None
        logger.debug("story snapshot updated: %d stories changed", len(story_rows))
        return snapshot

    # --- summaries ----------------------------------------------------------------------------

    async def get_summary(self, article_id: int, model_id: str) -> str | None:
        async with self._read_one() as conn:
            return (
                await conn.execute(
                    select(SummaryRow.text).where(
                        SummaryRow.article_id == article_id, SummaryRow.model_id == model_id
                    )
                )
            ).scalar_one_or_none()

    async def get_summaries(self, article_ids: Sequence[int], model_id: str) -> dict[int, str]:
        """Cached summaries of several articles for one model; articles without one are left
        out."""
        found: dict[int, str] = {}
        async with self._read() as conn:
            for chunk in _chunks(list(dict.fromkeys(article_ids))):
                rows = await conn.execute(
                    select(SummaryRow.article_id, SummaryRow.text).where(
                        SummaryRow.article_id.in_(chunk), SummaryRow.model_id == model_id
                    )
                )
                found.update((article_id, text) for article_id, text in rows)
        return found

    async def put_summary(self, article_id: int, model_id: str, text: str) -> None:
        """Cache a summary; a second put for the same article and model replaces the text."""
        stmt = self._insert(SummaryRow).values(
            article_id=article_id, model_id=model_id, text=text, created_at=_utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["article_id", "model_id"],
            set_={"text": stmt.excluded.text, "created_at": stmt.excluded.created_at},
        )
        async with self._write() as conn:
            await conn.execute(stmt)

    # --- chats --------------------------------------------------------------------------------

    async def _ensure_chat(self, conn: DbConnection, chat_id: int) -> None:
        await conn.execute(
            self._insert(ChatRow)
            .values(id=chat_id, kind="private", title=None, active=True, created_at=_utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )

    async def upsert_chat(self, chat_id: int, *, kind: str, title: str | None) -> Chat:
        """Create or refresh a chat. A chat that writes to us is active again. (Called for
        every update: an unchanged chat costs one read, no write.)"""
        known = await self.get_chat(chat_id)
        if known is not None and (known.kind, known.title, known.active) == (kind, title, True):
            return known
        stmt = self._insert(ChatRow).values(
            id=chat_id, kind=kind, title=title, active=True, created_at=_utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["id"], set_={"kind": kind, "title": title, "active": True}
        )
        async with self._write() as conn:
            was_active = (
                await conn.execute(select(ChatRow.active).where(ChatRow.id == chat_id))
            ).scalar_one_or_none()
            await conn.execute(stmt)
            if was_active is False:  # its remaining subscriptions are visible again
                await self._bump(conn, SUBSCRIPTIONS_COUNTER)
            row = (await conn.execute(select(*_CHAT_COLUMNS).where(ChatRow.id == chat_id))).one()
        return _chat(row)

    async def touch_chat(self, chat_id: int, *, kind: str, title: str | None) -> None:
        """``upsert_chat`` for every incoming update, without a database round trip when this
        process saw the chat, unchanged and active, within ``CHAT_TOUCH_TTL`` seconds. A chat
        deactivated here is forgotten at once; one deactivated by another process (a worker
        meeting a 403) is reactivated by its first message after that window."""
        key = (kind, title)
        seen = self._touched.get(chat_id)
        now = monotonic()
        if seen is not None and seen[0] == key and now - seen[1] < CHAT_TOUCH_TTL:
            return
        await self.upsert_chat(chat_id, kind=kind, title=title)
        self._touched[chat_id] = (key, now)
        self._touched.move_to_end(chat_id)
        while len(self._touched) > CHAT_TOUCH_MAX:
            self._touched.popitem(last=False)

    async def _bump(self, conn: DbConnection, name: str) -> None:
        await conn.execute(
            update(CounterRow).where(CounterRow.name == name).values(value=CounterRow.value + 1)
        )

    async def _counter(self, conn: DbConnection, name: str) -> int | None:
        return (
            await conn.execute(select(CounterRow.value).where(CounterRow.name == name))
        ).scalar_one_or_none()

    async def get_chat(self, chat_id: int) -> Chat | None:
        async with self._read_one() as conn:
            row = (
                await conn.execute(select(*_CHAT_COLUMNS).where(ChatRow.id == chat_id))
            ).one_or_none()
        return None if row is None else _chat(row)

    async def set_digest(
        self, chat_id: int, at: time | None, *, now: datetime | None = None
    ) -> None:
        """Daily digest at ``at`` (wall-clock time, see ``digest_chats_due``), or None for
        instant alerts. The first digest comes at the next ``at`` after ``now``."""
        async with self._write() as conn:
            await self._ensure_chat(conn, chat_id)
            await conn.execute(
                update(ChatRow)
                .where(ChatRow.id == chat_id)
                .values(
                    digest_time=None if at is None else at.replace(tzinfo=None),
                    last_digest_at=None if at is None else (now or _utcnow()),
                )
            )

    async def deactivate_chat(self, chat_id: int, *, reason: str = "chat deactivated") -> None:
        """The chat blocked us (or is gone): chat and its subscriptions off, pending alerts
        dropped (kept, marked ``dropped``)."""
        self._touched.pop(chat_id, None)
        async with self._write() as conn:
            await conn.execute(update(ChatRow).where(ChatRow.id == chat_id).values(active=False))
            await self._bump(conn, SUBSCRIPTIONS_COUNTER)
            await conn.execute(
                update(SubscriptionRow)
                .where(SubscriptionRow.chat_id == chat_id)
                .values(active=False)
            )
            await conn.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.chat_id == chat_id,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.dropped.is_(False),
                )
                .values(dropped=True, last_error=reason[:_MAX_ERROR])
            )

    async def record_briefing(self, chat_id: int, story_ids: Sequence[int], at: datetime) -> None:
        """Remember the stories a chat was shown, and when it last had a briefing."""
        unique = list(dict.fromkeys(story_ids))
        if self._record is None:
            # One statement makes a chat unknown so far, or sets its last briefing.
            stmt = self._insert(ChatRow).values(
                id=bindparam("chat_id"),
                kind="private",
                title=None,
                active=True,
                created_at=bindparam("created_at"),
                last_briefing_at=bindparam("at"),
            )
            chat = stmt.on_conflict_do_update(
                index_elements=["id"], set_={"last_briefing_at": stmt.excluded.last_briefing_at}
            )
            self._record = (chat, self._insert(BriefingRow))
        upsert_chat, add_rows = self._record
        statements: list[tuple[Executable, Any]] = [
            (upsert_chat, {"chat_id": chat_id, "created_at": _utcnow(), "at": at})
        ]
        if unique:  # executemany: one statement, whatever the number of stories
            rows = [{"chat_id": chat_id, "story_id": s, "at": at} for s in unique]
            statements.append((add_rows, rows))
        async with self._write_quick() as conn:
            await conn.run_sync(_execute_all, statements)

    async def briefed_story_ids(self, chat_id: int, *, since: datetime) -> set[int]:
        async with self._read_one() as conn:
            result = await conn.execute(
                select(BriefingRow.story_id)
                .where(BriefingRow.chat_id == chat_id, BriefingRow.at >= since)
                .distinct()
            )
            return set(result.scalars())

    async def briefing_history(
        self, chat_id: int, *, since: datetime
    ) -> tuple[datetime | None, set[int]]:
        """The chat's last briefing time (None: never, or an unknown chat) and the stories it
        was shown since ``since``: ``get_chat`` and ``briefed_story_ids`` in one query."""
        async with self._read_quick() as conn:
            rows = (
                await conn.execute(_BRIEFING_HISTORY, {"chat_id": chat_id, "since": since})
            ).all()
        last = rows[0].last_briefing_at if rows else None
        return last, {row.story_id for row in rows if row.story_id is not None}

    # --- subscriptions ------------------------------------------------------------------------

    async def subscribe(
        self, chat_id: int, topic: str, *, embedding: npt.ArrayLike | None, limit: int
    ) -> SubscribeResult:
        """Subscribe a chat to a topic: ``created`` (or re-activated), ``exists`` (same topic
        up to case and spacing), or ``limit`` when the chat already has ``limit`` topics."""
        key = normalize_topic_key(topic)
        blob = to_blob(embedding)
        try:
            async with self._write() as conn:
                await self._ensure_chat(conn, chat_id)
                row = (
                    await conn.execute(
                        select(*_SUB_COLUMNS, SubscriptionRow.active).where(
                            SubscriptionRow.chat_id == chat_id,
                            SubscriptionRow.normalized == key,
                        )
                    )
                ).one_or_none()
                count = await self._count_subscriptions(conn, chat_id)
                if row is not None and row.active:
                    return SubscribeResult("exists", _subscription(row), count)
                if count >= limit:
                    return SubscribeResult("limit", None, count)
                if row is not None:
                    await conn.execute(
                        update(SubscriptionRow)
                        .where(SubscriptionRow.id == row.id)
                        .values(active=True, topic=topic, embedding=blob)
                    )
                    sub_id = row.id
                else:
                    sub_id = (
                        await conn.execute(
                            self._insert(SubscriptionRow)
                            .values(
                                chat_id=chat_id,
                                topic=topic,
                                normalized=key,
                                embedding=blob,
                                active=True,
                                created_at=_utcnow(),
                            )
                            .returning(SubscriptionRow.id)
                        )
                    ).scalar_one()
                created = (
                    await conn.execute(select(*_SUB_COLUMNS).where(SubscriptionRow.id == sub_id))
                ).one()
                await self._bump(conn, SUBSCRIPTIONS_COUNTER)
                return SubscribeResult("created", _subscription(created), count + 1)
        except IntegrityError:
            # The same topic was subscribed concurrently (PostgreSQL); it exists now.
            async with self._read() as conn:
                again = (
                    await conn.execute(
                        select(*_SUB_COLUMNS).where(
                            SubscriptionRow.chat_id == chat_id,
                            SubscriptionRow.normalized == key,
                        )
                    )
                ).one_or_none()
                if again is None:
                    raise
                count = await self._count_subscriptions(conn, chat_id)
            return SubscribeResult("exists", _subscription(again), count)

    async def _count_subscriptions(self, conn: DbConnection, chat_id: int) -> int:
        return int(
            (
                await conn.execute(
                    select(func.count(SubscriptionRow.id)).where(
                        SubscriptionRow.chat_id == chat_id, SubscriptionRow.active.is_(True)
                    )
                )
            ).scalar_one()
        )

    async def unsubscribe(self, chat_id: int, topic_or_id: str | int) -> bool:
        """Turn a chat's topic off (by subscription id, or topic up to case and spacing).
        Pending alerts queued for that topic are dropped. False when nothing matched."""
        if isinstance(topic_or_id, int):
            condition: ColumnElement[bool] = SubscriptionRow.id == topic_or_id
        else:
            condition = SubscriptionRow.normalized == normalize_topic_key(topic_or_id)
        async with self._write() as conn:
            row = (
                await conn.execute(
                    select(SubscriptionRow.id, SubscriptionRow.topic).where(
                        SubscriptionRow.chat_id == chat_id,
                        SubscriptionRow.active.is_(True),
                        condition,
                    )
                )
            ).one_or_none()
            if row is None:
                return False
            await conn.execute(
                update(SubscriptionRow).where(SubscriptionRow.id == row.id).values(active=False)
            )
            await conn.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.chat_id == chat_id,
                    OutboxRow.topic == row.topic,
                    OutboxRow.sent_at.is_(None),
                    OutboxRow.dropped.is_(False),
                )
                .values(dropped=True, last_error="unsubscribed")
            )
            await self._bump(conn, SUBSCRIPTIONS_COUNTER)
        return True

    async def list_subscriptions(self, chat_id: int) -> list[Subscription]:
        """A chat's active topics, oldest first."""
        async with self._read_one() as conn:
            rows = await conn.execute(
                select(*_SUB_COLUMNS)
                .where(SubscriptionRow.chat_id == chat_id, SubscriptionRow.active.is_(True))
                .order_by(SubscriptionRow.id)
            )
        return [_subscription(row) for row in rows]

    async def active_subscriptions(self) -> list[tuple[Subscription, Vector | None]]:
        """Every active topic of every active chat, with its embedding (read-only arrays).

        Cached until a subscription changes anywhere (a counter that every change bumps), so
        matching each new article costs one small query, not a reload of every topic."""
        async with self._read() as conn:
            version = await self._counter(conn, SUBSCRIPTIONS_COUNTER)
            cached = self._subscriptions
            if version is not None and cached is not None and cached[0] == version:
                return list(cached[1])
            rows = await conn.execute(
                select(*_SUB_COLUMNS, SubscriptionRow.embedding)
                .join(ChatRow, ChatRow.id == SubscriptionRow.chat_id)
                .where(SubscriptionRow.active.is_(True), ChatRow.active.is_(True))
                .order_by(SubscriptionRow.id)
            )
            result: list[tuple[Subscription, Vector | None]] = []
            for row in rows:
                vector = from_blob(row.embedding)
                if vector is not None:
                    vector.setflags(write=False)  # shared by every caller until the next change
                result.append((_subscription(row), vector))
        if version is not None:
            self._subscriptions = (version, result)
        return list(result)

    # --- alert outbox -------------------------------------------------------------------------

    async def enqueue_alerts(
        self, items: Sequence[tuple[int, int, str | None]], *, now: datetime | None = None
    ) -> int:
        """Queue (chat, story, topic) alerts; each (chat, story) once ever, inactive chats
        skipped. Returns how many rows were new."""
        at = now or _utcnow()
        wanted: dict[tuple[int, int], str | None] = {}
        for chat_id, story_id, topic in items:
            wanted.setdefault((chat_id, story_id), topic)
        if not wanted:
            return 0
        inserted = 0
        async with self._write() as conn:
            chat_ids = sorted({chat_id for chat_id, _ in wanted})
            active: set[int] = set()
            for chunk in _chunks(chat_ids):
                result = await conn.execute(
                    select(ChatRow.id).where(ChatRow.id.in_(chunk), ChatRow.active.is_(True))
                )
                active.update(result.scalars())
            rows = [
                {
                    "chat_id": chat_id,
                    "story_id": story_id,
                    "topic": topic,
                    "created_at": at,
                    "attempts": 0,
                    "next_attempt_at": at,
                    "dropped": False,
                }
                for (chat_id, story_id), topic in wanted.items()
                if chat_id in active
            ]
            for batch in _chunks(rows, 200):
                result = await conn.execute(
                    self._insert(OutboxRow)
                    .values(list(batch))
                    .on_conflict_do_nothing(index_elements=["chat_id", "story_id"])
                    .returning(OutboxRow.id)
                )
                inserted += len(result.all())
        return inserted

    def _pending(self) -> ColumnElement[bool]:
        return and_(OutboxRow.sent_at.is_(None), OutboxRow.dropped.is_(False))

    @staticmethod
    @functools.cache
    def _due_query(digest: bool, one_chat: bool) -> Select[*tuple[Any, ...]]:
        """Unsent alerts due by ``:now``, at most ``:limit`` (of ``:chat_id``): built once per
        shape, executed with parameters (the delivery job runs it every few seconds)."""
        mode = ChatRow.digest_time.is_not(None) if digest else ChatRow.digest_time.is_(None)
        query = (
            select(*_OUTBOX_COLUMNS)
            .join(ChatRow, ChatRow.id == OutboxRow.chat_id)
            .where(
                OutboxRow.sent_at.is_(None),
                OutboxRow.dropped.is_(False),
                OutboxRow.next_attempt_at <= bindparam("now"),
                ChatRow.active.is_(True),
            )
            .where(mode)
            .order_by(OutboxRow.created_at, OutboxRow.id)
            .limit(bindparam("limit"))
        )
        if one_chat:
            query = query.where(OutboxRow.chat_id == bindparam("chat_id"))
        return query

    async def due_alerts(
        self,
        now: datetime,
        *,
        limit: int = 100,
        digest: bool = False,
        chat_id: int | None = None,
    ) -> list[OutboxItem]:
        """Unsent alerts whose time has come, oldest first, for active chats in instant mode
        (``digest=False``) or in digest mode (``digest=True``); optionally for one chat."""
        query = self._due_query(digest, chat_id is not None)
        params = {"now": now, "limit": limit, "chat_id": chat_id}
        async with self._read_quick() as conn:
            rows = await conn.execute(query, params)
        return [_outbox(row) for row in rows]

    async def claim_alerts(
        self,
        now: datetime,
        *,
        lease: timedelta = timedelta(minutes=2),
        limit: int = 100,
        digest: bool = False,
        chat_id: int | None = None,
    ) -> list[OutboxItem]:
        """Like ``due_alerts``, for several delivery processes at once: the rows returned are
        hidden from other callers until ``now + lease`` (their ``next_attempt_at``), so no two
        deliverers send the same alert. A deliverer that dies before ``mark_sent`` or
        ``retry_later`` only delays its alerts by the lease; ``attempts`` is not counted."""
        query = self._due_query(digest, chat_id is not None)
        if self._dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=OutboxRow)
        params = {"now": now, "limit": limit, "chat_id": chat_id}
        until = _aware(now).astimezone(UTC) + lease
        async with self._write() as conn:
            items = [_outbox(row) for row in await conn.execute(query, params)]
            for chunk in _chunks([item.id for item in items]):
                await conn.execute(
                    update(OutboxRow).where(OutboxRow.id.in_(chunk)).values(next_attempt_at=until)
                )
        return [dataclasses.replace(item, next_attempt_at=until) for item in items]

    async def pending_alerts(self, chat_id: int) -> list[OutboxItem]:
        """All of a chat's unsent, undropped alerts, oldest first, whatever their retry time."""
        async with self._read_one() as conn:
            rows = await conn.execute(
                select(*_OUTBOX_COLUMNS)
                .where(OutboxRow.chat_id == chat_id, self._pending())
                .order_by(OutboxRow.created_at, OutboxRow.id)
            )
        return [_outbox(row) for row in rows]

    async def mark_sent(self, item_ids: Sequence[int], at: datetime) -> None:
        """Telegram accepted these alerts (sending twice keeps the first time)."""
        statements = [
            (
                update(OutboxRow)
                .where(OutboxRow.id.in_(chunk), OutboxRow.sent_at.is_(None))
                .values(sent_at=at),
                None,
            )
            for chunk in _chunks(list(item_ids))
        ]
        async with self._write_quick() as conn:
            await conn.run_sync(_execute_all, statements)

    async def retry_later(self, item_id: int, at: datetime, error: str) -> None:
        """A send failed: count the attempt and try again at ``at`` (a sent alert stays sent)."""
        async with self._write_quick() as conn:
            await conn.execute(
                update(OutboxRow)
                .where(OutboxRow.id == item_id, OutboxRow.sent_at.is_(None))
                .values(
                    attempts=OutboxRow.attempts + 1,
                    next_attempt_at=at,
                    last_error=error[:_MAX_ERROR],
                )
            )

    async def drop_alerts(self, item_ids: Sequence[int], error: str) -> None:
        """Give up on alerts that can never be sent (kept, marked ``dropped``)."""
        async with self._write() as conn:
            for chunk in _chunks(list(item_ids)):
                await conn.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id.in_(chunk), OutboxRow.sent_at.is_(None))
                    .values(dropped=True, last_error=error[:_MAX_ERROR])
                )

    async def digest_chats_due(self, now: datetime, *, tz: tzinfo | None = None) -> list[Chat]:
        """Active digest-mode chats whose digest time has passed since their last digest.

        ``digest_time`` is wall-clock time in ``tz`` (default: ``now``'s time zone, UTC for a
        naive ``now``); pass the configured zone, e.g. ``ZoneInfo(settings.timezone)``.
        """
        now = _aware(now)
        zone = tz or now.tzinfo or UTC
        async with self._read_quick() as conn:
            rows = await conn.execute(_digest_chats_query())
            due = []
            for row in rows:
                occurrence = _last_occurrence(now, row.digest_time, zone)
                if row.last_digest_at is None or row.last_digest_at < occurrence:
                    due.append(_chat(row))
        return due

    async def mark_digest_sent(self, chat_id: int, at: datetime) -> None:
        async with self._write_quick() as conn:
            await conn.execute(
                update(ChatRow).where(ChatRow.id == chat_id).values(last_digest_at=at)
            )
