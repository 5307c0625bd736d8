"""Decode an HTML body to text as browsers do: a BOM first, then the declared charset (the HTTP
header, else ``<meta charset>``) with bad bytes replaced, and a detector's guess only when nothing
usable is declared.

So one invalid byte in a page declared UTF-8 costs one U+FFFD, never a page of mojibake. A
declaration is set aside only when it cannot be right: an unknown codec, UTF-8 claimed over bytes
that plainly are not UTF-8 (most of their non-ASCII bytes invalid), or an 8-bit charset claimed
over bytes that are valid UTF-8 with non-ASCII text (a common template leftover). Never raises.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

__all__ = ["decode_html"]

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_META_SCAN = 8192  # bytes searched for <meta charset>
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)  # the three the WHATWG encoding standard sniffs; a BOM wins over any declaration
# Labels browsers read as windows-1252 (WHATWG encoding standard): pages labelled Latin-1 use
# 0x80-0x9F for curly quotes and dashes.
_AS_CP1252 = frozenset({"iso8859-1", "ascii"})
_LIE_MIN_INVALID = 8  # a UTF-8 label is believed over fewer invalid sequences than this ...
_LIE_SHARE = 0.5  # ... or over fewer than this share of the non-ASCII bytes
_LATIN_CODEPAGES = frozenset(
    {"cp1250", "cp1252", "cp1257", "cp775", "cp850", "cp437", "mac-roman", "mac-latin2",
     "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13",
     "iso8859-14", "iso8859-15", "iso8859-16"}
)  # fmt: skip
_CENTRAL_EUROPEAN = frozenset(
    {"Polish", "Czech", "Slovak", "Hungarian", "Croatian", "Slovene", "Romanian", "Lithuanian",
     "Latvian", "Estonian", "Turkish"}
)  # fmt: skip
_REPLACEMENT_UTF8 = "\ufffd".encode()
_ASCII = bytes(range(0x80))


def _codec(name: str | None) -> str | None:
    """Python's codec name for a charset label, or None when no codec has that label."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if codec in _AS_CP1252 else codec


def _decode(body: bytes, encoding: str, final: bool) -> str:
    """``body`` in ``encoding``, bad bytes as U+FFFD; a character cut off by a truncated body
    (``final=False``) is dropped, not replaced."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return str(decoder.decode(body, final=final))


class _Utf8:
    """The body read as UTF-8 once: the text and how many invalid sequences it replaced."""

    def __init__(self, body: bytes, final: bool) -> None:
        self.text = _decode(body, "utf-8", final)
        self.invalid = self.text.count("\ufffd") - body.count(_REPLACEMENT_UTF8)
        self.non_ascii = len(body.translate(None, _ASCII))

    @property
    def valid_with_text(self) -> bool:
        """Valid UTF-8 with non-ASCII characters: nothing else reads like this by chance."""
        return self.invalid == 0 and self.non_ascii > 0

    @property
    def believable(self) -> bool:
        """A UTF-8 declaration is believed unless the bytes plainly are in another charset."""
        return self.invalid < _LIE_MIN_INVALID or self.likely

    @property
    def likely(self) -> bool:
        """Undeclared bytes read as UTF-8: valid, or a few bad bytes among many good ones."""
        return self.invalid == 0 or self.invalid < _LIE_SHARE * self.non_ascii


def _declared(body: bytes, header_charset: str | None) -> list[str]:
    """The usable declarations, the header's first; a meta ``utf-16`` in 8-bit bytes means
    UTF-8 (WHATWG)."""
    found = [_codec(header_charset)]
    meta = _META_CHARSET.search(body[:_META_SCAN])
    if meta:
        encoding = _codec(meta.group(1).decode("ascii", "ignore"))
        found.append("utf-8" if encoding and encoding.startswith("utf-16") else encoding)
    return [encoding for encoding in found if encoding is not None]


def decode_html(
    body: bytes, header_charset: str | None = None, *, truncated: bool = False
) -> tuple[str, str]:
    """Decode an HTML body (see the module docstring); returns ``(text, encoding)``.

    ``truncated``: the body was cut at a size cap, so a partial last character is dropped.
    """
    final = not truncated
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode(body[len(bom) :], name, final), name
    utf8 = _Utf8(body, final)
    for encoding in _declared(body, header_charset):
        if encoding == "utf-8" or utf8.valid_with_text:
            if utf8.believable:
                return utf8.text, "utf-8"
            continue  # UTF-8 claimed over bytes in another charset: the next declaration
        return _decode(body, encoding, final), encoding
    if utf8.likely:
        return utf8.text, "utf-8"
    encoding = _guess(body)
    return _decode(body, encoding, final), encoding


def _guess(body: bytes) -> str:
    """charset-normalizer's guess, nudged to windows-1252 for Western Latin-script text.

    The detector often ranks rarer Latin code pages (cp1257, mac_latin2) first on short French
    or German pages; browsers default unlabeled pages to windows-1252, and so do we when the
    detected language does not need a Central/Eastern European code page.
    """
    best = charset_normalizer.from_bytes(body[:200_000]).best()
    encoding = _codec(best.encoding if best is not None else None) or "utf-8"
    if (
        best is not None
        and encoding in _LATIN_CODEPAGES
        and best.language not in _CENTRAL_EUROPEAN
        and _strict(body, "cp1252")
    ):
        return "cp1252"
    return encoding


def _strict(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
