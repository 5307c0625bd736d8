"""Briefing selection: topic relevance by words and meaning, no repeats, nothing found."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from config import Settings
from news.briefings import BriefingService, question_topic
from news.store import Store
from news.summaries import SummaryService
from news.topics import TopicError, article_lead
from tests.news.conftest import FakeEncoder, FakeSummarizer, make_article
from tests.support.fakes import FakeStorySummarizer

STORIES = [
    (
        "Peace talks resume in Geneva",
        "Negotiators met in Geneva for a new round of peace talks on Sunday. Both delegations "
        "called the session productive and agreed to meet again next month.",
    ),
    (
        "United win the cup final",
        "United beat City two goals to one in a tense cup final at the national stadium. The "
        "winning goal came in the last minute of extra time.",
    ),
    (
        "Central bank raises interest rates",
        "The central bank raised its main interest rate by a quarter point to fight inflation. "
        "Economists expect one more rise before the summer.",
    ),
    (
        "Storm cuts power to thousands",
        "A winter storm left thousands of homes without electricity across the north overnight. "
        "Engineers worked through the night to restore supplies.",
    ),
    (
        "New museum opens downtown",
        "A museum of modern design opened its doors downtown with a collection of chairs, lamps "
        "and posters from the last century.",
    ),
    (
        "Rail strike called off",
        "Rail workers called off next week's strike after the operator improved its pay offer. "
        "Trains will run normally on all lines.",
    ),
]


async def _seed(store: Store, encoder: FakeEncoder, now: datetime) -> dict[str, int]:
    """Store the stories, the oldest first (one hour apart); returns title -> story id."""
    ids = {}
    for n, (title, text) in enumerate(STORIES):
        vector = encoder.encode([article_lead(title, text)])[0]
        result = await store.add_article(
            make_article(f"https://b.example/{n}", title, text),
            embedding=vector,
            now=now - timedelta(hours=len(STORIES) - n),
        )
        ids[title] = result.story_id
    return ids


def _service(
    store: Store, encoder: FakeEncoder, settings: Settings
) -> tuple[BriefingService, FakeSummarizer]:
    summarizer = FakeSummarizer()
    return BriefingService(store, SummaryService(store, summarizer), encoder, settings), summarizer


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("what's new on the peace talks?", "peace talks"),
        ("What is happening with Ukraine today", "ukraine"),
        ("Any news about the interest rates?", "interest rates"),
        ("tell me about climate policy", "climate policy"),
        ("what's new?", None),
        ("news", None),
    ],
)
def test_question_topic(text: str, topic: str | None) -> None:
    assert question_topic(text) == topic


async def test_topic_briefing_shows_only_relevant_stories(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    service, summarizer = _service(store, encoder, settings)
    briefing = await service.brief(1, "peace talks", now=now)
    assert [item.story.id for item in briefing.items] == [ids["Peace talks resume in Geneva"]]
    assert briefing.items[0].summary.startswith("Negotiators met in Geneva")
    assert len(summarizer.calls) == 1
    encoded = len(encoder.calls)
    again = await service.brief(2, "Peace Talks", now=now)
    assert [item.story.id for item in again.items] == [ids["Peace talks resume in Geneva"]]
    assert len(encoder.calls) == encoded  # the topic's embedding was remembered
    rates = await service.brief(1, "what's new on interest rates?", now=now)
    assert [i.story.id for i in rates.items] == [ids["Central bank raises interest rates"]]


async def test_topic_briefing_by_meaning(store: Store, settings: Settings, now: datetime) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    storm = STORIES[3]
    encoder.overrides["blackout"] = encoder.vector(article_lead(*storm))  # no shared word
    service, _ = _service(store, encoder, settings)
    briefing = await service.brief(1, "blackout", now=now)
    assert [item.story.id for item in briefing.items] == [ids["Storm cuts power to thousands"]]


async def test_topic_briefing_nothing_found(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    await _seed(store, encoder, now)
    service, summarizer = _service(store, encoder, settings)
    briefing = await service.brief(1, "volcano eruption", now=now)
    assert briefing.items == []
    assert summarizer.calls == []
    assert await store.briefed_story_ids(1, since=now - timedelta(days=1)) == set()


async def test_topic_is_cleaned_and_capped(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    service, _ = _service(store, encoder, settings)
    with pytest.raises(TopicError):
        await service.brief(1, "word " * 100, now=now)
    markup = await service.brief(1, "<b>Peace</b> **talks**", now=now)
    assert markup.topic == "peace talks"
    assert [i.story.id for i in markup.items] == [ids["Peace talks resume in Geneva"]]


async def test_topic_briefing_by_section_in_url(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    derby = await store.add_article(
        make_article(
            "https://club.example/sport/football/rovers-win",
            "Rovers go top after late winner",
            "A header in stoppage time settled the derby in front of a record crowd.",
        ),
        embedding=encoder.encode(["Rovers go top after late winner"])[0],
        now=now,
    )
    service, _ = _service(store, encoder, settings)
    briefing = await service.brief(1, "football", now=now)
    # Filed under /football/, and the cup final carries words of football (cup, goals); the
    # other stories none.
    cup = ids["United win the cup final"]
    assert {i.story.id for i in briefing.items} == {derby.story_id, cup}


async def test_word_only_in_the_text_needs_some_meaning(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    service, _ = _service(store, encoder, settings)
    # "stadium" occurs once, deep in the cup final's text: a passing mention, far in meaning.
    assert (await service.brief(1, "stadium", now=now)).items == []
    # The same words hit, now with a topic embedding close to the story: relevant.
    cup = STORIES[1]
    encoder.overrides["stadium"] = encoder.vector(article_lead(*cup)) + 0.5 * encoder.vector(
        "stadium"
    )
    service, _ = _service(store, encoder, settings)  # a new service: topic vectors are cached
    briefing = await service.brief(1, "stadium", now=now)
    assert [i.story.id for i in briefing.items] == [ids["United win the cup final"]]


async def test_briefings_without_topic_do_not_repeat(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    ids = await _seed(store, encoder, now)
    service, _ = _service(store, encoder, settings)
    first = await service.brief(1, None, limit=3, now=now)
    first_ids = [i.story.id for i in first.items]
    newest = [ids[title] for title, _ in reversed(STORIES)][:3]
    assert first_ids == newest  # newest first
    second = await service.brief(1, None, limit=3, now=now + timedelta(minutes=1))
    second_ids = [i.story.id for i in second.items]
    assert len(second_ids) == 3
    assert not set(first_ids) & set(second_ids)
    # Another chat has its own history.
    other = await service.brief(2, None, limit=3, now=now + timedelta(minutes=1))
    assert [i.story.id for i in other.items] == newest
    # Nothing new since: the newest stories again rather than an empty briefing.
    third = await service.brief(1, None, limit=3, now=now + timedelta(minutes=2))
    assert [i.story.id for i in third.items] == newest
    # A story that arrives later is shown first next time, and only it is new.
    late = await store.add_article(
        make_article("https://b.example/late", "Bridge reopens", "The old bridge reopened today."),
        now=now + timedelta(minutes=3),
    )
    fourth = await service.brief(1, None, limit=3, now=now + timedelta(minutes=4))
    assert [i.story.id for i in fourth.items] == [late.story_id]


async def test_a_story_from_several_outlets_is_summarized_from_all_of_them(
    store: Store, settings: Settings, now: datetime
) -> None:
    encoder = FakeEncoder()
    title, text = STORIES[0]
    lead = encoder.encode([article_lead(title, text)])[0]
    first = await store.add_article(
        make_article("https://a.example/talks", title, text), embedding=lead, now=now
    )
    other = "Talks in Geneva resumed on Sunday with both delegations present. " + text
    joined = await store.add_article(
        make_article("https://c.example/geneva", title, other, source="c.example"),
        embedding=lead,
        now=now + timedelta(minutes=5),
    )
    assert joined.story_id == first.story_id  # one story, two outlets
    summarizer = FakeStorySummarizer()
    service = BriefingService(store, SummaryService(store, summarizer), encoder, settings)
    briefing = await service.brief(1, None, limit=3, now=now + timedelta(minutes=10))
    assert [item.story.id for item in briefing.items] == [first.story_id]
    assert summarizer.story_calls == [([text, other], [title, title])]  # the lead first
    assert briefing.items[0].summary == (
        "Negotiators met in Geneva for a new round of peace talks on Sunday. "
        "Talks in Geneva resumed on Sunday with both delegations present."
    )
    again = await service.brief(2, None, limit=3, now=now + timedelta(minutes=11))
    assert again.items[0].summary == briefing.items[0].summary
    assert len(summarizer.story_calls) == 1  # stored once per story and its sources
    third = "Delegations in Geneva met again for peace talks on Sunday. " + text
    await store.add_article(
        make_article("https://d.example/peace", title, third, source="d.example"),
        embedding=lead,
        now=now + timedelta(minutes=12),
    )
    refreshed = await service.brief(3, None, limit=3, now=now + timedelta(minutes=13))
    assert len(summarizer.story_calls) == 2  # a new source: summarized again, from all three
    assert summarizer.story_calls[-1][0] == [text, other, third]
    assert refreshed.items[0].summary == briefing.items[0].summary  # two sentences: the first two


async def test_recency_breaks_ties(store: Store, settings: Settings, now: datetime) -> None:
    encoder = FakeEncoder()
    text = "Officials said the summit on climate policy would continue next week in Paris."
    old = await store.add_article(
        make_article("https://c.example/old", "Climate summit opens", text + " Day one."),
        embedding=encoder.encode(["Climate summit opens"])[0],
        now=now - timedelta(days=3),
    )
    new = await store.add_article(
        make_article("https://c.example/new", "Climate summit talks stall", "Delegates argued."),
        embedding=np.asarray(encoder.encode(["Climate summit talks stall"])[0]),
        now=now - timedelta(hours=1),
    )
    service, _ = _service(store, encoder, settings)
    briefing = await service.brief(1, "climate summit", now=now)
    assert [i.story.id for i in briefing.items] == [new.story_id, old.story_id]


async def test_publication_time_orders_a_first_poll(
    store: Store, settings: Settings, now: datetime
) -> None:
    """A feed's first poll stores old and new articles at once; the fresh one leads."""
    encoder = FakeEncoder()
    old = await store.add_article(
        make_article(
            "https://d.example/old",
            "Harbour crane collapses",
            "A crane fell across the quay during a storm; nobody was hurt.",
            published=now - timedelta(days=3),
        ),
        now=now,
    )
    fresh = await store.add_article(
        make_article(
            "https://d.example/fresh",
            "Library extends opening hours",
            "The central library will open until ten at night from Monday.",
            published=now - timedelta(hours=1),
        ),
        now=now - timedelta(seconds=5),
    )
    service, _ = _service(store, encoder, settings)
    briefing = await service.brief(1, None, now=now)
    assert [i.story.id for i in briefing.items] == [fresh.story_id, old.story_id]
