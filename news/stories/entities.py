"""The names and numbers an article mentions: a cheap stand-in for named-entity recognition.

Two reports of one event name the same people, places, organisations and figures, while two
stories on one subject (two matches of one club, two hearings of one inquiry) usually differ in
some of them. No NER model is needed for that comparison: runs of capitalised words ("Harry
Redknapp", "Bank of England") and numbers ("2,000", "3-2") taken from the title and the opening
of the text, case-folded, are enough to tell shared names from different ones. Sentence-initial
function words ("The", "After") and calendar words are not names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

__all__ = ["ENTITY_WORDS", "Names", "entities", "names_key", "overlap"]

Names = npt.NDArray[np.uint64]  # sorted distinct 64-bit hashes of names: 8 bytes a name

ENTITY_WORDS = 600  # words of the text (after the title) that names are taken from

# A capitalised word, optionally joined to the next by a lower-case connector ("Bank of England").
_SPAN = re.compile(
    r"\b(?:[A-Z][\w'’.-]*\w|[A-Z])(?:\s+(?:(?:of|the|de|van|von|and|&)\s+)?[A-Z][\w'’.-]*\w)*"
)
_NUMBER = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_CONNECTORS = frozenset({"of", "the", "de", "van", "von", "and", "&"})
_COMMON_NUMBERS = frozenset({"1", "2", "3"})  # "one of 2 ...": too common to tell events apart
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "after",
        "before",
        "but",
        "by",
        "during",
        "for",
        "from",
        "he",
        "her",
        "his",
        "i",
        "if",
        "in",
        "into",
        "it",
        "its",
        "mr",
        "mrs",
        "ms",
        "dr",
        "of",
        "on",
        "or",
        "our",
        "she",
        "that",
        "the",
        "their",
        "these",
        "they",
        "this",
        "those",
        "to",
        "we",
        "when",
        "while",
        "with",
        "you",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "tomorrow",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)


def entities(title: str, text: str, *, words: int = ENTITY_WORDS) -> frozenset[str]:
    """Case-folded names (whole spans and their words) and numbers in ``title`` and the first
    ``words`` words of ``text``."""
    sample = f"{title}. {' '.join(text.split()[:words])}"
    found: set[str] = set()
    for match in _SPAN.finditer(sample):
        tokens = match.group(0).split()
        while tokens and tokens[0].casefold() in _NOT_NAMES:
            tokens = tokens[1:]
        if not tokens:
            continue
        found.add(" ".join(tokens).casefold())
        found.update(
            t.casefold()
            for t in tokens
            if len(t) > 1 and t.casefold() not in _NOT_NAMES and t.casefold() not in _CONNECTORS
        )
    for match in _NUMBER.finditer(sample):
        number = match.group(0).replace(",", "")
        if number not in _COMMON_NUMBERS:
            found.add(f"#{number}")
    return frozenset(found)


def names_key(names: Iterable[str]) -> Names:
    """Names as sorted distinct 64-bit hashes (blake2b, the same in every process): what
    grouping compares and caches, a tenth of the memory of the strings."""
    hashes = {
        int.from_bytes(hashlib.blake2b(n.encode("utf-8"), digest_size=8).digest(), "little")
        for n in names
    }
    return np.array(sorted(hashes), dtype=np.uint64)


def overlap(a: Names, b: Names) -> float:
    """Share of the smaller set's names the other names too (0.0 when either has none): a short
    wire item naming five of a long report's names agrees fully."""
    if a.size == 0 or b.size == 0:
        return 0.0
    return np.intersect1d(a, b, assume_unique=True).size / min(a.size, b.size)
