"""Decode an HTML body to text: BOM, declared charsets, UTF-8, then a detector's guess.

Never raises: bytes that do not fit the chosen encoding become U+FFFD.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

__all__ = ["decode_html"]

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE
)
_LATIN1_FAMILY = frozenset({"latin_1", "iso8859-1", "cp1252", "ascii"})
_LATIN_CODEPAGES = frozenset(
    {"cp1250", "cp1252", "cp1257", "cp775", "cp850", "cp437", "mac-roman", "mac-latin2",
     "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13",
     "iso8859-14", "iso8859-15", "iso8859-16"}
)  # fmt: skip
_CENTRAL_EUROPEAN = frozenset(
    {"Polish", "Czech", "Slovak", "Hungarian", "Croatian", "Slovene", "Romanian", "Lithuanian",
     "Latvian", "Estonian", "Turkish"}
)  # fmt: skip


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def _try_decode(body: bytes, encoding: str, final: bool) -> str | None:
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        return str(decoder.decode(body, final=final))
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(
    body: bytes, header_charset: str | None = None, *, truncated: bool = False
) -> tuple[str, str]:
    """Decode an HTML body: BOM, then the HTTP header charset, then ``<meta charset>``, then
    UTF-8, then charset-normalizer; never raises (bad bytes become U+FFFD).

    A header claiming Latin-1/cp1252 over bytes that are valid UTF-8 is overruled (a common lie).
    Returns ``(text, encoding)``.
    """
    final = not truncated
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    is_utf8 = _try_decode(body, "utf-8", final)
    candidates = [_codec(header_charset)]
    meta = _META_CHARSET.search(body[:8192])
    if meta:
        candidates.append(_codec(meta.group(1).decode("ascii", "ignore")))
    for encoding in candidates:
        if encoding is None or encoding.startswith("utf-16"):  # a meta utf-16 in 8-bit bytes lies
            continue
        if encoding in _LATIN1_FAMILY and is_utf8 is not None and not body.isascii():
            return is_utf8, "utf-8"
        text = _try_decode(body, encoding, final)
        if text is not None:
            return text, encoding
    if is_utf8 is not None:
        return is_utf8, "utf-8"
    encoding = _guess(body)
    return body.decode(encoding, errors="replace"), encoding


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
        and _try_decode(body, "cp1252", final=True) is not None
    ):
        return "cp1252"
    return encoding
