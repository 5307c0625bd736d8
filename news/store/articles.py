"""Articles: storing one (deduplicated by canonical URL and content hash, grouped into a story
by ``news.stories``), and reading them back.

``add_article`` groups one article at a time per database (on PostgreSQL through an advisory
lock), so near-duplicates stored at once by two processes still share a story. The grouping data
of recent stories (per article: MinHash signature, names and numbers, publication time and
outlet; per story: its embedding) never changes once written, so it is cached between calls,
compactly (a signature of 512 bytes and 8 bytes a name per article), for the stories of the
grouping window only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy.typing as npt
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from news.models import AddResult, Article, StoredArticle
from news.store import mapping
from news.store.access import Access, aware, chunks, utcnow
from news.store.database import DbConnection
from news.store.tables import ArticleRow, StoryRow
from news.stories.dedupe import content_hash, signature
from news.stories.entities import ENTITY_WORDS, Names, entities, names_key
from news.stories.grouping import (
    STORY_WINDOW,
    StoryCandidate,
    Vector,
    choose_story,
    from_blob,
    to_blob,
)

__all__ = ["ID_OVERLAP", "PG_GROUPING_LOCK", "Articles"]

logger = logging.getLogger(__name__)

PG_GROUPING_LOCK = 0x73746F72  # "stor": one add_article groups at a time per database
ID_OVERLAP = 64  # re-read this many recent article ids: PostgreSQL ids may commit late
_LEAD_CHARS = ENTITY_WORDS * 12  # characters of text read back to find an article's names


@dataclass(frozen=True, slots=True)
class _Known:
    """What grouping compares of one stored article."""

    signature: bytes
    names: Names
    when: datetime  # published, else fetched
    source: str


def _names_of(title: str, text: str) -> Names:
    return names_key(entities(title or "", text or ""))


class _CandidateCache:
    """Immutable grouping data of the recently active stories, kept between add_article calls."""

    def __init__(self) -> None:
        self.articles: dict[int, dict[int, _Known]] = {}  # story id -> article id -> data
        self.embeddings: dict[int, Vector | None] = {}  # story id -> embedding (once set)
        self.max_article_id = 0

    def add(self, story_id: int, article_id: int, known: _Known) -> None:
        self.articles.setdefault(story_id, {})[article_id] = known
        self.max_article_id = max(self.max_article_id, article_id)


class Articles:
    """The articles table, and the story each new article joins or starts."""

    def __init__(self, access: Access) -> None:
        self._access = access
        self._cache = _CandidateCache()
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
            async with self._grouping, self._access.write() as conn:
                await self._access.advisory_lock(conn, PG_GROUPING_LOCK)
                existing = await self._existing(conn, url, digest)
                if existing is not None:
                    return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
                candidates = await self.story_candidates(conn, since=at - STORY_WINDOW)
                match = choose_story(
                    candidates, sig, vector, entities=names, when=when, source=article.source
                )
                if match is None:
                    story_id = (
                        await conn.execute(
                            self._access.insert(StoryRow)
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
                    else aware(article.published).astimezone(UTC),
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
                        self._access.insert(ArticleRow)
                        .values(signature=sig, embedding=blob, **values)
                        .returning(ArticleRow.id)
                    )
                ).scalar_one()
        except IntegrityError:
            # Someone stored the same URL without the grouping lock (not this class).
            async with self._access.read() as conn:
                existing = await self._existing(conn, url, digest)
            if existing is None:
                raise
            return AddResult("duplicate", existing, existing.story_id, story_is_new=False)
        self.added += 1  # this process's caches of stories see it at once
        stored = dataclasses.replace(stored, id=article_id)
        return AddResult("new", stored, story_id, story_is_new=match is None)

    async def _existing(self, conn: DbConnection, url: str, digest: str) -> StoredArticle | None:
        """The article stored under ``url``, else the first one with the same content hash."""
        row = (
            await conn.execute(
                select(*mapping.ARTICLE_COLUMNS)
                .where(or_(ArticleRow.url == url, ArticleRow.content_hash == digest))
                .order_by(case((ArticleRow.url == url, 0), else_=1), ArticleRow.id)
                .limit(1)
            )
        ).one_or_none()
        return None if row is None else mapping.article(row)

    async def story_candidates(
        self, conn: DbConnection, *, since: datetime
    ) -> list[StoryCandidate]:
        """Stories active since ``since``, most recent first, with what grouping compares of
        their articles (signature, names, time, outlet) and their embeddings.

        This is the candidate search: the stories of the grouping window by an indexed range of
        ``last_seen``, never the whole store. What it returns never changes once written, so it is
        cached; each call reads only the active story ids and the articles added since the last
        call (with an overlap, for ids that commit out of order on PostgreSQL).
        """
        stories = (
            await conn.execute(
                select(StoryRow.id, StoryRow.embedding.is_not(None))
                .where(StoryRow.last_seen >= since)
                .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc())
            )
        ).all()
        cache = self._cache
        active = {story_id for story_id, _ in stories}
        for story_id in list(cache.articles):
            if story_id not in active:
                del cache.articles[story_id]
                cache.embeddings.pop(story_id, None)
        if not stories:
            return []

        columns = (
            ArticleRow.id,
            ArticleRow.story_id,
            ArticleRow.signature,
            ArticleRow.title,
            func.substr(ArticleRow.text, 1, _LEAD_CHARS),
            ArticleRow.published,
            ArticleRow.fetched_at,
            ArticleRow.source,
        )
        new = await conn.execute(
            select(*columns)
            .join(StoryRow, StoryRow.id == ArticleRow.story_id)
            .where(ArticleRow.id > cache.max_article_id - ID_OVERLAP)
            .where(StoryRow.last_seen >= since)
        )
        for row in new:
            self._remember(row)
        missing = [s for s in active if s not in cache.articles]
        for chunk in chunks(missing):
            rows = await conn.execute(select(*columns).where(ArticleRow.story_id.in_(chunk)))
            for row in rows:
                self._remember(row)
        need = [s for s, has in stories if has and s not in cache.embeddings]
        for chunk in chunks(need):
            blobs = await conn.execute(
                select(StoryRow.id, StoryRow.embedding).where(StoryRow.id.in_(chunk))
            )
            for story_id, blob in blobs:
                cache.embeddings[story_id] = from_blob(blob)
        candidates = []
        for story_id, _ in stories:
            known = list(cache.articles.get(story_id, {}).values())
            candidates.append(
                StoryCandidate(
                    story_id,
                    [k.signature for k in known],
                    cache.embeddings.get(story_id),
                    entities=[k.names for k in known],
                    times=[k.when for k in known],
                    sources=[k.source for k in known],
                )
            )
        return candidates

    def _remember(self, row: mapping.AnyRow) -> None:
        """Cache one article's grouping data (known articles are not read twice)."""
        article_id, story_id, sig, title, lead, published, fetched, source = row
        if article_id in self._cache.articles.get(story_id, {}):
            return
        when = aware(published if published is not None else fetched)
        known = _Known(sig, _names_of(title, lead), when, source or "")
        self._cache.add(story_id, article_id, known)

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
