"""Which scored sentences make a summary a reader can trust on its own.

- :func:`dependent`: a sentence that opens on a pronoun or connective ("He said…", "But…")
  leans on the sentence before it; it is picked only together with that sentence.
- :func:`main_sentence`: the sentence that states the story's main fact and opens the summary:
  the lead, unless the headline points at another of the first few sentences or the lead is a
  scene-setting opening (a question, a quotation, a fragment).
- :func:`select`: MMR over the scores (never two sentences that say the same thing), within the
  sentence and word budgets, keeping every picked sentence's antecedent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

__all__ = ["antecedents", "dependent", "main_sentence", "select"]

# Words that, opening a sentence, point back at something said before it.
_LEANING_WORDS = """he she it they them him his her hers its their theirs this that these those
    such but
    and or nor yet so however also still meanwhile instead thus therefore hence moreover
    furthermore besides nevertheless nonetheless then later afterwards otherwise likewise
    similarly indeed accordingly consequently"""
_LEANING = frozenset(_LEANING_WORDS.split())
# "This year", "That night": deictic time phrases stand on their own.
_TIME = re.compile(
    r"^(?:this|that|these|those)\s+(?:year|month|week|weekend|morning|afternoon|evening|night"
    r"|summer|winter|spring|autumn|fall|season|time|term|days?|years|months|weeks)\b",
    re.IGNORECASE,
)
_FIRST_WORD = re.compile(r"^[\W_]*([A-Za-z]+)")
_QUOTE_OPEN = "\"“‘'"
MAX_CHAIN = 3  # a sentence brings at most two sentences before it


def dependent(sentence: str) -> bool:
    """True when ``sentence`` opens on a word that refers to a sentence before it."""
    match = _FIRST_WORD.match(sentence)
    if match is None or sentence[:1] in _QUOTE_OPEN:
        return False
    if _TIME.match(sentence[match.start(1) :]):
        return False
    return match.group(1).lower() in _LEANING


def antecedents(texts: Sequence[str]) -> list[int | None]:
    """For each candidate sentence (in document order), the index of the one it depends on:
    the nearest candidate before it (furniture between them is not prose), or None."""
    return [i - 1 if i > 0 and dependent(t) else None for i, t in enumerate(texts)]


def _chain(i: int, requires: Sequence[int | None]) -> list[int]:
    """``i`` and the sentences it leans on, earliest first (at most ``MAX_CHAIN``)."""
    chain = [i]
    while len(chain) < MAX_CHAIN + 1:
        before = requires[chain[-1]]
        if before is None:
            return chain[::-1]
        chain.append(before)
    return []  # leans on too long a run: never picked


def main_sentence(
    texts: Sequence[str],
    requires: Sequence[int | None],
    title_similarity: np.ndarray | None = None,
    *,
    window: int = 3,
    margin: float = 0.1,
) -> int:
    """Index of the sentence that opens the summary (see the module docstring)."""
    n = min(window, len(texts))
    if n == 0:
        return 0
    options = [i for i in range(n) if requires[i] is None] or [0]
    best = options[0]
    if title_similarity is not None:
        top = max(options, key=lambda i: float(title_similarity[i]))
        if float(title_similarity[top]) > float(title_similarity[best]) + margin:
            best = top
    if best == 0 and _scene_setting(texts[0]) and len(options) > 1:
        best = options[1]
    return best


def _scene_setting(sentence: str) -> bool:
    """A lead that does not state the news: a question, a quotation or a fragment."""
    stripped = sentence.rstrip("\"”’' ")
    return stripped.endswith("?") or sentence[:1] in _QUOTE_OPEN or len(sentence.split()) < 6


def select(
    scores: np.ndarray,
    embeddings: np.ndarray,
    word_counts: Sequence[int],
    *,
    max_sentences: int,
    max_words: int,
    mmr_lambda: float,
    duplicate_threshold: float,
    requires: Sequence[int | None] | None = None,
    first: int | None = None,
) -> list[int]:
    """MMR: take ``first`` (or the best-scoring sentence), then the best trade-off of score
    against similarity to what is already picked. Near-duplicates are never taken; a sentence
    that leans on the one before comes with it (both counted against the budgets). Returns the
    picked indices sorted."""
    n = len(scores)
    if n == 0 or max_sentences <= 0:
        return []
    needs: Sequence[int | None] = requires if requires is not None else [None] * n
    # squash logits into (0, 1) so the redundancy penalty is on the same scale
    relevance = 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))
    similarity = embeddings @ embeddings.T
    picked: list[int] = []
    words = 0
    available = np.ones(n, dtype=bool)
    while len(picked) < max_sentences and available.any():
        value = np.full(n, -np.inf)
        groups: dict[int, list[int]] = {}
        for i in np.flatnonzero(available):
            group = [j for j in _chain(int(i), needs) if j not in picked]
            cost = sum(word_counts[j] for j in group)
            if not group or len(picked) + len(group) > max_sentences or words + cost > max_words:
                available[i] = False
                continue
            if picked:
                redundancy = float(similarity[np.ix_(group, picked)].max())
                if redundancy >= duplicate_threshold:
                    available[i] = False
                    continue
                value[i] = (
                    mmr_lambda * float(relevance[group].mean()) - (1.0 - mmr_lambda) * redundancy
                )
            else:
                value[i] = float(relevance[group].mean())
            groups[int(i)] = group
        if not groups:
            break
        best = first if first is not None and not picked and first in groups else None
        if best is None:
            best = int(np.argmax(value))
        for j in groups[best]:
            picked.append(j)
            available[j] = False
            words += word_counts[j]
    return sorted(picked)
