"""news.sources.decode: BOM, declared charsets (header, then <meta>) with bad bytes replaced,
UTF-8, then a guess."""

from __future__ import annotations

import codecs

import pytest

from news.sources.fetch import decode_html

RUSSIAN = "Правительство объявило о новых мерах поддержки малого бизнеса в регионах страны."
GERMAN = "Die Bürger müssen größere Straßen überqueren, sagte der Bürgermeister."
FRENCH = "Le maire a présenté un budget équilibré; les élus ont déjà voté, à l'unanimité."


def _page(text: str, meta: str = "") -> str:
    return (
        f"<html><head>{meta}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"
    )


RUSSIAN_META = _page(RUSSIAN, '<meta charset="windows-1251">')
FRENCH_META = _page(
    FRENCH, '<meta http-equiv="Content-Type" content="text/html; charset=latin-1">'
)


@pytest.mark.parametrize(
    ("page", "body", "header", "encoding"),
    [
        (_page(RUSSIAN), _page(RUSSIAN).encode("cp1251"), None, "cp1251"),  # no header, no meta
        (_page(FRENCH), _page(FRENCH).encode("latin-1"), None, "cp1252"),  # browsers' default
        (_page(GERMAN), _page(GERMAN).encode("cp1252"), None, "cp1252"),
        (_page(RUSSIAN), _page(RUSSIAN).encode("cp1251"), "utf-8", "cp1251"),  # the header lies
        (_page(FRENCH), _page(FRENCH).encode(), "iso-8859-1", "utf-8"),  # lies the other way
        (RUSSIAN_META, RUSSIAN_META.encode("cp1251"), None, "cp1251"),
        # An unknown header charset: the meta's counts (Latin-1 read as windows-1252).
        (FRENCH_META, FRENCH_META.encode("latin-1"), "bogus-charset", "cp1252"),
        # The BOM wins over the header and is stripped.
        (_page(FRENCH), b"\xef\xbb\xbf" + _page(FRENCH).encode(), "latin-1", "utf-8"),
        (
            _page(RUSSIAN),
            codecs.BOM_UTF16_LE + _page(RUSSIAN).encode("utf-16-le"),
            "utf-8",
            "utf-16-le",
        ),
        (
            _page(GERMAN),
            codecs.BOM_UTF16_BE + _page(GERMAN).encode("utf-16-be"),
            None,
            "utf-16-be",
        ),
        # A meta utf-16 over 8-bit bytes means UTF-8.
        (
            _page(GERMAN, '<meta charset="utf-16">'),
            _page(GERMAN, '<meta charset="utf-16">').encode(),
            None,
            "utf-8",
        ),
        # An 8-bit label over valid UTF-8 text is a template leftover.
        (
            _page(RUSSIAN, '<meta charset="windows-1251">'),
            _page(RUSSIAN, '<meta charset="windows-1251">').encode(),
            None,
            "utf-8",
        ),
        # Curly quotes in a page labelled Latin-1 are windows-1252's.
        (
            _page("\u201cQuoted\u201d \u2014 caf\u00e9"),
            _page("\u201cQuoted\u201d \u2014 caf\u00e9").encode("cp1252"),
            "iso-8859-1",
            "cp1252",
        ),
    ],
)
def test_decode_html(page: str, body: bytes, header: str | None, encoding: str) -> None:
    assert decode_html(body, header) == (page, encoding)


def test_decode_broken_bytes_never_raises() -> None:
    body = _page("ok").encode() + b"\xff\xfe\x00\x81 broken \xc3"
    assert decode_html(body, "utf-8") == (
        _page("ok") + "\ufffd\ufffd\x00\ufffd broken \ufffd",
        "utf-8",
    )


@pytest.mark.parametrize(
    ("header", "meta"),
    [("utf-8", ""), (None, '<meta charset="utf-8">'), (None, "")],
    ids=["header", "meta", "undeclared"],
)
def test_one_bad_byte_keeps_the_accents(header: str | None, meta: str) -> None:
    # Issue 13: a page declared UTF-8 with one invalid byte was decoded as cp1252 ("ÿ" -> "Ã¿").
    page = _page(FRENCH + " Ÿ ÿ " + GERMAN + " <b>bad</b>", meta)
    body = page.encode().replace(b"<b>bad</b>", b"<b>\xff</b>")
    assert decode_html(body, header) == (page.replace("<b>bad</b>", "<b>\ufffd</b>"), "utf-8")


def test_one_bad_byte_in_a_declared_8bit_page_is_replaced() -> None:
    page = _page(RUSSIAN, '<meta charset="windows-1251">')
    body = page.encode("cp1251") + b"\x98"  # the one byte cp1251 leaves undefined
    assert decode_html(body, None) == (page + "\ufffd", "cp1251")


def test_undeclared_legacy_pages_are_still_guessed() -> None:
    body = _page(RUSSIAN).encode("cp1251")
    assert decode_html(body, None) == (_page(RUSSIAN), "cp1251")
    # a few stray UTF-8 sequences do not make a cp1251 page UTF-8
    mixed = body + "é".encode()
    assert decode_html(mixed, None)[1] == "cp1251"


def test_unknown_declarations_fall_back_to_the_guess() -> None:
    body = _page(RUSSIAN, '<meta charset="x-no-such-charset">').encode("cp1251")
    assert decode_html(body, "also-unknown") == (
        _page(RUSSIAN, '<meta charset="x-no-such-charset">'),
        "cp1251",
    )


def test_truncated_utf8_keeps_its_encoding() -> None:
    body = _page(FRENCH).encode()
    body = body[: body.index("é".encode()) + 1]  # cut inside a two-byte character
    text, encoding = decode_html(body, None, truncated=True)
    assert encoding == "utf-8"
    assert text.endswith("pr")
