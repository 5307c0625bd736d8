"""The bundled sample news set used by ``newsbrief demo`` and tests: fictional articles in a few
topics, served as a local news site with RSS feeds (see :mod:`demo.samples.site`)."""

from __future__ import annotations

from demo.samples.site import (
    SAMPLE_NOTICE,
    Outlet,
    SampleArticle,
    SampleSite,
    load_articles,
    load_outlets,
)

__all__ = [
    "SAMPLE_NOTICE",
    "Outlet",
    "SampleArticle",
    "SampleSite",
    "load_articles",
    "load_outlets",
]
