"""The briefings' ranking snapshot: the stories active in the last month with their articles and,
for the recent ones topics look at, their leads and embeddings, as one immutable picture, read
once per database change instead of once per request.

Stories and articles change only when an article is stored (articles are never rewritten), so
one small query (``Store.stories_version``: the newest article id, and how many stories are
active since the snapshot's start) tells whether the snapshot is current; when it is not, only
the new articles and their stories are read. That query runs at most every ``fresh_s`` seconds
under load: this process's own new articles (``Store.articles_added``) are seen at once, another
process's within that time.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from time import monotonic
from typing import TYPE_CHECKING

from news.briefings.embeddings import Embeddings
from news.briefings.heap import release_free_memory
from news.models import StoredArticle, StoryRecord, StorySource, StoryView
from news.stories.grouping import Vector
from news.topic_match import LEAD_WORDS

if TYPE_CHECKING:
    from news.store import Store

__all__ = ["SNAPSHOT_FRESH_S", "SNAPSHOT_SLACK", "StorySnapshot", "StorySnapshots"]

logger = logging.getLogger(__name__)

SNAPSHOT_FRESH_S = 1.0  # seconds a checked story snapshot is trusted without asking again
SNAPSHOT_SLACK = timedelta(days=1)  # a story snapshot serves windows starting this much later

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _micros(value: datetime) -> int:
    """Exact integer microseconds since the epoch (floats lose the last digits)."""
    return (_aware(value) - _EPOCH) // _MICROSECOND


def _key(story: StoryView) -> int:
    return -_micros(story.last_seen)


def _order(story: StoryView) -> tuple[int, int]:
    """A story's place in ``StorySnapshot.stories`` (last_seen desc, id desc) as an ascending
    key."""
    return -_micros(story.last_seen), -story.id


def _without(stories: Sequence[StoryView], gone: Sequence[StoryView]) -> list[StoryView]:
    """``stories`` (in snapshot order) less the views ``gone``, each found by bisection and
    cut out by slicing: the cost of the few changed stories, not a pass in Python over a month
    of them."""
    cuts = []
    for view in gone:
        at = bisect.bisect_left(stories, _order(view), key=_order)
        if at == len(stories) or stories[at] is not view:
            ids = {v.id for v in gone}  # not where its order says: a pass after all
            return [s for s in stories if s.id not in ids]
        cuts.append(at)
    out: list[StoryView] = []
    start = 0
    for at in sorted(cuts):
        out.extend(stories[start:at])
        start = at + 1
    out.extend(stories[start:])
    return out


def _source(article: StoredArticle) -> StorySource:
    # One copy of each outlet's name for the month's articles (as ``Store.active_stories``).
    source = sys.intern(article.source)
    return StorySource(article.id, source, article.url, article.title, article.published)


def _opening(article: StoredArticle) -> StoredArticle:
    """The article with its text cut to what topics read of it (``LEAD_WORDS`` words, spaced
    by one blank: ``news.topic_match.article_lead`` of it is that of the whole text)."""
    words = article.text.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS]
    return dataclasses.replace(article, text=" ".join(words))


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class StorySnapshot:
    """The stories active since ``since``, with their sources, lead articles and embeddings, as
    one immutable picture (``StorySnapshots.get``): what a briefing ranks. Never mutate it or
    its members; callers share them.

    Compact: per story its view (ids, titles, outlets and times of its sources; for a story
    not active since ``detail_since`` its sources' titles and URLs are empty, ``detailed``
    says which: ``Store.get_stories`` reads them whole to show); for the stories
    active since ``detail_since`` (the ones a topic looks at) also its first article with the
    text cut to the words topics read (``news.topic_match.LEAD_WORDS``) and its embedding,
    held once in ``vectors`` (shared with the snapshots made from this one); no article's full
    text.
    ``changed`` names the stories that differ from the snapshot this one was made from (None:
    read from scratch), so what is derived from it can be carried over
    (``news.briefings.index``).
    """

    since: datetime
    stories: tuple[StoryView, ...]  # most recently active first (last_seen desc, id desc)
    leads: Mapping[int, StoredArticle]  # story id -> its first article (text: the opening)
    vectors: Embeddings  # the embeddings of the stories active since detail_since
    max_article_id: int  # every article up to this id is reflected
    detail_since: datetime  # the stories active since have their details (at least since)
    by_id: Mapping[int, StoryView] = dataclasses.field(default_factory=dict)
    changed: frozenset[int] | None = None

    def count_since(self, since: datetime) -> int:
        """How many stories were seen since ``since``: ``stories[:n]`` are those."""
        return bisect.bisect_right(self.stories, -_micros(since), key=_key)

    def recent(self, *, since: datetime, limit: int | None = None) -> list[StoryView]:
        """Like ``Store.recent_stories``: the stories seen since ``since`` (and since the
        snapshot's own ``since``), most recently active first, at most ``limit``."""
        end = self.count_since(since)
        return list(self.stories[: end if limit is None else min(end, max(limit, 0))])

    def lead(self, story_id: int) -> StoredArticle | None:
        """Like ``Store.story_text``, with the text cut to its opening (the words topics read):
        the first article (of a story active since ``detail_since``; None for the others)."""
        return self.leads.get(story_id)

    def detailed(self, story: StoryView) -> bool:
        """Whether the story's view, lead and embedding are whole (it was active since
        ``detail_since``), or its view is the compact one ranking reads."""
        return _aware(story.last_seen) >= self.detail_since

    def embedding(self, story_id: int) -> Vector | None:
        """Like ``Store.story_embeddings``: the story's embedding, read-only (of a story active
        since ``detail_since``; None for the others)."""
        return self.vectors.vector(story_id)


def build_snapshot(
    since: datetime,
    records: Sequence[StoryRecord],
    articles: Mapping[int, Sequence[StoredArticle]],
    newest: int,
    *,
    base: StorySnapshot | None = None,
    sources: Mapping[int, Sequence[StorySource]] | None = None,
    detail_since: datetime | None = None,
) -> StorySnapshot:
    """A snapshot of the stories ``records`` with their ``articles`` (each story's complete
    list, oldest first; or its first article, with ``sources`` giving all), replacing those
    stories in ``base`` (None: these are all the stories). Leads and embeddings are kept for
    the stories active since ``detail_since`` (None: all; with ``base``: its own). The cost is
    that of the changed stories plus one pass over ``base``'s order."""
    changed = frozenset(record.id for record in records)
    if base is None:
        by_id: dict[int, StoryView] = {}
        leads: dict[int, StoredArticle] = {}
        vectors = Embeddings()
        kept: list[StoryView] = []
        detail = since if detail_since is None else max(_aware(detail_since), since)
        sizes = [
            r.embedding.size
            for r in records
            if r.embedding is not None and _aware(r.last_seen) >= detail
        ]
        if sizes:  # room for the detailed stories' embeddings, and the next ones
            vectors.reserve(len(sizes) + 1024, sizes[0])
    else:
        by_id, leads, vectors = dict(base.by_id), dict(base.leads), base.vectors
        kept = _without(base.stories, [base.by_id[i] for i in changed if i in base.by_id])
        detail = base.detail_since
    views = []
    for record in records:
        mine = articles.get(record.id, ())
        if sources is not None and record.id in sources:
            story_sources = tuple(sources[record.id])
        else:
            story_sources = tuple(_source(a) for a in mine)
        title = record.title
        if story_sources and story_sources[0].title == title:
            title = story_sources[0].title  # the first article's: one copy of it
        view = StoryView(
            id=record.id,
            title=title,
            first_seen=record.first_seen,
            last_seen=record.last_seen,
            sources=story_sources,
        )
        views.append(view)
        by_id[record.id] = view
        if mine and _aware(record.last_seen) >= detail:
            leads[record.id] = _opening(mine[0])
        else:
            leads.pop(record.id, None)
        if record.embedding is not None and _aware(record.last_seen) >= detail:
            vectors.add(record.id, record.embedding)
    views.sort(key=lambda s: (s.last_seen, s.id), reverse=True)
    if (
        not kept
        or not views
        or (views[-1].last_seen, views[-1].id)
        > (
            kept[0].last_seen,
            kept[0].id,
        )
    ):
        ordered = (*views, *kept)  # the usual case: the changed stories are the newest
    else:
        ordered = tuple(sorted((*views, *kept), key=lambda s: (s.last_seen, s.id), reverse=True))
    return StorySnapshot(
        since=since,
        stories=ordered,
        leads=leads,
        vectors=vectors,
        max_article_id=newest,
        by_id=by_id,
        changed=None if base is None else changed,
        detail_since=detail,
    )


class StorySnapshots:
    """The current ``StorySnapshot`` of a store, cached in this process (see the module
    docstring). ``clock`` gives monotonic seconds; ``fresh_s`` is how long a checked snapshot
    is trusted without asking the database again."""

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], float] = monotonic,
        fresh_s: float = SNAPSHOT_FRESH_S,
    ) -> None:
        self._store = store
        self._clock = clock
        self._fresh_s = fresh_s
        self._snapshot: StorySnapshot | None = None
        self._lock = asyncio.Lock()
        self._checked = float("-inf")  # clock time the snapshot was last known current
        self._seen_added = -1  # store.articles_added when it was

    def _serves(self, snapshot: StorySnapshot | None, since: datetime, detail: datetime) -> bool:
        return (
            snapshot is not None
            and snapshot.since <= since < snapshot.since + SNAPSHOT_SLACK
            and snapshot.detail_since <= detail
        )

    def _current(self, snapshot: StorySnapshot, version: tuple[int, int]) -> bool:
        return version == (snapshot.max_article_id, len(snapshot.stories))

    def _mark_checked(self, at: float, added: int) -> None:
        self._checked, self._seen_added = at, added

    async def get(self, *, since: datetime, detail_since: datetime | None = None) -> StorySnapshot:
        """The stories active since ``since`` with all their articles, and the leads and
        embeddings of those active since ``detail_since`` (None: of all). The snapshot may
        start up to a day before ``since``: use ``StorySnapshot.recent`` to cut it."""
        since = _aware(since)
        detail = since if detail_since is None else max(_aware(detail_since), since)
        cached = self._snapshot
        known: tuple[int, int] | None = None  # the version just read for ``cached``...
        known_added = -1  # ... when this process had added this many articles
        if cached is not None and self._serves(cached, since, detail):
            checked, added = self._clock(), self._store.articles_added
            known_added = added
            if added == self._seen_added and checked - self._checked < self._fresh_s:
                return cached
            known = await self._store.stories_version(since=cached.since)
            if self._current(cached, known):
                self._mark_checked(checked, added)
                return cached
        async with self._lock:  # one refresh at a time; the others reuse it
            base = self._snapshot
            added = self._store.articles_added
            snapshot = None
            if base is not None and self._serves(base, since, detail):
                # read again unless nothing changed while this call waited for the lock
                if base is not cached or known is None or added != known_added:
                    known = await self._store.stories_version(since=base.since)
                version = known
                if self._current(base, version):
                    self._mark_checked(self._clock(), added)
                    return base
                snapshot = await self._update(base, version)
            if snapshot is None:
                snapshot = await self._load(since, detail)
            self._snapshot = snapshot
            self._mark_checked(self._clock(), added)
            return snapshot

    async def _load(self, since: datetime, detail: datetime) -> StorySnapshot:
        """Read a snapshot from scratch (the leads and embeddings of the stories active since
        ``detail`` only)."""
        newest, records, sources, leads = await self._store.active_stories(
            since=since, detail_since=detail
        )
        firsts = {story_id: [lead] for story_id, lead in leads.items()}
        snapshot = build_snapshot(
            since, records, firsts, newest, sources=sources, detail_since=detail
        )
        del records, sources, leads, firsts
        release_free_memory()  # what the read built and dropped
        logger.debug("story snapshot loaded: %d stories", len(snapshot.stories))
        return snapshot

    async def _update(self, base: StorySnapshot, version: tuple[int, int]) -> StorySnapshot | None:
        """``base`` brought up to date by reading only the articles added since it was made
        (and their stories); None when that does not explain ``version`` (then reload)."""
        newest, count = version
        store = self._store
        added: dict[int, list[StoredArticle]] = {}
        # Ids commit in order (news.store.articles.PG_GROUPING_LOCK): the ones above are new.
        for article in await store.articles_after(base.max_article_id):
            added.setdefault(article.story_id, []).append(article)
        if not added:
            return None
        records = await store.story_records(list(added), since=base.since)
        # New stories, or old ones active again (their lead not held yet): all their articles.
        detail = base.detail_since
        articles = await store.story_articles(
            [
                r.id
                for r in records
                if r.id not in base.by_id
                or (r.id not in base.leads and _aware(r.last_seen) >= detail)
            ]
        )
        views = base.by_id
        sources: dict[int, list[StorySource]] = {}
        for record in records:
            merged = (
                {s.article_id: s for s in views[record.id].sources} if record.id in views else {}
            )
            merged.update((a.id, _source(a)) for a in added[record.id])
            merged.update((a.id, _source(a)) for a in articles.get(record.id, ()))
            sources[record.id] = [merged[i] for i in sorted(merged)]

        def same(record: StoryRecord) -> bool:
            view = views.get(record.id)
            return (
                view is not None
                and (view.title, view.first_seen, view.last_seen)
                == (record.title, record.first_seen, record.last_seen)
                and [s.article_id for s in view.sources]
                == [s.article_id for s in sources[record.id]]
                and (record.id in base.vectors)
                == (record.embedding is not None and _aware(record.last_seen) >= detail)
            )

        # Stories whose rows did not change stay as they were (the same objects).
        records = [record for record in records if not same(record)]
        snapshot = _rebuild(base, records, sources, added, articles, newest)
        if len(snapshot.stories) != count:  # something else changed (or raced): reload
            return None
        logger.debug("story snapshot updated: %d stories changed", len(records))
        return snapshot


def _rebuild(
    base: StorySnapshot,
    records: Sequence[StoryRecord],
    sources: Mapping[int, Sequence[StorySource]],
    added: Mapping[int, Sequence[StoredArticle]],
    articles: Mapping[int, Sequence[StoredArticle]],
    newest: int,
) -> StorySnapshot:
    """``build_snapshot`` for an update: the changed stories with all their ``sources`` and,
    as lead, the first of them (kept from ``base`` or among the articles just read)."""
    leads: dict[int, list[StoredArticle]] = {}
    for record in records:
        first = sources[record.id][0].article_id if sources[record.id] else None
        lead = base.leads.get(record.id)
        if lead is None or lead.id != first:
            read = {a.id: a for a in (*added.get(record.id, ()), *articles.get(record.id, ()))}
            lead = read.get(first) if first is not None else None
        leads[record.id] = [lead] if lead is not None else []
    return build_snapshot(
        base.since,
        records,
        leads,
        max(newest, base.max_article_id),
        base=base,
        sources=sources,
    )
