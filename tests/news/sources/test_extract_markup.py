"""news.sources.extract on broken or doubled markup: an unclosed <title>, a hidden copy, form
controls inside the article block."""

from __future__ import annotations

from pathlib import Path

from news.sources.extract import _close_title, extract

PROSE = [
    "The city council approved a new budget for the coming year after a long debate on Tuesday.",
    "The plan raises spending on schools and roads, and the mayor said it keeps taxes flat.",
    "Opposition members said the figures rely on optimistic forecasts of growth next year.",
    "A final vote on the spending details is expected next month, officials told reporters.",
]


def _body() -> str:
    return "".join(f"<p>{line}</p>" for line in PROSE)


def test_an_unclosed_title_no_longer_swallows_the_page() -> None:
    html = (
        "<html><head><title>Council passes budget\nvar x = 1;</script></head>"
        f"<body><article>{_body()}</article></body></html>"
    )
    assert _close_title(html).count("</title>") == 1
    article = extract(html, url="https://city.example/budget")
    assert all(line in article.text for line in PROSE)
    assert article.title.startswith("Council passes budget")


def test_a_closed_title_is_left_alone() -> None:
    html = "<html><head><title>A <b> title</title></head><body></body></html>"
    assert _close_title(html) == html


def test_a_copy_in_a_hidden_class_is_not_read_twice() -> None:
    html = (
        "<html><head><title>Budget</title></head><body><article>"
        f"<div class='story hidden'>{_body()}</div><div class='story'>{_body()}</div>"
        "</article></body></html>"
    )
    text = extract(html, url="https://city.example/budget").text
    assert text.count(PROSE[0]) == 1
    assert all(line in text for line in PROSE)


def test_an_article_mostly_in_a_hidden_class_is_still_read() -> None:
    html = (
        "<html><head><title>Budget</title></head><body>"
        f"<article class='hidden'>{_body()}</article><p>Menu</p></body></html>"
    )
    text = extract(html, url="https://city.example/budget").text
    assert all(line in text for line in PROSE)


FIXTURES = Path(__file__).parent / "extract_pages"


def _fixture_text(name: str) -> list[str]:
    html = (FIXTURES / name).read_text(encoding="utf-8")
    return extract(html, url=f"https://harbourpost.example/news/{name}").text.splitlines()


def test_form_controls_inside_the_article_block_are_not_text() -> None:
    """A menu of editions, button labels and a comment box inside the article's block."""
    lines = _fixture_text("form_controls.html")
    assert lines[0].startswith("The central library will stay open until nine")
    assert lines[-1].startswith("Visitors have risen by a fifth")
    assert len(lines) == 4
    text = "\n".join(lines)
    for control in ("Edición en español", "Change edition", "Write your comment", "Post your"):
        assert control not in text
