"""Generated news sites for ingestion tests and the ingestion benchmark: varied, realistic article
pages (site furniture, cookie banner, newsletter box, related links, comments) with distinct
texts, plus RSS 2.0 and Atom feeds listing them. Deterministic for a seed; no network."""

from __future__ import annotations

import html
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

__all__ = ["GenArticle", "atom_feed", "generate", "render_page", "rss_feed", "stub_page"]

_PLACES = """Lisbon Oslo Nairobi Lima Hanoi Toronto Dublin Krakow Seville Perth Quito Tunis Riga
Accra Osaka Porto Bergen Leeds Lyon Graz Cusco Gdansk Malmo Hobart Tallinn Cork Split Turin
Salta Mombasa Busan Kyoto Basel Ghent Nantes Bilbao"""
_PLACES_LIST = _PLACES.split()
_ACTORS = """the city council|the health ministry|a group of engineers|local farmers|the central
bank|union leaders|the football club|researchers at the university|the water utility|a coalition
of shop owners|the regional government|the port authority|parents and teachers|the national rail
operator|environmental campaigners|the police commissioner|a consortium of builders|the airport
operator|hospital doctors|the transport agency|fishermen|the energy regulator|museum curators|
the tourism board|software developers|the fire brigade|wine growers|the housing association"""
_ACTORS_LIST = [a.strip() for a in _ACTORS.replace("\n", " ").split("|")]
_VERBS = """approved|rejected|announced|postponed|criticised|defended|unveiled|expanded|cut|
delayed|funded|reviewed|challenged|welcomed|launched|suspended|doubled|questioned|backed|scrapped"""
_VERBS_LIST = [v.strip() for v in _VERBS.replace("\n", " ").split("|")]
_OBJECTS = """a plan to rebuild the old harbour|new rules for short-term rentals|a tax on sugary
drinks|the budget for school meals|a pilot scheme for night buses|plans for a wind farm|the
closure of two clinics|a bid to host the games|a ban on diesel vans|the sale of a landmark
hotel|a study of river pollution|funding for flood defences|a new cycle lane network|an
overhaul of the ticketing system|the merger of three colleges|a levy on cruise ships|the
expansion of the tram line|a reform of parking fees|a new emergency call centre|a programme of
free swimming lessons|the redevelopment of the market hall|a cap on rent increases"""
_OBJECTS_LIST = [o.strip() for o in _OBJECTS.replace("\n", " ").split("|")]
_CLAUSES = [
    "after months of public consultation",
    "despite warnings from opposition members",
    "in a vote that surprised many observers",
    "following a sharp rise in costs",
    "as residents gathered outside the building",
    "ahead of elections due next spring",
    "under pressure from national ministers",
    "at a meeting that ran late into the evening",
    "in response to a critical audit report",
    "weeks after a similar scheme failed elsewhere",
]
_QUOTES = [
    "This is a decision we cannot put off any longer",
    "People deserve to know exactly what this will cost them",
    "We have listened carefully and changed the proposal",
    "The numbers simply do not add up",
    "It is a good day for everyone who lives here",
    "We will keep fighting until the plan is withdrawn",
    "Nobody expected the response to be this strong",
    "The work will begin as soon as the contracts are signed",
]
_NAMES = """Ana Silva|Jonas Berg|Amina Otieno|Luis Paredes|Mai Nguyen|Claire Dubois|Sean Walsh|Ewa
Nowak|Pablo Ruiz|Grace Lee|Kofi Mensah|Yuki Tanaka|Marta Costa|Ingrid Olsen|Omar Haddad|Lena
Fischer|Tomas Horvat|Priya Raman|Diego Flores|Sara Lind"""
_NAMES_LIST = [n.strip() for n in _NAMES.replace("\n", " ").split("|")]
_SECTIONS = ["Politics", "Business", "Local", "Environment", "Transport", "Health", "Sport"]


@dataclass(frozen=True)
class GenArticle:
    slug: str
    title: str
    standfirst: str
    paragraphs: tuple[str, ...]
    author: str
    section: str
    published: datetime
    layout: int

    @property
    def path(self) -> str:
        return f"/{self.section.lower()}/{self.slug}.html"

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _sentence(rng: random.Random, place: str) -> str:
    actor = rng.choice(_ACTORS_LIST)
    kind = rng.random()
    number = rng.randint(2, 950)
    if kind < 0.35:
        return (
            f"{actor.capitalize()} in {place} {rng.choice(_VERBS_LIST)} "
            f"{rng.choice(_OBJECTS_LIST)} {rng.choice(_CLAUSES)}."
        )
    if kind < 0.55:
        return (
            f"“{rng.choice(_QUOTES)},” said {rng.choice(_NAMES_LIST)}, who speaks for "
            f"{rng.choice(_ACTORS_LIST)}."
        )
    if kind < 0.8:
        unit = rng.choice(["households", "jobs", "complaints", "trips"])
        period = rng.choice(["March", "June", "the last quarter", "two years"])
        change = f"{rng.choice(['up', 'down'])} {rng.randint(2, 60)} percent"
        return (
            f"The figures show {number} {unit} affected in {period}, {change} on the year before."
        )
    return (
        f"{rng.choice(_NAMES_LIST)} of {rng.choice(_ACTORS_LIST)} said {place} had "
        f"{rng.choice(_VERBS_LIST)} {rng.choice(_OBJECTS_LIST)} once before, "
        f"{rng.choice(_CLAUSES)}."
    )


def generate(count: int, *, seed: int = 7, now: datetime | None = None) -> list[GenArticle]:
    """``count`` distinct articles (titles and texts differ; 4 layouts; 4-9 paragraphs)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    articles = []
    for n in range(count):
        place = rng.choice(_PLACES_LIST)
        actor = rng.choice(_ACTORS_LIST)
        verb = rng.choice(_VERBS_LIST)
        obj = rng.choice(_OBJECTS_LIST)
        title = f"{place}: {actor} {verb} {obj} ({n + 1})".replace(" the ", " the ", 1)
        title = title[0].upper() + title[1:]
        paragraphs = []
        for _ in range(rng.randint(4, 9)):
            paragraphs.append(" ".join(_sentence(rng, place) for _ in range(rng.randint(2, 4))))
        articles.append(
            GenArticle(
                slug=f"story-{seed}-{n}",
                title=title,
                standfirst=_sentence(rng, place),
                paragraphs=tuple(paragraphs),
                author=rng.choice(_NAMES_LIST),
                section=rng.choice(_SECTIONS),
                published=now - timedelta(minutes=7 * n + rng.randint(0, 5)),
                layout=n % 4,
            )
        )
    return articles


_TOPICS = """Elections|Climate|Energy|Housing|Schools|Universities|Hospitals|Crime|Courts|Weather|
Traffic|Rail|Airports|Football|Rugby|Cricket|Tennis|Cycling|Athletics|Markets|Companies|Jobs|
Property|Personal finance|Technology|Science|Space|Health|Food|Travel|Arts|Books|Music|Film|TV|
Theatre|Fashion|Gardening|Obituaries|Letters|Opinion|Editorials|Cartoons|Puzzles|Crosswords|
Podcasts|Video|Photography|Newsletters|Events"""
_TOPICS_LIST = [t.strip() for t in _TOPICS.replace("\n", "").split("|")]
_CSS = "".join(
    f".c{n}{{margin:{n % 7}px;padding:{n % 5}px {n % 9}px;"
    f"color:#{(n * 2654435761) % 0xFFFFFF:06x};font-size:{12 + n % 9}px;line-height:1.{n % 8}}}"
    for n in range(160)
)


def _mega_menu() -> str:
    columns = []
    for section in _SECTIONS:
        links = "".join(
            f'<li><a href="/{section.lower()}/{t.lower().replace(" ", "-")}">{t}</a></li>'
            for t in _TOPICS_LIST[: 8 + len(section)]
        )
        columns.append(f'<div class="menu-col"><h4>{section}</h4><ul>{links}</ul></div>')
    return f'<nav class="mega-menu" aria-label="All sections">{"".join(columns)}</nav>'


def _head_scripts(article: GenArticle, url: str, site: str) -> str:
    """What real pages carry in <head>: styles, JSON-LD, analytics, an app state blob."""
    paragraphs = ",".join(json.dumps(p) for p in article.paragraphs)
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published.isoformat(),
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": site},
            "mainEntityOfPage": url,
        }
    )
    tracking = "".join(
        f"window.dataLayer.push({{'event':'slot{n}','section':'{article.section}',"
        f"'size':[{300 + n},{250 + n}],'targeting':{{'pos':'{n}','kw':['news','{n}']}}}});"
        for n in range(40)
    )
    return (
        f"<style>{_CSS}</style>"
        f'<script type="application/ld+json">{ld}</script>'
        f"<script>window.dataLayer=window.dataLayer||[];{tracking}</script>"
        f'<script id="__APP_STATE__" type="application/json">{{"page":{{"type":"article",'
        f'"title":{json.dumps(article.title)},"body":[{paragraphs}],"ads":{{"enabled":true}}}}}}'
        "</script>"
        '<script async src="/static/js/vendor.min.js"></script>'
        '<script async src="/static/js/app.min.js"></script>'
    )


def _furniture_top(site: str) -> str:
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in _SECTIONS)
    return (
        f'<div class="cookie-banner">We use cookies to improve your experience. '
        f'<button>Accept all</button> <a href="/privacy">Manage settings</a></div>'
        f'<header class="site"><a class="logo" href="/">{site}</a><nav><ul>{nav}</ul></nav>'
        f'<div class="account"><a href="/login">Sign in</a> <a href="/subscribe">Subscribe'
        f'</a></div><form class="search" action="/search"><input name="q" placeholder="Search">'
        f"</form></header>{_mega_menu()}"
        '<div class="breaking"><strong>Breaking</strong> <a href="/live">Follow our live '
        "coverage</a></div>"
    )


def _furniture_bottom(site: str, related: Sequence[GenArticle]) -> str:
    links = "".join(f'<li><a href="{r.path}">{html.escape(r.title)}</a></li>' for r in related)
    cards = "".join(
        f'<div class="card"><a href="{r.path}"><img src="/img/{r.slug}.jpg" alt="" width="300" '
        f'height="200" loading="lazy"><h3>{html.escape(r.title)}</h3></a><p class="teaser">'
        f"{html.escape(r.standfirst)}</p><span class='time'>{r.published:%H:%M}</span></div>"
        for r in related
    )
    most_read = "".join(
        f'<li><a href="/most-read/{n}">{html.escape(t)} latest: what we know so far</a></li>'
        for n, t in enumerate(_TOPICS_LIST[:10])
    )
    footer_cols = "".join(
        f'<div class="footer-col"><h4>{section}</h4><ul>'
        + "".join(
            f'<li><a href="/{section.lower()}/{n}">{t}</a></li>'
            for n, t in enumerate(_TOPICS_LIST[len(section) : len(section) + 12])
        )
        + "</ul></div>"
        for section in _SECTIONS
    )
    return (
        '<aside class="newsletter"><h3>Get the morning briefing</h3><p>Sign up for our free '
        'newsletter and never miss a story.</p><form><input type="email" placeholder="Email">'
        "<button>Sign up</button></form></aside>"
        f'<section class="related"><h2>More from {site}</h2><ul>{links}</ul>'
        f'<div class="grid">{cards}</div></section>'
        f'<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>'
        '<section class="comments"><h2>Comments (12)</h2><p>Log in to join the discussion.</p>'
        "</section>"
        f'<footer class="site"><div class="footer-cols">{footer_cols}</div>'
        f'<p>© 2026 {site}. All rights reserved.</p><ul><li><a href="/about">'
        'About us</a></li><li><a href="/contact">Contact</a></li><li><a href="/terms">Terms</a>'
        "</li></ul></footer>"
        '<script>document.querySelectorAll(".card").forEach(function(c){c.classList.add("v")});'
        "</script>"
    )


def render_page(
    article: GenArticle,
    base_url: str,
    *,
    site: str = "The Daily Example",
    related: Sequence[GenArticle] = (),
) -> str:
    """A full article page in one of four layouts, with canonical URL and metadata."""
    title = html.escape(article.title)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
    date = article.published.isoformat()
    byline = (
        f'<p class="byline">By <a rel="author" href="/authors/x">{html.escape(article.author)}'
        f'</a> · <time datetime="{date}">{article.published:%d %B %Y}</time></p>'
    )
    standfirst = f'<p class="standfirst">{html.escape(article.standfirst)}</p>'
    if article.layout == 0:
        content = (
            f'<main><article><span class="kicker">{article.section}</span><h1>{title}</h1>'
            f'{standfirst}{byline}<div class="article-body">{body}</div></article></main>'
        )
    elif article.layout == 1:
        content = (
            f'<div id="content"><div class="story"><h1 class="headline">{title}</h1>{byline}'
            f'<div class="story-body" itemprop="articleBody">{standfirst}{body}</div></div></div>'
        )
    elif article.layout == 2:
        paras = list(article.paragraphs)
        half = len(paras) // 2
        first = "".join(f"<p>{html.escape(p)}</p>" for p in paras[:half])
        second = "".join(f"<p>{html.escape(p)}</p>" for p in paras[half:])
        content = (
            f'<main role="main"><h1>{title}</h1>{byline}<section class="body">{standfirst}{first}'
            '<div class="ad-slot">Advertisement</div>'
            f"{second}</section></main>"
        )
    else:
        content = (
            f'<div class="wrapper"><article itemscope itemtype="https://schema.org/NewsArticle">'
            f'<header><h1 itemprop="headline">{title}</h1>{byline}</header>'
            f'<section itemprop="articleBody">{standfirst}{body}</section></article></div>'
        )
    url = base_url + article.path
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title} | {site}</title>"
        f'<link rel="canonical" href="{url}">'
        f'<meta property="og:title" content="{title}">'
        f'<meta property="og:site_name" content="{site}">'
        f'<meta property="article:published_time" content="{date}">'
        f'<meta name="author" content="{html.escape(article.author)}">'
        f"{_head_scripts(article, url, site)}"
        f"</head><body>{_furniture_top(site)}{content}{_furniture_bottom(site, related)}"
        "</body></html>"
    )


def stub_page(title: str = "Members only") -> str:
    """A page with no article on it (a login wall)."""
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
        f"{_furniture_top('The Daily Example')}<main><h1>{title}</h1><p>Please sign in.</p>"
        "</main></body></html>"
    )


def rss_feed(
    articles: Sequence[GenArticle],
    base_url: str,
    *,
    title: str = "The Daily Example",
    full_text: bool = False,
) -> bytes:
    """RSS 2.0 listing the articles (``full_text``: the whole text in content:encoded)."""
    items = []
    for a in articles:
        content = ""
        if full_text:
            paras = "".join(f"<p>{html.escape(p)}</p>" for p in a.paragraphs)
            content = f"<content:encoded><![CDATA[{paras}]]></content:encoded>"
        items.append(
            f"<item><title>{html.escape(a.title)}</title><link>{base_url}{a.path}</link>"
            f'<guid isPermaLink="false">{a.slug}</guid>'
            f"<pubDate>{format_datetime(a.published)}</pubDate>"
            f"<description>{html.escape(a.standfirst)}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{html.escape(title)}</title><link>{base_url}/</link>"
        f"<description>News</description>{''.join(items)}</channel></rss>"
    ).encode()


def atom_feed(
    articles: Sequence[GenArticle], base_url: str, *, title: str = "The Atom Example"
) -> bytes:
    """An Atom 1.0 feed listing the articles."""
    entries = "".join(
        f"<entry><title>{html.escape(a.title)}</title>"
        f'<link rel="alternate" href="{base_url}{a.path}"/>'
        f"<id>urn:example:{a.slug}</id><updated>{a.published.isoformat()}</updated>"
        f"<summary>{html.escape(a.standfirst)}</summary></entry>"
        for a in articles
    )
    updated = max((a.published for a in articles), default=datetime.now(UTC)).isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(title)}</title><id>urn:example:feed</id><updated>{updated}</updated>"
        f"{entries}</feed>"
    ).encode()
