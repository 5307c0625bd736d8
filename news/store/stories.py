"""Stories: a story with its sources (articles) as ``StoryView``, recent and searched stories,
their embeddings, and the reads a cache of recent stories needs to stay current.

Stories and articles change only when an article is stored (articles are never rewritten), so
``version`` (the newest article id and how many stories are active) tells a cache in any process
whether it is current, and ``articles_after`` with ``records`` and ``articles_of`` bring it up
to date (see ``news.briefings.snapshot``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from sys import intern

from sqlalchemy import ColumnElement, bindparam, case, func, or_, select

from news.models import StoredArticle, StoryRecord, StorySource, StoryView
from news.store import mapping
from news.store.access import Access, chunks
from news.store.database import DbConnection
from news.store.tables import ArticleRow, StoryRow
from news.stories.grouping import Vector

__all__ = ["LEAD_CHARS", "VECTOR_CACHE", "Stories"]

VECTOR_CACHE = 20_000  # story embeddings kept in memory (about 30 MB at 384 floats)
LEAD_CHARS = 1_000  # characters of an article's text a cache of stories reads (its opening)

# An article as a cache of stories reads it: every column, the text cut to its opening (what
# topics and grouping look at; summaries read the whole text themselves).
_LEAD_COLUMNS = tuple(
    func.substr(ArticleRow.text, 1, LEAD_CHARS).label("text") if c is ArticleRow.text else c
    for c in mapping.ARTICLE_COLUMNS
)

# The one-query freshness check of a cache of recent stories, built once (building a statement
# costs more than running it).
_VERSION = select(
    select(func.max(ArticleRow.id)).scalar_subquery(),
    select(func.count())
    .select_from(StoryRow)
    .where(StoryRow.last_seen >= bindparam("since"))
    .scalar_subquery(),
)

# A story's row with its embedding where it is active since ``detail_since`` (else NULL).
_DETAILED = StoryRow.last_seen >= bindparam("detail_since")
_DETAILED_STORY_COLUMNS = (
    *mapping.STORY_COLUMNS,
    case((_DETAILED, StoryRow.embedding), else_=None).label("embedding"),
)
# A story's source as ranking reads it: outlet and time; its URL and title only where the story
# is active since ``detail_since`` (else "", the URL kept where it alone names the outlet).
_RANKED_SOURCE_COLUMNS = (
    ArticleRow.story_id,
    ArticleRow.id,
    ArticleRow.source,
    case((or_(_DETAILED, ArticleRow.source == ""), ArticleRow.url), else_="").label("url"),
    case((_DETAILED, ArticleRow.title), else_="").label("title"),
    ArticleRow.published,
)


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Stories:
    """Reads of the stories table with their articles (stories are written by ``Articles``)."""

    def __init__(self, access: Access, *, vector_cache: int = VECTOR_CACHE) -> None:
        self._access = access
        self._vector_cache = vector_cache  # embeddings kept (at least those of the last call)
        self._vectors: dict[int, Vector] = {}

    async def _story_views(
        self, conn: DbConnection, story_rows: Sequence[mapping.AnyRow]
    ) -> list[StoryView]:
        ids = [row.id for row in story_rows]
        sources: dict[int, list[StorySource]] = {story_id: [] for story_id in ids}
        for chunk in chunks(ids):
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
        async with self._access.read() as conn:
            row = (
                await conn.execute(select(*mapping.STORY_COLUMNS).where(StoryRow.id == story_id))
            ).one_or_none()
            if row is None:
                return None
            return (await self._story_views(conn, [row]))[0]

    async def get_stories(self, story_ids: Sequence[int]) -> list[StoryView]:
        """Several stories at once, in the order asked (unknown ids left out)."""
        found: dict[int, StoryView] = {}
        async with self._access.read() as conn:
            for chunk in chunks(list(dict.fromkeys(story_ids))):
                rows = (
                    await conn.execute(
                        select(*mapping.STORY_COLUMNS).where(StoryRow.id.in_(chunk))
                    )
                ).all()
                for view in await self._story_views(conn, rows):
                    found[view.id] = view
        return [found[i] for i in story_ids if i in found]

    async def recent_stories(self, *, since: datetime, limit: int = 50) -> list[StoryView]:
        """Stories seen (first or again) since ``since``, most recently active first."""
        async with self._access.read() as conn:
            rows = (
                await conn.execute(
                    select(*mapping.STORY_COLUMNS)
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
        async with self._access.read() as conn:
            rows = (
                await conn.execute(
                    select(*mapping.STORY_COLUMNS)
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
        cache = self._vectors
        async with self._access.read() as conn:
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
            for chunk in chunks([i for i in ids if i not in cache]):
                rows = await conn.execute(
                    select(StoryRow.id, StoryRow.embedding).where(StoryRow.id.in_(chunk))
                )
                for story_id, blob in rows:
                    vector = mapping.read_only_vector(blob)
                    if vector is not None:
                        cache[story_id] = vector
        if len(cache) > max(self._vector_cache, 2 * len(ids)):  # keep what recent calls use
            self._vectors = {i: cache[i] for i in ids if i in cache}
        return [(i, cache[i]) for i in ids if i in cache]

    async def story_text(self, story_id: int) -> StoredArticle | None:
        """The article to summarize for a story: its first one (the story's title source)."""
        async with self._access.read_one() as conn:
            row = (
                await conn.execute(
                    select(*mapping.ARTICLE_COLUMNS)
                    .where(ArticleRow.story_id == story_id)
                    .order_by(ArticleRow.id)
                    .limit(1)
                )
            ).one_or_none()
        return None if row is None else mapping.article(row)

    # --- what a cache of recent stories reads ----------------------------------------------------

    async def version(self, *, since: datetime) -> tuple[int, int]:
        """(newest article id, number of stories active since ``since``), in one small query:
        unchanged, nothing a cache of those stories holds has changed."""
        async with self._access.read_quick() as conn:
            return await self._version(conn, since)

    async def _version(self, conn: DbConnection, since: datetime) -> tuple[int, int]:
        row = (await conn.execute(_VERSION, {"since": since})).one()
        return int(row[0] or 0), int(row[1])

    async def active(
        self, *, since: datetime, detail_since: datetime | None = None
    ) -> tuple[int, list[StoryRecord], dict[int, list[StorySource]], dict[int, StoredArticle]]:
        """Every story active since ``since`` (most recently active first) with all its sources
        (oldest first), and the first article of those active since ``detail_since`` (None:
        since; its text cut to ``LEAD_CHARS``), in one read, and the newest article id read
        before them (so a later ``articles_after`` of it re-reads rather than misses).

        Of the stories not active since ``detail_since`` only what ranking needs is read: no
        embedding, and sources with their outlet and time but an empty title and URL (the URL
        kept where the outlet has no name); ``get_stories`` reads them whole. A month of
        stories is read without their texts."""
        detail = since if detail_since is None else detail_since
        async with self._access.read() as conn:
            newest, _ = await self._version(conn, since)
            stories = [
                mapping.story_record(row)
                for row in await conn.execute(
                    select(*_DETAILED_STORY_COLUMNS)
                    .where(StoryRow.last_seen >= since)
                    .order_by(StoryRow.last_seen.desc(), StoryRow.id.desc()),
                    {"detail_since": detail},
                )
            ]
            sources: dict[int, list[StorySource]] = {story.id: [] for story in stories}
            rows = await conn.execute(
                select(*_RANKED_SOURCE_COLUMNS)
                .join(StoryRow, StoryRow.id == ArticleRow.story_id)
                .where(StoryRow.last_seen >= since)
                .order_by(ArticleRow.id),
                {"detail_since": detail},
            )
            for story_id, article_id, source, url, title, published in rows:
                found = sources.get(story_id)
                if found is not None:  # not a story that became active meanwhile
                    # one copy of each outlet's name for the month's articles
                    found.append(StorySource(article_id, intern(source), url, title, published))
            firsts = (
                select(func.min(ArticleRow.id))
                .join(StoryRow, StoryRow.id == ArticleRow.story_id)
                .where(StoryRow.last_seen >= detail)
                .group_by(ArticleRow.story_id)
            )
            leads = {
                article.story_id: article
                for article in map(
                    mapping.article,
                    await conn.execute(select(*_LEAD_COLUMNS).where(ArticleRow.id.in_(firsts))),
                )
                if article.story_id in sources
            }
        return newest, stories, sources, leads

    async def articles_after(self, article_id: int) -> list[StoredArticle]:
        """The articles with an id above ``article_id``, oldest first (text cut to
        ``LEAD_CHARS``)."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(*_LEAD_COLUMNS).where(ArticleRow.id > article_id).order_by(ArticleRow.id)
            )
        return [mapping.article(row) for row in rows]

    async def records(self, story_ids: Sequence[int], *, since: datetime) -> list[StoryRecord]:
        """The rows of those of ``story_ids`` active since ``since`` (in no particular order)."""
        found: list[StoryRecord] = []
        if not story_ids:
            return found
        async with self._access.read() as conn:
            for chunk in chunks(list(dict.fromkeys(story_ids))):
                rows = await conn.execute(
                    select(*mapping.STORY_COLUMNS, StoryRow.embedding).where(
                        StoryRow.id.in_(chunk), StoryRow.last_seen >= since
                    )
                )
                found.extend(mapping.story_record(row) for row in rows)
        return found

    async def articles_of(self, story_ids: Sequence[int]) -> dict[int, list[StoredArticle]]:
        """All articles of these stories, oldest first (stories without any left out; text
        cut to ``LEAD_CHARS``)."""
        found: dict[int, list[StoredArticle]] = {}
        if not story_ids:
            return found
        async with self._access.read() as conn:
            for chunk in chunks(list(dict.fromkeys(story_ids))):
                rows = await conn.execute(
                    select(*_LEAD_COLUMNS)
                    .where(ArticleRow.story_id.in_(chunk))
                    .order_by(ArticleRow.id)
                )
                for row in rows:
                    found.setdefault(row.story_id, []).append(mapping.article(row))
        return found
