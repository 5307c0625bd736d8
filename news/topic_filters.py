"""Keyword filters on a topic subscription (issue 15): ``/subscribe climate -sport "heat pump"``.

In what a user types after ``/subscribe``:
- plain words are the topic, matched by words and meaning as before (``news.topic_match``);
- ``+word``: the word must appear in the story; ``-word``: it must not;
- ``"a phrase"``: the words must appear together, in order; ``-"a phrase"``: they must not.

Matching is plain and bounded: the stemmed words of a story's title and the first
``FILTER_WORDS`` words of its text, a set lookup per word and a substring test per phrase; no
user-supplied pattern is ever compiled (a regex from a user is a denial-of-service risk). A
subscription with only filters (``/subscribe "heat pump"``) takes its words as the topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from news.topic_match import stem, tokenize

__all__ = [
    "FILTER_WORDS",
    "MAX_FILTER_CHARS",
    "MAX_FILTER_TERMS",
    "MAX_PHRASE_WORDS",
    "FilterDoc",
    "FilterError",
    "Filters",
    "filter_doc",
    "parse_filters",
    "split_request",
]

MAX_FILTER_TERMS = 8  # +words, -words and phrases together, per subscription
MAX_PHRASE_WORDS = 6
MAX_FILTER_CHARS = 200  # the canonical form stored with the subscription
FILTER_WORDS = 2000  # words of a story's text the filters look at (after its title)

# A term: an optional sign, then a quoted phrase or a bare word. Typed quotes vary by keyboard.
_QUOTES = str.maketrans(
    {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'}
)
_TERM = re.compile(r'([+-]?)"([^"]*)"?|(\S+)')


class FilterError(ValueError):
    """Filters that cannot be used; ``reason`` is one user-facing sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _stems(words: Sequence[str]) -> tuple[str, ...]:
    return tuple(stem(w) for w in words)


@dataclass(frozen=True, slots=True)
class Filters:
    """Words and phrases a story must (and must not) contain, as typed (case-folded)."""

    required: tuple[str, ...] = ()  # +word
    excluded: tuple[str, ...] = ()  # -word
    phrases: tuple[str, ...] = ()  # "a phrase"
    excluded_phrases: tuple[str, ...] = ()  # -"a phrase"

    def __bool__(self) -> bool:
        return bool(self.required or self.excluded or self.phrases or self.excluded_phrases)

    def canonical(self) -> str:
        """The stored and shown form, which ``parse_filters`` reads back to the same filters."""
        parts = [f'"{p}"' for p in self.phrases]
        parts += [f"+{w}" for w in self.required]
        parts += [f"-{w}" for w in self.excluded]
        parts += [f'-"{p}"' for p in self.excluded_phrases]
        return " ".join(parts)

    def check(self, doc: FilterDoc) -> tuple[str, ...] | None:
        """The required words and phrases found (for "Why this?"), or None when the story
        fails a filter."""
        for word in self.excluded:
            if stem(word) in doc.words:
                return None
        for phrase in self.excluded_phrases:
            if _padded(phrase) in doc.sequence:
                return None
        for word in self.required:
            if stem(word) not in doc.words:
                return None
        for phrase in self.phrases:
            if _padded(phrase) not in doc.sequence:
                return None
        return (*self.phrases, *self.required)


@lru_cache(maxsize=4096)  # the filters' own few phrases, checked against every article
def _padded(phrase: str) -> str:
    return " " + " ".join(_stems(tokenize(phrase))) + " "


@dataclass(frozen=True, slots=True)
class FilterDoc:
    """The words of a story that filters look at: stems, and stems in order (padded)."""

    words: frozenset[str]
    sequence: str


def filter_doc(title: str, text: str) -> FilterDoc:
    """A story's ``FilterDoc``: its title and the first ``FILTER_WORDS`` words of its text."""
    opening = " ".join(text.split(maxsplit=FILTER_WORDS)[:FILTER_WORDS])
    tokens = tokenize(f"{title} . {opening}")
    stems = {word: stem(word) for word in set(tokens)}  # each distinct word stemmed once
    ordered = [stems[word] for word in tokens]
    return FilterDoc(words=frozenset(stems.values()), sequence=" " + " ".join(ordered) + " ")


def split_request(text: str) -> tuple[str, Filters]:
    """``/subscribe`` arguments -> (the topic's plain words, its filters).

    Raises FilterError for too many terms, a phrase too long, or a sign with no word."""
    topic: list[str] = []
    required: list[str] = []
    excluded: list[str] = []
    phrases: list[str] = []
    excluded_phrases: list[str] = []
    for match in _TERM.finditer(text.translate(_QUOTES)):
        sign, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            sign, body = (bare[0], bare[1:]) if bare[0] in "+-" and len(bare) > 1 else ("", bare)
            words = tokenize(body)
            if not sign:
                topic.append(bare)
                continue
            if not words:
                raise FilterError(f"“{bare[:40]}” has no word to filter on.")
            target = required if sign == "+" else excluded
            if len(words) == 1:
                target.append(words[0])
            else:  # "-heat-pump": the words together
                (phrases if sign == "+" else excluded_phrases).append(" ".join(words))
            continue
        words = tokenize(quoted or "")
        if not words:
            continue
        if len(words) > MAX_PHRASE_WORDS:
            raise FilterError(
                f"A quoted phrase may have at most {MAX_PHRASE_WORDS} words; "
                f"“{quoted[:40]}…” has {len(words)}."
            )
        (excluded_phrases if sign == "-" else phrases).append(" ".join(words))
    filters = Filters(
        required=tuple(dict.fromkeys(required)),
        excluded=tuple(dict.fromkeys(excluded)),
        phrases=tuple(dict.fromkeys(phrases)),
        excluded_phrases=tuple(dict.fromkeys(excluded_phrases)),
    )
    terms = (
        len(filters.required)
        + len(filters.excluded)
        + len(filters.phrases)
        + len(filters.excluded_phrases)
    )
    if terms > MAX_FILTER_TERMS:
        raise FilterError(
            f"That is {terms} filters; a topic may have at most {MAX_FILTER_TERMS} "
            '(+word, -word and "phrases" together).'
        )
    if len(filters.canonical()) > MAX_FILTER_CHARS:
        raise FilterError(
            f"Those filters are too long; keep them under {MAX_FILTER_CHARS} characters."
        )
    plain = " ".join(topic)
    if not tokenize(plain):  # only filters: what must appear is the topic
        plain = " ".join((*filters.phrases, *filters.required))
    return plain, filters


def parse_filters(stored: str | None) -> Filters | None:
    """A subscription's stored filters (``Filters.canonical``), or None when it has none."""
    if not stored:
        return None
    _, filters = split_request(stored)
    return filters or None
