"""Reading checks of summaries on real news pages, as a briefing reader meets them.

Each page of the ``gn1`` and ``cleanportaleval`` sets (``../shared/data/extraction/``) goes
through ``news.sources.extract.extract`` (pages it rejects are counted and left out); its text
and extracted headline are summarized at the briefing length (2 sentences, 60 words). A summary
is counted when:

- it **opens on an unresolved word**: one of its sentences opens on a pronoun or connective
  ("He", "But", "This", …) and the sentence before it in the article is not in the summary
  (the first sentence of an article has nothing before it to lose);
- it **ends at an abbreviation**: one of its sentences ends at a title ("Mr.", "Dr.", "St.",
  "Gov."), an initial ("W."), a cut number ("2."), or an acronym ("U.S.") that the article's
  text carries on with more of a name or sentence (a cut the splitter made);
- it **contains furniture**: a sentence matches ``summarizer.furniture.is_furniture`` or the
  summarizer's in-sentence furniture patterns; independently of those patterns, the sentences
  that share no 4-word shingle with the annotators' article body are counted too (leaked page
  text the annotators did not mark as the article).

The same checks on Lead-2 (the article's first two sentences) show what the checks find in
untreated text.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Page", "load_pages", "reading_checks"]

EXTRACTION = Path(__file__).resolve().parents[1] / "../shared/data/extraction"
SETS = ("gn1", "cleanportaleval")
_OPENER = re.compile(r"^[\W_]*([A-Za-z]+)")
_LEANING = frozenset(
    [
        "he",
        "she",
        "it",
        "they",
        "his",
        "her",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
        "but",
        "and",
        "so",
        "yet",
        "however",
        "also",
        "still",
        "meanwhile",
        "then",
    ]
)
_TITLE_END = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|St|Gov|Sen|Rep|Gen|Lt|Col|Sgt|Capt|Prof|Rev|Mt|Ft)\.$|(?:^|[\s(])[A-Z]\.$"
)
_NUMBER_END = re.compile(r"\d\.$")
_ACRONYM_END = re.compile(r"(?:[A-Z]\.){2,}$")
_SHINGLE_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Page:
    id: str
    set: str
    title: str
    text: str
    body: str  # the annotators' article text


def load_pages(sets: Sequence[str] = SETS) -> tuple[list[Page], dict[str, int]]:
    """Extract every page of ``sets``; returns the pages and the rejections per set."""
    from news.sources.extract import NotAnArticle, extract

    truth = [
        json.loads(line)
        for line in (EXTRACTION / "truth.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    pages: list[Page] = []
    rejected = dict.fromkeys(sets, 0)
    for row in truth:
        if row["set"] not in sets:
            continue
        html = gzip.decompress((EXTRACTION / "pages" / f"{row['id']}.html.gz").read_bytes())
        try:
            article = extract(html)
        except NotAnArticle:
            rejected[row["set"]] += 1
            continue
        pages.append(Page(row["id"], row["set"], article.title, article.text, row["body"]))
    return pages, rejected


def _opener(sentence: str) -> str:
    match = _OPENER.match(sentence)
    return match.group(1).lower() if match and sentence[:1] not in "\"“‘'" else ""


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    tokens = [t.lower() for t in _SHINGLE_WORD.findall(text)]
    return {tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 0))}


def _cut_at_abbreviation(sentence: str, text: str) -> bool:
    from summarizer.text import STOP_WORDS

    if _TITLE_END.search(sentence):
        return True
    at = text.find(sentence)
    after = text[at + len(sentence) : at + len(sentence) + 40].lstrip() if at >= 0 else ""
    word = after.split(" ", 1)[0] if after else ""
    if _NUMBER_END.search(sentence):
        return word[:1].isdigit()  # "rose 2." + "5 percent": a decimal cut in two
    if _ACRONYM_END.search(sentence):
        # "… the U.S." is a fine end unless the article goes on "… the U.S. Senate said"
        # (an opening quote starts a new sentence: "… in L.A. “Simple Life” star …")
        name = word.strip(".,;:\"“”‘’'").lower()
        opens = word[:1] in "\"“‘'("
        return bool(word) and not opens and (word[0].islower() or name not in STOP_WORDS)
    return False


def reading_checks(
    pages: Sequence[Page],
    summarize: Callable[[Sequence[Page]], list[list[str]]],
    split: Callable[[str], list[str]],
) -> dict[str, Any]:
    """The counts above for ``summarize`` (pages -> each summary's sentences)."""
    from summarizer.furniture import is_furniture
    from summarizer.text import is_boilerplate

    summaries = summarize(pages)
    unresolved = abbreviation = furniture = outside = empty = 0
    examples: dict[str, list[str]] = {"unresolved": [], "abbreviation": [], "furniture": []}
    for page, sentences in zip(pages, summaries, strict=True):
        if not sentences:
            empty += 1
            continue
        article = split(page.text)
        body = _shingles(page.body)
        bad_open = False
        for sentence in sentences:
            if _opener(sentence) in _LEANING:
                try:
                    i = article.index(sentence)
                except ValueError:
                    i = -1
                if i != 0 and (i < 0 or article[i - 1] not in sentences):
                    bad_open = True
        if bad_open:
            unresolved += 1
            examples["unresolved"].append(f"{page.id}: {' '.join(sentences)[:160]}")
        if any(_cut_at_abbreviation(s.rstrip("…"), page.text) for s in sentences):
            abbreviation += 1
            examples["abbreviation"].append(f"{page.id}: {' '.join(sentences)[-120:]}")
        if any(is_furniture(s) or is_boilerplate(s, min_words=0) for s in sentences):
            furniture += 1
            examples["furniture"].append(f"{page.id}: {' '.join(sentences)[:160]}")
        if any(_shingles(s) and not (_shingles(s) & body) for s in sentences):
            outside += 1
    n = len(pages) - empty
    return {
        "pages": len(pages),
        "summaries": n,
        "empty": empty,
        "unresolved_opening": unresolved,
        "unresolved_opening_pct": round(100 * unresolved / max(n, 1), 2),
        "ends_at_abbreviation": abbreviation,
        "contains_furniture": furniture,
        "sentence_outside_annotated_body": outside,
        "examples": {k: v[:5] for k, v in examples.items()},
    }
