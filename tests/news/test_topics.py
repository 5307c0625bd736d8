"""Topic normalization, subscriptions and matching new articles to them (one alert per story)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from config import Settings
from news.store import Store
from news.topic_match import doc_terms, parse_topic, relevance
from news.topics import (
    MAX_TOPIC_CHARS,
    TopicError,
    TopicService,
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
