"""What an ingestion run did, counted for the CLI, the logs and the bot's admin replies."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["IngestReport", "Progress"]

Progress = Callable[[int, int], None]  # (done, total) as entries or files are settled


@dataclass
class IngestReport:
    """What a run did: articles new and duplicate, entries rejected (url, reason), feeds."""

    new: int = 0
    duplicate: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    feeds_checked: int = 0
    feeds_failed: int = 0
    feed_errors: list[tuple[str, str]] = field(default_factory=list)  # (feed url, reason)
    retry_later: int = 0  # entries left unseen after a passing failure; tried again next poll
    feeds_over_cap: list[str] = field(default_factory=list)  # feeds with entries left waiting
    queued: int = 0  # entries handed to the work queue (news.tasks) for workers to ingest

    def merge(self, other: IngestReport) -> None:
        self.new += other.new
        self.duplicate += other.duplicate
        self.rejected.extend(other.rejected)
        self.feeds_checked += other.feeds_checked
        self.feeds_failed += other.feeds_failed
        self.feed_errors.extend(other.feed_errors)
        self.retry_later += other.retry_later
        self.feeds_over_cap.extend(other.feeds_over_cap)
        self.queued += other.queued

    def line(self) -> str:
        """One line for people: "12 new, 3 duplicate, 2 rejected: reason (×2)"."""
        parts = [
            f"{self.new} new",
            f"{self.duplicate} duplicate",
            f"{len(self.rejected)} rejected",
        ]
        text = ", ".join(parts)
        if self.rejected:
            counts: dict[str, int] = defaultdict(int)
            for _, reason in self.rejected:
                counts[reason] += 1
            text += ": " + "; ".join(
                reason if n == 1 else f"{reason} (×{n})" for reason, n in counts.items()
            )
        if self.feeds_checked:
            text += f" | feeds: {self.feeds_checked} checked, {self.feeds_failed} failed"
            if self.feed_errors:
                text += " (" + "; ".join(f"{u}: {r}" for u, r in self.feed_errors) + ")"
        if self.retry_later:
            text += f" | {self.retry_later} to retry next poll"
        if self.queued:
            text += f" | {self.queued} queued for workers"
        if self.feeds_over_cap:
            count = len(self.feeds_over_cap)
            text += f" | {count} feed{'s' if count > 1 else ''} over the new-entry cap: "
            text += ", ".join(self.feeds_over_cap) + " (the rest next poll)"
        return text
