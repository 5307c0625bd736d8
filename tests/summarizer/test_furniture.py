"""summarizer.furniture: site furniture lines vs article prose."""

from __future__ import annotations

import pytest

from summarizer.furniture import PATTERNS, is_author_bio, is_furniture


@pytest.mark.parametrize(
    "line",
    [
        "Advertisement",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Sign up for our free daily newsletter and start every day with the news.",
        "Subscribe now",
        "Sign in to comment",
        "Log in",
        "Share this article",
        "Share on Facebook",
        "Share this:",
        "Like Loading...",
        "Photo: Per Lindqvist/Coastline Times",
        "The town hall at dusk. (Getty Images)",
        "A view of the harbour. Source: Press Office, Public domain, via Wikimedia Commons",
        "Image copyright Getty Images",
        "Market Data",
        "Menu",
        "Welcome to EconoTimes",
        "Read more: Harbour dredging to start next spring",
        "Related Coverage",
        "Copyright 2026 Greyhaven Observer. All rights reserved.",
        "© 2026 Coastline Times",
        "By Samuel Ortega",
        "By Ana Lima and Tom Berg",
        "Published 19 November 2026, 22:05",
        "Listen to this article · 5:12 min",
        "Tags: transport, ferries",
        "Download our free app for breaking news alerts.",
        "Follow us on Twitter for the latest updates",
        "Lena Hartwig | 30 August 2026, 11:20 | Technology",
        "Print this story | Email this story",
        "You can unsubscribe at any time. See our privacy policy.",
        "Got a news tip? Email us at tips@newsroom.example",
        "Contact Lena Hartwig at hartwig@newsroom.example or follow on X @hartwig.",
        "January 19, 2020 / 4:25 AM / Updated 2 hours ago",
        "Sunday 19 January 2020 12.25 GMT",
        "5 hours ago",
        "Continue reading the main story",
        "Supported by",
        "Twitter Facebook Email",
        "12 Shares",
        "Share this with Email Facebook Messenger",
        "Click to share on Twitter (Opens in new window)",
        "Media playback is unsupported on your device",
        "Boris Johnson at the podium. Photograph: Jane Doe/The Guardian",
        "Credit...Jane Doe for The New York Times",
        "Image 3 of 12",
        "Protesters in the square. EPA/JOHN DOE",
        "Protesters in the square. John Doe/AFP",
        "Anzeige",
        "Around the web",
    ],
)
def test_furniture_lines(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "By the time the bill passed, the money had run out.",
        "Share prices tumble",
        "Markets react",
        "Comments from the minister were welcomed by business groups.",
        "The figures were first reported by Reuters.",
        "Published figures show a 3% rise in rents.",
        "Copyright lawyers say the ruling will be appealed.",
        "Subscribers to the service will pay 4% more from January.",
        "Photographers gathered outside the court on Monday.",
        "Related research found the same effect in older patients.",
        "| Region | Cases | Change |",
        "| 2019 | 3.4% | 2.1 | March |",
        "Credit card spending rose 4% in December.",
        "The photo: a rare sight of the comet over the bay.",
        "Facebook said on Monday it would appeal.",
        "Twitter shares fell 3%.",
        "More than 3 of 10 voters stayed home.",
        "On Jan 19, 2020, the council met.",
        "Popular uprisings spread across the region in 2011.",
        "Login problems affected thousands of users on Monday.",
        "Most of the damage was in the north, Agence France-Presse (AFP) reported.",
        "Old phones should be recycled, said the Environmental Protection Agency (EPA).",
        "by the opposition.",
        "more from savings than from wages, the report found.",
        "Sign-up rates for the scheme doubled in March.",
    ],
)
def test_article_lines_are_not_furniture(line: str) -> None:
    assert not is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "This copy is for your personal, non-commercial use only.",
        "This copy is for your personal, non-commercial use only. To order presentation-ready"
        " copies for distribution to your colleagues, clients or customers visit"
        " https://www.djreprints.com.",
        "Distribution and use of this material are governed by our Subscriber Agreement and by"
        " copyright law.",
        "This is the Sunday news you need to know today.",
        "Here are the stories you need to know this morning",
        "This is The Times' daily briefing: the news you need to know today",
    ],
)
def test_licensing_notices_and_newsletter_openers(line: str) -> None:
    assert is_furniture(line)


def test_author_bio_shape() -> None:
    assert is_author_bio("Erik Thorsrud is a staff writer based in the capital.")
    assert not is_author_bio("The council is a body of 40 elected members.")


def test_patterns_match_whole_lines_only() -> None:
    line = "The advertisement ran for a week before the regulator banned it."
    assert not any(p.fullmatch(line) for p in PATTERNS)
    assert not is_furniture(line)
    assert is_furniture("Advertisement")
