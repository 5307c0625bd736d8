"""news.sources.decode: BOM, declared charsets (header, then <meta>), UTF-8, then a guess."""

from __future__ import annotations

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
        # An unknown header charset: the meta's counts.
        (FRENCH_META, FRENCH_META.encode("latin-1"), "bogus-charset", "iso8859-1"),
        # The BOM wins over the header (and stays in the text, as U+FEFF).
        ("\ufeff" + _page(FRENCH), b"\xef\xbb\xbf" + _page(FRENCH).encode(), "latin-1", "utf-8"),
    ],
)
def test_decode_html(page: str, body: bytes, header: str | None, encoding: str) -> None:
    assert decode_html(body, header) == (page, encoding)


def test_decode_broken_bytes_never_raises() -> None:
    body = _page("ok").encode() + b"\xff\xfe\x00\x81 broken \xc3"
    text, encoding = decode_html(body, "utf-8")
    assert text.startswith(_page("ok"))
    # Today the whole body is re-guessed (cp1251: "\xff\xfe" becomes "яю"); issue 13 asks for
    # the declared UTF-8 with U+FFFD for the bad bytes instead.
    assert (text[len(_page("ok")) :], encoding) == ("яю\x00Ѓ broken Г", "cp1251")


def test_truncated_utf8_keeps_its_encoding() -> None:
    body = _page(FRENCH).encode()
    body = body[: body.index("é".encode()) + 1]  # cut inside a two-byte character
    text, encoding = decode_html(body, None, truncated=True)
    assert encoding == "utf-8"
    assert text.endswith("pr")
