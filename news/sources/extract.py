"""Turn a news page's HTML into an :class:`~news.models.Article`: one parse, one body engine.

1. The page is parsed once (lxml, as trafilatura parses it; a ``<title>`` never closed is
   closed first, and elements a class marks hidden are dropped before the body engine); the
   link texts, the declared language and the metadata (title, date, author, site name,
   canonical URL) are read from that tree (:mod:`news.sources.extract_meta`).
2. readability-lxml picks the main content block on the same tree
   (:mod:`news.sources.extract_body`); when the line filter keeps fewer than
   :data:`FALLBACK_WORDS` of it, trafilatura runs on the tree instead (balanced mode). On the
   shared real pages readability finds more of the article, with less furniture, at lower cost.
3. A line filter (:mod:`news.sources.extract_lines`) drops the furniture the engine keeps
   (:mod:`summarizer.furniture`: licensing notices, newsletter and share prompts, photo credits,
   bylines, datelines, teasers), the headline repeated, lines made of one link's text and a
   trailing author bio.
4. A video post whose video sits in an ``<object>`` embed gets the embed's caption first: the
   fallback content a browser shows once the plugin is gone, which both engines drop
   (:func:`_embed_caption`).
5. The headline is the page's heading that its title carries and its text bears out, not a
   ``<title>`` that is the site's name or carries its section (:mod:`news.sources.extract_title`).
6. The language is the page's declared one, else detected from the text (py3langid).

A page whose filtered text is short (under :data:`MIN_WORDS`, or no sentence-length line) is
still an article when both engines agree on it: trafilatura's precision mode finds the same text
(at least :data:`AGREED_WORDS` words, :data:`AGREEMENT` of its 4-word shingles shared) and the
page is not a list of links. Short news briefs pass; stubs and error pages, where the engines
pick different scraps or too few words, do not.

Pages without an article body (too little text, index/listing pages, login or paywall stubs,
cookie walls, "page not found" error pages) are rejected with :class:`NotAnArticle` and a
reason. Parsing is CPU-bound: callers on an event loop run :func:`extract` in a thread; it keeps
no shared mutable state. Quality and speed on real pages: ``python -m benchmarks --only extract``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import trafilatura
from lxml import html as lxml_html
from trafilatura.settings import Document
from trafilatura.utils import load_html

from news.models import Article
from news.sources.extract_body import readability_lines
from news.sources.extract_language import declared_language, detect_language
from news.sources.extract_lines import Model, load_model, score_lines
from news.sources.extract_meta import DATE_FORMAT, read_metadata
from news.sources.extract_title import headline, page_headings
from news.sources.fetch import decode_html
from summarizer.furniture import is_furniture

__all__ = [
    "AGREED_WORDS",
    "AGREEMENT",
    "CONTROLS",
    "EMBED_CAPTION",
    "FALLBACK_WORDS",
    "HIDDEN_CLASSES",
    "MIN_WORDS",
    "NotAnArticle",
    "PageLines",
    "extract",
    "read_lines",
    "select_lines",
]

logger = logging.getLogger(__name__)

# trafilatura's mode for the one pass: balanced mode finds more of the article than precision
# mode on all four shared sets; the line filter takes out the furniture it lets in
MODE = "balanced"
FALLBACK_WORDS = 80  # readability keeping fewer words than this: trafilatura's lines instead
MIN_WORDS = 40  # fewer words than this is a stub, a teaser or an error page, not an article
AGREED_WORDS = 15  # ... unless both engines find the same text of at least this many words
HIDDEN_CLASSES = frozenset({"hidden", "hide"})  # class names that mean "not displayed"
CONTROLS = ("select", "option", "optgroup", "button", "textarea")  # form controls: never text
# a caption or description inside an <object> embed's fallback content (see _embed_caption)
EMBED_CAPTION = re.compile(r"caption|description|summary", re.IGNORECASE)
# class or id names whose first part says "not the article" ("sidebar", "related-videos")
_EMBED_AWAY = frozenset({"related", "sidebar", "promo", "widget", "footer", "more", "recommended"})
_EMBED_AWAY_TAGS = frozenset({"aside", "nav", "footer"})
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]?$")
AGREEMENT = 0.8  # the share of the shorter text's 4-word shingles the other must contain
_PRUNE = [
    # embedded posts quote other media; readers and annotators leave them out of the body
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'instagram-media')"
    " or contains(@class, 'tiktok-embed') or contains(@class, 'reddit-card')]",
]
_WORD = re.compile(r"\w+")
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref_src"})
_LOGIN_WALL = re.compile(
    r"\b((subscribe|log ?in|sign in|register|sign up)( now)? to (continue|read|keep reading"
    r"|access|view|unlock)|continue reading with|subscribers? only|for subscribers|already a"
    r" subscriber|create (a free|an) account to|paywall|(article|content|story) is (only )?"
    r"(available|reserved) (to|for) (subscribers|members))\b",
    re.IGNORECASE,
)
_ERROR_PAGE = re.compile(
    r"\b((page|article|story|content)( (that )?you (are|were) looking for| you requested)?"
    r"[^.]{0,40} (could not|cannot|can.t|couldn.t|was not|wasn.t) (be )?found|no longer"
    r" (available|exists)|(has|may have) been (moved|removed|deleted)|page not found|error 404"
    r"|404 (error|not found))\b",
    re.IGNORECASE,
)
_COOKIE_WALL = re.compile(
    r"\b(we use cookies|uses cookies|cookie (policy|settings|preferences|consent)|accept (all )?"
    r"cookies|manage (your )?(cookie|privacy) (settings|preferences)|consent to (the use of )?"
    r"cookies)\b",
    re.IGNORECASE,
)


class NotAnArticle(Exception):
    """The page has no article body; ``reason`` is one short user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _close_title(page: str) -> str:
    """The page with a ``<title>`` that is never closed ended at its first tag or line end:
    left open, the parser reads the rest of the page as the title's text and the body is lost."""
    opened = _TITLE_OPEN.search(page)
    if opened is None or _TITLE_CLOSE.search(page, opened.end()):
        return page
    ends = [i for i in (page.find("<", opened.end()), page.find("\n", opened.end())) if i >= 0]
    stop = min(ends, default=len(page))
    return page[:stop] + "</title>" + page[stop:]


def _parse(page: str | bytes) -> lxml_html.HtmlElement:
    if isinstance(page, bytes):
        page, _ = decode_html(page)
    if not page.strip():
        raise NotAnArticle("The page is empty.")
    page = _close_title(page)
    tree = load_html(page)
    if tree is None:
        raise NotAnArticle("The page could not be read as HTML.")
    return tree


def _anchor_texts(tree: lxml_html.HtmlElement) -> set[str]:
    texts = set()
    for anchor in tree.iter("a"):
        text = " ".join(" ".join(anchor.itertext()).split())
        if _words(text) >= 3:
            texts.add(text.casefold())
    return texts


def _is_link_list(tree: lxml_html.HtmlElement) -> bool:
    """True when most of the page's text is link text (front pages, section indexes)."""
    body = tree.find("body")
    if body is None:
        return False
    total = _words(" ".join(body.itertext()))
    linked = sum(_words(" ".join(a.itertext())) for a in body.iter("a"))
    return total > 0 and linked >= 40 and linked / total >= 0.5


_TOO_SHORT = "The page has too little text to be an article."
_SHORT_LINES = "The page has no article text, only short lines."


def _reject_non_article(
    lines: list[str],
    raw_lines: list[str],
    links: set[str],
    tree: lxml_html.HtmlElement,
    min_words: int = MIN_WORDS,
) -> None:
    """Raise :class:`NotAnArticle` for a paywall stub, a cookie wall, an index page or a page
    with too little prose (under ``min_words``; below :data:`MIN_WORDS` no sentence is needed:
    that is the check of text both engines agree on)."""
    text = "\n".join(lines)
    words = _words(text)
    if words < 150 and _LOGIN_WALL.search(text):
        raise NotAnArticle("The article is behind a login or paywall.")
    if words < 150 and _COOKIE_WALL.search(text):
        raise NotAnArticle("The page shows only a cookie notice, not the article.")
    if words < 150 and _ERROR_PAGE.search(text):
        raise NotAnArticle("The page is an error page (not found or removed), not an article.")
    if raw_lines:
        linked = sum(1 for line in raw_lines if " ".join(line.split()).casefold() in links)
        if len(raw_lines) >= 6 and linked / len(raw_lines) >= 0.4 and words < 150:
            raise NotAnArticle("The page is a list of links (an index page), not an article.")
    sentence = min_words < MIN_WORDS or any(_words(line) >= 12 for line in lines)
    if words < min_words or not sentence or (min_words < MIN_WORDS and _is_link_list(tree)):
        if _is_link_list(tree):
            raise NotAnArticle("The page is a list of links (an index page), not an article.")
        raise NotAnArticle(_TOO_SHORT if words < min_words else _SHORT_LINES)


def _shingles(lines: list[str]) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall("\n".join(lines))
    return Counter(tuple(tokens[i : i + 4]) for i in range(max(1, len(tokens) - 3)))


def _agreed(first: list[str], second: list[str]) -> list[str] | None:
    """The shorter of two engines' lines when the other contains :data:`AGREEMENT` of its
    4-word shingles, else ``None``."""
    if not first or not second:
        return None
    short, other = sorted((first, second), key=lambda lines: _words("\n".join(lines)))
    shingles = _shingles(short)
    shared = sum((shingles & _shingles(other)).values())
    return short if shared >= AGREEMENT * shingles.total() else None


def _short_article(
    tree: lxml_html.HtmlElement, url: str | None, page: PageLines, readability: list[str]
) -> tuple[PageLines, list[str]] | None:
    """The text of a short page both engines agree on (readability-lxml's filtered lines and
    trafilatura's precision mode), or ``None``; only pages refused as too short get here."""
    try:
        precise = _trafilatura_lines(tree, url, "precision")
    except NotAnArticle:
        return None
    agreed = _agreed(readability, select_lines(precise))
    if agreed is None:
        return None
    try:
        _reject_non_article(agreed, page.lines, page.links, tree, min_words=AGREED_WORDS)
    except NotAnArticle:
        return None
    return page, agreed


def _strip_tracking(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not (k.lower().startswith("utm_") or k.lower() in _TRACKING)
    ]
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


def _published(document: Document) -> datetime | None:
    value = document.date
    if not value:
        return None
    for parse in (
        lambda v: datetime.strptime(v, DATE_FORMAT),
        datetime.fromisoformat,
    ):
        try:
            parsed = parse(value)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    return None


def _canonical(tree: lxml_html.HtmlElement, url: str | None) -> str | None:
    candidates = tree.xpath(
        "//link[translate(@rel,'CANONICAL','canonical')='canonical']/@href"
        "|//meta[@property='og:url']/@content"
    )
    for candidate in candidates:
        absolute = urljoin(url or "", str(candidate).strip())
        parts = urlsplit(absolute)
        if parts.scheme in ("http", "https") and parts.netloc:
            return _strip_tracking(absolute)
    return None


def _run_trafilatura(
    tree: lxml_html.HtmlElement, url: str | None, mode: str = "precision"
) -> Document | None:
    """The one trafilatura pass; the tree is copied, not changed. ``mode`` is
    ``precision``, ``balanced`` or ``recall``."""
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=mode == "precision",
        favor_recall=mode == "recall",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,  # read_metadata: the same sources without the costly searches
        prune_xpath=_PRUNE,
    )
    return result if isinstance(result, Document) else None


@dataclass(frozen=True)
class PageLines:
    """What the one parse and the one trafilatura pass give: the candidate lines and their
    context (headline, link texts), for :func:`extract` and for training the line model."""

    tree: lxml_html.HtmlElement
    document: Document  # the metadata (text in ``lines``)
    lines: list[str]
    title: str | None
    links: set[str]


def read_lines(html: str | bytes, url: str | None = None, mode: str = MODE) -> PageLines:
    """Parse the page once and run trafilatura once on it (``mode``: see
    :func:`_run_trafilatura`); raises :class:`NotAnArticle` when trafilatura finds no text."""
    return _trafilatura_lines(_parse(html), url, mode)


def _context(
    tree: lxml_html.HtmlElement, url: str | None
) -> tuple[Document, str | None, set[str]]:
    document = read_metadata(tree, url)
    title = " ".join((document.title or "").split()) or None
    return document, title, _anchor_texts(tree)


def _trafilatura_lines(tree: lxml_html.HtmlElement, url: str | None, mode: str) -> PageLines:
    result = _run_trafilatura(tree, url, mode)
    if result is None or not result.text:
        if _is_link_list(tree):
            raise NotAnArticle("The page is a list of links (an index page), not an article.")
        raise NotAnArticle("No article text was found on the page.")
    document, title, links = _context(tree, url)
    lines = [line.strip() for line in result.text.splitlines() if line.strip()]
    return PageLines(tree, document, lines, title, links)


def select_lines(page: PageLines, model: Model | None = None) -> list[str]:
    """The article's lines: those the line model keeps (:mod:`news.sources.extract_lines`)."""
    scores = score_lines(page.lines, page.title, page.links, model)
    chosen = model or load_model()
    return [line for line, p in zip(page.lines, scores, strict=True) if p >= chosen.threshold]


def _drop_controls(tree: lxml_html.HtmlElement) -> None:
    """Remove form controls (:data:`CONTROLS`): a menu's options, a button's label and a text
    box's prompt are page furniture, yet readability keeps them when they sit in its block (a
    list of 200 Bible translations under one verse)."""
    for element in list(tree.iter(*CONTROLS)):
        if element.getparent() is not None:
            element.drop_tree()


def _drop_hidden(tree: lxml_html.HtmlElement) -> None:
    """Remove the elements a class marks hidden (:data:`HIDDEN_CLASSES`: a second copy of the
    article for another layout, collapsed teasers), unless they hold most of the page's text
    (an article a script reveals). readability already drops ``hidden`` and ``display: none``."""
    hidden = [
        element
        for element in tree.xpath("//*[@class]")
        if HIDDEN_CLASSES.intersection(str(element.get("class", "")).split())
        and element.getparent() is not None
    ]
    marked = set(hidden)
    outer = [e for e in hidden if not any(a in marked for a in e.iterancestors())]
    if not outer:
        return
    words = sum(_words(" ".join(e.itertext())) for e in outer)
    body = tree.find("body")
    if body is not None and 2 * words > _words(" ".join(body.itertext())):
        return
    for element in outer:
        element.drop_tree()


def _names(element: lxml_html.HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _away(element: lxml_html.HtmlElement) -> bool:
    """Whether the element is an aside, a footer or a block named as not the article."""
    if element.tag in _EMBED_AWAY_TAGS:
        return True
    names = _names(element).lower().split()
    return any(re.split(r"[-_]", name)[0] in _EMBED_AWAY for name in names)


def _is_plugin(embed: lxml_html.HtmlElement) -> bool:
    """Whether an ``<object>`` (or one nested in it) runs a plugin (Flash and the like: a
    ``classid``, a Flash type, a ``.swf`` file or a ``movie`` parameter), not an image, a PDF or
    a page a browser shows."""
    for element in embed.iter("object"):
        kind = (element.get("type") or "").lower()
        data = (element.get("data") or "").lower().split("?", 1)[0]
        if element.get("classid") or "flash" in kind or data.endswith(".swf"):
            return True
    return any((param.get("name") or "").lower() == "movie" for param in embed.iter("param"))


def _embed_caption(tree: lxml_html.HtmlElement) -> str | None:
    """The description of the page's one embedded video when it sits in an ``<object>``'s
    fallback content, else None.

    A browser shows an ``<object>``'s fallback content when it cannot run the plugin, as every
    browser has since Flash was retired; on a video post of the Flash era that fallback holds
    the description of the news the video shows (tv.msnbc.com's posts open with it). Both
    engines drop ``<object>`` whole. Kept, from a plugin's embed (:func:`_is_plugin`; an SVG or
    PDF ``<object>`` is shown, its fallback is not): an element inside it whose class or id names a
    caption, description or summary, holding a sentence of at least five words that is not
    furniture, when the page has exactly one such caption and its embed is not in an aside, a
    footer or a block named "related" and the like (a related video is not the article).
    """
    captions: list[str] = []
    for embed in tree.iter("object"):
        outer = [embed, *embed.iterancestors()]
        if any(a.tag == "object" for a in outer[1:]):
            continue  # a nested <object>: its outer one is read
        if not _is_plugin(embed) or any(_away(a) for a in outer):
            continue
        for element in embed.iter():
            if not isinstance(element.tag, str) or not EMBED_CAPTION.search(_names(element)):
                continue
            if any(
                isinstance(inner.tag, str) and EMBED_CAPTION.search(_names(inner))
                for inner in element.iterdescendants()
            ):
                continue  # a caption box around the caption: the innermost one is read
            text = " ".join(element.text_content().split())
            if _words(text) >= 5 and _SENTENCE_END.search(text) and not is_furniture(text):
                captions.append(text)
    unique = list(dict.fromkeys(captions))
    return unique[0] if len(unique) == 1 else None


def _body(tree: lxml_html.HtmlElement, url: str | None) -> tuple[PageLines, list[str], list[str]]:
    """The page's candidate lines and the ones kept: readability-lxml's main block through the
    line filter, or trafilatura's lines when that keeps fewer than :data:`FALLBACK_WORDS`; last,
    readability's kept lines (for :func:`_short_article`)."""
    document, title, links = _context(tree, url)
    _drop_controls(tree)
    _drop_hidden(tree)
    page = PageLines(tree, document, readability_lines(tree), title, links)
    lines = select_lines(page) if page.lines else []
    if _words("\n".join(lines)) >= FALLBACK_WORDS:
        return page, lines, lines
    try:
        fallback = _trafilatura_lines(tree, url, MODE)
    except NotAnArticle:
        if not page.lines:
            raise
        return page, lines, lines
    return fallback, select_lines(fallback), lines


def extract(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article of a news page; raises :class:`NotAnArticle` with a reason.

    ``url`` is where the page came from; the page's canonical URL wins when it names one.
    """
    tree = _parse(html)
    canonical = _canonical(tree, url)
    declared = declared_language(tree)
    caption = _embed_caption(tree)
    headings = page_headings(tree)  # before the body engines drop parts of the tree
    page, lines, readability = _body(tree, url)
    try:
        _reject_non_article(lines, page.lines, page.links, tree)
    except NotAnArticle as refused:
        rescued = None
        if refused.reason in (_TOO_SHORT, _SHORT_LINES):
            rescued = _short_article(tree, url, page, readability)
        if rescued is None:
            raise
        page, lines = rescued
    document = page.document
    final_url = canonical or url or document.url or ""
    host = urlsplit(final_url).hostname or ""
    title = headline(headings, page.title, lines, site=document.sitename, host=host)
    if caption and caption not in " ".join(lines):
        lines = [caption, *lines]
    text = "\n".join(lines)
    source = (document.sitename or "").strip() or host.removeprefix("www.") or "unknown"
    return Article(
        url=final_url,
        title=title or lines[0][:200],
        text=text,
        source=source,
        published=_published(document),
        author=(document.author or None),
        language=declared or detect_language(text),
        description=document.description or None,
    )
