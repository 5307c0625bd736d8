"""Figures the sources of one story disagree on (news.stories.figures): read from frames of
words around numbers, reported only when each outlet is sure."""

from __future__ import annotations

from news.stories.figures import disagreements, figures


def _lines(*sources: tuple[str, str]) -> list[str]:
    return [d.line() for d in disagreements(list(sources))]


def test_a_toll_that_differs() -> None:
    assert _lines(
        ("AP", "Twelve people were killed in the blast, police said."),
        ("Reuters", "The blast killed 15 people and wounded 40."),
    ) == ["AP: Twelve dead; Reuters: 15"]


def test_agreement_says_nothing() -> None:
    assert (
        _lines(
            ("AP", "Sprint will cut 4,000 jobs and close 125 stores."),
            ("Reuters", "Sprint Nextel to cut 4,000 jobs, it said on Thursday."),
        )
        == []
    )


def test_unsure_sources_are_left_out() -> None:
    # AP gives two tolls (the attack and an earlier one): unsure, so no claim is made.
    assert (
        _lines(
            ("AP", "The bomb killed 12 people. A week ago another attack killed 30."),
            ("Reuters", "The bomb killed 15 people."),
        )
        == []
    )
    # "at least 12" does not contradict 15
    assert (
        _lines(("AP", "At least 12 people were killed."), ("Reuters", "The blast killed 15."))
        == []
    )


def test_a_price_and_a_count_of_arrests() -> None:
    assert _lines(
        ("A", "Microsoft paid $2.5 billion for the company. Police arrested 4 men."),
        ("B", "The deal, worth $2.3 billion, closed on Friday. 4 men were arrested."),
    ) == ["A: $2.5 billion; B: $2.3 billion"]


def test_numbers_without_a_frame_are_no_figures() -> None:
    assert figures("In 2008, 3 of the 10 ministers met for 45 minutes on Route 66.") == []
    assert [f.frame for f in figures("The storm killed 7 and injured 20 others.")] == [
        "dead",
        "injured",
    ]
