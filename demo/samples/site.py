"""The bundled sample news site: fictional articles rendered as realistic pages plus RSS feeds.

The demo (``newsbrief demo``) and tests serve it from 127.0.0.1. Articles live as JSON in this
package (batch 1 is visible from the start, batch 2 appears when ``release(2)`` is called), and are
rendered into pages with the furniture of a real news site around them (menus, a cookie banner, a
newsletter sign-up box, related links), so ingestion meets the same clutter it meets on the web.
Every page and feed says clearly that the articles are fictional samples.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from aiohttp import web

from standin.thread import AsyncServer, start_app

__all__ = [
    "SAMPLE_NOTICE",
    "Outlet",
    "SampleArticle",
    "SampleSite",
    "load_articles",
    "load_outlets",
]

logger = logging.getLogger(__name__)

SAMPLE_NOTICE = "Sample article — fictional"
_FEED_TITLE = "newsbrief sample news (fictional)"
SAMPLE_OPML = "sample_feeds.opml"  # the sample subscription list (package data), served as is
_BATCH_FILES = {1: "articles_batch1.json", 2: "articles_batch2.json"}


@dataclass(frozen=True, slots=True)
class Outlet:
    """A fictional news outlet: its name and the look of its pages."""

    key: str
    name: str
    tagline: str
    colour: str
    sections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SampleArticle:
    """One sample article as written in the JSON data; ``age`` is its age at release time."""

    slug: str
    batch: int
    topic: str
    outlet: str
    author: str
    title: str
    standfirst: str
    body: tuple[str, ...]
    age: timedelta

    @property
    def path(self) -> str:
        """The page's path on the sample site, e.g. ``/harbor-courier/peace-talks/<slug>``."""
        return f"/{self.outlet}/{self.topic.replace(' ', '-')}/{self.slug}"

    @property
    def text(self) -> str:
        """The article text as a reader sees it (paragraphs separated by blank lines)."""
        return "\n\n".join(self.body)


def _read_json(name: str) -> Any:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def load_outlets() -> dict[str, Outlet]:
    """The fictional outlets, keyed by their URL slug."""
    data = _read_json("outlets.json")
    return {
        key: Outlet(key, v["name"], v["tagline"], v["colour"], tuple(v["sections"]))
        for key, v in data.items()
        if not key.startswith("_")
    }


def load_articles() -> list[SampleArticle]:
    """Every sample article of every batch, in file order."""
    articles: list[SampleArticle] = []
    for batch, name in _BATCH_FILES.items():
        for item in _read_json(name):
            age = timedelta(hours=item.get("hours_ago", 0), minutes=item.get("minutes_ago", 0))
            articles.append(
                SampleArticle(
                    slug=item["slug"],
                    batch=batch,
                    topic=item["topic"],
                    outlet=item["outlet"],
                    author=item["author"],
                    title=item["title"],
                    standfirst=item["standfirst"],
                    body=tuple(item["body"]),
                    age=age,
                )
            )
    return articles


_STYLE = """
body{margin:0;font-family:Georgia,serif;color:#1b1b1b;background:#fafafa}
.sample-banner{background:#ffe08a;color:#3d2e00;font:600 14px sans-serif;padding:6px 16px;
text-align:center}
header.site{background:var(--brand);color:#fff;padding:10px 24px;display:flex;gap:24px;
align-items:center;font-family:sans-serif}
header.site .logo{font:700 26px Georgia,serif;color:#fff;text-decoration:none}
header.site nav ul{list-style:none;display:flex;gap:16px;margin:0;padding:0}
header.site nav a,header.site .account a{color:#fff;text-decoration:none}
header.site .account{margin-left:auto;display:flex;gap:12px}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#222;color:#eee;padding:12px 24px;
font:14px sans-serif}
main{max-width:720px;margin:24px auto;padding:0 16px}
.kicker{text-transform:uppercase;color:var(--brand);font:700 13px sans-serif}
h1{font-size:34px;line-height:1.15;margin:6px 0 12px}
.standfirst{font-size:20px;color:#444}
.byline{font:14px sans-serif;color:#666}
.article-body p{font-size:18px;line-height:1.6}
aside.newsletter{border:2px solid var(--brand);padding:12px 16px;margin:24px 0;
font-family:sans-serif}
section.related{border-top:1px solid #ccc;margin-top:32px;font-family:sans-serif}
footer.site{background:#eee;padding:24px;font:13px sans-serif;color:#555;margin-top:48px}
"""


def _page(title: str, outlet: Outlet | None, head_extra: str, content: str) -> str:
    brand = outlet.colour if outlet else "#333"
    name = outlet.name if outlet else "newsbrief sample news"
    sections = outlet.sections if outlet else ()
    menu = "".join(f'<li><a href="#">{escape(s)}</a></li>' for s in sections)
    home = f"/{outlet.key}/" if outlet else "/"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{escape(title)}</title>
{head_extra}
<style>:root{{--brand:{brand}}}{_STYLE}</style>
</head>
<body>
<div class="sample-banner" role="note">{SAMPLE_NOTICE}: every story on this site is invented for
the newsbrief demo. Not real news.</div>
<div class="cookie-banner" id="cookie-consent">
<p>We use cookies to improve your experience and to show personalised adverts.
<button type="button">Accept all</button> <button type="button">Manage preferences</button></p>
</div>
<header class="site">
<a class="logo" href="{home}">{escape(name)}</a>
<nav aria-label="Sections"><ul>{menu}</ul></nav>
<div class="account"><a href="#">Subscribe</a> <a href="#">Sign in</a></div>
</header>
{content}
<footer class="site">
<p>{SAMPLE_NOTICE}. © {escape(name)} (a fictional outlet). About us · Contact · Privacy
policy · Terms of use · Advertise with us</p>
</footer>
</body>
</html>
"""


class SampleSite(AsyncServer):
    """Serves the sample articles and their RSS feeds; batches become visible on ``release``.

    Usable without a server (``feed_xml``/``page_html`` take a base URL) or as an aiohttp app on
    127.0.0.1: ``async with SampleSite() as site: site.feed_url``.
    """

    def __init__(
        self,
        *,
        released: Iterable[int] = (1,),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.outlets = load_outlets()
        self.all_articles = load_articles()
        self._by_path = {a.path: a for a in self.all_articles}
        self._published: dict[str, datetime] = {}
        self._released: list[int] = []
        self._last_modified = self._clock()
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None
        self.fetched: set[str] = set()  # article paths served at least once
        for batch in released:
            self.release(batch)

    # --- content ---------------------------------------------------------------------------
    @property
    def released(self) -> tuple[int, ...]:
        return tuple(self._released)

    @property
    def batches(self) -> tuple[int, ...]:
        return tuple(sorted({a.batch for a in self.all_articles}))

    def release(self, batch: int) -> list[SampleArticle]:
        """Make a batch visible (feed and pages), dated as of now; returns its articles."""
        if batch not in self.batches:
            raise ValueError(f"no sample batch {batch}")
        if batch in self._released:
            return []
        now = self._clock().replace(microsecond=0)
        items = [a for a in self.all_articles if a.batch == batch]
        for article in items:
            self._published[article.slug] = now - article.age
        self._released.append(batch)
        self._last_modified = now
        logger.info("sample site: batch %d released (%d articles)", batch, len(items))
        return items

    def articles(self) -> list[SampleArticle]:
        """Visible articles, newest first."""
        visible = [a for a in self.all_articles if a.slug in self._published]
        return sorted(visible, key=lambda a: self._published[a.slug], reverse=True)

    def published(self, article: SampleArticle) -> datetime:
        return self._published[article.slug]

    def article_at(self, path: str) -> SampleArticle | None:
        article = self._by_path.get(path.rstrip("/"))
        return article if article is not None and article.slug in self._published else None

    @property
    def etag(self) -> str:
        key = ",".join(str(b) for b in self._released) + self._last_modified.isoformat()
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:16] + '"'

    # --- rendering -------------------------------------------------------------------------
    def feed_xml(self, base_url: str, outlet: str | None = None) -> bytes:
        """RSS 2.0 of the visible articles (all outlets, or one), newest first."""
        base = base_url.rstrip("/")
        items = [a for a in self.articles() if outlet is None or a.outlet == outlet]
        title = _FEED_TITLE if outlet is None else f"{self.outlets[outlet].name} (fictional)"
        parts = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
            "<channel>",
            f"<title>{xml_escape(title)}</title>",
            f"<link>{xml_escape(base)}/</link>",
            f"<description>{SAMPLE_NOTICE}: invented stories for the newsbrief demo."
            "</description>",
            "<language>en</language>",
            f"<lastBuildDate>{format_datetime(self._last_modified)}</lastBuildDate>",
        ]
        for a in items:
            link = xml_escape(base + a.path)
            parts += [
                "<item>",
                f"<title>{xml_escape(a.title)}</title>",
                f"<link>{link}</link>",
                f'<guid isPermaLink="true">{link}</guid>',
                f"<pubDate>{format_datetime(self.published(a))}</pubDate>",
                f"<dc:creator>{xml_escape(a.author)}</dc:creator>",
                f"<category>{xml_escape(a.topic)}</category>",
                f"<description>{xml_escape(a.standfirst)} ({SAMPLE_NOTICE})</description>",
                "</item>",
            ]
        parts += ["</channel>", "</rss>", ""]
        return "\n".join(parts).encode("utf-8")

    def page_html(self, article: SampleArticle, base_url: str) -> str:
        """The article page, with site furniture around it."""
        base = base_url.rstrip("/")
        outlet = self.outlets[article.outlet]
        when = self.published(article)
        url = base + article.path
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": article.title,
                "description": article.standfirst,
                "datePublished": when.isoformat(),
                "author": {"@type": "Person", "name": article.author},
                "publisher": {"@type": "Organization", "name": outlet.name},
                "mainEntityOfPage": url,
            },
            ensure_ascii=False,
        ).replace("</", "<\\/")
        head = f"""<link rel="canonical" href="{escape(url)}">
<meta name="description" content="{escape(article.standfirst)}">
<meta name="author" content="{escape(article.author)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{escape(outlet.name)}">
<meta property="og:title" content="{escape(article.title)}">
<meta property="og:url" content="{escape(url)}">
<meta property="article:published_time" content="{when.isoformat()}">
<script type="application/ld+json">{ld}</script>"""
        paragraphs = [f"<p>{escape(p)}</p>" for p in article.body]
        signup = (
            '<aside class="newsletter"><h3>Sign up for our morning briefing</h3>'
            "<p>The day’s top stories in your inbox, every weekday at 7am.</p>"
            '<form><input type="email" placeholder="Your email address"> '
            '<button type="button">Sign up</button></form></aside>'
        )
        paragraphs.insert(min(2, len(paragraphs)), signup)
        related = [
            a for a in self.articles() if a.topic == article.topic and a.slug != article.slug
        ][:4]
        related_html = "".join(
            f'<li><a href="{escape(a.path)}">{escape(a.title)}</a></li>' for a in related
        )
        body_html = "\n".join(paragraphs)
        content = f"""<main>
<article>
<p class="kicker">{escape(article.topic.title())}</p>
<h1>{escape(article.title)}</h1>
<p class="standfirst">{escape(article.standfirst)}</p>
<p class="byline">By <span class="author">{escape(article.author)}</span> ·
<time datetime="{when.isoformat()}">{when.strftime("%d %B %Y, %H:%M UTC")}</time></p>
<div class="article-body">
{body_html}
</div>
</article>
<section class="related"><h2>More on this story</h2><ul>{related_html}</ul>
<p><a href="#">Share on social media</a> · <a href="#">Print this article</a></p></section>
</main>"""
        return _page(f"{article.title} | {outlet.name}", outlet, head, content)

    def index_html(self, outlet: str | None = None) -> str:
        """A front page listing the visible articles (all outlets, or one)."""
        items = [a for a in self.articles() if outlet is None or a.outlet == outlet]
        rows = "".join(
            f'<li><a href="{escape(a.path)}">{escape(a.title)}</a> '
            f"<small>{escape(self.outlets[a.outlet].name)} · {escape(a.topic)}</small></li>"
            for a in items
        )
        feed = f"/{outlet}/feed.xml" if outlet else "/feed.xml"
        content = (
            f'<main><h1>Latest stories</h1><p><a href="{feed}">RSS feed</a></p>'
            f"<ul>{rows}</ul></main>"
        )
        link = f'<link rel="alternate" type="application/rss+xml" href="{feed}">'
        return _page("Sample news (fictional)", self.outlets.get(outlet or ""), link, content)

    def sample_opml(self, base_url: str) -> bytes:
        """The sample OPML list (``sample_feeds.opml``) with this site's address filled in:
        the outlets' feeds, and one entry the bot refuses (a private address)."""
        template = (resources.files("demo.samples") / SAMPLE_OPML).read_text(encoding="utf-8")
        return template.replace("{base}", xml_escape(base_url.rstrip("/"))).encode("utf-8")

    # --- serving ---------------------------------------------------------------------------
    def make_app(self) -> web.Application:
        """The aiohttp application serving feeds and pages."""
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get(f"/{SAMPLE_OPML}", self._opml)
        app.router.add_get("/{outlet}/feed.xml", self._feed)
        app.router.add_get("/", self._index)
        app.router.add_get("/{outlet}/", self._index)
        app.router.add_get("/{outlet}/{section}/{slug}", self._article)
        return app

    def _base(self, request: web.Request) -> str:
        return self.base_url or f"{request.scheme}://{request.host}"

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        outlet = request.match_info.get("outlet")
        if outlet is not None and outlet not in self.outlets:
            raise web.HTTPNotFound()
        headers = {
            "ETag": self.etag,
            "Last-Modified": format_datetime(self._last_modified, usegmt=True),
            "Cache-Control": "no-cache",
        }
        if request.headers.get("If-None-Match") == self.etag:
            return web.Response(status=304, headers=headers)
        since = request.headers.get("If-Modified-Since")
        if since and "If-None-Match" not in request.headers:
            try:
                if self._last_modified.replace(microsecond=0) <= parsedate_to_datetime(since):
                    return web.Response(status=304, headers=headers)
            except (TypeError, ValueError):
                pass
        body = self.feed_xml(self._base(request), outlet)
        return web.Response(
            body=body, headers=headers, content_type="application/rss+xml", charset="utf-8"
        )

    async def _opml(self, request: web.Request) -> web.StreamResponse:
        body = self.sample_opml(self._base(request))
        return web.Response(body=body, content_type="text/x-opml", charset="utf-8")

    async def _index(self, request: web.Request) -> web.StreamResponse:
        outlet = request.match_info.get("outlet")
        if outlet is not None and outlet not in self.outlets:
            raise web.HTTPNotFound()
        return web.Response(text=self.index_html(outlet), content_type="text/html")

    async def _article(self, request: web.Request) -> web.StreamResponse:
        article = self.article_at(request.path)
        if article is None:
            raise web.HTTPNotFound()
        self.fetched.add(article.path)
        html = self.page_html(article, self._base(request))
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = any free port); returns the base URL."""
        self._runner, bound = await start_app(self.make_app(), host, port)
        self.base_url = f"http://{host}:{bound}"
        logger.info("sample site on %s", self.base_url)
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def feed_url(self) -> str:
        if self.base_url is None:
            raise RuntimeError("the sample site is not serving; call start() first")
        return self.base_url + "/feed.xml"
