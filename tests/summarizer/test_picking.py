"""Picking sentences a reader can trust: dependence on the sentence before, the main sentence
first, MMR within the budgets (no model needed: scores and vectors are given)."""

from __future__ import annotations

import numpy as np
import pytest

from summarizer.picking import antecedents, dependent, main_sentence, select


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("He said the talks would resume on Monday.", True),
        ("But are all of them ready for it?", True),
        ("And the band will do it with a new drummer.", True),
        ("It was the shot to the head heard 'round the world.", True),
        ("However, the company said profits rose.", True),
        ("This year the festival moves to a new site.", False),
        ("Heathrow said flights would resume.", False),
        ("“He is worse than yesterday,” said the doctor.", False),
        ("Thousands of people marched in the capital.", False),
    ],
)
def test_dependent(sentence: str, expected: bool) -> None:
    assert dependent(sentence) is expected


def _select(scores: list[float], requires: list[int | None], **kw: int) -> list[int]:
    n = len(scores)
    vectors = np.eye(n)  # all different
    return select(
        np.array(scores),
        vectors,
        [10] * n,
        max_sentences=kw.get("max_sentences", 2),
        max_words=kw.get("max_words", 100),
        mmr_lambda=0.7,
        duplicate_threshold=0.9,
        requires=requires,
        first=kw.get("first"),
    )


def test_a_leaning_sentence_brings_its_antecedent_or_is_left_out() -> None:
    texts = ["Storms hit the coast.", "Officials closed the port.", "He said it would reopen."]
    requires = antecedents(texts)
    assert requires == [None, None, 1]
    # sentence 2 scores best: with room for two, it comes with sentence 1
    assert _select([0.0, -1.0, 3.0], requires, max_sentences=2) == [1, 2]
    # room for one: it cannot stand alone, so another sentence is taken
    assert _select([0.0, -1.0, 3.0], requires, max_sentences=1) == [0]
    # room for two words' worth of one sentence only: never the leaning one
    assert 2 not in _select([0.0, -1.0, 3.0], requires, max_sentences=3, max_words=15)


def test_main_sentence_is_picked_first_and_kept() -> None:
    requires: list[int | None] = [None, None, None, None]
    assert _select([0.0, 2.0, 1.5, 1.0], requires, max_sentences=2, first=0) == [0, 1]


def test_main_sentence_follows_the_headline() -> None:
    texts = [
        "The rain had not stopped for three days when Maria opened her shop.",
        "Across the region, people waited.",
        "Floods forced 5,000 people from their homes in northern Italy on Tuesday.",
    ]
    requires = antecedents(texts)
    assert main_sentence(texts, requires) == 0  # no headline: the lead
    headline = np.array([0.2, 0.1, 0.7])
    assert main_sentence(texts, requires, headline) == 2
    close = np.array([0.5, 0.1, 0.55])  # within the margin: the lead stays
    assert main_sentence(texts, requires, close) == 0


def test_scene_setting_lead_gives_way() -> None:
    texts = ["Who could have seen this coming?", "The bank raised rates on Thursday."]
    assert main_sentence(texts, antecedents(texts)) == 1
