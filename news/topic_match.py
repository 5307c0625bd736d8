"""One retrieval rule for topics, shared by ``/brief TOPIC``, plain-word questions and the
matching of new articles to subscriptions, so an alert and a briefing agree on what a topic is.

A topic is parsed once (``parse_topic``):
- a broad word ("sport", "economy", "tech", plurals and small typos folded) names a concept of
  ``news.topic_lexicon``: a story is on it when its meaning is close to the concept's
  description, with words of the field in its title or lead counting as extra evidence
  (``TERM_WEIGHT`` each, at most ``MAX_TERM_HITS``). The word alone proves nothing: a car
  called "Science" or a review of science fiction has the word but not the meaning.
- anything else is a specific subject (a place, a person, an event, a product): every word of it
  must be in the story's title, lead or URL path (stemmed; a word of five letters or more may be
  one typo off, ``word_variants``), ranked by meaning; or, without the words, the story's
  meaning must be very close (``SPECIFIC_MEANING``).

Scores (``relevance``) are comparable within one topic only. The thresholds were chosen on the
BBC set by cross-validation over categories (``benchmarks/bench_stories.py``; numbers in the
README).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import urlsplit

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from news.topic_lexicon import CONCEPTS, Concept
from summarizer.text import FUNCTION_WORDS

__all__ = [
    "CONCEPT_THRESHOLD",
    "LEAD_MEANING",
    "LEAD_WORDS",
    "MAX_TERM_HITS",
    "PHRASE_BONUS",
    "QUESTION_WORDS",
    "SECTION_WEIGHT",
    "SPECIFIC_MEANING",
    "STOP_WORDS",
    "TERM_WEIGHT",
    "TopicDoc",
    "TopicQuery",
    "article_lead",
    "concept_evidence",
    "doc_terms",
    "parse_topic",
    "question_topic",
    "relevance",
    "stem",
    "tokenize",
    "topic_words",
    "url_words",
    "word_variants",
    "words_match",
    "wordset",
]

LEAD_WORDS = 64  # the "lead" used for word matching and embeddings: the opening of the text
CONCEPT_THRESHOLD = 0.35  # meaning + term evidence a story needs to be on a broad topic
TERM_WEIGHT = 0.14  # each word of the field in the title or lead
MAX_TERM_HITS = 3
SECTION_WEIGHT = 0.25  # a URL section named after the topic (``/sport/``): the editors filed it
SPECIFIC_MEANING = 0.55  # meaning alone puts a story on a specific subject at this cosine
LEAD_MEANING = 0.3  # a specific subject named in the lead only also needs this much meaning
TITLE_BONUS = 0.1  # a specific subject named in the title ranks above one named in the lead
PHRASE_BONUS = 0.1  # the words of a specific subject next to each other, in order
MIN_FUZZY_LENGTH = 5  # shorter words must be spelt right ("mps", "ipod", "spam")


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string (easier to read and edit)."""
    return frozenset(text.split())


# Words that carry no topic on their own: the summarizer's English function words (one list for
# both; not its news-filler words such as "new", "first" or "one", which topics need: "new
# york", "first world war"), plus the question form "what's" people type in front of a topic.
# Dropped from topics unless nothing else is left.
STOP_WORDS = FUNCTION_WORDS | wordset("what's whats")

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@lru_cache(maxsize=1 << 16)  # a pure function of the word, on every article's hot path
def stem(word: str) -> str:
    """A light, predictable stemmer: case-folded, possessive and plural endings removed."""
    word = word.casefold().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Words of ``text`` (letters and digits, inner apostrophes kept), case-folded."""
    return [match.group(0).casefold() for match in _WORD.finditer(text)]


def topic_words(topic: str, *, extra_stop_words: Iterable[str] = ()) -> list[str]:
    """The stemmed content words of a topic, in order, without repeats (stop words dropped)."""
    stop = STOP_WORDS | frozenset(extra_stop_words)
    words = tokenize(topic)
    content = [w for w in words if w not in stop] or words
    seen: dict[str, None] = {}
    for word in content:
        seen.setdefault(stem(word), None)
    return list(seen)


def article_lead(title: str, text: str, *, words: int = LEAD_WORDS) -> str:
    """Title plus the opening words of the text: what topics match and what gets embedded."""
    opening = " ".join(text.split()[:words])
    return f"{title.strip()}. {opening}".strip(" .") if title.strip() else opening


def url_words(url: str) -> set[str]:
    """Stemmed words of a URL's path: news sites file stories under sections
    (``/sport/football/…``), a topic signal the text itself often lacks."""
    path = urlsplit(url).path
    return {stem(w) for w in tokenize(re.sub(r"[-_/.+]", " ", path)) if not w.isdigit()}


def words_match(words: Sequence[str], text: str) -> bool:
    """True when every (stemmed) topic word occurs in ``text``."""
    if not words:
        return False
    present = {stem(w) for w in tokenize(text)}
    return all(word in present for word in words)


# Words of a request that are not its topic: question words, filler, "news" itself.
QUESTION_WORDS = wordset(
    """what whats what's how why who whom whose when where which is are was were there any anything
    new news latest newest update updates happening happened going on about regarding re tell me
    show give get find please pls today todays today's recent recently now current currently story
    stories headlines brief briefing summary summarize us i we you know hear heard something
    everything with the a an of in on for to from up going's thing things hi hello hey can could
    would will do does did has have had been be happen lately"""
)


def question_topic(text: str) -> str | None:
    """The topic of a plain request ("what's new on the peace talks?" -> "peace talks").

    Question and stop words are dropped, the remaining words kept in order; None when nothing
    is left (the request is a plain "what's new?").
    """
    words = _content(tokenize(text))
    return " ".join(words) if words else None


def _content(words: Sequence[str]) -> list[str]:
    """Words that are not question words or stop words; "new" stays where a name goes on
    ("new york", "new zealand") and goes where a question follows ("what's new on ...")."""
    filler = QUESTION_WORDS | STOP_WORDS
    kept = []
    for n, word in enumerate(words):
        names_something = word == "new" and n + 1 < len(words) and words[n + 1] not in filler
        if names_something or word not in filler:
            kept.append(word)
    return kept


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in tokenize(text))


@cache
def _names() -> dict[tuple[str, ...], Concept]:
    """Each concept name as its stemmed words -> the concept (first listed wins)."""
    names: dict[tuple[str, ...], Concept] = {}
    for concept in CONCEPTS:
        for name in (concept.key, *concept.names):
            names.setdefault(_stems(name), concept)
    return names


@cache
def _terms(concept: Concept) -> frozenset[str]:
    return frozenset(s for term in concept.terms for s in _stems(term))


@cache
def _traps(concept: Concept) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((f" {' '.join(_stems(t))} ", frozenset(_stems(t))) for t in concept.traps)


def _trapped(concept: Concept, doc: TopicDoc) -> frozenset[str]:
    """Words of the concept's traps that the story uses in a trap ("science fiction")."""
    out: frozenset[str] = frozenset()
    for phrase, words in _traps(concept):
        if phrase in doc.sequence:
            out |= words
    return out


@cache
def _section_names(concept: Concept) -> frozenset[str]:
    """Words of a concept's names that, as a URL section (``/sport/``), file a story under it."""
    words = {s for name in (concept.key, *concept.names) for s in _stems(name)}
    return frozenset(words - {stem(w) for w in QUESTION_WORDS | STOP_WORDS})


@cache
def known_words() -> frozenset[str]:
    """Words of the lexicon: spelt right by definition, so never read as someone's typo."""
    words = {s for name in _names() for s in name}
    for concept in CONCEPTS:
        words |= _terms(concept)
    return frozenset(words)


def _one_typo(word: str, other: str) -> bool:
    """``other`` is ``word`` with one letter added, dropped, changed or two swapped, keeping its
    first letter (typos rarely hit the first letter; "election" is not "selection")."""
    return (
        len(word) >= MIN_FUZZY_LENGTH
        and other[:1] == word[:1]
        and OSA.distance(word, other, score_cutoff=1) <= 1
    )


def _concept_of(words: Sequence[str]) -> Concept | None:
    names = _names()
    found = names.get(tuple(words))
    if found is not None or not words:
        return found
    for name, concept in names.items():
        if len(name) == len(words) and all(
            a == b or _one_typo(a, b) for a, b in zip(words, name, strict=True)
        ):
            return concept
    return None


@cache
def _by_key() -> dict[str, Concept]:
    return {concept.key: concept for concept in CONCEPTS}


@dataclass(frozen=True, slots=True)
class TopicQuery:
    """A topic as the retrieval reads it."""

    text: str  # the topic as given (normalized)
    words: tuple[str, ...]  # its stemmed content words
    concept: Concept | None  # the broad topic it names, if any
    # The concept and its parts ("sport": football, tennis, ...), each judged on its own: a
    # story is on the topic when it is on any of them. Empty for a specific topic.
    concepts: tuple[Concept, ...]
    # The texts whose embeddings stand for the topic: each concept's description, or the
    # topic's own words. ``relevance`` takes one similarity per meaning, in this order.
    meanings: tuple[str, ...]

    @property
    def meaning(self) -> str:
        """The main meaning text (what a subscription stores the embedding of)."""
        return self.meanings[0]


def parse_topic(topic: str, *, max_words: int = 8) -> TopicQuery:
    """Read a (normalized) topic: its content words and the concept it names, if any."""
    content = _content(tokenize(topic)) or tokenize(topic)
    seen: dict[str, None] = {}
    for word in content:
        seen.setdefault(stem(word), None)
    stems = tuple(seen)[:max_words]
    concept = _concept_of(stems)
    if concept is None:
        meanings = (" ".join(content) or topic,)
        return TopicQuery(text=topic, words=stems, concept=None, concepts=(), meanings=meanings)
    keys = _by_key()
    concepts = (concept, *(keys[part] for part in concept.parts))
    return TopicQuery(
        text=topic,
        words=stems,
        concept=concept,
        concepts=concepts,
        meanings=tuple(c.description for c in concepts),
    )


@dataclass(frozen=True, slots=True)
class TopicDoc:
    """The words of a story that topics look at: its title, and title + lead + URL path, each
    word once (sets, or tuples where many docs are kept: a tuple is a fifth of the memory, and
    the rules only test its words against the topic's own sets)."""

    title: AbstractSet[str] | tuple[str, ...]
    lead: AbstractSet[str] | tuple[str, ...]
    sections: AbstractSet[str] | tuple[str, ...] = frozenset()  # words of the URL folders alone
    sequence: str = ""  # the title and lead as stems in order, space-separated and padded


def doc_terms(title: str, text: str, urls: Iterable[str] = ()) -> TopicDoc:
    """A story's ``TopicDoc`` from its lead article (``article_lead``) and its sources' URLs."""
    title_stems = frozenset(_stems(title))
    ordered = _stems(article_lead(title, text))
    lead = frozenset(ordered) | title_stems
    paths = frozenset(word for url in urls for word in url_words(url))
    sections = frozenset(word for url in urls for word in _section_words(url))
    return TopicDoc(
        title=title_stems,
        lead=lead | paths,
        sections=sections,
        sequence=" " + " ".join(ordered) + " ",
    )


def _section_words(url: str) -> set[str]:
    """Words of a URL's folders, not its last segment: ``/sport/football/rovers-win`` files the
    story under sport and football; the slug only repeats the title ("flying-business-class")."""
    folders = urlsplit(url).path.rstrip("/").rsplit("/", 1)[0]
    return url_words(folders)


def word_variants(query: TopicQuery, vocabulary: Iterable[str]) -> dict[str, frozenset[str]]:
    """Each word of a specific topic -> the words that count as it: itself and, for a word of
    five letters or more that is not a lexicon word, the words of ``vocabulary`` one typo off.
    ``vocabulary`` is every word the stories carry (a briefing's index) or one article's words
    (an alert): a story counts the same either way."""
    known = known_words()
    pool = vocabulary if isinstance(vocabulary, (set, frozenset)) else set(vocabulary)
    out: dict[str, frozenset[str]] = {}
    for word in query.words:
        found = {word}
        if len(word) >= MIN_FUZZY_LENGTH and word not in known:
            hits = extract(word, pool, scorer=OSA.distance, score_cutoff=1, limit=None)
            found |= {other for other, _, _ in hits if _one_typo(word, other)}
        out[word] = frozenset(found)
    return out


def relevance(
    query: TopicQuery,
    doc: TopicDoc,
    similarities: Sequence[float] | None,
    variants: Mapping[str, frozenset[str]],
    *,
    meaning_threshold: float = SPECIFIC_MEANING,
) -> float | None:
    """How relevant a story is to the topic (higher first), or None when it is not on it.

    ``similarities`` are the cosines of each of ``query.meanings`` to the story's embedding
    (None without an encoder or an embedding); ``variants`` is ``word_variants``;
    ``meaning_threshold`` the cosine at which meaning alone puts a story on a specific topic
    (``settings.topic_threshold``).
    """
    if query.concepts:
        return _concept_relevance(query, doc, similarities)
    if not query.words:
        return None
    sim = max(similarities[0], 0.0) if similarities else 0.0
    if all(not variants.get(w, frozenset((w,))).isdisjoint(doc.lead) for w in query.words):
        # Several words: named together ("australian open"), not scattered, ranks first.
        together = len(query.words) > 1 and f" {' '.join(query.words)} " in doc.sequence
        score = 1.0 + sim + (PHRASE_BONUS if together else 0.0)
        if all(not variants.get(w, frozenset((w,))).isdisjoint(doc.title) for w in query.words):
            return score + TITLE_BONUS
        # Named in the lead only: a passing mention unless the story is about it a little.
        if not similarities or similarities[0] >= LEAD_MEANING:
            return score
    return sim if sim >= meaning_threshold else None


def _concept_relevance(
    query: TopicQuery, doc: TopicDoc, similarities: Sequence[float] | None
) -> float | None:
    """The best of the topic's concepts: meaning plus words of the field, plus a URL section
    named after it; without meaning, the section or two words of the field decide."""
    best: float | None = None
    for n, concept in enumerate(query.concepts):
        trapped = _trapped(concept, doc)
        hits = len((_terms(concept) - trapped).intersection(doc.lead))
        if trapped and not hits:  # "science fiction" and no word of science: not science
            continue
        filed = not _section_names(concept).isdisjoint(doc.sections)
        words = TERM_WEIGHT * min(hits, MAX_TERM_HITS) + (SECTION_WEIGHT if filed else 0.0)
        if similarities:
            score = max(similarities[n], 0.0) + words
            on_topic = score >= CONCEPT_THRESHOLD
        else:
            score = words
            on_topic = filed or hits >= 2
        if on_topic and (best is None or score > best):
            best = score
    return best


def concept_evidence(
    query: TopicQuery, doc: TopicDoc, similarities: Sequence[float] | None
) -> tuple[Concept, float, tuple[str, ...], bool] | None:
    """Why a story is on a broad topic: the concept that scored best, its cosine (0.0 without
    meaning), the words of its field found (stems) and whether a URL section files it there;
    None when it is not on the topic (the same rule as ``relevance``)."""
    best: tuple[float, Concept, float, tuple[str, ...], bool] | None = None
    for n, concept in enumerate(query.concepts):
        trapped = _trapped(concept, doc)
        hits = sorted((_terms(concept) - trapped).intersection(doc.lead))
        if trapped and not hits:
            continue
        filed = not _section_names(concept).isdisjoint(doc.sections)
        words = TERM_WEIGHT * min(len(hits), MAX_TERM_HITS) + (SECTION_WEIGHT if filed else 0.0)
        sim = max(similarities[n], 0.0) if similarities else 0.0
        score = sim + words
        on_topic = score >= CONCEPT_THRESHOLD if similarities else (filed or len(hits) >= 2)
        if on_topic and (best is None or score > best[0]):
            best = (score, concept, sim, tuple(hits[:MAX_TERM_HITS]), filed)
    return None if best is None else best[1:]
