"""The newsbrief store: feeds, articles and stories, summaries, chats, subscriptions, alert outbox.

SQLAlchemy 2 on SQLite (the default) or PostgreSQL, the same code on both, through the small
async connection interface of ``news.store.database``. The schema is created and upgraded only
by the Alembic migrations (``news.store.schema``): ``Store.open`` upgrades the database to head.
Every method runs in its own transaction (nothing half-written on errors) and returns plain
``news.models`` objects; all times are timezone-aware UTC.

``Store`` is a facade: each table group has its repository (``feeds``, ``articles``,
``stories``, ``summaries``, ``chats``, ``subscriptions``, ``outbox``, ``chat_feeds``), sharing
one ``Access`` (the connections and this process's locks), and each method here hands over to
one of them.

Caches hold only data that never changes once written (MinHash signatures, story embeddings),
or that a change counter in the database invalidates (active subscriptions), so several
processes on one database always see each other's writes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from time import monotonic
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Engine

from config.settings import DEFAULT_DATABASE_URL
from news.store import maintenance
from news.store.access import Access
from news.store.alert_settings import AlertSettingsRepo
from news.store.articles import Articles
from news.store.chat_feeds import ChatFeeds
from news.store.chats import Chats
from news.store.database import Database, DbConnection, open_database
from news.store.feeds import Feeds
from news.store.outbox import Outbox
from news.store.roles import Roles
from news.store.schema import upgrade_schema
from news.store.stats import Stats
from news.store.stories import VECTOR_CACHE, Stories
from news.store.subscriptions import Subscriptions
from news.store.summaries import Summaries

__all__ = ["DEFAULT_URL", "Store"]

logger = logging.getLogger(__name__)

DEFAULT_URL = DEFAULT_DATABASE_URL
_PG_MIGRATION_LOCK = 0x6E657773  # "news": one Store.open migrates at a time per database

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")


def _delegate(
    repository: str, method: Callable[Concatenate[R, P], Awaitable[T]]
) -> Callable[Concatenate[Store, P], Awaitable[T]]:
    """A Store method handing over to ``method`` of the repository in attribute
    ``repository``, with its signature and docstring (no extra coroutine: the repository's
    is returned)."""
    name = method.__name__

    def call(self: Store, /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[T]:
        return getattr(getattr(self, repository), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


class Store:
    """Async access to the newsbrief database. Create with ``await Store.open(url)``.

    ``clock`` (monotonic seconds) times ``touch_chat``'s memory of recent chats;
    ``vector_cache`` bounds the story embeddings kept in memory.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = monotonic,
        vector_cache: int = VECTOR_CACHE,
    ) -> None:
        self._db = db
        access = Access(db)
        self._access = access
        self.feeds = Feeds(access)
        self.articles = Articles(access)
        self.stories = Stories(access, vector_cache=vector_cache)
        self.summaries = Summaries(access)
        self.chats = Chats(access, clock=clock)
        self.subscriptions = Subscriptions(access)
        self.outbox = Outbox(access)
        self.roles = Roles(access)  # issue 15: channels, group migrations
        self.stats = Stats(access)
        self.alert_settings_repo = AlertSettingsRepo(access)
        self.chat_feeds = ChatFeeds(access)

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        url: str = DEFAULT_URL,
        *,
        revision: str = "head",
        clock: Callable[[], float] = monotonic,
        vector_cache: int = VECTOR_CACHE,
    ) -> Store:
        """Connect and upgrade the schema to the newest migration (or to ``revision``, for
        tests and maintenance)."""
        db = open_database(url)
        store = cls(db, clock=clock, vector_cache=vector_cache)
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
        async with self._access.write() as conn:
            await self._access.advisory_lock(conn, _PG_MIGRATION_LOCK)
            await conn.run_sync(upgrade_schema, revision)

    async def close(self) -> None:
        await self._db.dispose()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._access.dialect

    @property
    def sync_engine(self) -> Engine:
        """The underlying sync engine, for event listeners (tests and diagnostics)."""
        return self._db.sync_engine

    def connect(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A raw connection for reads (tests and maintenance; the app goes through methods)."""
        return self._access.read()

    def begin(self) -> contextlib.AbstractAsyncContextManager[DbConnection]:
        """A raw connection in a write transaction (tests and maintenance)."""
        return self._access.write()

    async def analyze(self, *, tables: tuple[str, ...] = ()) -> None:
        """Refresh the planner's statistics (``newsbrief db analyze``; news.store.maintenance)."""
        await maintenance.analyze(self._access, tables=tables)

    async def ingested(self, added: int) -> bool:
        """After a bulk ingest of ``added`` articles: ANALYZE on PostgreSQL when they are many
        (news.store.maintenance.BULK_ANALYZE); whether it ran."""
        return await maintenance.after_bulk(self._access, added)

    @property
    def articles_added(self) -> int:
        """New articles stored through this Store so far: a cache of stories that saw this
        number change knows, without a query, that this process changed them."""
        return self.articles.added

    # --- the repositories' methods, by table group ----------------------------------------------

    # feeds (news.store.feeds)
    add_feed = _delegate("feeds", Feeds.add_feed)
    list_feeds = _delegate("feeds", Feeds.list_feeds)
    get_feed = _delegate("feeds", Feeds.get_feed)
    remove_feed = _delegate("feeds", Feeds.remove_feed)
    due_feeds = _delegate("feeds", Feeds.due_feeds)
    update_feed = _delegate("feeds", Feeds.update_feed)
    seen_entries = _delegate("feeds", Feeds.seen_entries)
    mark_entries = _delegate("feeds", Feeds.mark_entries)

    # articles, and the story each joins (news.store.articles)
    add_article = _delegate("articles", Articles.add_article)
    get_article = _delegate("articles", Articles.get_article)
    find_article = _delegate("articles", Articles.find_article)
    list_articles = _delegate("articles", Articles.list_articles)
    count_articles = _delegate("articles", Articles.count_articles)
    article_embedding = _delegate("articles", Articles.article_embedding)

    # stories (news.store.stories), and what a cache of recent stories reads
    get_story = _delegate("stories", Stories.get_story)
    get_stories = _delegate("stories", Stories.get_stories)
    recent_stories = _delegate("stories", Stories.recent_stories)
    search_stories = _delegate("stories", Stories.search_stories)
    story_embeddings = _delegate("stories", Stories.story_embeddings)
    story_text = _delegate("stories", Stories.story_text)
    stories_version = _delegate("stories", Stories.version)
    active_stories = _delegate("stories", Stories.active)
    articles_after = _delegate("stories", Stories.articles_after)
    story_records = _delegate("stories", Stories.records)
    story_articles = _delegate("stories", Stories.articles_of)

    # summaries (news.store.summaries)
    get_summary = _delegate("summaries", Summaries.get_summary)
    get_summaries = _delegate("summaries", Summaries.get_summaries)
    put_summary = _delegate("summaries", Summaries.put_summary)

    # chats, digests and briefing history (news.store.chats)
    upsert_chat = _delegate("chats", Chats.upsert_chat)
    touch_chat = _delegate("chats", Chats.touch_chat)
    get_chat = _delegate("chats", Chats.get_chat)
    set_digest = _delegate("chats", Chats.set_digest)
    deactivate_chat = _delegate("chats", Chats.deactivate_chat)
    record_briefing = _delegate("chats", Chats.record_briefing)
    briefed_story_ids = _delegate("chats", Chats.briefed_story_ids)
    briefing_history = _delegate("chats", Chats.briefing_history)
    digest_chats_due = _delegate("chats", Chats.digest_chats_due)
    mark_digest_sent = _delegate("chats", Chats.mark_digest_sent)

    # subscriptions (news.store.subscriptions)
    subscribe = _delegate("subscriptions", Subscriptions.subscribe)
    unsubscribe = _delegate("subscriptions", Subscriptions.unsubscribe)
    list_subscriptions = _delegate("subscriptions", Subscriptions.list_subscriptions)
    active_subscriptions = _delegate("subscriptions", Subscriptions.active_subscriptions)
    subscription_changes = _delegate("subscriptions", Subscriptions.subscription_changes)
    mute_source = _delegate("subscriptions", Subscriptions.mute_source)
    unmute_source = _delegate("subscriptions", Subscriptions.unmute_source)
    muted_sources = _delegate("subscriptions", Subscriptions.muted_sources)
    muted_chats = _delegate("subscriptions", Subscriptions.muted_chats)

    # the alert outbox (news.store.outbox)
    enqueue_alerts = _delegate("outbox", Outbox.enqueue_alerts)
    alert_why = _delegate("outbox", Outbox.alert_why)
    due_alerts = _delegate("outbox", Outbox.due_alerts)
    claim_alerts = _delegate("outbox", Outbox.claim_alerts)
    pending_alerts = _delegate("outbox", Outbox.pending_alerts)
    mark_sent = _delegate("outbox", Outbox.mark_sent)
    retry_later = _delegate("outbox", Outbox.retry_later)
    drop_alerts = _delegate("outbox", Outbox.drop_alerts)
    enqueue_updates = _delegate("outbox", Outbox.enqueue_updates)
    hold_alerts = _delegate("outbox", Outbox.hold_alerts)

    # time zones, quiet hours, story updates on/off, a story's chats (news.store.alert_settings)
    set_timezone = _delegate("alert_settings_repo", AlertSettingsRepo.set_timezone)
    set_quiet_hours = _delegate("alert_settings_repo", AlertSettingsRepo.set_quiet_hours)
    set_updates = _delegate("alert_settings_repo", AlertSettingsRepo.set_updates)
    alert_settings = _delegate("alert_settings_repo", AlertSettingsRepo.alert_settings)
    alert_settings_of = _delegate("alert_settings_repo", AlertSettingsRepo.alert_settings_of)
    story_watchers = _delegate("alert_settings_repo", AlertSettingsRepo.story_watchers)

    # the feeds each chat follows, and /sources mine|all (news.store.chat_feeds)
    chat_feeds_of = _delegate("chat_feeds", ChatFeeds.chat_feeds)
    count_chat_feeds = _delegate("chat_feeds", ChatFeeds.count_chat_feeds)
    known_feed_urls = _delegate("chat_feeds", ChatFeeds.known_feed_urls)
    follow_feeds = _delegate("chat_feeds", ChatFeeds.follow)
    unfollow_feed = _delegate("chat_feeds", ChatFeeds.unfollow)
    set_own_sources = _delegate("chat_feeds", ChatFeeds.set_own_sources)
    own_source_feeds = _delegate("chat_feeds", ChatFeeds.own_source_feeds)
    stories_from_feeds = _delegate("chat_feeds", ChatFeeds.stories_from_feeds)
    link_article_feed = _delegate("chat_feeds", ChatFeeds.link_article_feed)
    chats_not_following = _delegate("chat_feeds", ChatFeeds.chats_not_following)

    # channels linked by their administrators, groups moved to supergroups (news.store.roles)
    link_channel = _delegate("roles", Roles.link_channel)
    unlink_channel = _delegate("roles", Roles.unlink_channel)
    linked_channels = _delegate("roles", Roles.linked_channels)
    linked_channel = _delegate("roles", Roles.linked_channel)
    migrate_chat = _delegate("roles", Roles.migrate_chat)

    # operators' figures (news.store.stats)
    store_stats = _delegate("stats", Stats.store_stats)
