"""Telegram's text rules as the stand-in applies them: HTML entities, errors, lengths."""

from __future__ import annotations

import pytest

from standin.incoming import incoming_entities
from standin.text import (
    EntityParseError,
    parse_html,
    parse_markdown_v2,
    parse_text,
    utf16_len,
)


def test_html_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html(
        '😀 <b>Bold</b> &amp; <a href="https://example.org/a?b=1&amp;c=2">link</a> <i>x</i>'
    )
    assert text == "😀 Bold & link x"
    assert entities == [
        {"offset": 3, "length": 4, "type": "bold"},
        {"offset": 10, "length": 4, "type": "text_link", "url": "https://example.org/a?b=1&c=2"},
        {"offset": 15, "length": 1, "type": "italic"},
    ]


def test_every_telegram_tag_is_accepted() -> None:
    markup = (
        "<b>1</b><strong>2</strong><i>3</i><em>4</em><u>5</u><ins>6</ins><s>7</s>"
        "<strike>8</strike><del>9</del><code>a</code><pre>b</pre><tg-spoiler>c</tg-spoiler>"
        '<span class="tg-spoiler">d</span><blockquote>e</blockquote>'
        "<blockquote expandable>f</blockquote>"
    )
    text, entities = parse_html(markup)
    assert text == "123456789abcdef"
    assert [e["type"] for e in entities] == [
        "bold",
        "bold",
        "italic",
        "italic",
        "underline",
        "underline",
        "strikethrough",
        "strikethrough",
        "strikethrough",
        "code",
        "pre",
        "spoiler",
        "spoiler",
        "blockquote",
        "expandable_blockquote",
    ]


def test_pre_with_code_language_and_nesting() -> None:
    text, entities = parse_html(
        '<pre><code class="language-python">x = 1</code></pre> <b>a <i>b</i></b>'
    )
    assert text == "x = 1 a b"
    assert {"offset": 0, "length": 5, "type": "pre", "language": "python"} in entities
    assert {"offset": 6, "length": 3, "type": "bold"} in entities
    assert {"offset": 8, "length": 1, "type": "italic"} in entities


def test_only_four_named_entities_are_decoded() -> None:
    text, _ = parse_html("&lt;&gt;&amp;&quot; &ge; &#65;&#x42; &nbsp; AT&T")
    assert text == '<>&" &ge; AB &nbsp; AT&T'


@pytest.mark.parametrize(
    ("markup", "error"),
    [
        ("<p>text</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("price < 5", 'Unsupported start tag "" at byte offset 6'),
        ("é <b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<i =x>y</i>", 'Empty attribute name in the tag "i" at byte offset 0'),
        ("<a href=https://x.org>y</a>", "Unexpected end of name token at byte offset 8"),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ],
)
def test_invalid_html_is_rejected_like_telegram(markup: str, error: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(markup)
    assert str(caught.value) == error


def test_whitespace_is_trimmed_and_entities_follow() -> None:
    text, entities = parse_html("\n  <b>hi</b> there \n")
    assert text == "hi there"
    assert entities == [{"offset": 0, "length": 2, "type": "bold"}]


def test_markdown_v2_entities_and_reserved_characters() -> None:
    text, entities = parse_markdown_v2(r"*bold* _it_ [site](https://a.example/x) 1\.5")
    assert text == "bold it site 1.5"
    assert [e["type"] for e in entities] == ["bold", "italic", "text_link"]
    with pytest.raises(EntityParseError, match="reserved"):
        parse_markdown_v2("version 1.5")


def test_legacy_markdown_has_no_reserved_characters() -> None:
    text, entities = parse_text("*Bold* v1.5 (beta) - see [docs](https://a.example)", "Markdown")
    assert text == "Bold v1.5 (beta) - see docs"
    assert [e["type"] for e in entities] == ["bold", "text_link"]
    with pytest.raises(EntityParseError, match="Can't find end"):
        parse_text("*unclosed", "Markdown")


def test_parse_text_modes() -> None:
    assert parse_text("<b>x</b>", None) == ("<b>x</b>", [])
    assert parse_text("<b>x</b>", "HTML")[0] == "x"
    with pytest.raises(ValueError, match="parse_mode"):
        parse_text("x", "BBCode")


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("a😀é") == 4


def test_incoming_commands_and_mentions() -> None:
    entities = incoming_entities("/brief@newsbrief_test_bot ukraine, ask @newsbrief_test_bot")
    assert entities == [
        {"type": "bot_command", "offset": 0, "length": 25},
        {"type": "mention", "offset": 39, "length": 19},
    ]
    assert incoming_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert incoming_entities("and/or a/b") == []
    assert incoming_entities("see https://example.org/x.") == [
        {"type": "url", "offset": 4, "length": 21}
    ]
