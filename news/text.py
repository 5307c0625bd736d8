"""Plain text out of HTML, the small way: feed fields and descriptions (no article extraction,
which is :mod:`news.sources.extract`), and telling whether unlabeled bytes or text are HTML.

One place for these, so a feed title, a feed's full text and a saved file are read the same way.
"""

from __future__ import annotations

import html
import re

__all__ = ["clean_text", "html_to_text", "looks_like_html"]

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*|!|\?)[^>]*>")
_ANY_TAG = re.compile(r"<[^>]*>")
_INLINE = frozenset(
    {"a", "abbr", "b", "cite", "code", "em", "font", "i", "mark", "q", "s", "small", "span",
     "strong", "sub", "sup", "u"}
)  # fmt: skip
_SPACE = re.compile(r"\s+")
_BLANKS = re.compile(r"[ \t\r\f\v]+")
_BLOCK_END = re.compile(r"(?i)</(p|div|li|h[1-6]|blockquote)>|<br\s*/?>")
_HTML_OPENINGS = ("<!doctype html", "<html", "<head", "<body", "<!--")
_SNIFF_CHARS = 5000
_LEADING = "\ufeff\xef\xbb\xbf \t\r\n\f\v"  # a BOM (as text, or as Latin-1 bytes) and blanks


def clean_text(value: str | None) -> str:
    """One line of plain text from a field that may hold HTML (a feed title or summary): tags
    dropped (inline ones without a space, so "<b>Ky</b>iv" stays one word), entities decoded,
    whitespace collapsed; a bare ``<`` or ``>`` that opens no tag is kept."""
    if not value:
        return ""
    stripped = _TAG.sub(lambda m: "" if m.group(2).lower() in _INLINE else " ", value)
    return _SPACE.sub(" ", html.unescape(stripped)).strip()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed's full-text body), one line per paragraph: block
    ends and ``<br>`` become line breaks, other tags and entities go, blank lines are dropped."""
    text = _BLOCK_END.sub("\n", fragment)
    text = html.unescape(_ANY_TAG.sub(" ", text))
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def looks_like_html(data: str | bytes) -> bool:
    """True when a document without a content type reads as HTML: it opens like a page (after a
    BOM and blanks) or has a ``<body`` tag near its top."""
    head = data[:_SNIFF_CHARS]
    text = head.decode("latin-1") if isinstance(head, bytes) else head
    text = text.lstrip(_LEADING).lower()
    return text.startswith(_HTML_OPENINGS) or "<body" in text
