"""Sentence splitting on the hard cases of news text, and the site-furniture filter."""

from __future__ import annotations

import pytest

from summarizer.text import is_boilerplate, split_sentences, word_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The U.S. economy grew 2.5% last year. Officials in Washington, D.C. said so.",
            ["The U.S. economy grew 2.5% last year.", "Officials in Washington, D.C. said so."],
        ),
        (
            "Mr. Smith met Dr. J. R. R. Tolkien at 3 p.m. on Monday. They talked.",
            ["Mr. Smith met Dr. J. R. R. Tolkien at 3 p.m. on Monday.", "They talked."],
        ),
        (
            "George W. Bush visited Texas. He spoke.",
            ["George W. Bush visited Texas.", "He spoke."],
        ),
        (
            "Shares rose to $1.13bn. The U.K. and the E.U. agreed.",
            ["Shares rose to $1.13bn.", "The U.K. and the E.U. agreed."],
        ),
        (
            '"We will win," he said. "No doubt about it." Then he left.',
            ['"We will win," he said.', '"No doubt about it."', "Then he left."],
        ),
        (
            "He said: “This is it.” She disagreed!",
            ["He said: “This is it.”", "She disagreed!"],
        ),
        (
            "Is this true? Yes, it is... Maybe not.",
            ["Is this true?", "Yes, it is...", "Maybe not."],
        ),
        (
            "Apple Inc. reported results. The stock rose 3.4 per cent.",
            ["Apple Inc. reported results.", "The stock rose 3.4 per cent."],
        ),
    ],
)
def test_splitter_hard_cases(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_unbalanced_quotation_is_still_split() -> None:
    # Daily Mail style: an opening quote whose closing quote comes paragraphs later
    text = (
        "‘I had a taste of it at Hearts and really enjoyed it. I’m fortunate I was put into "
        "this position at a great club. It’s a fantastic opportunity, etc. Thanks."
    )
    assert split_sentences(text) == [
        "‘I had a taste of it at Hearts and really enjoyed it.",
        "I’m fortunate I was put into this position at a great club.",
        "It’s a fantastic opportunity, etc. Thanks.",
    ]


def test_lines_and_paragraphs() -> None:
    text = (
        "Menu\n\nSearch\n  |   Politics\n\nFirst sentence here. Second one.\n"
        "Sign up for daily updates for the most important\nstories in the economy."
    )
    assert split_sentences(text) == [
        "Menu",
        "Search",
        "Politics",
        "First sentence here.",
        "Second one.",
        "Sign up for daily updates for the most important stories in the economy.",
    ]


def test_cnn_dateline_is_stripped() -> None:
    assert split_sentences("(CNN) -- The court ruled on Monday. It was 5-4.") == [
        "The court ruled on Monday.",
        "It was 5-4.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Menu",
        "Search",
        "Market Data",
        "Close",
        "Welcome to EconoTimes",
        "Sign up for daily updates for the most important stories in the global economy.",
        "Source: U.S. Department of State, Public domain, via Wikimedia Commons",
        "Photo: Reuters / John Smith",
        "By John Smith and Jane Doe",
        "By . Daily Mail Reporter .",
        "Share this article on Facebook and Twitter",
        "We use cookies to improve your experience on our site.",
        "Advertisement",
        "SPORT NEWS AND RESULTS TODAY",
        "Click here to read the full report from the committee.",
        "The talks made progress (Photo by Jane Doe/Getty Images) on Sunday.",
        "Editor’s note: Jane Doe is a writer based in London.",
    ],
)
def test_furniture_is_boilerplate(sentence: str) -> None:
    assert is_boilerplate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Home Secretary Theresa May said the law would change next year.",
        "Search teams found the wreckage of the plane on Monday morning.",
        "Credit Suisse said profits fell sharply in the third quarter.",
        "Close friends of the singer said she had been unwell for months.",
        "The company said its sources of revenue had grown by 20% in a year.",
        "U.S. and Ukrainian officials reported “productive” progress after the talks.",
    ],
)
def test_news_sentences_are_not_boilerplate(sentence: str) -> None:
    assert not is_boilerplate(sentence)


def test_word_count() -> None:
    assert word_count("The U.S. grew 2.5% in 2024 — a well-known fact.") == 9


def test_caption_lines_with_credits() -> None:
    from summarizer.text import is_caption, split_lines

    lines = split_lines(
        "Peace Talks Make Progress. Source: U.S. Department of State, via Wikimedia Commons\n"
        "Officials met in Florida on Sunday. They said the talks were productive."
    )
    assert [is_caption(line) for line in lines] == [True, False]
