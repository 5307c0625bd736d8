# ruff: noqa: E501 - HTML page templates read better with their natural line breaks
"""Build the extraction corpus: fictional articles (articles.py) rendered through eight page
templates modelled on common news-site layouts, each page beside its expected article text.

Run ``python benchmarks/extract_corpus/build.py`` after editing; then re-pin the floor with
``python -m benchmarks.bench_extract --pin``. Output: ``pages/NN-slug.html`` and
``pages/NN-slug.json`` (``articleBody``, ``title``, ``author``, ``date`` (UTC), ``sitename``,
``url``). The article body is exactly the article's paragraphs, subheadings, list items and
quoted passages; captions, credits, promos, pull quotes and widgets are never part of it.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from articles import ARTICLES  # noqa: E402

E = html.escape


def blocks(body: str) -> list[tuple[str, str | list[str]]]:
    """Split markup-light text into (kind, text) blocks: p, h2, ul (list of items), quote."""
    out: list[tuple[str, str | list[str]]] = []
    for chunk in body.strip().split("\n\n"):
        chunk = chunk.strip()
        if chunk.startswith("## "):
            out.append(("h2", chunk[3:]))
        elif chunk.startswith("- "):
            out.append(("ul", [line[2:].strip() for line in chunk.splitlines()]))
        elif chunk.startswith("> "):
            out.append(("quote", chunk[2:]))
        else:
            out.append(("p", chunk))
    return out


def expected_text(body: str) -> str:
    lines: list[str] = []
    for _kind, value in blocks(body):
        lines.extend(value if isinstance(value, list) else [value])
    return "\n".join(lines)


def render_body(
    body: str,
    *,
    p: str = "<p>{}</p>",
    inserts: dict[int, str] | None = None,
    h2: str = "<h2>{}</h2>",
    quote: str = "<blockquote><p>{}</p></blockquote>",
) -> str:
    """HTML for the article blocks, with boilerplate ``inserts`` placed after block N."""
    parts: list[str] = []
    for index, (kind, value) in enumerate(blocks(body)):
        if kind == "h2":
            parts.append(h2.format(E(str(value))))
        elif kind == "ul":
            items = "".join(f"<li>{E(item)}</li>" for item in value)
            parts.append(f"<ul>{items}</ul>")
        elif kind == "quote":
            parts.append(quote.format(E(str(value))))
        else:
            parts.append(p.format(E(str(value))))
        if inserts and index in inserts:
            parts.append(inserts[index])
    return "\n".join(parts)


def first_sentence(body: str) -> str:
    text = next(str(v) for k, v in blocks(body) if k == "p")
    return re.split(r"(?<=[.!?])\s", text)[2] if text.count(". ") >= 2 else text


def human_date(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d %B %Y, %H:%M")


def head(a: dict[str, str], url: str, *, jsonld: bool = True, og: bool = True) -> str:
    meta = [
        '<meta charset="utf-8">',
        f"<title>{E(a['title'])} | {E(a['site'])}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{url}">',
        '<link rel="stylesheet" href="/static/site.css">',
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){}</script>",
    ]
    if og:
        meta += [
            f'<meta property="og:title" content="{E(a["title"])}">',
            f'<meta property="og:site_name" content="{E(a["site"])}">',
            f'<meta property="og:url" content="{url}">',
            '<meta property="og:type" content="article">',
            f'<meta property="article:published_time" content="{a["date"]}">',
            f'<meta name="author" content="{E(a["author"])}">',
        ]
    if jsonld:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": a["title"],
            "datePublished": a["date"],
            "author": {"@type": "Person", "name": a["author"]},
            "publisher": {"@type": "Organization", "name": a["site"]},
            "mainEntityOfPage": url,
        }
        meta.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    return "<head>\n" + "\n".join(meta) + "\n</head>"


NAV = """<header class="site-header"><div class="top-bar"><a href="/">Home</a>
<button class="menu-toggle">Menu</button><form class="search" action="/search">
<input type="search" name="q" placeholder="Search"><button>Search</button></form>
<a href="/subscribe" class="cta">Subscribe</a> <a href="/login">Log in</a></div>
<nav class="main-nav"><ul><li><a href="/news">News</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/culture">Culture</a></li><li><a href="/opinion">Opinion</a></li>
<li><a href="/weather">Weather</a></li></ul></nav></header>"""

FOOTER = """<footer class="site-footer"><ul><li><a href="/about">About us</a></li>
<li><a href="/contact">Contact</a></li><li><a href="/privacy">Privacy policy</a></li>
<li><a href="/terms">Terms of use</a></li><li><a href="/cookies">Cookie settings</a></li></ul>
<p>© 2026 {site}. All rights reserved. Registered in the Northern Province, company no. 0481516.</p>
</footer>"""

COOKIE = """<div id="cookie-banner" class="consent"><p>We use cookies to improve your experience,
personalise content and ads, and analyse our traffic. By clicking "Accept all" you agree to the
storing of cookies on your device.</p><button>Accept all</button><button>Manage preferences</button>
</div>"""

NEWSLETTER_BOX = """<div class="newsletter-signup"><h3>Get the morning briefing</h3>
<p>Sign up for our free daily newsletter and start every day with the stories that matter.</p>
<form><input type="email" placeholder="Your email address"><button>Sign up</button></form>
<p class="small">You can unsubscribe at any time. See our privacy policy.</p></div>"""

MARKET_TICKER = """<div class="market-data"><h4>Market Data</h4><ul class="ticker">
<li>DJIA 44,102.38 <span>+0.41%</span></li><li>S&amp;P 500 6,021.57 <span>-0.12%</span></li>
<li>EUR/USD 1.0842 <span>+0.05%</span></li><li>Brent 78.31 <span>-1.20%</span></li>
<li>Gold 2,401.10 <span>+0.33%</span></li></ul></div>"""


def related(site: str, others: list[dict[str, str]]) -> str:
    items = "".join(
        f'<li><a href="/news/{o["slug"]}">{E(o["title"])}</a></li>' for o in others[:4]
    )
    return f'<aside class="related"><h3>More from {E(site)}</h3><ul>{items}</ul></aside>'


# -- templates -----------------------------------------------------------------------------------
def t_wordpress(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    caption = f"Residents at a public meeting last week. Photo: {E(a['author'])}/{E(a['site'])}"
    figure = (
        '<figure id="attachment_4821" class="wp-caption aligncenter"><img src="/wp-content/'
        f'uploads/2026/photo.jpg" width="800"><figcaption class="wp-caption-text">{caption}'
        "</figcaption></figure>"
    )
    body = render_body(a["body"], inserts={0: figure})
    comments = """<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on
this story</h2><ol class="comment-list"><li class="comment"><div class="comment-author">Gerald P.
</div><div class="comment-content"><p>About time somebody looked into this properly. We have been
complaining to the council for years and nobody listened to us at all.</p></div></li>
<li class="comment"><div class="comment-author">Lotte</div><div class="comment-content"><p>Does
anyone know whether the changes also apply at weekends? The article does not say.</p></div></li>
</ol><div id="respond"><h3>Leave a Reply</h3><p>Your email address will not be published.</p>
<textarea></textarea><button>Post Comment</button></div></div>"""
    return f"""<!DOCTYPE html><html lang="en">{head(a, url, jsonld=False)}
<body class="post-template-default single single-post">{NAV}
<div id="content" class="site-content"><div id="primary" class="content-area">
<main id="main" class="site-main"><article id="post-4821" class="post type-post status-publish">
<header class="entry-header"><span class="cat-links"><a href="/category/{a["section"].lower()}">
{E(a["section"])}</a></span><h1 class="entry-title">{E(a["title"])}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published"
datetime="{a["date"]}">{human_date(a["date"])}</time></span> <span class="byline"> by
<span class="author vcard"><a class="url fn n" href="/author/x">{E(a["author"])}</a></span>
</span></div></header>
<div class="entry-content">{body}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>
<li><a href="#">Twitter</a></li><li><a href="#">Facebook</a></li><li><a href="#">Email</a></li>
</ul></div><div class="sharedaddy sd-like"><h3>Like this:</h3><p>Like Loading...</p></div>
</div><footer class="entry-footer"><span class="tags-links">Tagged <a href="#">{E(a["section"])}
</a>, <a href="#">local</a></span></footer></article>
<nav class="post-navigation"><a href="/prev">Previous post: {E(others[0]["title"])}</a>
<a href="/next">Next post: {E(others[1]["title"])}</a></nav>{comments}</main></div>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts</h2><ul>
{"".join(f"<li><a href='#'>{E(o['title'])}</a></li>" for o in others[:5])}</ul></section>
<section class="widget">{NEWSLETTER_BOX}</section></aside></div>{FOOTER.format(site=E(a["site"]))}
</body></html>"""


def t_econ(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    credit = (
        f"{E(a['title'])}. Source: Regional Press Office, Public domain, via Wikimedia Commons"
    )
    body = render_body(a["body"])
    return f"""<!DOCTYPE html><html>{head(a, url)}<body>
<div class="mobile-nav"><a class="menu">Menu</a><a class="search">Search</a>
<span class="section">&nbsp;|&nbsp; {E(a["section"])}</span></div>
<div class="desktop-nav"><a class="menu">Menu</a><span class="section">&nbsp;|&nbsp;
{E(a["section"])}</span><a class="search">Search</a></div>
<div class="container"><div class="row"><div class="col-md-8 article">
<h1 class="post-title">{E(a["title"])}</h1>
<div class="post-meta">By <a href="/author">{E(a["author"])}</a> &middot;
<span class="date">{human_date(a["date"])}</span></div>
<div class="featured-image"><img src="/images/lead.jpg"><p class="caption">{credit}</p></div>
<div class="post-content">{body}</div>
<div class="tags">Tags: <a>{E(a["section"])}</a> <a>Economy</a></div></div>
<div class="col-md-4 sidebar"><ul><li>{MARKET_TICKER}</li></ul>
{related(a["site"], others)}</div></div></div>
<div class="modal newsletter-modal"><a class="close">Close</a><h3>Welcome to {E(a["site"])}</h3>
<p>Sign up for daily updates for the most important stories unfolding in the global economy.</p>
<input type="email"><button>Subscribe</button></div>{COOKIE}{FOOTER.format(site=E(a["site"]))}
</body></html>"""


def t_amp(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    ad = (
        '<div class="ad-slot"><span class="ad-label">Advertisement</span><amp-ad width="300" '
        'height="250" type="doubleclick" data-slot="/1234/news"></amp-ad></div>'
    )
    readmore = (
        f'<p class="read-more"><strong>Read more:</strong> <a href="/news/{others[2]["slug"]}">'
        f"{E(others[2]['title'])}</a></p>"
    )
    body = render_body(a["body"], inserts={1: ad, 3: readmore, 5: ad})
    return f"""<!doctype html><html amp lang="en">{head(a, url)}<body>
<header class="amp-header"><a href="/">{E(a["site"])}</a><button on="tap:sidebar.toggle">☰</button>
</header><amp-sidebar id="sidebar" layout="nodisplay"><ul><li><a href="/">Home</a></li>
<li><a href="/news">Latest</a></li><li><a href="/video">Video</a></li></ul></amp-sidebar>
<main><article><div class="breadcrumb"><a href="/">Home</a> › <a href="/{a["section"].lower()}">
{E(a["section"])}</a></div><h1>{E(a["title"])}</h1>
<div class="byline"><span class="author">{E(a["author"])}</span>
<time datetime="{a["date"]}">{human_date(a["date"])}</time></div>
<amp-social-share type="twitter"></amp-social-share><amp-social-share type="facebook">
</amp-social-share><figure><amp-img src="/img/lead.jpg" width="1200" height="675" layout="responsive">
</amp-img><figcaption>File photo. (Photo by Staff Photographer/{E(a["site"])})</figcaption></figure>
<div class="article-body">{body}</div></article>
<section class="more-stories"><h2>Trending now</h2>
{"".join(f"<a href='/n/{o['slug']}'><h3>{E(o['title'])}</h3></a>" for o in others[:3])}</section>
</main>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_modern(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    inline_news = (
        '<div class="css-1x9k2 e1xv4 inline-newsletter" data-testid="newsletter">'
        '<p class="css-2kd8">Sign up for The Evening newsletter</p><p class="css-2kd8">'
        "The day's biggest stories, explained, in your inbox every weekday.</p>"
        '<a class="css-btn" href="/newsletters/evening">Get it sent to your inbox.</a></div>'
    )
    slug_ad = '<div class="css-ad" data-testid="ad"><p>Advertisement</p></div>'
    related_inline = (
        '<div class="css-rel" data-testid="related"><p>Related Coverage</p><ul><li>'
        f'<a href="/r1">{E(others[0]["title"])}</a></li><li><a href="/r2">'
        f"{E(others[1]['title'])}</a></li></ul></div>"
    )
    body = render_body(
        a["body"],
        p='<p class="css-at9mc evys1bk0">{}</p>',
        inserts={0: slug_ad, 2: inline_news, 4: related_inline},
    )
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body><div id="app">
<div class="css-skip"><a href="#site-content">Skip to content</a><a href="#site-index">Skip to
site index</a></div>{NAV}<main id="site-content"><article id="story" class="css-1vkm6nb">
<header class="css-d8bdto"><p class="css-kicker">{E(a["section"])}</p>
<h1 data-testid="headline" class="css-1e2jphy">{E(a["title"])}</h1>
<p class="css-summary">{E(first_sentence(a["body"]))}</p>
<div class="css-listen"><button>Listen to this article · 5:12 min</button>
<a href="/audio">Learn more</a></div>
<div class="css-byline"><span>By <a href="/by/x">{E(a["author"])}</a></span>
<time datetime="{a["date"]}">{human_date(a["date"])}</time>
<button class="css-share">Share full article</button><span>42</span></div></header>
<section name="articleBody" class="meteredContent css-1r7ky0e">
<div class="css-s99gbd StoryBodyCompanionColumn"><div class="css-53u6y8">{body}</div></div>
</section><div class="bottom-of-article"><div class="css-bio"><p>{E(a["author"])} is a reporter
covering {E(a["section"].lower())}. She has reported from eleven countries.</p></div>
<div class="css-print"><p>A version of this article appears in print on Section A, Page 14 of the
National edition with the headline: {E(a["title"])}.
<a href="/reprints">Order Reprints</a> | <a href="/paper">Today's Paper</a> |
<a href="/subscribe">Subscribe</a></p></div></div></article>
{related(a["site"], others)}</main>{FOOTER.format(site=E(a["site"]))}</div></body></html>"""


def t_oldschool(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    paras = []
    for kind, value in blocks(a["body"]):
        if kind == "ul":
            paras.append("".join(f"&bull; {E(item)}<br>\n" for item in value))
        elif kind == "h2":
            paras.append(f"<b>{E(str(value))}</b>")
        else:
            paras.append(E(str(value)))
    text = "<br><br>\n".join(paras)
    links = "".join(f"<a href='/a/{o['slug']}'>{E(o['title'])}</a><br>" for o in others[:6])
    return f"""<html><head><title>{E(a["title"])} - {E(a["site"])}</title>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<link rel="canonical" href="{url}"></head>
<body bgcolor="#ffffff"><table width="100%" border="0"><tr><td colspan="2" class="masthead">
<font size="6"><b>{E(a["site"])}</b></font><br><a href="/">Front page</a> | <a href="/local">Local
</a> | <a href="/sports">Sports</a> | <a href="/classifieds">Classifieds</a> |
<a href="/obits">Obituaries</a></td></tr><tr><td width="180" valign="top" class="leftnav">
<b>Sections</b><br><a href="/news">News</a><br><a href="/business">Business</a><br>
<a href="/letters">Letters</a><br><br><b>Headlines</b><br>{links}</td>
<td valign="top" class="story"><font size="5"><b>{E(a["title"])}</b></font><br>
<i>By {E(a["author"])}</i><br><font size="2">Published {human_date(a["date"])}</font>
<br><br><div class="storytext">{text}</div><br><br>
<font size="2"><a href="/print">Print this story</a> | <a href="/email">Email this story</a>
</font></td></tr></table><center><font size="1">Copyright 2026 {E(a["site"])}. All rights
reserved. This material may not be published, broadcast, rewritten or redistributed.</font>
</center></body></html>"""


def t_magazine(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    pull = f'<aside class="pullquote"><p>&ldquo;{E(first_sentence(a["body"]))}&rdquo;</p></aside>'
    figure = (
        '<figure class="inline-image"><img src="/uploads/detail.jpg" alt="">'
        "<figcaption><span class='caption-text'>A view of the site on Tuesday.</span> "
        "<span class='credit'>Image credit: Kai Lennart for the magazine</span>"
        "</figcaption></figure>"
    )
    body = render_body(a["body"], inserts={1: pull, 3: figure})
    return f"""<!DOCTYPE html><html lang="en">{head(a, url, og=True)}<body class="single">
{NAV}<div class="progress-bar"></div><div class="wrap"><article class="post">
<div class="post-header"><a class="category" href="#">{E(a["section"])}</a>
<h1 class="post-title">{E(a["title"])}</h1><div class="meta"><img class="avatar" src="/a.png">
<span class="by">Words by {E(a["author"])}</span> <span class="read">4 min read</span>
<span class="date">{human_date(a["date"])}</span></div></div>
<div class="share-bar"><span>Share</span><a>Facebook</a><a>X</a><a>LinkedIn</a><a>Copy link</a>
</div><div class="post-body dropcap">{body}</div>
<div class="post-tags"><span>Tags:</span> <a>#{E(a["section"].lower())}</a> <a>#news</a></div>
<div class="author-box"><img src="/a.png"><h4>About {E(a["author"])}</h4><p>{E(a["author"])}
writes about people, places and the ideas that shape them. Follow on social media for more.</p>
</div></article><section class="you-might-like"><h3>You might also like</h3>
{"".join(f"<div class='card'><a href='#'>{E(o['title'])}</a><p>4 min read</p></div>" for o in others[:4])}
</section>{NEWSLETTER_BOX}</div>{COOKIE}{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_wire(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    body = render_body(a["body"], p='<p data-testid="paragraph">{}</p>')
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>
<div class="ticker-bar">{MARKET_TICKER}</div>{NAV}<main><div class="article-wrap">
<nav class="crumbs"><a href="/world">World</a> / <a href="#">{E(a["section"])}</a></nav>
<h1 data-testid="Heading">{E(a["title"])}</h1><div class="article-info">
<div class="authors">By <a href="#">{E(a["author"])}</a></div>
<time datetime="{a["date"]}">{human_date(a["date"])}</time>
<span class="updated">Updated 2 hours ago</span></div>
<div class="article-body">{body}</div>
<div class="trust"><p>Our Standards: The Wire Trust Principles.</p>
<a href="/licensing">Purchase Licensing Rights</a></div>
<div class="contact"><p>Sign up here to get our reporting in your inbox.</p></div></div>
<div class="read-next"><h2>Read Next</h2>
{"".join(f"<article><a href='#'>{E(o['title'])}</a><time>{human_date(o['date'])}</time></article>" for o in others[:5])}
</div></main>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_liveish(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    embed = (
        '<blockquote class="twitter-tweet"><p lang="en">Crowds gathering already this morning. '
        "#news</p>&mdash; Local Watcher (@localwatch) <a href='#'>April 5, 2026</a></blockquote>"
    )
    body = render_body(a["body"], inserts={2: embed})
    gallery = "".join(
        f"<li><img src='/g/{i}.jpg'><p class='gcap'>Photo {i} of 6</p></li>" for i in range(1, 7)
    )
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{COOKIE}{NAV}
<div class="breaking-banner"><strong>Breaking</strong> <a href="#">{E(others[3]["title"])}</a>
</div><div class="layout"><div class="main-col"><div class="story-head">
<ul class="story-tags"><li>{E(a["section"])}</li></ul><h1>{E(a["title"])}</h1>
<div class="story-byline">{E(a["author"])} &bull; <time datetime="{a["date"]}">
{human_date(a["date"])}</time></div></div><div class="gallery"><ul>{gallery}</ul>
<p class="gallery-credit">Photos: Agency Pool</p></div>
<div class="story-content" itemprop="articleBody">{body}</div>
<div class="story-footer"><p>Have a story tip? Email our newsroom.</p>
<p>Follow us on Facebook, Instagram and X for the latest updates.</p></div>
<div class="comments-teaser"><a href="#comments">View 27 comments</a></div></div>
<div class="side-col"><div class="most-read"><h3>Most read</h3><ol>
{"".join(f"<li><a href='#'>{E(o['title'])}</a></li>" for o in others[:5])}</ol></div>
<div class="weather-widget"><p>Riverside 18°C Partly cloudy</p><p>Tomorrow 21°C</p></div></div>
</div>{FOOTER.format(site=E(a["site"]))}</body></html>"""


TEMPLATES: list[Callable[[dict[str, str], str, list[dict[str, str]]], str]] = [
    t_wordpress,
    t_econ,
    t_amp,
    t_modern,
    t_oldschool,
    t_magazine,
    t_wire,
    t_liveish,
]


# -- held-out templates: written after tuning on the eight above, with other wording --------------
def t_bbcish(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    fig = (
        '<figure><div class="image"><span class="visually-hidden">Image source, </span>'
        '<span class="copyright">Getty Images</span><img src="/i.jpg"></div><figcaption>'
        '<span class="visually-hidden">Image caption, </span>Officials met on Monday morning'
        "</figcaption></figure>"
    )
    body = render_body(a["body"], inserts={0: fig})
    return f"""<!DOCTYPE html><html lang="en-GB">{head(a, url)}<body>
<a href="#main-content" class="skip">Skip to content</a>{NAV}
<main id="main-content"><article><header><h1 id="main-heading">{E(a["title"])}</h1></header>
<div class="byline-block"><time datetime="{a["date"]}">{human_date(a["date"])}</time>
<div class="contributor"><span>By {E(a["author"])}</span><span>{E(a["section"])}
correspondent</span></div></div>
<div class="share-tools"><button>Share</button><button>Save</button></div>
<div data-component="text-block">{body}</div>
<section data-component="links-block"><h2>More on this story</h2><ul>
{"".join(f"<li><a href='#'>{E(o['title'])}</a><span>Published {human_date(o['date'])}</span></li>" for o in others[:3])}
</ul></section><section data-component="topic-list"><h2>Related Topics</h2><ul>
<li><a>{E(a["section"])}</a></li><li><a>Europe</a></li></ul></section></article>
<section class="top-stories"><h2>Top Stories</h2>
{"".join(f"<div><a href='#'>{E(o['title'])}</a><p>{E(o['site'])}</p></div>" for o in others[3:7])}
</section></main>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_guardianish(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    ask = (
        '<div class="contributions-epic"><h2>Before you move on…</h2><p>… we have a small favour '
        "to ask. Millions of readers rely on our independent, open journalism every month, and "
        "unlike many others we have no paywall. Our reporting is funded by readers like you, and "
        "every contribution, however big or small, keeps it free for everyone.</p>"
        "<p>Support us from just 1 a month. It only takes a minute. Thank you.</p>"
        "<a>Support us</a><a>Remind me in December</a></div>"
    )
    promo = '<aside class="element-rich-link"><p>Explainer</p><a>What the changes mean for you</a></aside>'
    body = render_body(a["body"], inserts={2: promo})
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>
<div class="header"><a>Print subscriptions</a><a>Sign in</a><a>Search jobs</a></div>{NAV}
<div class="content"><div class="content__labels"><a>{E(a["section"])}</a></div>
<h1 class="content__headline">{E(a["title"])}</h1>
<div class="content__standfirst"><p>Officials and residents react as the plans are set out</p></div>
<aside class="meta"><p class="byline"><a rel="author">{E(a["author"])}</a></p>
<p><time datetime="{a["date"]}">{human_date(a["date"])}</time></p>
<div class="social"><a>Share on Facebook</a><a>Share on Twitter</a><a>Share via Email</a></div>
<p class="comment-count">317</p></aside>
<div class="content__article-body from-content-api js-article__body" itemprop="articleBody">
{body}</div>{ask}<div class="submeta"><a>Topics</a><ul><li><a>{E(a["section"])}</a></li>
<li><a>news</a></li></ul><p>Reuse this content</p></div></div>
<div id="comments"><h2>Comments (317)</h2><p>This discussion is now closed for comments but you
can still sign in or create your Guardian account to join the discussion next time.</p>
<div class="comment"><p>Typical. Another decision made without asking the people who will live
with the consequences for decades to come.</p></div></div>
<section class="onward"><h2>Most viewed</h2><ol>
{"".join(f"<li><a href='#'>{E(o['title'])}</a></li>" for o in others[:6])}</ol></section>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_localtv(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    video = (
        '<div class="video-player"><p>WATCH: Residents describe the scene</p><div class="jw">'
        "Loading...</div><p>Please enable JavaScript to watch this video.</p></div>"
    )
    mid = '<div class="inline-promo"><p>Download our free app for breaking news alerts.</p></div>'
    body = render_body(a["body"], inserts={1: mid})
    return f"""<!DOCTYPE html><html lang="en-US">{head(a, url, jsonld=True, og=False)}<body>
<div class="alert-bar">WEATHER ALERT: Wind advisory in effect until 8 PM</div>{NAV}
<div class="page"><div class="article"><h1 class="headline">{E(a["title"])}</h1>
<div class="meta">Author: {E(a["author"])}<br>Published: {human_date(a["date"])}<br>
Updated: 4:12 PM CET November 20, 2026</div>{video}<div class="article__body">{body}</div>
<p class="copyright">Copyright 2026 Channel 8 News. All rights reserved.</p>
<div class="related"><h3>Related Articles</h3><ul>
{"".join(f"<li><a href='#'>{E(o['title'])}</a></li>" for o in others[:3])}</ul></div>
<div id="disqus_thread"><noscript>Please enable JavaScript to view the comments.</noscript></div>
</div><div class="rail"><div class="ad">Advertisement</div><h3>Trending Stories</h3><ul>
{"".join(f"<li><a href='#'>{E(o['title'])}</a></li>" for o in others[3:8])}</ul></div></div>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_brbody(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    parts = []
    for kind, value in blocks(a["body"]):
        if kind == "ul":
            parts.append("<br>".join(f"- {E(item)}" for item in value))
        elif kind == "h2":
            parts.append(f"<strong>{E(str(value))}</strong>")
        else:
            parts.append(E(str(value)))
    text = "<br><br>".join(parts)
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}<div id="wrapper">
<div id="left"><div class="headline"><h2>{E(a["title"])}</h2></div>
<div class="info">{E(a["author"])} | {human_date(a["date"])} | <a>{E(a["section"])}</a></div>
<div class="text" id="articleText">{text}</div>
<div class="fb-like">Like us on Facebook</div><div class="prevnext"><a>&laquo; Previous</a>
<a>Next &raquo;</a></div></div><div id="right"><h3>Latest news</h3>
{"".join(f"<p><a href='#'>{E(o['title'])}</a><br><small>{human_date(o['date'])}</small></p>" for o in others[:8])}
</div></div>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_keypoints(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    author_line = (
        f'<div class="author-footer"><p>Contact {E(a["author"])} at '
        f"{a['author'].split()[-1].lower()}@newsroom.example or follow on X @"
        f"{a['author'].split()[-1].lower()}.</p></div>"
    )
    inline_rel = f'<p class="also"><em>ALSO READ | {E(others[1]["title"])}</em></p>'
    body = render_body(a["body"], inserts={2: inline_rel})
    return f"""<!DOCTYPE html><html lang="en-IN">{head(a, url)}<body>{NAV}
<div class="container"><ol class="breadcrumb"><li>Home</li><li>{E(a["section"])}</li></ol>
<h1>{E(a["title"])}</h1><h2 class="synopsis">A summary of the decision and what happens next.
</h2><div class="author-date">{E(a["author"])} <span>|</span>
<span>Updated: {human_date(a["date"])} IST</span></div>
<div class="follow">Follow us on Google News</div>
<div class="story-details" itemprop="articleBody">{body}</div>{author_line}
<div class="subscribe-box"><p>Subscribe to our channel on WhatsApp for the latest updates.</p>
</div><div class="first-published"><p>First Published: {human_date(a["date"])}</p></div>
<div class="more-like"><h3>More Like This</h3>
{"".join(f"<a href='#'>{E(o['title'])}</a>" for o in others[:4])}</div></div>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_paywallish(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    body = render_body(a["body"], p='<p class="paragraph">{}</p>')
    return f"""<!DOCTYPE html><html lang="de">{head(a, url)}<body>{COOKIE}{NAV}
<article class="story"><div class="kicker">{E(a["section"])}</div>
<h1>{E(a["title"])}</h1><div class="teaser"><p>Exclusive analysis for subscribers.</p></div>
<div class="authors">Von {E(a["author"])} · <time datetime="{a["date"]}">{human_date(a["date"])}
</time> · 4 Min.</div><div class="audio">Artikel anhören</div>
<div class="story-body">{body}</div><div class="feedback"><p>Was this article helpful?</p>
<button>Yes</button><button>No</button></div>
<div class="author-bio"><p>{E(a["author"])} has covered the region for the paper since 2019 and
previously worked as a correspondent in three capitals.</p></div></article>
<div class="outbrain"><h3>Recommended by</h3>
{"".join(f"<div class='ob'><a href='#'>{E(o['title'])}</a><span>Sponsored</span></div>" for o in others[:4])}
</div>{FOOTER.format(site=E(a["site"]))}</body></html>"""


HOLDOUT: list[Callable[[dict[str, str], str, list[dict[str, str]]], str]] = [
    t_bbcish,
    t_guardianish,
    t_localtv,
    t_brbody,
    t_keypoints,
    t_paywallish,
]


# -- stress templates: hard real-world structures, added last; the body stays the human reading --
def _linkify(text: str, every: int) -> str:
    words = text.split()
    out, index = [], 0
    while index < len(words):
        if index % every == 3:
            out.append(f'<a href="/topic/{index}">{E(" ".join(words[index : index + 3]))}</a>')
            index += 3
        else:
            out.append(E(words[index]))
            index += 1
    return " ".join(out)


def t_split_body(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    parts = blocks(a["body"])
    half = len(parts) // 2
    first = render_body("\n\n".join(_unblock(b) for b in parts[:half]))
    second = render_body("\n\n".join(_unblock(b) for b in parts[half:]))
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}<main>
<div class="article-header"><h1>{E(a["title"])}</h1><span class="author">{E(a["author"])}</span>
<time datetime="{a["date"]}">{human_date(a["date"])}</time></div>
<div class="article-body part-1">{first}</div>
<div class="mid-article"><div class="promo-box"><h4>Don't miss</h4><p><a href="#">{E(others[0]["title"])}</a></p>
<p><a href="#">{E(others[1]["title"])}</a></p></div>{NEWSLETTER_BOX}</div>
<div class="article-body part-2">{second}</div>
<div class="end-of-article"><p>Got a news tip? Email us at tips@newsroom.example</p></div>
</main>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def _unblock(block: tuple[str, str | list[str]]) -> str:
    kind, value = block
    if kind == "h2":
        return f"## {value}"
    if kind == "ul":
        return "\n".join(f"- {item}" for item in value)
    if kind == "quote":
        return f"> {value}"
    return str(value)


def t_linkheavy(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    parts = []
    for kind, value in blocks(a["body"]):
        if kind == "p":
            parts.append(f"<p>{_linkify(str(value), 9)}</p>")
        else:
            parts.append(render_body(_unblock((kind, value))))
    blogroll = "".join(
        f"<li><a href='#'>{E(o['site'])}: {E(o['title'])}</a></li>" for o in others[:10]
    )
    return f"""<!DOCTYPE html><html lang="en">{head(a, url, jsonld=False)}<body>
<div id="header"><h2 class="blog-title"><a href="/">{E(a["site"])} blog</a></h2>
<p class="tagline">Notes on the news, with links</p></div><div id="main"><div class="post">
<h2 class="post-title">{E(a["title"])}</h2><p class="post-meta">{human_date(a["date"])} by {E(a["author"])}</p>
<div class="post-entry">{"".join(parts)}</div>
<p class="post-footer">Posted in <a>{E(a["section"])}</a> | <a>Permalink</a> | <a>4 Comments</a></p></div></div>
<div id="sidebar"><h3>Blogroll</h3><ul>{blogroll}</ul><h3>Archives</h3><ul><li><a>November 2026</a></li>
<li><a>October 2026</a></li><li><a>September 2026</a></li></ul></div></body></html>"""


def t_tabloid(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    sentences: list[str] = []
    for kind, value in blocks(a["body"]):
        if kind == "p":
            sentences.extend(re.split(r"(?<=[.!?\"])\s+(?=[A-Z\"])", str(value)))
        else:
            sentences.append(_unblock((kind, value)))
    promo = f'<p class="read-more-link"><strong>READ MORE: <a href="#">{E(others[0]["title"].upper())}</a></strong></p>'
    body = render_body(
        "\n\n".join(sentences),
        inserts={
            2: promo,
            6: promo.replace(others[0]["title"].upper(), others[1]["title"].upper()),
        },
    )
    return f"""<!DOCTYPE html><html lang="en-GB">{head(a, url)}<body>{NAV}
<div class="article"><span class="flag">EXCLUSIVE</span><h1>{E(a["title"])}</h1>
<ul class="key-points"><li>{E(others[2]["title"])}</li></ul>
<div class="byline">By <a>{E(a["author"])}</a>, Reporter<br>{human_date(a["date"])}</div>
<div class="video-teaser"><p>Video: What we know so far</p></div>
<div class="article-text">{body}</div>
<div class="got-story"><p>Got a story? Email newsdesk@tabloid.example or call 0800 123 456</p></div>
</div><div class="puff-list">{"".join(f"<div><a>{E(o['title'])}</a></div>" for o in others[3:9])}</div>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_infinite(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    body = render_body(a["body"])
    nxt = others[4]
    next_paras = [str(v) for k, v in blocks(nxt["body"]) if k == "p"][:2]
    teaser = "".join(f"<p>{E(p)}</p>" for p in next_paras)
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}<main>
<article class="story" data-story="1"><h1>{E(a["title"])}</h1>
<div class="meta">{E(a["author"])} · <time datetime="{a["date"]}">{human_date(a["date"])}</time></div>
<div class="story-body">{body}</div></article>
<div class="next-story-label">Next story</div>
<article class="story next-story" data-story="2"><h2><a href="#">{E(nxt["title"])}</a></h2>
<div class="meta">{E(nxt["author"])}</div><div class="story-body">{teaser}
<a class="continue" href="#">Continue reading</a></div></article></main>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_bio_correction(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    correction = (
        "Correction: An earlier version of this article misstated the date of the next "
        "meeting. It is on Tuesday, not Monday."
    )
    body = render_body(a["body"] + "\n\n" + correction)
    bio = (
        f"<p>{E(a['author'])} is a staff writer based in the capital. Before joining the paper "
        "in 2021, she worked for a regional radio station and a business weekly.</p>"
    )
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}<div class="page">
<h1>{E(a["title"])}</h1><p class="dateline">{human_date(a["date"])}</p>
<div class="content">{body}{bio}</div>
<div class="related"><h3>Related</h3>{"".join(f"<p><a>{E(o['title'])}</a></p>" for o in others[:3])}</div>
</div>{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_divparas(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    """Paragraphs as divs (no <p> at all), a dateline label, inline "Read More" links."""
    parts = []
    for index, (kind, value) in enumerate(blocks(a["body"])):
        if kind == "h2":
            parts.append(f'<h3 class="zn-body__subheadline">{E(str(value))}</h3>')
        elif kind == "ul":
            parts.append("<ul>" + "".join(f"<li>{E(i)}</li>" for i in value) + "</ul>")
        else:
            parts.append(f'<div class="zn-body__paragraph">{E(str(value))}</div>')
        if index == 1:
            parts.append('<div class="zn-body__read-more"><a href="#">Read More</a></div>')
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}
<div class="l-container"><h1 class="pg-headline">{E(a["title"])}</h1>
<div class="metadata"><p class="metadata__byline">By <span>{E(a["author"])}</span>, CNN</p>
<p class="update-time">Updated 1527 GMT (2327 HKT) {human_date(a["date"])}</p></div>
<div class="el__embedded"><div class="media__caption">{E(others[0]["title"])} (Photo by Wire Service)</div></div>
<section id="body-text"><div class="zn-body__read-all">{"".join(parts)}</div></section>
<div class="zn-body__footer"><p>CNN's {E(others[1]["author"])} contributed to this report.</p></div>
</div><div class="zn-has-four-containers"><h2>Paid Content</h2>
{"".join(f"<article><a href='#'>{E(o['title'])}</a></article>" for o in others[2:8])}</div>
{FOOTER.format(site=E(a["site"]))}</body></html>"""


def t_companion(a: dict[str, str], url: str, others: list[dict[str, str]]) -> str:
    """The body in several companion-column divs inside one section, ads between them."""
    parts = blocks(a["body"])
    cols = []
    for start in range(0, len(parts), 2):
        chunk = "\n\n".join(_unblock(b) for b in parts[start : start + 2])
        html_chunk = render_body(chunk, p='<p class="css-exrw3m evys1bk0">{}</p>')
        cols.append(
            f'<div class="css-1fanzo5 StoryBodyCompanionColumn"><div class="css-53u6y8">'
            f"{html_chunk}</div></div>"
            '<div class="css-9tf9ac" id="mid1-wrapper"><div class="ad"><p>Advertisement</p>'
            "<p>Continue reading the main story</p></div></div>"
        )
    figure = (
        '<figure class="css-1a48zt4"><img src="/i.jpg"><figcaption><span class="css-16f3y1r">'
        "Workers at the site on Tuesday.</span><span class='css-cnj6d5'>Credit...Mara Lind "
        "for The Paper</span></figcaption></figure>"
    )
    return f"""<!DOCTYPE html><html lang="en">{head(a, url)}<body>{NAV}
<main><article><header><p class="css-kicker">Supported by</p><h1>{E(a["title"])}</h1>
{figure}<p class="byline">By {E(a["author"])}</p><time datetime="{a["date"]}">{human_date(a["date"])}</time>
</header><section name="articleBody" itemprop="articleBody">{"".join(cols)}</section>
<div class="bottom-of-article"><p>A version of this article appears in print on Page B3.</p></div>
</article></main>{FOOTER.format(site=E(a["site"]))}</body></html>"""


STRESS: list[Callable[[dict[str, str], str, list[dict[str, str]]], str]] = [
    t_split_body,
    t_linkheavy,
    t_tabloid,
    t_infinite,
    t_bio_correction,
    t_divparas,
    t_companion,
]


Template = Callable[[dict[str, str], str, list[dict[str, str]]], str]

# (split, file-name prefix, templates, URL pattern, rotation step and modulus of "related" links)
SPLITS: list[tuple[str, str, list[Template], str, int, int]] = [
    ("tune", "", TEMPLATES, "https://www.{host}/{section}/2026/{slug}", 1, 7),
    ("holdout", "h", HOLDOUT, "https://{host}/story/{slug}-{n100}", 3, 11),
    ("stress", "s", STRESS, "https://{host}/{n200}/{slug}.html", 5, 13),
]
CORRECTION = (
    "\n\nCorrection: An earlier version of this article misstated the date of the "
    "next meeting. It is on Tuesday, not Monday."
)


def _write_page(
    pages: Path,
    split: str,
    prefix: str,
    templates: list[Template],
    url_pattern: str,
    step: int,
    modulus: int,
    index: int,
    article: dict[str, str],
) -> None:
    """Render one article with its split's template and write the page and its truth file."""
    template = templates[index % len(templates)]
    host = re.sub(r"[^a-z]", "", article["site"].lower()) + ".example"
    url = url_pattern.format(
        host=host,
        section=article["section"].lower(),
        slug=article["slug"],
        n100=index + 100,
        n200=index + 200,
    )
    others = [o for o in ARTICLES if o is not article]
    turn = (index * step) % modulus
    others = others[turn:] + others[:turn]
    page = template(article, url, others)
    name = f"{prefix}{index + 1:02d}-{article['slug']}"
    body = article["body"] + (CORRECTION if template is t_bio_correction else "")
    (pages / f"{name}.html").write_text(page, encoding="utf-8")
    truth = {
        "url": url,
        "template": template.__name__.removeprefix("t_"),
        "split": split,
        "title": article["title"],
        "author": article["author"],
        "date": datetime.fromisoformat(article["date"]).astimezone(UTC).isoformat(),
        "sitename": article["site"],
        "articleBody": expected_text(body),
    }
    (pages / f"{name}.json").write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    pages = HERE / "pages"
    pages.mkdir(exist_ok=True)
    for old in pages.glob("*"):
        old.unlink()
    for split, prefix, templates, url_pattern, step, modulus in SPLITS:
        for index, article in enumerate(ARTICLES):
            _write_page(
                pages, split, prefix, templates, url_pattern, step, modulus, index, article
            )
    print(f"wrote {len(SPLITS) * len(ARTICLES)} pages to {pages}")


if __name__ == "__main__":
    main()
