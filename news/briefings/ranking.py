"""How briefing stories rank: coverage (distinct outlets), recency and what the reader saw.

A story several outlets carry is the day's news; one outlet's item is usually not. So a briefing
without a topic ranks by ``coverage * recency``: coverage grows with the number of distinct
outlets (1 + log2 of it: 2.0 for two, 3.0 for four), recency halves per day towards a floor of
one half. Within the two days a first briefing looks back, any story two outlets carry outranks
any story only one carries; among those, the newer and the more widely carried come first.
Stories the chat was already shown are left out before ranking (``BriefingService``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import urlsplit

from news.models import StoryView

__all__ = ["HALF_LIFE_HOURS", "coverage", "outlets", "rank_new", "recency", "story_time"]

HALF_LIFE_HOURS = 24.0  # recency weight halves every day (towards a floor of 0.5)


def story_time(story: StoryView) -> datetime:
    """When the story last moved: its newest source's publication time when known (a feed's
    first poll brings in days-old articles all at once), else when it was last seen."""
    published = [s.published for s in story.sources if s.published is not None]
    return min(max(published), story.last_seen) if published else story.last_seen


def recency(story: StoryView, now: datetime) -> float:
    """1.0 for a story that moved just now, halving per HALF_LIFE_HOURS towards a floor of 0.5."""
    age_hours = max(0.0, (now - story_time(story)).total_seconds() / 3600)
    return 0.5 + 0.5 * math.pow(0.5, age_hours / HALF_LIFE_HOURS)


def outlets(story: StoryView) -> int:
    """Distinct outlets carrying the story (by source name, else the URL's host; case-folded):
    two articles of one site count once."""
    names = {
        (source.source or urlsplit(source.url).hostname or source.url).strip().casefold()
        for source in story.sources
    }
    return max(1, len(names))


def coverage(story: StoryView) -> float:
    """1.0 for one outlet, +1.0 per doubling of the outlets carrying it."""
    return 1.0 + math.log2(outlets(story))


def rank_new(
    stories: Iterable[StoryView],
    now: datetime,
    coverage_of: Callable[[StoryView], float] = coverage,
) -> list[StoryView]:
    """``stories`` best first: coverage times recency, then the newer, then the newer id.
    ``coverage_of`` may be a cached ``coverage`` (``StoryIndex.coverage``)."""
    return sorted(
        stories,
        key=lambda s: (coverage_of(s) * recency(s, now), story_time(s), s.id),
        reverse=True,
    )
