"""The one error every fetch failure becomes: a kind for code, a reason for people."""

from __future__ import annotations

from typing import Literal

__all__ = ["FetchError", "FetchErrorKind"]

FetchErrorKind = Literal[
    "invalid_url", "refused", "unreachable", "timeout", "http_status", "too_large", "not_html",
    "decode",
]  # fmt: skip


class FetchError(Exception):
    """A page or feed could not be fetched; ``reason`` is one short user-facing sentence."""

    def __init__(
        self, kind: FetchErrorKind, reason: str, *, status: int | None = None, url: str = ""
    ) -> None:
        super().__init__(reason)
        self.kind: FetchErrorKind = kind
        self.reason = reason
        self.status = status
        self.url = url

    def __repr__(self) -> str:
        return f"FetchError(kind={self.kind!r}, reason={self.reason!r}, status={self.status!r})"
