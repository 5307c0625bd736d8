"""news.sources.extract: article text without furniture, metadata, rejections, thread safety."""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from news.sources.extract import NotAnArticle, clean_lines, drop_trailing_bio, extract, merge_lines

PAGES = Path(__file__).parent / "pages"
CORPUS = Path(__file__).resolve().parents[3] / "benchmarks" / "extract_corpus" / "pages"
FURNITURE = [
    "Menu",
    "Search",
    "Advertisement",
    "Sign up",
    "newsletter",
    "Market Data",
    "Welcome to",
    "Photo:",
    "Share this",
    "Read more",
    "More from",
    "cookies",
    "All rights reserved",
    "Close",
]


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _shingle_f1(truth: str, predicted: str) -> float:
    def shingles(text: str) -> Counter[tuple[str, ...]]:
        tokens = re.findall(r"\w+", text)
        return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))

    a, b = shingles(truth), shingles(predicted)
    tp = sum((a & b).values())
    if not tp:
        return 0.0
    precision, recall = tp / sum(b.values()), tp / sum(a.values())
    return 2 * precision * recall / (precision + recall)


def test_article_text_keeps_the_story_and_drops_furniture() -> None:
    article = extract(_page("article_news.html"), url="https://coastline.example/feed-link")
    assert article.text.startswith("For the first time in thirty years")
    assert article.text.endswith("the keepers will leave the island again.")
    assert "A lonely posting" in article.text  # subheadings are part of the article
    assert "Johanna Reik" in article.text
    for furniture in FURNITURE:
        assert furniture not in article.text, furniture
    assert article.title not in article.text  # the headline is metadata, not body text


def test_article_metadata() -> None:
    article = extract(_page("article_news.html"), url="https://coastline.example/feed-link")
    assert article.title == "Lighthouse keepers return to Skarholm after automation fails"
    # relative canonical resolved against the page URL, tracking parameters and fragment gone
    assert article.url == "https://coastline.example/2026/11/lighthouse-keepers-return"
    assert article.source == "Coastline Times"
    assert article.author == "Ingrid Vallo"
    assert article.published == datetime(2026, 11, 20, 6, 30, tzinfo=UTC)
    assert article.published is not None
    assert article.published.utcoffset() is not None
    assert article.language == "en"


def test_url_and_source_fall_back_to_the_page_address() -> None:
    html = _page("article_news.html")
    html = re.sub(r"<link rel=\"canonical\"[^>]*>", "", html)
    html = re.sub(r"<meta property=\"og:site_name\"[^>]*>", "", html)
    html = html.replace("| Coastline Times</title>", "</title>")
    article = extract(html, url="https://www.harbourpost.example/news/1")
    assert article.url == "https://www.harbourpost.example/news/1"
    assert article.source in {"harbourpost.example", "Coastline Times"}


def test_bytes_in_a_legacy_charset() -> None:
    paragraph = (
        "Городской совет утвердил план ремонта набережной, который обсуждался почти два года. "
        "Работы начнутся весной и продлятся до конца следующего лета, сообщили в мэрии. "
    )
    html = (
        '<html><head><meta charset="windows-1251"><title>Ремонт набережной</title></head><body>'
        f"<article><h1>Ремонт набережной</h1><p>{paragraph}</p><p>{paragraph[::-1]}</p>"
        f"<p>{paragraph}Жители просили об этом давно.</p></article></body></html>"
    ).encode("cp1251")
    article = extract(html, url="https://gorod.example/news/7")
    assert "Городской совет утвердил план" in article.text


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("index_page.html", "list of links"),
        ("login_wall.html", "login or paywall"),
        ("too_short.html", "too little text"),
    ],
)
def test_pages_without_an_article_are_rejected(name: str, reason: str) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract(_page(name), url="https://coastline.example/x")
    assert reason in info.value.reason


@pytest.mark.parametrize(
    "html",
    ["", "   ", b"", "%PDF-1.7 \x00\x01 binary", "<html><body></body></html>", b"\xff\xfe\x00"],
)
def test_empty_or_garbage_input_is_rejected_not_crashing(html: str | bytes) -> None:
    with pytest.raises(NotAnArticle):
        extract(html)


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
def test_boilerplate_lines_are_dropped(line: str) -> None:
    assert clean_lines([line]) == []


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
def test_article_lines_are_kept(line: str) -> None:
    assert clean_lines([line]) == [line]


def test_clean_lines_drops_title_repeats_and_link_teasers() -> None:
    lines = [
        "Storm closes the bridge",
        "The bridge was closed on Monday after winds reached 120 km/h, the police said.",
        "Ferry timetable changes for the winter season announced",
        "The bridge was closed on Monday after winds reached 120 km/h, the police said.",
        "It reopened on Tuesday.",
    ]
    links = {"ferry timetable changes for the winter season announced"}
    assert clean_lines(["“Storm closes the bridge”"], title='"Storm closes the bridge"') == []
    assert clean_lines(lines, title="Storm closes the bridge", links=links) == [
        "The bridge was closed on Monday after winds reached 120 km/h, the police said.",
        "It reopened on Tuesday.",
    ]


def test_merge_restores_dropped_paragraphs_inside_and_after_the_article() -> None:
    precise = ["First paragraph of the story is here.", "Second paragraph of the story is here."]
    balanced = [
        "Most read: ten things you missed this week in the city and around it",
        "First paragraph of the story is here.",
        "A middle paragraph that precision mode dropped for having many links in it.",
        "Short line.",
        "Second paragraph of the story is here.",
        "A closing paragraph in a second body container that precision mode cut off.",
        "Share this article",
        "A paragraph of some other story teaser that follows the share buttons.",
    ]
    merged = merge_lines(precise, balanced, junk=lambda line: line == "Share this article")
    assert merged == [
        "First paragraph of the story is here.",
        "A middle paragraph that precision mode dropped for having many links in it.",
        "Second paragraph of the story is here.",
        "A closing paragraph in a second body container that precision mode cut off.",
    ]
    bio = "Jane Doe is a reporter who has covered the city council for the paper since 2019."
    assert merge_lines(precise, [*precise, bio]) == precise  # a bio ends the article
    assert merge_lines(precise, ["Something else entirely, found by the other mode."]) == precise


def test_extract_is_safe_from_threads() -> None:
    pages = sorted(CORPUS.glob("*.html"))[:12]
    htmls = [page.read_text(encoding="utf-8") for page in pages]
    sequential = [extract(html).text for html in htmls]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(lambda html: extract(html).text, htmls * 2))
    assert parallel == sequential * 2


def test_quality_on_a_sample_of_the_benchmark_corpus() -> None:
    """A quick guard; ``python -m benchmarks --only extract`` scores the whole corpus."""
    pages = sorted(CORPUS.glob("*.html"))[::4]
    assert len(pages) >= 10
    scores = []
    for page in pages:
        truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        article = extract(page.read_text(encoding="utf-8"), url=truth["url"])
        scores.append(_shingle_f1(truth["articleBody"], article.text))
        assert article.title == truth["title"]
    assert min(scores) >= 0.9
    assert sum(scores) / len(scores) >= 0.97


def test_trailing_author_bio_is_dropped() -> None:
    lines = [
        "The council will vote on the plan next week.",
        "Correction: An earlier version of this article misstated the date of the meeting.",
        "Erik Thorsrud is a staff writer based in the capital. He joined the paper in 2021.",
    ]
    assert drop_trailing_bio(lines) == lines[:2]
    assert drop_trailing_bio(lines[:2]) == lines[:2]
    # the same sentence shape early in an article is reporting, not a bio
    early = [lines[2], *lines[:2], "More text follows here.", "And the story ends here."]
    assert drop_trailing_bio(early) == early


def _brief(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>Streaming prices rise</title></head><body><nav><a href='/'>Home</a>"
        f"</nav><article><h1>Streaming prices rise</h1>{body}</article></body></html>"
    )


def test_short_news_brief_about_subscriptions_is_an_article() -> None:
    html = _brief(
        [
            "The streaming service Flickwave will raise the price of its standard subscription "
            "by 8% next month, the company said on Tuesday.",
            "Existing subscribers will be told by email, and the basic plan with adverts will "
            "keep its current price until at least the summer.",
        ]
    )
    article = extract(html, url="https://wire.example/briefs/1")
    assert article.text.startswith("The streaming service Flickwave")
    assert "basic plan with adverts" in article.text


def test_balanced_reading_wins_when_precision_mode_keeps_a_fragment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from trafilatura.settings import Document

    import news.sources.extract as module

    paragraphs = [
        f"Paragraph {n} of the story says something long enough to count as real prose here."
        for n in range(1, 13)
    ]

    def fake_run(tree: object, url: object, *, precision: bool, **_: object) -> Document:
        document = Document()
        document.title = "A story"
        # precision mode: three paragraphs from the end (enough words to pass on its own)
        document.text = "\n".join(paragraphs[8:11] if precision else paragraphs)
        return document

    monkeypatch.setattr(module, "_run_trafilatura", fake_run)
    article = extract("<html><body><p>x</p></body></html>", url="https://example.com/a")
    assert article.text.splitlines() == paragraphs
