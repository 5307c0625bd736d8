"""news.stories.entities: the names and numbers two reports of one event share."""

from __future__ import annotations

import numpy as np

from news.stories.entities import entities, names_key, overlap


def test_names_are_capitalised_runs_and_their_words_and_numbers() -> None:
    found = entities(
        "Redknapp out of Newcastle running",
        "After talks on Monday, Harry Redknapp said the Bank of England cut 2,000 jobs in 2008.",
    )
    assert found == {
        "redknapp",
        "newcastle",
        "harry redknapp",
        "harry",
        "bank of england",
        "bank",
        "england",
        "#2000",
        "#2008",
    }


def test_function_words_dates_and_small_numbers_are_not_names() -> None:
    assert entities("The", "In January he said 1 or 2 things. It rained on Sunday.") == set()


def test_only_the_opening_of_the_text_is_read() -> None:
    text = "word " * 10 + "Zanzibar"
    assert entities("", text, words=10) == set()
    assert entities("", text, words=11) == {"zanzibar"}


def test_names_key_is_sorted_distinct_hashes_the_same_for_the_same_names() -> None:
    key = names_key(["b", "a", "a"])
    assert key.dtype == np.uint64
    assert key.size == 2
    assert key.tolist() == sorted(key.tolist())
    assert names_key(["a", "b"]).tolist() == key.tolist()
    assert names_key([]).size == 0


def test_overlap_is_the_share_of_the_smaller_set() -> None:
    short = names_key(["choi", "sony open", "#3"])
    long = names_key(["choi", "sony open", "#3", "hawaii", "sabbatini", "#2008"])
    assert overlap(short, long) == 1.0
    assert overlap(long, short) == 1.0
    assert overlap(names_key(["choi", "hawaii"]), names_key(["choi", "honolulu"])) == 0.5
    assert overlap(names_key([]), long) == 0.0
    assert overlap(names_key(["x"]), names_key(["y"])) == 0.0
