"""The entities Telegram attaches to a message a user writes (bot commands, mentions, URLs),
so the stand-in's injected messages look like the ones a real client sends."""

from __future__ import annotations

import re
from typing import Any

from standin.text import utf16_len

__all__ = ["incoming_entities"]

_WORD = re.compile(r"[\w]", re.UNICODE)


def _is_word(ch: str) -> bool:
    return bool(_WORD.match(ch))


_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,32}))?")
_MENTION = re.compile(r"@([A-Za-z0-9_]{2,32})")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def incoming_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram attaches to a user's plain message: bot_command, mention, url."""
    found: list[dict[str, Any]] = []

    def add(kind: str, start: int, end: int) -> None:
        found.append(
            {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        )

    for match in _COMMAND.finditer(text):
        start, end = match.span()
        prev = text[start - 1] if start else ""
        nxt = text[end] if end < len(text) else ""
        if prev and (_is_word(prev) or prev in "/<>"):
            continue
        if nxt and (_is_word(nxt) or nxt in "/<>@"):
            continue
        add("bot_command", start, end)
    commands = [(e["offset"], e["offset"] + e["length"]) for e in found]
    for match in _MENTION.finditer(text):
        start, end = match.span()
        prev = text[start - 1] if start else ""
        nxt = text[end] if end < len(text) else ""
        if (prev and _is_word(prev)) or (nxt and _is_word(nxt)):
            continue
        u_start = utf16_len(text[:start])
        if any(a <= u_start < b for a, b in commands):
            continue
        add("mention", start, end)
    for match in _URL.finditer(text):
        start, end = match.span()
        while end > start and text[end - 1] in ".,;:!?)]":
            end -= 1
        add("url", start, end)
    found.sort(key=lambda e: (e["offset"], -e["length"]))
    return found
