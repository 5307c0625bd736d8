"""An article's headline, from the page's headings, its title and the article's opening words.

A page's ``<title>`` and meta title often carry the site and section beside the headline
("Bulls, Jones pursue talks: Sport: Rugby: News24", "TheStar.com | News | Law professors, MPs
sign brief to free Khadr"), or are only the site's or a section's name ("Local Sports Wire",
"NEWS", "The Hindu : Business"); a third of the ``gn1`` pages' metadata titles are not the
headline. The headline is nearly always also one of the page's headings, and the article's
opening words bear it out. :func:`headline` takes, in order:

1. the longest heading (``h1``-``h4``, or an element whose class or id names a headline or
   title) that the page's title contains and the opening words bear out (:data:`SUPPORT` of
   its content words, at least two);
2. the metadata title (``og:title``, JSON-LD, ``<title>``) when it is itself one of the
   headings and the opening words share a word with it;
3. the longest part of the title, split where sites join headline, section and name
   (" | ", " - ", ": ", " » ", "(from …)", "_English_Xinhua"), of three words or more, that the
   opening words bear out;
4. the heading nearest before the article's text that the opening words bear out
   (:data:`NEAR_SUPPORT` of its content words);
5. else, unsupported: the longest heading the title contains, the title's longest part of
   three words or more, the metadata title.

A candidate that is the site's name (its ``og:site_name``, its host) never counts. Measured on
the shared real pages with hand-marked headlines (``python -m benchmarks --only extract``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from lxml import html as lxml_html

__all__ = ["CONTAINED", "NEAR_SUPPORT", "SUPPORT", "PageHeadings", "headline", "page_headings"]

SUPPORT = 0.25  # share of a heading's content words the article's opening words carry
NEAR_SUPPORT = 0.5  # the same, for a heading the title does not carry
CONTAINED = 0.9  # share of a heading's words the title must have to carry it
OPENING_WORDS = 120  # the article's words a headline is checked against
MAX_HEADING_WORDS = 30
MAX_HEADING_CHILDREN = 12  # a headline holds a few inline elements, not a block of them

_WORD = re.compile(r"\w+")
_STOP_WORDS = (
    "the a an of in on at to for and or but is are was were be by with from as that this it "
    "its his her their new says said after over into up out about more than has have not will"
)
_STOP = frozenset(_STOP_WORDS.split())
# where a title joins headline, section and site: "A | B", "A - B", "A: B", "A » B", "A (from B)"
_PARTS = re.compile(
    r"\s+(?:\||-|–|—|::|--|»|«|/|·|•|\\|>)\s+|:\s+|\s*\|\s*|_(?=[A-Z])|\((?:from|via)\s[^)]*\)",
    re.IGNORECASE,
)
# "headline", "Headline", "title", "Title" in a class or id ("story-headline", "articleTitle")
_NAMED = (  # by the attributes, not every element's: a fifth of the time
    "//@class[contains(.,'eadline') or contains(.,'itle')]/.."
    " | //@id[contains(.,'eadline') or contains(.,'itle')]/.."
)
_NOT_HEADING_TAGS = "html head body title meta link script style img input form ul ol table"
_NOT_HEADINGS = frozenset(_NOT_HEADING_TAGS.split())
_HOST_PARTS = "www m com co uk org net news au in ca edu gov"  # not a site's own name
_HOST_WORDS = frozenset(_HOST_PARTS.split())


@dataclass(frozen=True, slots=True)
class PageHeadings:
    """What :func:`headline` needs of the page, read before the body engines change the tree:
    its ``<title>``, and its headings in document order with where each starts in the page's
    text."""

    title: str
    headings: tuple[tuple[int, str], ...]  # (offset in ``text``, heading)
    text: str  # the page's text, whitespace collapsed


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _content(text: str) -> set[str]:
    return {w for w in _tokens(text) if len(w) > 2 and w not in _STOP and not w.isdigit()}


def page_headings(tree: lxml_html.HtmlElement) -> PageHeadings:
    """The page's ``<title>`` and headings (:class:`PageHeadings`)."""
    element = tree.find(".//title")
    title = _clean(element.text_content()) if element is not None else ""
    body = tree.find("body")
    text = _clean((body if body is not None else tree).text_content())
    found: list[tuple[int, str]] = []
    seen: set[str] = set()
    named = [e for e in tree.xpath(_NAMED) if isinstance(e.tag, str)]
    for heading in [*tree.iter("h1", "h2", "h3", "h4"), *named]:
        if heading.tag in _NOT_HEADINGS or len(heading) > MAX_HEADING_CHILDREN:
            continue  # not a heading, or a block around one ("entry-title-wrap")
        words = _clean(heading.text_content())
        if not 2 <= len(words.split()) <= MAX_HEADING_WORDS or words in seen:
            continue
        seen.add(words)
        found.append((text.find(words), words))
    found.sort(key=lambda item: item[0])
    return PageHeadings(title, tuple(found), text)


def _contained(part: str, whole: str) -> float:
    """The share of ``part``'s words (with repeats) that ``whole`` has."""
    mine, theirs = Counter(_tokens(part)), Counter(_tokens(whole))
    total = sum(mine.values())
    return sum((mine & theirs).values()) / total if total else 0.0


def _support(candidate: str, opening: set[str]) -> float:
    """The share of the candidate's content words the opening words carry; 0.0 under two (or
    under all of a one-word candidate)."""
    words = _content(candidate)
    hits = len(words & opening)
    if not words or hits < min(2, len(words)):
        return 0.0
    return hits / len(words)


def _longest(candidates: list[str]) -> str | None:
    """The candidate of the most words (the first of equals), None when there is none."""
    return max(candidates, key=lambda c: len(_tokens(c))) if candidates else None


def _host_label(host: str | None) -> str:
    """The name in a host: ``toledoblade`` of ``www.toledoblade.com``."""
    labels = [p for p in (host or "").lower().split(".") if p and p not in _HOST_WORDS]
    return max(labels, key=len) if labels else ""


def headline(
    page: PageHeadings,
    meta_title: str | None,
    lines: list[str],
    *,
    site: str | None = None,
    host: str | None = None,
) -> str | None:
    """The article's headline (see the module docstring); None when the page offers none."""
    meta = _clean(meta_title)
    titles = [t for t in dict.fromkeys((meta, page.title)) if t]
    opening = _content(" ".join(" ".join(lines).split()[:OPENING_WORDS]))
    site_words = _content(site or "")
    label = _host_label(host)

    def names_page(candidate: str) -> bool:
        words = _content(candidate)
        if not words or words <= site_words:
            return True
        squashed = "".join(_tokens(candidate))
        if len(label) < 4 or len(squashed) < 4:
            return False
        # the host's name and a few letters more ("The Washington Post", "toledoblade.com")
        return squashed in label or (label in squashed and len(squashed) - len(label) <= 12)

    placed = [(offset, h) for offset, h in page.headings if not names_page(h)]
    headings = [h for _, h in placed]
    in_title = [h for h in headings if any(_contained(h, t) >= CONTAINED for t in titles)]
    parts = [
        p
        for t in titles
        for p in (_clean(piece) for piece in _PARTS.split(t))
        if len(_tokens(p)) >= 3 and not names_page(p)
    ]
    supported = [h for h in in_title if _support(h, opening) >= SUPPORT]
    if supported:
        return _longest(supported)
    if (
        meta
        and not names_page(meta)
        and _content(meta) & opening
        and any(_tokens(h) == _tokens(meta) for h in headings)
    ):
        return meta
    borne = [p for p in parts if _support(p, opening) >= SUPPORT]
    if borne:
        return _longest(borne)
    start = page.text.find(_clean(lines[0])[:25]) if lines and len(lines[0]) >= 10 else -1
    near = [
        (offset, h)
        for offset, h in placed
        if _support(h, opening) >= NEAR_SUPPORT and (start < 0 or offset <= start)
    ]
    if near:
        return (max(near) if start >= 0 else near[0])[1]
    return _longest(in_title) or _longest(parts) or meta or page.title or None
