"""news.text: plain text from feed fields and fragments, and sniffing unlabeled HTML."""

from __future__ import annotations

import pytest

from news.text import clean_text, html_to_text, looks_like_html


def test_clean_text_drops_tags_and_keeps_plain_angle_brackets() -> None:
    assert clean_text("a < b and c > d") == "a < b and c > d"
    assert clean_text("<p>x&amp;y</p>\n<br/>z") == "x&y z"
    assert clean_text("<b>Ky</b>iv <em>talks</em><p>resume</p>") == "Kyiv talks resume"
    assert clean_text(None) == ""
    assert clean_text("") == ""


def test_html_to_text_keeps_paragraphs() -> None:
    assert html_to_text("<p>One &amp; two</p><p>Three<br>four</p>") == "One & two\nThree\nfour"
    assert html_to_text("<div>  a \t b </div>\n\n<li>c</li>") == "a b\nc"
    assert html_to_text("") == ""


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<!DOCTYPE html><html><p>hi</p></html>", True),
        (b"\xef\xbb\xbf\n  <HTML lang='en'>", True),  # a BOM and blanks first, any case
        (b"<!-- generated --><div>", True),
        (b"<?xml version='1.0'?><x><body>", True),  # a body tag near the top
        (b"\x89PNG\r\n\x1a\n...", False),
        ("\ufeff<head><title>t</title></head>", True),
        ("  <html>", True),
        ("Plain text that mentions <b>bold</b> tags.", False),
        ("", False),
    ],
)
def test_looks_like_html(data: str | bytes, expected: bool) -> None:
    assert looks_like_html(data) is expected
