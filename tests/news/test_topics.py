"""Topic normalization, subscriptions and matching new articles to them (one alert per story)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import event

from config import Settings
from news import topic_index
from news.store import Store
from news.topic_filters import FilterError, Filters, filter_doc, parse_filters, split_request
from news.topic_match import doc_terms, parse_topic, relevance, word_variants
from news.topics import (
    MAX_TOPIC_CHARS,
    AlertReason,
    TopicError,
    TopicService,
    article_lead,
    normalize_topic,
    stem,
    topic_words,
    url_words,
    words_match,
)
from tests.news.conftest import FakeEncoder, make_article

PEACE_BODY = (
    "Negotiators from both governments met in Geneva on Sunday for a third round of peace talks "
    "aimed at ending the war, officials said. The delegations discussed a ceasefire along the "
    "front line, an exchange of prisoners and the return of displaced families to their homes. "
    "A spokesman described the meeting as productive but warned that major differences remain "
    "over the status of the disputed eastern provinces. Mediators plan to circulate a draft "
    "framework before the next session, expected within two weeks. Humanitarian groups urged "
    "both sides to open safe corridors for aid convoys during the winter months ahead."
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Climate   Policy ", "climate policy"),
        ("<b>Climate</b> <i>policy</i>", "climate policy"),
        ("**Climate** _policy_", "climate policy"),
        ("[Peace talks](https://example.com/x)", "peace talks"),
        ("#ukraine", "ukraine"),
        ("&lt;script&gt;alert(1)&lt;/script&gt; elections", "alert(1) elections"),
        ("Élections\n\tEuropéennes", "élections européennes"),
    ],
)
def test_normalize_topic_cleans_markup_and_case(raw: str, expected: str) -> None:
    assert normalize_topic(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "<b></b>", "** __ **", "!!!"])
def test_normalize_topic_rejects_empty(raw: str) -> None:
    with pytest.raises(TopicError) as info:
        normalize_topic(raw)
    assert info.value.reason == "Please name a topic, for example: /subscribe climate policy"


def test_normalize_topic_rejects_too_long_with_reason() -> None:
    assert len(normalize_topic("a" * MAX_TOPIC_CHARS)) == MAX_TOPIC_CHARS
    with pytest.raises(TopicError) as info:
        normalize_topic("word " * 100)
    assert info.value.reason == (
        f"That topic is too long (499 characters); please keep it under {MAX_TOPIC_CHARS}."
    )


def test_topic_words_and_stemming() -> None:
    assert stem("Elections") == "election"
    assert stem("companies") == "company"
    assert stem("Ukraine's") == "ukraine"
    assert stem("business") == "business"
    assert topic_words("The Peace Talks") == ["peace", "talk"]
    assert topic_words("the") == ["the"]  # only stop words: keep them rather than nothing
    assert words_match(["peace", "talk"], "Peace talk resumes; more talks on Monday")
    assert not words_match(["peace", "talk"], "Peace in our time")
    assert url_words("https://x.example/sport/football/2026/11/derby-day.html?id=3") == {
        "sport",
        "football",
        "derby",
        "day",
        "html",
    }


async def test_match_by_section_in_url(store: Store, settings: Settings) -> None:
    topics = TopicService(store, None, settings)
    await topics.subscribe(3, "Football")
    await topics.subscribe(4, "tennis")
    result = await store.add_article(
        make_article(
            "https://club.example/sport/football/rovers-win",
            "Rovers go top after late winner",
            "A header in stoppage time settled the derby in front of a record crowd.",
        )
    )
    assert await topics.match(result.article, None) == [(3, "football")]


async def test_subscribe_normalizes_dedupes_and_caps(store: Store, settings: Settings) -> None:
    topics = TopicService(store, FakeEncoder(), settings)  # settings.max_subscriptions == 3
    first = await topics.subscribe(1, "<b>Climate</b> Policy")
    assert first.status == "created"
    assert first.subscription is not None
    assert first.subscription.topic == "climate policy"
    assert (await topics.subscribe(1, "climate   POLICY")).status == "exists"
    assert (await topics.subscribe(1, "football")).status == "created"
    assert (await topics.subscribe(1, "elections")).status == "created"
    capped = await topics.subscribe(1, "tennis")
    assert capped.status == "limit"
    assert capped.count == 3
    assert [s.topic for s in await topics.list(1)] == ["climate policy", "football", "elections"]
    assert await topics.unsubscribe(1, "**Football**")
    assert not await topics.unsubscribe(1, "football")
    assert (await topics.subscribe(1, "tennis")).status == "created"
    with pytest.raises(TopicError):
        await topics.subscribe(1, "x" * 500)


async def test_match_by_words_and_by_meaning(store: Store, settings: Settings) -> None:
    article_text = "Officials met for another round of negotiations on Sunday in Geneva."
    article_vec = np.ones(8, dtype=np.float32)
    close = article_vec + np.array([0.3, 0, 0, 0, 0, 0, 0, 0], dtype=np.float32)  # cos ~0.99
    far = np.array([1, -1, 1, -1, 1, -1, 1, -1], dtype=np.float32)  # cos 0
    encoder = FakeEncoder(
        {"diplomacy": np.pad(close, (0, 376)), "gardening": np.pad(far, (0, 376))}
    )
    topics = TopicService(store, encoder, settings)
    await topics.subscribe(10, "Geneva negotiations")  # every word in the title: words arm
    await topics.subscribe(11, "diplomacy")  # no shared word, close in meaning: meaning arm
    await topics.subscribe(12, "gardening")  # neither
    await topics.subscribe(13, "Geneva gardening")  # one word of two is not enough
    result = await store.add_article(
        make_article("https://a.example/1", "Geneva negotiations resume", article_text),
        embedding=np.pad(article_vec, (0, 376)),
    )
    matches = await topics.match(result.article, np.pad(article_vec, (0, 376)))
    assert sorted(matches) == [(10, "geneva negotiations"), (11, "diplomacy")]
    # Without an embedding only the words arm is left.
    assert await topics.match(result.article, None) == [(10, "geneva negotiations")]


async def test_one_alert_per_chat_when_three_sources_carry_a_story(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    topics = TopicService(store, encoder, settings)
    await topics.subscribe(7, "peace talks")
    await topics.subscribe(7, "Geneva")  # two matching topics in one chat: still one alert
    await topics.subscribe(8, "peace talks")
    story_ids = set()
    for n, source in enumerate(["Wire A", "Paper B", "Site C"]):
        text = PEACE_BODY + f" Reporting by {source} staff number {n}."
        article = make_article(
            f"https://{n}.example/peace", "Peace talks resume in Geneva", text, source=source
        )
        vector = encoder.encode([article.title + ". " + text])[0]
        result = await store.add_article(article, embedding=vector, now=now)
        assert result.status == "new"
        story_ids.add(result.story_id)
        await topics.on_new_article(result, vector)
    assert len(story_ids) == 1  # the store grouped the three sources into one story
    (story_id,) = story_ids
    for chat in (7, 8):
        pending = await store.pending_alerts(chat)
        assert [(a.chat_id, a.story_id) for a in pending] == [(chat, story_id)]


async def test_duplicate_article_alerts_nobody(store: Store, settings: Settings) -> None:
    topics = TopicService(store, FakeEncoder(), settings)
    await topics.subscribe(5, "peace talks")
    article = make_article("https://x.example/p", "Peace talks resume", PEACE_BODY)
    first = await store.add_article(article)
    assert await topics.on_new_article(first, None) == 1
    again = await store.add_article(article)
    assert again.status == "duplicate"
    assert await topics.on_new_article(again, None) == 0
    assert len(await store.pending_alerts(5)) == 1


@pytest.mark.slow
def test_broad_topics_on_real_embeddings(settings: Settings) -> None:
    """The retrieval on MiniLM: headlines on a broad topic pass, others (words taken literally
    included) do not. Thresholds chosen on the BBC set (news/topic_match.py)."""
    from summarizer import load_encoder

    encoder = load_encoder(None)
    related = [
        ("mobile phones", "Smartphone sales surge as new handsets reach shops"),
        ("tennis", "Federer wins his fifth Wimbledon title in straight sets"),
        ("economy", "Economy grows faster than expected as consumer spending rises"),
        ("sport", "Striker scores twice as United beat City in the derby"),
        ("science", "Astronomers find water vapour on a planet orbiting a distant star"),
    ]
    unrelated = [
        ("mobile phones", "Federer wins his fifth Wimbledon title in straight sets"),
        ("tennis", "Central bank raises interest rates to curb inflation"),
        ("economy", "Band announces reunion tour after ten years apart"),
        ("elections", "Striker scores twice as United beat City in the derby"),
        ("football", "Parliament passes new data protection law"),
        ("science", "Five science fiction novels to read this winter"),
        ("business", "How to fly business class without paying for it"),
    ]

    def on_topic(topic: str, headline: str) -> bool:
        query = parse_topic(topic)
        vectors = encoder.encode([*query.meanings, headline])
        sims = [float(v @ vectors[-1]) for v in vectors[:-1]]
        doc = doc_terms(headline, "")
        found = relevance(query, doc, sims, {}, meaning_threshold=settings.topic_threshold)
        return found is not None

    assert [h for t, h in related if not on_topic(t, h)] == []
    assert [h for t, h in unrelated if on_topic(t, h)] == []


# --- keyword filters (issue 15) ---------------------------------------------------------------


def test_split_request_reads_words_exclusions_and_phrases() -> None:
    topic, filters = split_request('climate -sport "heat pump" +policy -"world cup"')
    assert topic == "climate"
    assert filters == Filters(
        required=("policy",),
        excluded=("sport",),
        phrases=("heat pump",),
        excluded_phrases=("world cup",),
    )
    assert filters.canonical() == '"heat pump" +policy -sport -"world cup"'
    assert parse_filters(filters.canonical()) == filters  # stored form reads back the same
    # Typed quotes and only filters: what must appear is the topic.
    assert split_request("\u201cheat pump\u201d") == ("heat pump", Filters(phrases=("heat pump",)))
    assert split_request("Climate") == ("Climate", Filters())
    assert parse_filters(None) is None
    assert parse_filters("") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("climate " + " ".join(f"-w{n}" for n in range(9)), "at most 8"),
        ('climate "one two three four five six seven"', "at most 6 words"),
        ("climate -!!", "has no word"),
    ],
)
def test_split_request_is_bounded(text: str, reason: str) -> None:
    with pytest.raises(FilterError) as info:
        split_request(text)
    assert reason in info.value.reason


def test_filters_are_words_never_patterns() -> None:
    """A regex-looking term is just words: nothing a user types is compiled."""
    _, filters = split_request('news +(a+)+$ -"[x]*"')
    assert filters == Filters(required=("a",), excluded_phrases=("x",))  # only their words
    doc = filter_doc("A title", "a " * 50_000)  # a long text costs its first FILTER_WORDS
    assert filters.check(doc) == ("a",)


def test_filters_check_stems_and_phrases() -> None:
    _, filters = split_request('-sports +policies "heat pumps"')
    kept = filter_doc("Heat pump grants", "The policy helps homes fit heat pumps.")
    assert filters.check(kept) == ("heat pumps", "policies")  # as typed
    assert filters.check(filter_doc("Heat pump grants", "Sport and policy, heat pumps")) is None
    assert filters.check(filter_doc("Grants", "The policy helps homes fit pumps.")) is None


async def test_filtered_topics_alert_only_on_matching_stories(
    store: Store, settings: Settings
) -> None:
    topics = TopicService(store, FakeEncoder(), settings)
    made = await topics.subscribe(1, 'council -sport "heat pump"')
    assert made.status == "created"
    assert made.subscription is not None
    assert made.subscription.topic == "council"
    assert made.subscription.filters == '"heat pump" -sport'
    await topics.subscribe(2, "council")
    pumps = await store.add_article(
        make_article(
            "https://a.example/pumps",
            "Council plan pays for heat pumps",
            "Homes that fit a heat pump get a grant under the council plan.",
        )
    )
    sport = await store.add_article(
        make_article(
            "https://a.example/sport",
            "Council protest stops the sport final",
            "A heat pump banner was unfurled as sport fans watched the council protest.",
        )
    )
    plain = await store.add_article(
        make_article("https://a.example/plain", "Council talks open", "Delegates met today.")
    )
    assert sorted(await topics.match(pumps.article, None)) == [(1, "council"), (2, "council")]
    assert await topics.match(sport.article, None) == [(2, "council")]
    assert await topics.match(plain.article, None) == [(2, "council")]
    # the same topic with other filters replaces them; without any, it has none
    again = await topics.subscribe(1, "council +plan")
    assert again.status == "updated"
    assert again.subscription is not None
    assert again.subscription.filters == "+plan"
    assert [s.filters for s in await topics.list(1)] == ["+plan"]
    assert await topics.match(plain.article, None) == [(2, "council")]
    assert (await topics.subscribe(1, "council")).status == "updated"
    assert sorted(await topics.match(plain.article, None)) == [(1, "council"), (2, "council")]
    assert await topics.unsubscribe(1, "council -whatever")  # filters typed after it: ignored
    with pytest.raises(TopicError):
        await topics.subscribe(1, "-sport")  # nothing but an exclusion: no topic


# --- the index agrees with the rule, and follows changes made anywhere (issue 14) -------------


def _reference(
    subscriptions: list[tuple[int, str, np.ndarray]],
    title: str,
    text: str,
    url: str,
    embedding: np.ndarray,
    encoder: FakeEncoder,
    threshold: float,
) -> set[tuple[int, str]]:
    """The retrieval rule applied to every subscription in turn (what match did before)."""
    doc = doc_terms(title, text, [url])
    out: dict[int, str] = {}
    for chat_id, topic, vector in subscriptions:
        if chat_id in out:
            continue
        query = parse_topic(topic)
        if query.concepts:
            sims = [float(encoder.vector(m) @ embedding) for m in query.meanings]
        else:
            sims = [float(vector @ embedding)]
        if relevance(
            query, doc, sims, word_variants(query, doc.lead), meaning_threshold=threshold
        ):
            out[chat_id] = topic
    return set(out.items())


async def test_index_matches_what_the_rule_says(store: Store, settings: Settings) -> None:
    encoder = FakeEncoder()
    topics = TopicService(store, encoder, settings)
    names = [
        "peace talks", "geneva", "sport", "football", "economy", "negotiatons", "harbour bridge",
        "ceasefire", "prisoner exchange", "tennis", "winter aid", "talks", "science", "bridge",
    ]  # fmt: skip
    subscriptions = []
    for n, name in enumerate(names * 2):
        chat_id = 100 + n
        result = await topics.subscribe(chat_id, name)
        assert result.subscription is not None
        vector = encoder.vector(parse_topic(name).meaning)
        subscriptions.append((chat_id, result.subscription.topic, vector))
    stories = [
        ("Peace talks resume in Geneva", PEACE_BODY, "https://w.example/world/peace"),
        ("Rovers win the derby", "A late goal won the football match.", "https://c/sport/x"),
        ("Harbour bridge reopens", "Repairs to the bridge are done.", "https://c/local/bridge"),
        ("Negotiations stall", "The negotiations on prisoners stalled.", "https://c/world/n"),
        ("Markets fall", "Shares fell as inflation and interest rates rose.", "https://c/biz/m"),
    ]
    for n, (title, text, url) in enumerate(stories):
        vector = encoder.vector(article_lead(title, text))
        stored = await store.add_article(make_article(url + str(n), title, text))
        found = set(await topics.match(stored.article, vector))
        expected = _reference(
            subscriptions, title, text, url + str(n), vector, encoder, settings.topic_threshold
        )
        assert found == expected, title
        assert found  # every story is on some topic here


@pytest.mark.parametrize("split_rows", [1, 10_000], ids=["two threads", "one thread"])
def test_meaning_matches_a_topic_in_either_half_of_the_matrix(
    split_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topic_index, "SPLIT_ROWS", split_rows)  # 1: split as at 100k topics
    vectors = np.random.default_rng(3).standard_normal((7, 384)).astype(np.float32)
    index = topic_index.TopicIndex()
    subs = [
        topic_index.IndexedSubscription(n + 1, 100 + n, f"qzx{n} rivers", vector=vectors[n])
        for n in range(7)
    ]
    index.apply(subs, ())
    title, text = "Unrelated headline", "Nothing the topics name."
    doc = doc_terms(title, text, [])
    for n in range(7):  # each topic matches only by meaning, wherever its row lies
        found = index.match(
            doc, title=title, text=text, embedding=vectors[n], concept_sims={}, threshold=0.9
        )
        assert [(m.chat_id, m.why["how"]) for m in found] == [(100 + n, "meaning")]


@contextlib.contextmanager
def _statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the store runs meanwhile, whitespace folded and lower-cased."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(" ".join(statement.split()).lower())

    event.listen(store.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.sync_engine, "before_cursor_execute", record)


async def test_index_follows_changes_from_another_process_without_reloading(
    store: Store, settings: Settings
) -> None:
    other = await Store.open(settings.database_url)  # another process on the same database
    try:
        with _statements(store) as statements:

            def loads() -> list[str]:
                return [
                    s
                    for s in statements
                    if "subscriptions.embedding" in s and "subscriptions.version >" not in s
                ]

            here = TopicService(store, None, settings)
            there = TopicService(other, None, settings)
            await here.subscribe(1, "glacier")
            article = (
                await store.add_article(
                    make_article("https://g.example/1", "Glacier melts", "The glacier lost ice.")
                )
            ).article
            assert await here.match(article, None) == [(1, "glacier")]
            assert len(loads()) == 1  # the first match loads the index, once
            await there.subscribe(2, "glacier")
            await there.subscribe(3, "glacier +ice")
            assert sorted(await here.match(article, None)) == [(n, "glacier") for n in (1, 2, 3)]
            await there.unsubscribe(1, "glacier")
            await there.subscribe(3, "glacier -ice")
            assert await here.match(article, None) == [(2, "glacier")]
            await there.subscribe(4, "glacier")
            both = [(2, "glacier"), (4, "glacier")]
            assert sorted(await here.match(article, None)) == both  # who muted it: cached
            await other.mute_source(4, article.source)  # muted elsewhere: the cache follows
            assert await here.match(article, None) == [(2, "glacier")]
            await other.unmute_source(4, article.source)
            assert sorted(await here.match(article, None)) == both
            await here.unsubscribe(4, "glacier")
            await here.unsubscribe(2, "glacier")
            assert await here.match(article, None) == []
            assert len(loads()) == 1  # every change came as the rows changed, never a reload
    finally:
        await other.close()


async def test_own_subscribe_is_applied_without_reading_it_back(
    store: Store, settings: Settings
) -> None:
    other = await Store.open(settings.database_url)  # another process on the same database
    try:
        with _statements(store) as statements:

            def reads() -> list[str]:
                return [s for s in statements if "subscriptions.version >" in s]

            here = TopicService(store, None, settings)
            article = (
                await store.add_article(
                    make_article("https://g.example/2", "Glacier melts", "The glacier lost ice.")
                )
            ).article
            await here.subscribe(1, "glacier")
            assert await here.match(article, None) == [(1, "glacier")]  # loads the index
            statements.clear()
            await here.subscribe(2, "glacier")  # the only change since: applied as it is
            await here.subscribe(2, "glacier -ice")  # new filters, likewise
            assert not reads()
            assert await here.match(article, None) == [(1, "glacier")]
            await TopicService(other, None, settings).subscribe(3, "glacier")
            await here.subscribe(4, "glacier")  # another change came between: read them all
            assert reads()
            assert sorted(await here.match(article, None)) == [(n, "glacier") for n in (1, 3, 4)]
    finally:
        await other.close()


# --- "Why this?" (issue 16) -------------------------------------------------------------------


async def test_alerts_carry_how_their_topic_matched(store: Store, settings: Settings) -> None:
    article_vec = np.ones(8, dtype=np.float32)
    close = article_vec + np.array([0.3, 0, 0, 0, 0, 0, 0, 0], dtype=np.float32)
    encoder = FakeEncoder({"diplomacy": np.pad(close, (0, 376))})
    topics = TopicService(store, encoder, settings)
    await topics.subscribe(10, "Geneva negotiations")
    await topics.subscribe(11, "diplomacy")
    await topics.subscribe(12, 'geneva "third round"')
    result = await store.add_article(
        make_article(
            "https://a.example/g",
            "Geneva negotiations resume",
            "Officials met for a third round of negotiations on Sunday.",
            source="Wire A",
        ),
        embedding=np.pad(article_vec, (0, 376)),
    )
    assert await topics.on_new_article(result, np.pad(article_vec, (0, 376))) == 3
    words = await topics.explain(10, result.story_id)
    assert words is not None
    assert (words.topic, words.how, words.where) == ("geneva negotiations", "words", "headline")
    assert words.words == ("geneva", "negotiations")  # as the story writes them
    assert words.source == "Wire A"
    meaning = await topics.explain(11, result.story_id)
    assert meaning is not None
    assert (meaning.how, meaning.like) == ("meaning", "diplomacy")
    assert meaning.score is not None
    assert meaning.score > 0.9
    filtered = await topics.explain(12, result.story_id)
    assert filtered is not None
    assert (filtered.filters, filtered.kept) == ('"third round"', ("third round",))
    assert await topics.explain(13, result.story_id) is None  # no alert for that chat
    # Muting the source: its next story alerts that chat no more.
    assert await topics.mute_source(10, result.story_id) == "Wire A"
    assert await store.muted_sources(10) == ["Wire A"]
    later = await store.add_article(
        make_article(
            "https://a.example/g2",
            "Geneva negotiations end without a deal",
            "Officials left after the last session.",
            source="Wire A",
        )
    )
    assert 10 not in {chat for chat, _ in await topics.match(later.article, None)}
    assert await topics.mute_source(10, 999_999) is None


def test_alert_reason_reads_what_it_wrote_and_refuses_junk() -> None:
    reason = AlertReason.from_json(
        '{"how": "field", "field": "sport", "words": ["goal"], "sub": 4, "topic": "sport"}'
    )
    assert reason == AlertReason(
        topic="sport", subscription_id=4, how="field", words=("goal",), field="sport"
    )
    assert AlertReason.from_json("{not json") is None
    assert AlertReason.from_json('{"how": "words"}') is None
    assert AlertReason.from_json(None) is None
