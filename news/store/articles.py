"""Articles: storing one (deduplicated by canonical URL and content hash, grouped into a story
by ``news.stories``), and reading them back.

``add_article`` groups one article at a time per database (on PostgreSQL through an advisory
lock), so near-duplicates stored at once by two processes still share a story. The grouping data
of recent stories (per article: MinHash signature, names and numbers, publication time and
outlet; per story: its embedding) never changes once written, so it is cached between calls,
compactly (a signature of 512 bytes and 8 bytes a name per article), for the stories of the
grouping window only, in the candidate index of ``news.stories.index``: a new article is compared
with the stories its LSH bands and embedding neighbours name, not with every story of the window.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from datetime import UTC, datetime

import numpy.typing as npt
from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from news.models import AddResult, Article, StoredArticle
from news.store import mapping
from news.store.access import Access, aware, chunks, utcnow
from news.store.tables import ArticleRow, StoryRow
from news.stories.dedupe import content_hash, signature
from news.stories.entities import ENTITY_WORDS, Names, entities, names_key
from news.stories.grouping import STORY_WINDOW, Vector, choose_story, from_blob, to_blob
from news.stories.index import CandidateIndex, Known

__all__ = ["PG_GROUPING_LOCK", "Articles"]

logger = logging.getLogger(__name__)

# "stor": one add_article groups at a time per database. It also orders the articles' ids: an
# id is taken under the lock and committed before the next writer takes one (as SQLite's write
# lock does), so a read that sees an id sees every id below it, and a cache of articles reads
# only the ids above the last one it holds.
PG_GROUPING_LOCK = 0x73746F72
_LEAD_CHARS = ENTITY_WORDS * 12  # characters of text read back to find an article's names


# The statements of ``add_article``, built once: building one costs more than running it (and
# a statement object remembers its cache key, so it is not worked out again either).
_URL = bindparam("b_url", type_=ArticleRow.url.type)
_EXISTING = (
    select(*mapping.ARTICLE_COLUMNS)
    .where(or_(ArticleRow.url == _URL, ArticleRow.content_hash == bindparam("b_digest")))
    .order_by(case((ArticleRow.url == _URL, 0), else_=1), ArticleRow.id)
    .limit(1)
)
_WINDOW = (
    select(
        ArticleRow.id,
        ArticleRow.story_id,
        ArticleRow.signature,
        ArticleRow.title,
        func.substr(ArticleRow.text, 1, _LEAD_CHARS),
        ArticleRow.published,
        ArticleRow.fetched_at,
        ArticleRow.source,
        StoryRow.last_seen,
        StoryRow.embedding.is_not(None),
    )
    .join(StoryRow, StoryRow.id == ArticleRow.story_id)
    .where(StoryRow.last_seen >= bindparam("b_since", type_=StoryRow.last_seen.type))
)
_WINDOW_AFTER = _WINDOW.where(ArticleRow.id > bindparam("b_after"))
_NEW_STORY = insert(StoryRow).returning(StoryRow.id)
_NEW_ARTICLE = insert(ArticleRow).returning(ArticleRow.id)
_AT = bindparam("b_at", type_=StoryRow.last_seen.type)
_SEEN = (
    update(StoryRow)
    .where(StoryRow.id == bindparam("b_story"), StoryRow.last_seen < _AT)
    .values(last_seen=_AT)
)
# a story seen now, and its embedding if it had none: one statement
_SEEN_WITH_VECTOR = (
    update(StoryRow)
    .where(
        StoryRow.id == bindparam("b_story"),
        or_(StoryRow.last_seen < _AT, StoryRow.embedding.is_(None)),
    )
    .values(
        last_seen=case((StoryRow.last_seen < _AT, _AT), else_=StoryRow.last_seen),
        embedding=func.coalesce(
            StoryRow.embedding, bindparam("b_blob", type_=StoryRow.embedding.type)
        ),
    )
)


def _names_of(title: str, text: str) -> Names:
    return names_key(entities(title or "", text or ""))


def _existing(conn: Connection, url: str, digest: str) -> StoredArticle | None:
    """The article stored under ``url``, else the first one with the same content hash."""
    row = conn.execute(_EXISTING, {"b_url": url, "b_digest": digest}).one_or_none()
    return None if row is None else mapping.article(row)


class Articles:
    """The articles table, and the story each new article joins or starts."""

    def __init__(self, access: Access) -> None:
        self._access = access
        self._index = CandidateIndex()
        self._index_since: datetime | None = None  # the window start the index was loaded for
        self.check_decisions = False  # benchmarks: also decide over every story of the window
        self.last_check: bool | None = None  # then: whether both chose the same story
        self.check_seconds = 0.0  # and the time the scans took (wall clock)
        self.check_cpu_seconds = 0.0  # (CPU of the process meanwhile: BLAS threads included)
        # add_article reads the recent stories, then writes: one at a time, so near-duplicates
        # stored at once still meet (SQLite's write lock does this across processes; on
        # PostgreSQL an advisory lock does).
        self._grouping = asyncio.Lock()
        self.added = 0  # new articles stored through this object (caches compare it)

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
        at = aware(now or utcnow())
        url = article.url.strip()
        digest = content_hash(article.text)
        sig = signature(article.text)
        names = _names_of(article.title, article.text)
        when = aware(article.published or at)
        vector = None if embedding is None else from_blob(to_blob(embedding))
        blob = to_blob(vector)
        try:
            async with self._grouping:
                async with self._access.write() as conn:
                    await self._access.advisory_lock(conn, PG_GROUPING_LOCK)
                    # the reads, the decision and the writes as one piece: one hop to the pool
                    # on SQLite (not one a statement), off the event loop
                    found = await conn.run_sync(
                        self._add_in_transaction,
                        article,
                        url,
                        digest,
                        sig,
                        names,
                        when,
                        at,
                        vector,
                        blob,
                        feed_id,
                    )
                if found.status == "new":  # committed: the index has it without reading it
                    self._remember(found, article, sig, names, when, at, vector)
        except IntegrityError:
            # Someone stored the same URL without the grouping lock (not this class).
            async with self._access.read() as conn:
                existing = await conn.run_sync(_existing, url, digest)
            if existing is None:
                raise
            return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
        if found.status == "new":
            self.added += 1  # this process's caches of stories see it at once
        return found

    def _remember(
        self,
        found: AddResult,
        article: Article,
        sig: bytes,
        names: Names,
        when: datetime,
        at: datetime,
        vector: Vector | None,
    ) -> None:
        """Put the article just stored into the candidate index, as the next read of the
        articles added since would (``story_candidates``), so that read finds nothing of this
        process's to re-read. Its id is above every id the index holds: ids are taken and
        committed under the grouping lock, and the index read all ids below it before it."""
        if len(article.text) > _LEAD_CHARS:  # a read sees the opening only
            names = _names_of(article.title, article.text[:_LEAD_CHARS])
        known = Known(sig, names, when, article.source or "")
        index = self._index
        index.add(found.story_id, found.article.id, known, at)
        if vector is not None:
            index.set_embedding(found.story_id, vector)  # a story keeps its first (coalesce)

    def _add_in_transaction(
        self,
        conn: Connection,
        article: Article,
        url: str,
        digest: str,
        sig: bytes,
        names: Names,
        when: datetime,
        at: datetime,
        vector: Vector | None,
        blob: bytes | None,
        feed_id: int | None,
    ) -> AddResult:
        """``add_article``'s transaction, synchronous (``run_sync``)."""
        existing = _existing(conn, url, digest)
        if existing is not None:
            return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
        index = self.story_candidates(conn, since=at - STORY_WINDOW)
        match = choose_story(
            index.candidates(sig, vector),
            sig,
            vector,
            entities=names,
            when=when,
            source=article.source,
        )
        if self.check_decisions:
            started, started_cpu = time.perf_counter(), time.process_time()
            full = choose_story(
                index.everything(),
                sig,
                vector,
                entities=names,
                when=when,
                source=article.source,
            )
            self.last_check = (full and full.story_id) == (match and match.story_id)
            self.check_seconds += time.perf_counter() - started
            self.check_cpu_seconds += time.process_time() - started_cpu
        if match is None:
            values = {"title": article.title, "first_seen": at, "last_seen": at, "embedding": blob}
            story_id = conn.execute(_NEW_STORY, values).scalar_one()
        else:
            story_id = match.story_id
            logger.debug("article %s joins story %d (%s)", url, story_id, match)
            if blob is None:
                conn.execute(_SEEN, {"b_story": story_id, "b_at": at})
            else:
                conn.execute(_SEEN_WITH_VECTOR, {"b_story": story_id, "b_at": at, "b_blob": blob})
        stored = StoredArticle(
            id=0,
            url=url,
            title=article.title,
            text=article.text,
            source=article.source,
            published=None
            if article.published is None
            else aware(article.published).astimezone(UTC),
            author=article.author,
            language=article.language,
            content_hash=digest,
            story_id=story_id,
            feed_id=feed_id,
            fetched_at=at.astimezone(UTC),
        )
        values = {
            f.name: getattr(stored, f.name) for f in dataclasses.fields(stored) if f.name != "id"
        }
        values.update(signature=sig, embedding=blob)
        article_id = conn.execute(_NEW_ARTICLE, values).scalar_one()
        stored = dataclasses.replace(stored, id=article_id)
        return AddResult("new", stored, story_id, story_is_new=match is None)

    def story_candidates(self, conn: Connection, *, since: datetime) -> CandidateIndex:
        """The candidate index of the stories active since ``since`` (``news.stories.index``),
        brought up to date.

        The first call reads the window's stories with their articles (an indexed range of
        ``last_seen``); later calls read only the articles added since (ids commit in order:
        ``PG_GROUPING_LOCK``), so the cost per article does not grow
        with the store or the window. What it holds never changes once written; a window that
        starts earlier than the loaded one reloads.
        """
        index = self._index
        params: dict[str, object] = {"b_since": since}
        if self._index_since is None or since < self._index_since:
            index = self._index = CandidateIndex()
            query = _WINDOW
        else:
            query, params["b_after"] = _WINDOW_AFTER, index.max_article_id
        self._index_since = since
        index.expire(since)
        need: set[int] = set()
        for row in conn.execute(query, params):
            article_id, story_id, sig, title, lead, published, fetched, source, seen, has = row
            if has and not index.has_embedding(story_id):
                need.add(story_id)
            if index.has(story_id, article_id):
                index.add(story_id, article_id, index.stories[story_id].articles[article_id], seen)
                continue
            when = aware(published if published is not None else fetched)
            known = Known(sig, _names_of(title, lead), when, source or "")
            index.add(story_id, article_id, known, aware(seen))
        for chunk in chunks(sorted(need)):
            blobs = conn.execute(
                select(StoryRow.id, StoryRow.embedding).where(StoryRow.id.in_(chunk))
            )
            for story_id, blob in blobs:
                index.set_embedding(story_id, from_blob(blob))
        return index

    async def get_article(self, article_id: int) -> StoredArticle | None:
        async with self._access.read_one() as conn:
            row = (
                await conn.execute(
                    select(*mapping.ARTICLE_COLUMNS).where(ArticleRow.id == article_id)
                )
            ).one_or_none()
        return None if row is None else mapping.article(row)

    async def find_article(self, url: str) -> StoredArticle | None:
        """The article stored under this canonical URL, if any."""
        async with self._access.read_one() as conn:
            row = (
                await conn.execute(
                    select(*mapping.ARTICLE_COLUMNS).where(ArticleRow.url == url.strip())
                )
            ).one_or_none()
        return None if row is None else mapping.article(row)

    async def list_articles(self, *, limit: int = 20, offset: int = 0) -> list[StoredArticle]:
        """Newest first."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(*mapping.ARTICLE_COLUMNS)
                .order_by(ArticleRow.id.desc())
                .limit(limit)
                .offset(offset)
            )
        return [mapping.article(row) for row in rows]

    async def count_articles(self) -> int:
        async with self._access.read_one() as conn:
            return int((await conn.execute(select(func.count(ArticleRow.id)))).scalar_one())

    async def article_embedding(self, article_id: int) -> Vector | None:
        """The embedding stored with an article, if one was given."""
        async with self._access.read_one() as conn:
            blob = (
                await conn.execute(select(ArticleRow.embedding).where(ArticleRow.id == article_id))
            ).scalar_one_or_none()
        return from_blob(blob)
