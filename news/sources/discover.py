"""Find a site's feed from its page: ``<link rel="alternate">`` of an RSS, Atom or RDF type
first, and only when the page links none, a few common feed paths of the same site.

Pure and CPU-bound (an HTML parse): callers on the event loop run :func:`linked_feeds` in a
thread.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

__all__ = ["COMMON_PATHS", "FEED_TYPES", "common_feed_urls", "linked_feeds"]

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+xml"}
)
COMMON_PATHS = ("/feed", "/rss", "/feed.xml", "/rss.xml", "/atom.xml", "/index.xml")
MAX_LINKED = 5  # feed links of one page considered


class _FeedLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done or tag != "link":
            if tag == "body":
                self.done = True  # feed links live in <head>
            return
        values = {k.lower(): (v or "").strip() for k, v in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        href = values.get("href", "")
        if "alternate" in rels and kind in FEED_TYPES and href:
            self.hrefs.append(href)


def _http(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit(parts._replace(fragment=""))


def linked_feeds(html: str, base_url: str) -> list[str]:
    """The feed URLs the page links (absolute, http(s), in page order, at most a few)."""
    parser = _FeedLinks()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # a malformed page: what was read so far counts
        pass
    found: list[str] = []
    for href in parser.hrefs:
        url = _http(urljoin(base_url, href))
        if url and url not in found:
            found.append(url)
    return found[:MAX_LINKED]


def common_feed_urls(site_url: str) -> list[str]:
    """Where feeds usually are on the site of ``site_url`` (tried only when none is linked)."""
    parts = urlsplit(site_url)
    origin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    return [origin + path for path in COMMON_PATHS if origin + path != site_url]
