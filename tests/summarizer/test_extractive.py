"""The extractive summarizer on the real MiniLM model: ranking invariants, furniture never picked,
and the loader's caching."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import summarizer
from config import Settings
from summarizer import Encoder, Summary
from summarizer.extractive import (
    FEATURES,
    MODEL_VERSION,
    ExtractiveSummarizer,
    ScorerWeights,
    prepare,
    select,
)
from summarizer.text import split_sentences, word_count

pytestmark = pytest.mark.slow

ARTICLE = """Flooding forced thousands of people from their homes in northern Italy on Tuesday.
Rivers burst their banks after three days of heavy rain across the Emilia-Romagna region.
Emergency services said more than 5,000 people had been evacuated from towns near Bologna.
Rescue teams used boats to reach elderly residents trapped on upper floors.
The regional president said the damage would run to hundreds of millions of euros.
Schools and several hospitals in the area were closed as a precaution.
Forecasters warned that more rain was expected later in the week.
The government promised emergency funds for the families who lost their homes.
Farmers said entire harvests had been destroyed by the water.
Photo: Reuters / Jane Doe
Sign up for our newsletter to get the latest news every morning.
Share this article"""


@pytest.fixture(scope="module")
def extractive(encoder: Encoder) -> ExtractiveSummarizer:
    return ExtractiveSummarizer(encoder)


def _positions(summary: Summary, text: str) -> list[int]:
    sentences = split_sentences(text)
    return [sentences.index(s) for s in summary.sentences]


def test_document_order_no_duplicates_and_limits(extractive: ExtractiveSummarizer) -> None:
    for max_sentences, max_words in [(1, 120), (2, 120), (3, 120), (4, 40), (3, 25)]:
        (summary,) = extractive.summarize(
            [ARTICLE], max_sentences=max_sentences, max_words=max_words
        )
        positions = _positions(summary, ARTICLE)
        assert positions == sorted(positions)
        assert len(set(summary.sentences)) == len(summary.sentences)
        assert 1 <= len(summary.sentences) <= max_sentences
        assert word_count(summary.text) <= max_words
        assert summary.text == " ".join(summary.sentences)
        assert summary.model_id == f"extractive:all-MiniLM-L6-v2:{MODEL_VERSION}"


def test_repeated_sentences_are_picked_once(extractive: ExtractiveSummarizer) -> None:
    lead = "Flooding forced thousands of people from their homes in northern Italy on Tuesday."
    echo = "Floods forced thousands of people out of their homes in northern Italy on Tuesday."
    text = f"{lead} {echo} {ARTICLE} {lead}"
    (summary,) = extractive.summarize([text], max_sentences=3, max_words=200)
    flood = [s for s in summary.sentences if "thousands of people" in s]
    assert len(flood) == 1


def test_short_article_returned_whole_and_cleaned(extractive: ExtractiveSummarizer) -> None:
    text = (
        "Menu\nSearch\nThe central bank raised interest rates by a quarter point on Thursday.\n"
        "It said inflation was still too high.\nSign up for our daily newsletter."
    )
    (summary,) = extractive.summarize([text], max_sentences=3, max_words=120)
    assert summary.sentences == [
        "The central bank raised interest rates by a quarter point on Thursday.",
        "It said inflation was still too high.",
    ]
    (tight,) = extractive.summarize([text], max_sentences=3, max_words=5)
    assert word_count(tight.text) <= 5
    assert tight.text.endswith("…")


def test_seed_page_summary_is_about_the_talks(
    seed_page: Path, extractive: ExtractiveSummarizer
) -> None:
    page = seed_page.read_text("utf-8")
    (summary,) = extractive.summarize([page], max_sentences=3, max_words=120)
    assert len(summary.sentences) == 3
    for furniture in ("Menu", "Search", "Sign up", "Market Data", "Source:", "Welcome", "Close"):
        assert furniture not in summary.text
    assert "talks" in summary.text.lower()
    assert "Ukrain" in summary.text


def test_batch_equals_single_and_empty_inputs(
    seed_page: Path, extractive: ExtractiveSummarizer
) -> None:
    page = seed_page.read_text("utf-8")
    batch = extractive.summarize([ARTICLE, "", page, "Menu\nSearch"], max_sentences=2)
    assert [s.sentences for s in batch[1::2]] == [[], []]
    assert batch[0].sentences == extractive.summarize([ARTICLE], max_sentences=2)[0].sentences
    assert batch[2].sentences == extractive.summarize([page], max_sentences=2)[0].sentences
    assert extractive.summarize([]) == []


def test_threads_share_one_summarizer(extractive: ExtractiveSummarizer) -> None:
    expected = extractive.summarize([ARTICLE])[0].sentences
    results: list[list[str]] = []

    def work() -> None:
        results.append(extractive.summarize([ARTICLE])[0].sentences)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_mmr_skips_near_duplicates_and_respects_budget() -> None:
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
    scores = np.array([3.0, 2.9, 0.5, 0.1])
    picked = select(
        scores,
        vectors,
        [10, 10, 10, 10],
        max_sentences=3,
        max_words=100,
        mmr_lambda=0.7,
        duplicate_threshold=0.9,
    )
    assert picked == [0, 2, 3]
    assert select(
        scores,
        vectors,
        [10, 10, 50, 10],
        max_sentences=3,
        max_words=25,
        mmr_lambda=0.7,
        duplicate_threshold=0.9,
    ) == [0, 3]


def test_shipped_weights_match_the_features() -> None:
    weights = ScorerWeights.packaged()
    assert weights.coef.shape == (len(FEATURES),)
    assert 0.0 < weights.mmr_lambda <= 1.0
    assert weights.to_json()["features"] == list(FEATURES)


def test_prepare_drops_furniture() -> None:
    prepared = prepare(ARTICLE)
    texts = prepared.candidate_texts
    assert len(texts) == 9
    assert not any("Sign up" in t or "Photo" in t or "Share" in t for t in texts)


def test_load_is_cached_per_configuration(encoder: Encoder) -> None:
    first = summarizer.load(Settings())
    assert summarizer.load(Settings()) is first
    assert isinstance(first, ExtractiveSummarizer)
    assert first.encoder is encoder  # one MiniLM per process, shared with topic matching
    assert summarizer.load_encoder() is encoder
    assert isinstance(first, summarizer.Summarizer)


def test_caption_restating_the_lead_is_not_picked_beside_it(encoder: Encoder) -> None:
    # scraped pages glue a photo caption that restates the lead onto the next sentence; MiniLM
    # puts the two at about 0.84 cosine, so the shipped duplicate threshold must keep only one,
    # even under a scorer that wants the first three sentences
    shipped = ScorerWeights.packaged()
    lead_only = np.array([3.0 if name == "inverse_position" else 0.0 for name in FEATURES])
    weights = replace(
        shipped, mean=np.zeros(len(FEATURES)), scale=np.ones(len(FEATURES)), coef=lead_only
    )
    lead = "Flooding forced thousands of people from their homes in northern Italy on Tuesday."
    glued = lead[:-1] + " Rescue teams in boats reached elderly residents in Bologna."
    text = f"{glued}\n{ARTICLE}"
    (summary,) = ExtractiveSummarizer(encoder, weights).summarize(
        [text], max_sentences=3, max_words=200
    )
    assert len(summary.sentences) == 3
    assert not (glued in summary.sentences and lead in summary.sentences)


def test_lead_window_bounds_the_picks(encoder: Encoder) -> None:
    weights = replace(ScorerWeights.packaged(), lead_window=5)
    model = ExtractiveSummarizer(encoder, weights)
    candidates = prepare(ARTICLE).candidate_texts
    for max_sentences in (1, 2, 3):
        (summary,) = model.summarize([ARTICLE], max_sentences=max_sentences, max_words=500)
        window = max(5, max_sentences + 2)
        assert all(candidates.index(s) < window for s in summary.sentences)
        assert len(summary.sentences) == max_sentences


def test_shipped_weights_are_for_this_model_version() -> None:
    # retraining for a new ranking must come with a MODEL_VERSION bump (cached summaries)
    meta = ScorerWeights.packaged().meta
    assert meta["trained_for"] == MODEL_VERSION


OTHER_OUTLET = """Floods drove thousands of people out of their homes in northern Italy on Tuesday.
The army sent 600 soldiers and twelve helicopters to the worst-hit valleys near Ravenna.
Officials said it was the region's worst flooding in a century.
Train services between Bologna and Rimini were suspended until further notice.
He said the damage would run to hundreds of millions of euros.
Insurers said claims were likely to break records for the region."""


def test_headline_leads_the_summary(extractive: ExtractiveSummarizer) -> None:
    text = (
        "The rain had not stopped for three days when Maria Rossi opened her bakery on Tuesday.\n"
        "Across the street, her neighbours were loading furniture into small boats.\n" + ARTICLE
    )
    title = "Flooding forces thousands from their homes in northern Italy"
    for k in (1, 2, 3):
        (summary,) = extractive.summarize([text], max_sentences=k, titles=[title])
        assert summary.sentences[0].startswith("Flooding forced thousands")
    # a headline line at the top of the text is read as the headline too
    (summary,) = extractive.summarize([f"{title}\n\n{text}"], max_sentences=2)
    assert summary.sentences[0].startswith("Flooding forced thousands")
    assert title not in summary.sentences


def test_one_sentence_and_short_texts_give_the_lead(extractive: ExtractiveSummarizer) -> None:
    text = (
        "The central bank raised interest rates by a quarter point on Thursday. "
        "Markets had expected a larger move after weeks of strong inflation data."
    )
    (one,) = extractive.summarize([text], max_sentences=1)
    assert one.sentences == [split_sentences(text)[0]]
    (cut,) = extractive.summarize([text], max_sentences=2, max_words=8)
    assert cut.text.startswith("The central bank")
    assert cut.text.endswith("…")
    (article,) = extractive.summarize([ARTICLE], max_sentences=1)
    assert article.sentences == [split_sentences(ARTICLE)[0]]


def test_no_sentence_leans_on_one_left_out(extractive: ExtractiveSummarizer) -> None:
    from summarizer.picking import dependent

    for text in (ARTICLE, OTHER_OUTLET, OTHER_OUTLET.replace("He said", "But officials said")):
        candidates = prepare(text).candidate_texts
        for k in (1, 2, 3, 4):
            (summary,) = extractive.summarize([text], max_sentences=k, max_words=200)
            for sentence in summary.sentences:
                if dependent(sentence):
                    before = candidates[candidates.index(sentence) - 1]
                    assert before in summary.sentences


def test_story_summary_draws_on_all_sources(
    extractive: ExtractiveSummarizer, encoder: Encoder
) -> None:
    story = extractive.summarize_story([ARTICLE, OTHER_OUTLET], max_sentences=3, max_words=120)
    sources = [set(prepare(t).candidate_texts) for t in (ARTICLE, OTHER_OUTLET)]
    assert len(story.sentences) == 3
    assert all(any(s in src for src in sources) for s in story.sentences)
    # drawn from both outlets, not just the first one's summary
    assert all(any(s in src for s in story.sentences) for src in sources)
    # the two leads say the same thing: one of them, first
    leads = [s for s in story.sentences if "thousands of people" in s]
    assert len(leads) == 1
    assert story.sentences[0] == leads[0]
    vectors = encoder.encode(story.sentences)
    similarity = vectors @ vectors.T - np.eye(len(vectors)) * 2
    assert similarity.max() < extractive.weights.duplicate_threshold
    # one source: the plain summary
    single = extractive.summarize_story([ARTICLE], max_sentences=2)
    assert single.sentences == extractive.summarize([ARTICLE], max_sentences=2)[0].sentences
    assert extractive.summarize_story([], max_sentences=2).sentences == []
