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


# Real sentences from the shared sets (gn1, cleanportaleval) that sentencex alone, or a line
# break in the page, cut at a title, an initial, an acronym or a decimal point.
@pytest.mark.parametrize(
    "sentence",
    [
        "Diplomats said differences continued to emerge even though Mr. Sarkozy insisted that"
        " he and Ms. Merkel were at one.",
        "While the mood in Europe seems to be to go ahead anyway, Mr.\nBarroso notes that it"
        " would be better if it were global.",
        "Lerner, who started at the IRS in 2001, has lawyered up with William W.\nTaylor III.",
        "The guests were podcast host Sam Seder, Rep. Jerrold Nadler, D-N.Y., and The Guardian’s"
        " Heidi Moore.",
        'The Pakistan-U.S. "war on terrorism" was the subject of the talks.',
        "The most unequal countries in the EU-15 are Portugal, Greece, the U.K.\nand Spain,"
        " based on 2009 data.",
        "On their first date, Bobby invited her to a ball put on by his boss, Gov. Mike Foster.",
        "They were engaged and then married in 1997 at St. Joseph's Cathedral in Baton Rouge.",
        "The only person in her corner was Dr. Drew Pinsky.",
        "And imagine Mary J. Blige having to hand over her Grammys.",
        "Mr Gachechiladze, his nearest competitor, had 24.98 per cent.",
        "Humpy inched up to 1.\n5 points in the event.",
    ],
)
def test_real_sentences_are_not_cut_at_abbreviations(sentence: str) -> None:
    (whole,) = split_sentences(sentence + " The next sentence starts here.")[:-1]
    assert whole == " ".join(sentence.split()).replace("1. 5", "1.5")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He lives in the U.S. The rest of the family does not.",
            ["He lives in the U.S.", "The rest of the family does not."],
        ),
        ("It was Plan B. Then it failed.", ["It was Plan B.", "Then it failed."]),
        ("Sales rose by 2. The rest fell.", ["Sales rose by 2.", "The rest fell."]),
    ],
)
def test_real_ends_after_abbreviations_still_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_licensing_notice_is_furniture() -> None:
    assert is_boilerplate("This copy is for your personal, non-commercial use only.")
