"""The topic retrieval shared by briefings, questions and alerts (news.topic_match)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from config import Settings
from news.briefings import BriefingService
from news.store import Store
from news.summaries import SummaryService
from news.topic_match import (
    CONCEPT_THRESHOLD,
    TERM_WEIGHT,
    doc_terms,
    parse_topic,
    question_topic,
    relevance,
    word_variants,
)
from news.topics import TopicService, article_lead
from tests.news.conftest import FakeEncoder, FakeSummarizer, make_article


@pytest.mark.parametrize(
    ("topic", "concept"),
    [
        ("sport", "sport"),
        ("sports", "sport"),
        ("soccer", "football"),
        ("footbal", "football"),  # one letter dropped
        ("buisness", "business"),  # two letters swapped
        ("technolgy", "technology"),
        ("tech", "technology"),
        ("economics", "economy"),
        ("stock market", "markets"),
        ("mps", "politics"),
        ("moovies", "films"),
        ("peace talks", None),
        ("yukos", None),
        ("football transfers", None),  # more than the concept: a specific subject
    ],
)
def test_parse_topic_finds_the_broad_topic(topic: str, concept: str | None) -> None:
    query = parse_topic(topic)
    assert (query.concept.key if query.concept else None) == concept


def test_sport_is_judged_by_its_parts_too() -> None:
    query = parse_topic("sport")
    assert [c.key for c in query.concepts] == [
        "sport",
        "football",
        "tennis",
        "rugby",
        "cricket",
        "athletics",
    ]
    assert len(query.meanings) == len(query.concepts)
    assert parse_topic("peace talks").meanings == ("peace talks",)


@pytest.mark.parametrize(
    ("topic", "words"),
    [
        ("new york", ("new", "york")),  # news words the summarizer ignores stay in topics
        ("first world war", ("first", "world", "war")),
        ("one direction", ("one", "direction")),
        ("what's new on the peace talks", ("peace", "talk")),
        ("latest news on new zealand", ("new", "zealand")),
    ],
)
def test_topic_words_keep_names(topic: str, words: tuple[str, ...]) -> None:
    assert parse_topic(topic).words == words


def test_question_topic() -> None:
    assert question_topic("what's new on the peace talks?") == "peace talks"
    assert question_topic("any news from new york?") == "new york"
    assert question_topic("what's new?") is None


def test_word_variants_forgive_one_typo_keeping_the_first_letter() -> None:
    vocabulary = {"tsunami", "election", "selection", "footballer", "spa"}
    assert word_variants(parse_topic("tsunamy"), vocabulary) == {
        "tsunamy": frozenset({"tsunamy", "tsunami"})
    }
    # "election" is spelt right: never read as "selection".
    assert word_variants(parse_topic("electon"), vocabulary)["electon"] == {"electon", "election"}
    assert word_variants(parse_topic("selection"), vocabulary)["selection"] == {"selection"}
    # Short words must be spelt right.
    assert word_variants(parse_topic("spam"), vocabulary)["spam"] == {"spam"}


def test_specific_topic_needs_its_words_or_close_meaning() -> None:
    query = parse_topic("australian open")
    title = doc_terms("Capriati out of Australian Open", "The American lost in Melbourne.")
    scattered = doc_terms("Hewitt wins in Sydney", "The Australian said the court was open.")
    elsewhere = doc_terms("Rain stops play", "Nothing to do with it.")
    none: dict[str, frozenset[str]] = {}
    in_title = relevance(query, title, [0.5], none)
    in_lead = relevance(query, scattered, [0.5], none)
    assert in_title is not None
    assert in_lead is not None
    assert in_title > in_lead
    # Named in the lead only, far in meaning: a passing mention.
    assert relevance(query, scattered, [0.1], none) is None
    assert relevance(query, elsewhere, [0.5], none) is None
    assert relevance(query, elsewhere, [0.6], none, meaning_threshold=0.55) == 0.6


def test_broad_topic_needs_meaning_not_the_word() -> None:
    query = parse_topic("science")
    review = doc_terms("Five science fiction novels to read this winter", "")
    lab = doc_terms("Scientists publish a study of the new species", "")
    # The word alone, in a trap phrase: not science, however the meaning scores.
    assert relevance(query, review, [0.34], {}) is None
    # Three words of the field carry a story that is a little close in meaning.
    assert relevance(query, lab, [CONCEPT_THRESHOLD - 3 * TERM_WEIGHT + 0.01], {}) is not None
    assert relevance(query, lab, [0.0], {}) is not None
    assert relevance(parse_topic("business"), lab, [0.1, 0.1], {}) is None  # and its markets


def test_broad_topic_without_an_encoder_goes_by_section_or_words() -> None:
    query = parse_topic("football")
    filed = doc_terms("Rovers go top", "A late winner.", ["https://x.example/sport/football/a"])
    slug = doc_terms("Rovers go top", "A late winner.", ["https://x.example/news/football-a"])
    worded = doc_terms("Striker scores in the derby", "")
    assert relevance(query, filed, None, {}) is not None
    assert relevance(query, slug, None, {}) is None  # the slug repeats the title, files nothing
    assert relevance(query, worded, None, {}) is not None


async def test_briefing_and_alerts_agree(store: Store, settings: Settings, now: datetime) -> None:
    """The stories ``/brief TOPIC`` shows are the stories a subscription to TOPIC alerts on."""
    encoder = FakeEncoder()
    stories = [
        ("Striker scores twice in the derby", "The club's new signing won the match."),
        ("Central bank raises interest rates", "Inflation is still above target."),
        ("Footballer joins league leaders", "The transfer fee is a club record."),
        ("Museum opens downtown", "A collection of chairs and lamps."),
    ]
    alerted = set()
    topics = TopicService(store, encoder, settings)
    await topics.subscribe(1, "footbal")
    for n, (title, text) in enumerate(stories):
        vector = encoder.encode([article_lead(title, text)])[0]
        result = await store.add_article(
            make_article(f"https://a.example/{n}", title, text),
            embedding=vector,
            now=now - timedelta(hours=n + 1),
        )
        if await topics.match(result.article, vector):
            alerted.add(result.story_id)
    service = BriefingService(store, SummaryService(store, FakeSummarizer()), encoder, settings)
    shown = {item.story.id for item in (await service.brief(2, "footbal", now=now)).items}
    assert shown == alerted
    assert len(shown) == 2
