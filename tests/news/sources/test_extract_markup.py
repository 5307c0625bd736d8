"""news.sources.extract on broken, doubled or dated markup: an unclosed <title>, a hidden copy,
form controls inside the article block, a video's description in an <object> fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

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


CAPTION = (
    "The mayor and two council members join the host to talk about the new budget and what it"
    " means for schools."
)


def _video_post(embed: str, around: str = "") -> str:
    """A video post of the Flash era: the embed's fallback holds the video's description."""
    return (
        "<html><head><title>Council passes budget</title></head><body>"
        f"<div class='video-wrap'>{embed}</div><div class='post'>{_body()}</div>{around}"
        "</body></html>"
    )


def _flash(caption: str) -> str:
    """An outer <object> for one browser, the Flash one nested in it for the others."""
    return (
        "<object width='620' height='362'>"
        "<object type='application/x-shockwave-flash' data='player'><div class='player'>"
        "<p class='status-message'>This video is unavailable in the format required for your"
        " device.</p>"
        f"<div class='caption-box'><p class='embedded-caption'>{caption}</p></div>"
        "</div></object></object>"
    )


def test_a_video_description_in_an_object_fallback_opens_the_text() -> None:
    """Browsers show an <object>'s fallback once the plugin is gone; both engines drop it."""
    text = extract(_video_post(_flash(CAPTION)), url="https://tv.example/budget").text
    lines = text.splitlines()
    assert lines[0] == CAPTION
    assert all(line in text for line in PROSE)
    assert "unavailable in the format" not in text  # the player's status line is no caption
    assert text.count(CAPTION) == 1


def test_an_object_caption_in_a_sidebar_or_among_several_is_left_out() -> None:
    """A related video beside the article, or a page of several videos: no caption is its lead."""
    sidebar = _video_post("", f"<div class='sidebar-right'>{_flash(CAPTION)}</div>")
    other = CAPTION.replace("budget", "harbour plan")
    several = _video_post(_flash(CAPTION) + _flash(other))
    for html in (sidebar, several):
        text = extract(html, url="https://tv.example/budget").text
        assert CAPTION not in text
        assert all(line in text for line in PROSE)


def test_the_fallback_of_an_image_or_document_object_is_not_read() -> None:
    """A browser shows an SVG or a PDF <object> itself; its fallback text is never seen."""
    for kind, data in (("image/svg+xml", "map.svg"), ("application/pdf", "budget.pdf")):
        embed = f"<object type='{kind}' data='{data}'><p class='caption'>{CAPTION}</p></object>"
        text = extract(_video_post(embed), url="https://tv.example/budget").text
        assert CAPTION not in text
        assert all(line in text for line in PROSE)


@pytest.mark.parametrize("label", ["Play video", "(Video by Jane Smith/Reuters)."])
def test_an_object_caption_that_is_a_label_or_a_credit_is_left_out(label: str) -> None:
    text = extract(_video_post(_flash(label)), url="https://tv.example/budget").text
    assert label not in text
    assert text.splitlines()[0] == PROSE[0]


def test_a_caption_the_main_block_already_holds_is_not_doubled() -> None:
    html = (
        "<html><head><title>Budget</title></head><body><div class='post'>"
        f"<object data='x.swf'><p class='caption'>{PROSE[0]}</p></object>{_body()}</div>"
        "</body></html>"
    )
    text = extract(html, url="https://tv.example/budget").text
    assert text.count(PROSE[0]) == 1
