"""Briefings: which stories a chat sees for ``/brief``, a question or a link, and how they rank."""

from __future__ import annotations

from news.briefings.service import (
    Briefing,
    BriefingItem,
    BriefingService,
    LinkSummary,
    question_topic,
)
from news.briefings.snapshot import StorySnapshot, StorySnapshots

__all__ = [
    "Briefing",
    "BriefingItem",
    "BriefingService",
    "LinkSummary",
    "StorySnapshot",
    "StorySnapshots",
    "question_topic",
]
