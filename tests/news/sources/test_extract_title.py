"""An article's headline (news.sources.extract_title) on the page shapes of the shared real
pages: a <title> carrying the site and section, a <title> that is only the site's name, a site
logo in an <h1>, a meta title that is a heading, a headline that names its own site."""

from __future__ import annotations

from lxml import html as lxml_html

from news.sources.extract import extract
from news.sources.extract_title import headline, page_headings

PROSE = [
    "The city council approved a new budget for the coming year after a long debate on Tuesday.",
    "The plan raises spending on schools and roads, and the mayor said it keeps taxes flat.",
    "Opposition members said the figures rely on optimistic forecasts of growth next year.",
    "A final vote on the spending details is expected next month, officials told reporters.",
]
HEADLINE = "Council approves budget with more for schools and roads"


def _page(title: str, top: str = "", meta: str = "") -> str:
    body = "".join(f"<p>{line}</p>" for line in PROSE)
    return (
        f"<html><head><title>{title}</title>{meta}</head><body>{top}"
        f"<article>{body}</article></body></html>"
    )


def test_the_title_less_its_section_and_site_is_the_heading_it_carries() -> None:
    page = _page(f"{HEADLINE} - Local News - The Harbour Gazette", f"<h1>{HEADLINE}</h1>")
    assert extract(page, url="https://gazette.example/budget").title == HEADLINE


def test_a_title_that_is_the_sites_name_yields_to_the_heading_above_the_article() -> None:
    page = _page(
        "Local Sports Wire",
        f"<h1>Local Sports Wire</h1><ul><li><a href='/a'>Scores</a></li></ul><h2>{HEADLINE}</h2>",
    )
    assert extract(page, url="https://wire.example/budget").title == HEADLINE


def test_a_title_without_a_matching_heading_loses_its_site_parts() -> None:
    page = _page(f"TheStar.com | News | {HEADLINE}")
    assert extract(page, url="https://www.thestar.com/news/budget").title == HEADLINE
    page = _page(f"{HEADLINE} (from The Bolton News)")
    assert extract(page, url="https://bolton.example/budget").title == HEADLINE


def test_the_sites_name_never_wins_even_when_the_article_names_it() -> None:
    prose = PROSE[0].replace("city council", "Harbour Gazette's city council")
    page = _page(f"{HEADLINE} | Harbour Gazette", "<h1>Harbour Gazette</h1>").replace(
        PROSE[0], prose
    )
    assert extract(page, url="https://harbourgazette.example/b").title == HEADLINE


def test_a_headline_that_names_its_own_site_is_kept() -> None:
    own = "New choices for gazette.example readers of the council budget"
    page = _page(f"{own} - The Gazette", f"<h1>{own}</h1>")
    assert extract(page, url="https://www.gazette.example/b").title == own


def test_a_meta_title_that_is_a_heading_stands_when_the_text_does_not_repeat_it() -> None:
    meta = '<meta property="og:title" content="Reprints and permissions">'
    page = _page(
        "Reprints and permissions - The Gazette", "<h1>Reprints and permissions</h1>", meta
    )
    assert extract(page, url="https://gazette.example/r").title == "Reprints and permissions"


def test_with_no_heading_and_a_bare_site_title_the_title_stands() -> None:
    tree = lxml_html.fromstring(_page("NEWS"))
    assert headline(page_headings(tree), "NEWS", PROSE, host="news.example") == "NEWS"
    tree = lxml_html.fromstring("<html><body><p>Too short.</p></body></html>")
    assert headline(page_headings(tree), None, []) is None
