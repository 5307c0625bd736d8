"""Turn a news page's HTML into an :class:`~news.models.Article` with trafilatura, tuned for
precision on news pages:

1. the tree is prepared: layout tables become divs, article bodies split into sibling
   containers (ads between them) are joined, social embeds and ad slots are pruned;
2. trafilatura runs in precision mode (with metadata) and in balanced mode; precision mode sets
   the article's boundaries and balanced mode restores the paragraphs precision mode dropped
   inside them or cut off at the end (:func:`merge_lines`); a precision fragment falls back to
   the balanced reading;
3. a small line filter drops the furniture both leave (newsletter and share prompts, photo
   credits, "Advertisement", bylines, datelines, market widgets, teasers, a trailing author bio).

Pages without an article body (too little text, index/listing pages, login or paywall stubs) are
rejected with :class:`NotAnArticle`. Parsing is CPU-bound: callers on an event loop run
:func:`extract` in a thread; it keeps no shared mutable state, so threads may call it at once.
Quality is measured by ``python -m benchmarks --only extract``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import trafilatura
from lxml import html as lxml_html
from trafilatura.deduplication import LRUCache
from trafilatura.settings import Document

from news.models import Article
from news.sources.fetch import decode_html

__all__ = [
    "MIN_WORDS",
    "NotAnArticle",
    "clean_lines",
    "drop_trailing_bio",
    "extract",
    "is_junk",
    "merge_lines",
]

logger = logging.getLogger(__name__)

MIN_WORDS = 40  # fewer words than this is a stub, a teaser or an error page, not an article
_LAYOUT_CELL_WORDS = 60  # a table cell this long means the table is page layout, not data
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_PRUNE = [
    # embedded posts quote other media; readers and annotators leave them out of the body
    "//blockquote[contains(@class, 'twitter-tweet') or contains(@class, 'instagram-media')"
    " or contains(@class, 'tiktok-embed') or contains(@class, 'reddit-card')]",
    "//*[@data-testid='ad' or @data-testid='newsletter' or @data-testid='related']",
    "//amp-ad|//amp-social-share|//amp-sidebar|//noscript|//iframe",
]
_WORD = re.compile(r"\w+")
_BODY_CLASS = re.compile(
    r"\b((article|story|entry|post|content|news)[-_]{0,2}(body|text|content|entry)|articlebody"
    r"|storybodycompanioncolumn)\b",
    re.IGNORECASE,
)
_BIO = re.compile(
    r"(?:[A-Z][\w.'’-]+ ){1,3}(is|was|has been) (an? |the )?([\w-]+ ){0,4}(reporter|writer"
    r"|correspondent|editor|journalist|columnist|contributor|producer|photographer|author"
    r"|fellow)\b"
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref_src"})

# Lines trafilatura sometimes keeps that are site furniture, never article text. Each pattern is
# applied only to short lines (see _MAX_FILTER_WORDS), case-insensitively, to the whole line.
_SOCIAL = r"(facebook|twitter|x|linkedin|whatsapp|email|reddit|pinterest|telegram|copy link)"
_AGENCY = (
    r"(getty images|shutterstock|wikimedia commons|ap photo|afp|reuters|epa|alamy|pool|handout)"
)
_CREDIT = r"(getty images|shutterstock|wikimedia commons|ap photo|alamy|pool photo|handout photo)"
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATELINE = (  # "Jan. 19, 2020", "Sunday 19 January 2020", "2020-01-19", "19/01/2020"
    rf"(((mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s*)?({_MONTH}\s+\d{{1,2}}(st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}})|\d{{4}}-\d{{2}}-\d{{2}}"
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4})"
)
_NAME = r"(?-i:[A-Z])[\w.'’-]*(\s+(?-i:[A-Z])[\w.'’-]*){0,3}"  # up to four capitalised words
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # ad slots and "continue" prompts
        r"(advertisement|advertising|sponsored( content| stories| links)?|ad|ads by \w+|story"
        r" continues below( advertisement)?|scroll to continue( with content)?|continue reading"
        r"( the main story| below)?|supported by|promoted( content| stories)?|paid (content|post)"
        r"|partner content|anzeige|werbung|publicité|publicidad|pubblicità|reklama)\W*",
        # teasers for other stories
        r"(read more|read next|read also|also read|see also)\b.*",
        r"(?-i:More from|MORE FROM|More on this story|More On This Story)\b.*",
        r"(related( coverage| articles| stories| content| links| reading)?|recommended( for you"
        r"| stories)?|most (read|popular|viewed|shared)|trending( now)?|you (might|may) also like"
        r"|around the web|from (around|across) the web|from our partners|popular( now| stories)?"
        r"|editor'?s picks|top stories|latest (news|stories)|more (stories|news|headlines|videos)"
        r"|just watched|must watch|replay)\W*",
        r"related\s*:.*",
        # newsletter and account prompts
        r".*\b(sign up|subscribe|register)\b.*\b(newsletter|inbox|updates|briefing|emails?)\b.*",
        r".*\bnewsletters?\b.*\b(sign up|subscribe|inbox|unsubscribe)\b.*",
        r"(sign up|subscribe( now| today)?|log ?in|sign in|unsubscribe)\b[^.!?]{0,60}",
        # share and comment widgets
        r"(share( this( article| story| page)?| on \w+| via \w+| full article)?|tweet|email"
        r"( this)?( story| article)?|print( this)?( story| article| page)?|copy link|like this"
        r"|like loading\W*|\d* ?comments?|view \d+ comments|leave a (reply|comment))"
        rf"([\s|:·•,.]*({_SOCIAL}|print( this story)?|email this story|\d+))*\W*",
        r"(listen to (this|the) article|\d+ min(ute)?s? read).*",
        rf"({_SOCIAL}|pin|pinterest|flipboard|messenger|sms|print)(\W+({_SOCIAL}|pin|pinterest"
        r"|flipboard|messenger|sms|print))*\W*",
        r"\d+\s*(shares?|comments?|likes?)\W*",
        r"share this with\b.*|click to (share|email|print)\b.*",
        r".{0,60}\(opens in (a )?new window\)",
        r"media playback is (unsupported|not supported)\b.*",
        # photo captions and credits
        r"(photo|photos|image|picture|photograph|credit|file photo|illustration)s?"
        r"\s*(:|by\b|credit\b).{0,160}",
        rf".{{0,200}}[(/|:]\s*{_CREDIT}(\s*(via \w+|/[^.]{{0,30}}))?\)?\W*",
        # agency names are also words in sentences: only as "EPA/Jo Lu" or "Jo Lu/AFP" credits
        rf".{{0,200}}(\b{_AGENCY}\s*/\s*[^./]{{1,40}}|/\s*{_AGENCY})\)?\W*",
        rf".{{0,200}}\bvia {_AGENCY}\W*",
        r".{0,200}\b(photograph|photo|image|picture|illustration|composite)\s*:\s*[^.]{2,80}",
        r"credit\s*(\.{2,}|…|:).{0,120}",
        r"((image|photo|slide)\s*)?\d+\s*(of|/)\s*\d+\W*",
        # widgets and site furniture
        r"(market data|markets|close|menu|search|skip to (main )?content|back to top|home)\W*",
        r"welcome to [^.]{1,60}",
        r"(©|\(c\)|copyright)\s*(\d{4}|©).*",
        r".*\ball rights reserved\b.*",
        r"(tags?|topics?|categories)\s*:.*|(tagged|filed under)\b[^.]*",
        r"(updated|published|posted|last updated)( on)?\b[^.!?]{0,60}\d[^.!?]{0,40}",
        rf"{_DATELINE}([\s,/|·•–-]+(at\s+)?\d{{1,2}}[:.]\d{{2}}\s*([ap]\.?m\.?)?\s*(\w{{2,5}})?)?"
        r"([\s/|·•–-]+(updated|last updated)?\s*\d+\s*(min|mins|minutes|hours?|hrs?|days?)"
        r"\s*ago)?\W*",
        r"(updated\s*)?\d+\s*(min|mins|minutes|hours?|hrs?|days?)\s*ago\W*",
        r"(have a (story|news) tip|follow us on|our standards:|purchase licensing rights"
        r"|order reprints|a version of this article appears in print).*",
        r"(image|media) (copyright|caption|source)\b.*",
        rf"{_AGENCY}\W*",
        r"(click|tap) here\b.{0,120}",
        r"(follow|like) (us|\w+( \w+){0,3}) on (twitter|facebook|instagram|x|linkedin|threads"
        r"|bluesky|tiktok|youtube|google news)\b.{0,60}",
        r"(download|get|install) (our|the) (free )?([\w-]+ ){0,3}app\b.{0,80}",
        r"(loading|please enable javascript)\b.{0,80}",
        r"[«‹<]?\s*(previous|next)( (post|article|story|page))?\s*[»›>]?(\s*:.{0,100})?",
        r"(watch|video|listen|gallery|slideshow)\s*[:|].{0,120}",
        r"(was this article helpful\??|reuse this content|support us|thank you for reading"
        r"|report an error|send us your feedback|corrections? policy).{0,40}",
        r"(you can |you may )?unsubscribe (at )?any ?time\b.*|(see|read|view) our privacy"
        r" (policy|notice)\b.*",
        r"(got|have) a (news |story )?(tip|story)\b.*",
        r".*\b(contact|email|e-mail|write to|reach)\b.*\S+@\S+\.\w+.*",
        r"[^|]{1,60}(\|[^|]{1,60}){2,}",  # "Name | 30 May 2026, 11:20 | Section" (see below)
        # bylines
        rf"(?-i:By|BY|Words by|Written by|Reporting by|Story by)\s+{_NAME}"
        rf"(\s*(,|and|&)\s*{_NAME})*\W*",
    )
]
_PIPES = next(p for p in _BOILERPLATE if p.pattern.startswith("[^|]"))
_DATEISH = re.compile(
    r"\b(\d{1,2}:\d{2}|\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", re.IGNORECASE
)
_MAX_FILTER_WORDS = 30
_LOGIN_WALL = re.compile(
    r"\b((subscribe|log ?in|sign in|register|sign up)( now)? to (continue|read|keep reading"
    r"|access|view|unlock)|continue reading with|subscribers? only|for subscribers|already a"
    r" subscriber|create (a free|an) account to|paywall|(article|content|story) is (only )?"
    r"(available|reserved) (to|for) (subscribers|members))\b",
    re.IGNORECASE,
)


class NotAnArticle(Exception):
    """The page has no article body; ``reason`` is one short user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _parse(page: str | bytes) -> lxml_html.HtmlElement:
    if isinstance(page, bytes):
        page, _ = decode_html(page)
    if not page.strip():
        raise NotAnArticle("The page is empty.")
    try:
        tree = lxml_html.document_fromstring(page)
    except (ValueError, TypeError) as exc:  # lxml: "Document is empty", encoding declarations
        try:
            tree = lxml_html.document_fromstring(page.encode("utf-8", "replace"))
        except (ValueError, TypeError):
            raise NotAnArticle("The page could not be read as HTML.") from exc
    return tree


def _unwrap_layout_tables(tree: lxml_html.HtmlElement) -> None:
    """Turn tables used for page layout into divs, so navigation cells separate from the story.

    A table is layout when one of its cells holds a long run of prose; data tables hold short
    cells and stay tables.
    """
    for table in list(tree.iter("table")):
        cells = table.xpath("./tr/td|./tbody/tr/td|./tr/th|./tbody/tr/th")
        if any(_words(" ".join(cell.itertext())) >= _LAYOUT_CELL_WORDS for cell in cells):
            for element in [table, *table.xpath("./tr|./tbody|./thead|./tfoot|./*/tr")]:
                element.tag = "div"
            for cell in cells:
                cell.tag = "div"


def _join_split_bodies(tree: lxml_html.HtmlElement) -> None:
    """Merge sibling article-body containers split apart by ads or promos into the first one.

    trafilatura reads the first container that looks like an article body; sites that cut the
    body into several (``StoryBodyCompanionColumn``, ``article-body part-2``) would lose the rest.
    """
    for parent in list(tree.iter()):
        groups: dict[tuple[str, str], list[lxml_html.HtmlElement]] = {}
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            match = _BODY_CLASS.search(child.get("class", "") + " " + child.get("itemprop", ""))
            if match:
                groups.setdefault((child.tag, match.group(0).lower()), []).append(child)
        for members in groups.values():
            first = members[0]
            for other in members[1:]:
                if other.text and other.text.strip():
                    holder = lxml_html.Element("p")
                    holder.text = other.text
                    first.append(holder)
                for sub in list(other):
                    first.append(sub)
                other.text = None
                other.drop_tree()  # keeps its tail text in place


def _anchor_texts(tree: lxml_html.HtmlElement) -> set[str]:
    texts = set()
    for anchor in tree.iter("a"):
        text = " ".join(" ".join(anchor.itertext()).split())
        if _words(text) >= 3:
            texts.add(text.casefold())
    return texts


def _is_boilerplate(line: str) -> bool:
    stripped = line.strip().lstrip("-•*·|> ").strip()
    if not stripped:
        return True
    if _words(stripped) > _MAX_FILTER_WORDS:
        return False
    for pattern in _BOILERPLATE:
        if pattern.fullmatch(stripped):
            if pattern is _PIPES and (
                line.lstrip().startswith("|")
                or _words(stripped) > 15
                or not _DATEISH.search(stripped)
            ):
                continue  # a table row, not a byline strip
            return True
    return False


def _mostly_link(key: str, links: set[str]) -> bool:
    """True for a short line made mostly of one link's text (a teaser for another story)."""
    if _words(key) > 25:
        return False
    return any(len(anchor) >= 0.5 * len(key) and anchor in key for anchor in links)


def is_junk(line: str, *, title: str | None = None, links: set[str] | None = None) -> bool:
    """True for a line that is site furniture: a boilerplate pattern, the headline again, or a
    line made mostly of one link's text (a teaser for another story)."""
    text = " ".join(line.split())
    key = _line_key(text)
    if not text or _is_boilerplate(text):
        return True
    if title and key == _line_key(title):
        return True
    return bool(links) and _mostly_link(key, links or set())


def _line_key(text: str) -> str:
    """Comparison form of a line: case-folded, spaces collapsed, list marks and quotes trimmed,
    typographic quotes made plain."""
    plain = " ".join(text.split()).casefold().translate(_QUOTES)
    return plain.lstrip("-•*·> ").strip("\"' ")


def clean_lines(lines: Iterable[str], *, title: str | None = None,
                links: set[str] | None = None) -> list[str]:  # fmt: skip
    """Drop furniture lines (:func:`is_junk`) and exact repeats of an earlier line (pull
    quotes)."""
    seen: set[str] = set()
    kept: list[str] = []
    for raw in lines:
        if is_junk(raw, title=title, links=links):
            continue
        key = _line_key(raw)
        if _words(key) >= 6 and key in seen:
            continue
        seen.add(key)
        kept.append(raw.strip())
    return kept


def _key(line: str) -> str:
    return " ".join(line.split()).casefold().lstrip("-•*·> ")


def drop_trailing_bio(lines: list[str]) -> list[str]:
    """Drop an author bio ("Jane Doe is a staff writer ...") among the last two lines."""
    kept = list(lines)
    for index in range(len(kept) - 1, max(len(kept) - 3, -1), -1):
        if _BIO.match(kept[index]) and _words(kept[index]) <= 60:
            del kept[index]
    return kept


def merge_lines(
    precise: list[str],
    balanced: list[str],
    *,
    junk: Callable[[str], bool] | None = None,
    min_words: int = 8,
) -> list[str]:
    """Precision-mode lines plus balanced-mode prose lines (``min_words`` or more) that precision
    mode dropped inside the article: between its first and last line, and after its last line
    up to the first furniture line (``junk``) or author bio, where a cut-short body continues.
    Text before the article's first line is never added."""
    is_furniture = junk or (lambda line: False)
    position: dict[str, int] = {}
    for index, line in enumerate(balanced):
        position.setdefault(_key(line), index)
    matched = [position[_key(line)] for line in precise if _key(line) in position]
    if len(matched) < 2 or len(matched) < 0.8 * len(precise):
        return precise  # the two modes found different things: trust precision mode
    low, high = min(matched), max(matched)
    while (
        high + 1 < len(balanced)
        and not is_furniture(balanced[high + 1])
        and not _BIO.match(balanced[high + 1].strip())
    ):
        high += 1
    precise_keys = {_key(line) for line in precise}
    merged = [
        line
        for line in balanced[low : high + 1]
        if _key(line) in precise_keys or (_words(line) >= min_words and not is_furniture(line))
    ]
    merged_keys = {_key(line) for line in merged}
    merged.extend(line for line in precise if _key(line) not in merged_keys)
    return merged


def _is_link_list(tree: lxml_html.HtmlElement) -> bool:
    """True when most of the page's text is link text (front pages, section indexes)."""
    body = tree.find("body")
    if body is None:
        return False
    total = _words(" ".join(body.itertext()))
    linked = sum(_words(" ".join(a.itertext())) for a in body.iter("a"))
    return total > 0 and linked >= 40 and linked / total >= 0.5


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
        lambda v: datetime.strptime(v, _DATE_FORMAT),
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


def _language(tree: lxml_html.HtmlElement) -> str | None:
    for value in tree.xpath(
        "/html/@lang|/html/@xml:lang|//meta[@property='og:locale']/@content"
        "|//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
        "='content-language']/@content"
    ):
        code = re.split(r"[-_,;\s]", str(value).strip())[0].lower()
        if 2 <= len(code) <= 3 and code.isalpha():
            return code
    return None


def _reject_non_article(
    text: str, lines: list[str], links: set[str], raw_lines: list[str]
) -> None:
    words = _words(text)
    if words < 150 and _LOGIN_WALL.search(text):
        raise NotAnArticle("The article is behind a login or paywall.")
    if raw_lines:
        linked = sum(1 for line in raw_lines if " ".join(line.split()).casefold() in links)
        if len(raw_lines) >= 6 and linked / len(raw_lines) >= 0.4 and words < 150:
            raise NotAnArticle("The page is a list of links (an index page), not an article.")
    if words < MIN_WORDS:
        raise NotAnArticle("The page has too little text to be an article.")
    if not any(_words(line) >= 12 for line in lines):
        raise NotAnArticle("The page has no article text, only short lines.")


def _run_trafilatura(
    tree: lxml_html.HtmlElement,
    url: str | None,
    *,
    precision: bool,
    metadata: bool,
    fast: bool = False,
) -> Document | None:
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        favor_precision=precision,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=metadata,
        deduplicate=LRUCache(maxsize=512),  # scoped to this page: repeated segments only
        prune_xpath=_PRUNE,
        date_extraction_params={
            "extensive_search": True,
            "original_date": True,
            "outputformat": _DATE_FORMAT,
        },
    )
    return result if isinstance(result, Document) else None


def extract(html: str | bytes, url: str | None = None) -> Article:
    """Extract the article of a news page; raises :class:`NotAnArticle` with a reason.

    ``url`` is where the page came from; the page's canonical URL wins when it names one.
    """
    tree = _parse(html)
    _unwrap_layout_tables(tree)
    _join_split_bodies(tree)
    links = _anchor_texts(tree)
    canonical = _canonical(tree, url)
    language = _language(tree)
    # Both modes run: precision mode sets the article's boundaries, balanced mode restores
    # paragraphs that precision mode dropped inside them (and stands in when precision mode
    # keeps nothing usable, e.g. a link list picked over a body of <br>-separated text).
    candidates: list[tuple[list[str], list[str]]] = []  # (raw lines, clean lines) per mode
    rejection: NotAnArticle | None = None
    meta: Document | None = None  # metadata is read once, in the first run that yields a result
    title: str | None = None
    for precision in (True, False):
        # the balanced run only restores lines when precision mode succeeded: its fallback
        # extractors (readability, jusText) are skipped then, which halves its cost
        candidate = _run_trafilatura(
            tree, url, precision=precision, metadata=meta is None, fast=bool(candidates)
        )
        if candidate is None:
            continue
        meta = meta or candidate
        if not candidate.text:
            continue
        raw_lines = [line for line in candidate.text.splitlines() if line.strip()]
        title = " ".join((meta.title or "").split()) or None
        lines = clean_lines(raw_lines, title=title, links=links)
        try:
            _reject_non_article("\n".join(lines), lines, links, raw_lines)
        except NotAnArticle as exc:
            rejection = rejection or exc
            continue
        candidates.append((raw_lines, lines))
    if not candidates or meta is None:
        if _is_link_list(tree):
            raise NotAnArticle("The page is a list of links (an index page), not an article.")
        raise rejection or NotAnArticle("No article text was found on the page.")
    document = meta
    lines = candidates[0][1]
    if len(candidates) == 2:
        merged = merge_lines(
            lines,
            candidates[1][0],
            junk=lambda line: is_junk(line, title=title, links=links),
        )
        lines = clean_lines(merged, title=title, links=links)
        balanced = candidates[1][1]
        if _words(" ".join(lines)) < 150 and _words(" ".join(balanced)) > 2.5 * _words(
            " ".join(lines)
        ):
            lines = balanced  # precision mode kept a fragment: the balanced reading is the article
    lines = drop_trailing_bio(lines)
    text = "\n".join(lines)
    title = " ".join((document.title or "").split()) or None
    final_url = canonical or url or document.url or ""
    host = urlsplit(final_url).hostname or ""
    source = (document.sitename or "").strip() or host.removeprefix("www.") or "unknown"
    return Article(
        url=final_url,
        title=title or (lines[0][:200] if lines else ""),
        text=text,
        source=source,
        published=_published(document),
        author=(document.author or None),
        language=language or document.language,
        description=document.description or None,
    )
