"""news.sources.extract: article text without furniture, metadata, rejections, thread safety."""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from news.sources.extract import NotAnArticle, PageLines, extract, select_lines
from news.sources.extract_language import detect_language

PAGES = Path(__file__).parent / "pages"
FIXTURES = Path(__file__).parent / "extract_pages"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))
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


def test_a_cookie_wall_is_rejected() -> None:
    html = (FIXTURES / "cookie_wall.html").read_text(encoding="utf-8")
    with pytest.raises(NotAnArticle) as info:
        extract(html, url="https://harbourpost.example/news/cookies")
    assert "cookie notice" in info.value.reason


def test_a_paywall_stub_is_rejected() -> None:
    html = (FIXTURES / "paywall_stub.html").read_text(encoding="utf-8")
    with pytest.raises(NotAnArticle) as info:
        extract(html, url="https://harbourpost.example/news/paid")
    assert "login or paywall" in info.value.reason


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_furniture_kinds_do_not_reach_the_text(kind: str) -> None:
    """One page per furniture kind (licensing notice, "news you need to know" opener,
    newsletter and share prompts, photo credit, byline, dateline, related teaser, author bio);
    bare trafilatura keeps each of them."""
    html = (FIXTURES / f"{kind}.html").read_text(encoding="utf-8")
    article = extract(html, url=f"https://harbourpost.example/news/{kind}")
    furniture = EXPECTED[kind]["furniture"]
    assert furniture[:30] not in article.text
    assert article.text.splitlines() == EXPECTED[kind]["paragraphs"]
    assert article.source == "The Harbour Post"


@pytest.mark.parametrize(
    "html",
    ["", "   ", b"", "%PDF-1.7 \x00\x01 binary", "<html><body></body></html>", b"\xff\xfe\x00"],
)
def test_empty_or_garbage_input_is_rejected_not_crashing(html: str | bytes) -> None:
    with pytest.raises(NotAnArticle):
        extract(html)


def _kept(
    lines: list[str], title: str | None = None, links: frozenset[str] = frozenset()
) -> list[str]:
    """The lines ``extract`` keeps of a page's candidate lines (the shipped line filter)."""
    return select_lines(PageLines(None, None, lines, title, set(links)))  # type: ignore[arg-type]


def test_furniture_lines_are_dropped_and_prose_kept() -> None:
    """The patterns themselves are tested in tests/summarizer/test_furniture.py."""
    lines = ["Advertisement", "By the time the bill passed, the money had run out.", "Menu"]
    assert _kept(lines) == ["By the time the bill passed, the money had run out."]


def test_line_filter_drops_title_repeats_and_link_teasers() -> None:
    lines = [
        "Storm closes the bridge",
        "The bridge was closed on Monday after winds reached 120 km/h, the police said.",
        "Ferry timetable changes for the winter season announced",
        "The bridge was closed on Monday after winds reached 120 km/h, the police said.",
        "It reopened on Tuesday.",
    ]
    links = frozenset({"ferry timetable changes for the winter season announced"})
    assert _kept(["“Storm closes the bridge”"], title='"Storm closes the bridge"') == []
    # a repeated line (a pull quote) stays: dropping repeats cut recall on the shared sets
    assert _kept(lines, title="Storm closes the bridge", links=links) == [
        lines[1],
        lines[3],
        lines[4],
    ]


def test_extract_is_safe_from_threads() -> None:
    pages = [FIXTURES / f"{kind}.html" for kind in sorted(EXPECTED)]
    htmls = [page.read_text(encoding="utf-8") for page in pages]
    sequential = [extract(html).text for html in htmls]
    with ThreadPoolExecutor(max_workers=6) as pool:
        parallel = list(pool.map(lambda html: extract(html).text, htmls * 2))
    assert parallel == sequential * 2


def test_trailing_author_bio_is_dropped() -> None:
    lines = [
        "The council will vote on the plan next week.",
        "Correction: An earlier version of this article misstated the date of the meeting.",
        "Erik Thorsrud is a staff writer based in the capital. He joined the paper in 2021.",
    ]
    assert _kept(lines) == lines[:2]
    assert _kept(lines[:2]) == lines[:2]
    # the same sentence shape early in an article is reporting, not a bio
    early = [lines[2], *lines[:2], "More text follows here.", "And the story ends here."]
    assert _kept(early) == early


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


def test_a_short_brief_both_engines_agree_on_is_an_article() -> None:
    """Under MIN_WORDS, but readability and trafilatura find the same text: a news brief."""
    from news.sources.extract import AGREED_WORDS, MIN_WORDS

    sentence = (
        "The harbour ferry to the outer islands will not run on Friday because of the storm "
        "warning, the operator said."
    )
    article = extract(_brief([sentence]), url="https://wire.example/briefs/2")
    assert article.text == sentence
    assert AGREED_WORDS <= len(sentence.split()) < MIN_WORDS


@pytest.mark.parametrize(
    ("paragraphs", "reason"),
    [
        (["Ferries cancelled."], "too little text"),
        (
            [
                "Sorry, the page you were looking for could not be found. It may have been "
                "moved or deleted; try the search box or go back to the front page."
            ],
            "error page",
        ),
    ],
)
def test_short_pages_that_are_no_article_stay_refused(paragraphs: list[str], reason: str) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract(_brief(paragraphs), url="https://wire.example/briefs/3")
    assert reason in info.value.reason


def test_a_page_of_short_lines_the_engines_disagree_on_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import news.sources.extract as module

    labels = [f"Gallery picture number {n}, taken on the pier" for n in range(12)]
    monkeypatch.setattr(module, "readability_lines", lambda tree: labels)
    monkeypatch.setattr(module, "FALLBACK_WORDS", 1)
    html = _brief(["A different scrap of text the other engine reads."] * 2)
    with pytest.raises(NotAnArticle) as info:
        extract(html, url="https://wire.example/gallery")
    assert "only short lines" in info.value.reason


LONG_TEXTS = {
    "en": "The city council voted on Tuesday to build protected bike lanes along the ring road. "
    "Work will start in April and should be finished by the end of 2028, officials said.",
    "de": "Der Stadtrat hat am Dienstag beschlossen, entlang des Rings geschützte Radwege zu "
    "bauen. Die Arbeiten beginnen im April und sollen bis Ende 2028 abgeschlossen sein.",
    "fr": "Le conseil municipal a voté mardi la construction de pistes cyclables protégées le "
    "long du boulevard. Les travaux commenceront en avril et dureront jusqu'à la fin de 2028.",
    "es": "El ayuntamiento aprobó el martes la construcción de carriles bici protegidos a lo "
    "largo de la ronda. Las obras empezarán en abril y terminarán a finales de 2028.",
    "ru": "Городской совет во вторник одобрил строительство защищённых велодорожек вдоль "
    "кольцевой дороги. Работы начнутся в апреле и завершатся к концу 2028 года.",
}


@pytest.mark.parametrize("language", sorted(LONG_TEXTS))
def test_language_is_detected_in_long_texts(language: str) -> None:
    assert detect_language(LONG_TEXTS[language] * 3) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The council voted on the budget last night.", "en"),
        ("Der Stadtrat hat gestern den Haushalt beschlossen.", "de"),
        ("Le conseil municipal a voté le budget hier soir.", "fr"),
    ],
)
def test_language_is_detected_in_short_sentences(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "OK", "Menu 2", "12:30 – 14:00"])
def test_too_little_text_has_no_language(text: str) -> None:
    assert detect_language(text) is None


def test_language_declared_by_the_page_wins_else_it_is_detected() -> None:
    html = (FIXTURES / "byline.html").read_text(encoding="utf-8")
    assert extract(html).language == "en"
    german = _brief(
        [
            LONG_TEXTS["de"],
            "Anwohner hatten seit Jahren sichere Wege für Kinder auf dem Schulweg gefordert, "
            "nachdem im vergangenen Winter zwei Radfahrer an der Kreuzung verletzt wurden.",
            "Die Händler im Westen der Stadt fürchten um Parkplätze, der Rat blieb aber bei "
            "seinem Plan und will die Zahl der Radfahrer zweimal im Jahr zählen lassen.",
        ]
    )
    assert 'lang="' not in german
    assert extract(german, url="https://stadt.example/radwege").language == "de"
    declared = german.replace("<html>", '<html lang="pt-BR">')
    assert extract(declared, url="https://stadt.example/radwege").language == "pt"


def test_readability_lines_give_one_line_per_block() -> None:
    from news.sources.extract import _parse
    from news.sources.extract_body import readability_lines

    prose = " ".join(["The council approved the new budget after a long debate."] * 4)
    html = (
        "<html><body><div class='nav'><a href='/a'>Home</a> <a href='/b'>World</a></div>"
        f"<article><h2>Budget passes</h2><p>{prose}</p><p>Second {prose}</p>"
        "<ul><li>First point of the plan, explained.</li><li>Second point.</li></ul>"
        "</article></body></html>"
    )
    lines = readability_lines(_parse(html))
    assert lines[:3] == ["Budget passes", prose, f"Second {prose}"]
    assert "First point of the plan, explained." in lines
    assert not any("Home" in line for line in lines)


def test_a_short_main_block_falls_back_to_trafilatura(monkeypatch: pytest.MonkeyPatch) -> None:
    import news.sources.extract as module

    monkeypatch.setattr(module, "readability_lines", lambda tree: ["Too short to be a body."])
    article = extract(_page("article_news.html"), url="https://example.com/a")
    assert "Too short to be a body." not in article.text
    assert module._words(article.text) >= module.FALLBACK_WORDS
