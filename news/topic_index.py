"""Every active subscription in one index, so matching a new article costs about the same at
100 or 100k subscriptions (issue 14), and one subscribe or unsubscribe changes one entry.

- Subscriptions to the same topic text share one entry (a community shares its popular topics):
  the retrieval rule of ``news.topic_match`` depends only on the topic, so each distinct topic is
  judged once per article and its subscriptions follow, each through its own keyword filters.
- A specific topic ("peace talks") has a slot: a row of one float16 matrix of meaning vectors
  (one matrix-vector product per article gives every cosine) and its stemmed words in an
  inverted index (word -> slots), so the words arm counts, per slot, the topic words an article
  has with one ``bincount``. Words one typo off (``news.topic_match.word_variants``) are found
  through a deletion index (SymSpell: every word and its one-letter deletions), not by
  comparing the article's words with every topic word.
- A broad topic ("sport") is judged by its concepts' descriptions, a small fixed set.

The index is a cache of the store: ``TopicService`` fills it once and then applies the rows
changed since (``Store.subscription_changes``), whichever process changed them. Its methods are
synchronous and CPU-bound (callers run them in a thread), serialized by one lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import simsimd
from rapidfuzz.distance import OSA

from news.topic_filters import FilterDoc, Filters, filter_doc
from news.topic_match import (
    LEAD_MEANING,
    MIN_FUZZY_LENGTH,
    TopicDoc,
    TopicQuery,
    article_lead,
    concept_evidence,
    known_words,
    parse_topic,
    stem,
    tokenize,
)
from news.topic_picks import Group, TopicMatch, first_per_chat

__all__ = ["IndexedSubscription", "TopicIndex", "TopicMatch"]

_GROW = 1.5
SPLIT_ROWS = 8192  # topic vectors from which two threads compute an article's cosines
_MIN_CAPACITY = 256


@dataclass(frozen=True, slots=True)
class IndexedSubscription:
    """What the index keeps of a subscription (from ``Store.subscription_changes``)."""

    id: int
    chat_id: int
    topic: str
    thread_id: int = 0
    filters: Filters | None = None
    vector: npt.NDArray[np.float32] | None = None


@dataclass(slots=True)
class _Entry:
    """One distinct topic text and the subscriptions to it."""

    query: TopicQuery
    slot: int = -1  # a specific topic's row in the matrix and the word index; -1: broad
    subs: dict[int, IndexedSubscription] = field(default_factory=dict)
    subs_made: _Subs | None = None  # its subscriptions as matching reads them (None: to make)

    def split(self) -> _Subs:
        made = self.subs_made  # made once per change of its subscriptions
        if made is None:
            subs = self.subs.values()
            plain = [s for s in subs if s.filters is None]
            shown = [(s, f, f.canonical()) for s in subs if (f := s.filters) is not None]
            made = self.subs_made = _Subs(
                ids=np.array([s.id for s in plain], dtype=np.int64),
                chats=np.array([s.chat_id for s in plain], dtype=np.int64),
                topics=[self.query.text] * len(plain),  # one string: one cache line to touch
                threads=[s.thread_id for s in plain],
                filtered=shown,
            )
        return made


@dataclass(frozen=True, slots=True)
class _Subs:
    """An entry's subscriptions: unfiltered as columns, filtered with their shown form."""

    ids: npt.NDArray[np.int64]
    chats: npt.NDArray[np.int64]
    topics: list[str]
    threads: list[int]
    filtered: list[tuple[IndexedSubscription, Filters, str]]


def _concept_key(entry: _Entry) -> tuple[str, ...]:
    return tuple(c.key for c in entry.query.concepts)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_typo(word: str, other: str) -> bool:
    """As ``news.topic_match``: one edit (OSA), same first letter, the topic word long enough."""
    return (
        len(word) >= MIN_FUZZY_LENGTH
        and other[:1] == word[:1]
        and OSA.distance(word, other, score_cutoff=1) <= 1
    )


def _dots(
    query: npt.NDArray[np.float16], rows: npt.NDArray[np.float16]
) -> npt.NDArray[np.float32]:
    """The dot product of ``query`` (1 x dim) with each of ``rows``, as float32."""
    return np.asarray(simsimd.cdist(query, rows, metric="dot", out_dtype="float32")).reshape(-1)


def _as_written(found: Sequence[tuple[_Entry, dict[str, object]]], title: str, text: str) -> None:
    """The words of each explanation as the story writes them ("negotiations", not the stem)."""
    written: dict[str, str] = {}
    for token in tokenize(article_lead(title, text)):
        written.setdefault(stem(token), token)
    for _, why in found:
        words = why.get("words")
        if isinstance(words, list):
            why["words"] = [written.get(str(w), str(w)) for w in words]


class TopicIndex:
    """All active subscriptions, matched against one article at a time (see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._helper = ThreadPoolExecutor(1, thread_name_prefix="topic-cosines")  # on use
        self._subs: dict[int, _Entry] = {}  # subscription id -> its entry
        self._entries: dict[str, _Entry] = {}  # topic text -> entry
        # the broad ones among them, by their concepts ("sport", "sports", "spor": one rule)
        self._broad_entries: dict[tuple[str, ...], dict[str, _Entry]] = {}
        self._meanings: set[str] | None = None  # their concept descriptions (None: to make)
        self._slots: list[_Entry | None] = []
        self._free: list[int] = []
        self._end = 0  # 1 + the highest slot ever taken (they are taken lowest first)
        self._matrix: npt.NDArray[np.float16] | None = None  # capacity x dim, unit rows
        self._has_vector = np.zeros(0, dtype=bool)
        self._word_count = np.zeros(0, dtype=np.int32)  # a slot's topic words (0: free)
        self._postings: dict[str, set[int]] = {}  # stemmed topic word -> slots
        self._arrays: dict[str, npt.NDArray[np.intp]] = {}  # postings as arrays, made on use
        self._fuzzy: dict[str, set[str]] = {}  # a word or one of its deletions -> topic words
        self._known = known_words()

    def __len__(self) -> int:
        return len(self._subs)

    @property
    def distinct_topics(self) -> int:
        return len(self._entries)

    # --- changes ------------------------------------------------------------------------------

    def apply(self, upserts: Iterable[IndexedSubscription], removals: Iterable[int]) -> None:
        """Add or replace subscriptions and remove others (ids); unknown removals are ignored."""
        with self._lock:
            for sub_id in removals:
                self._remove(sub_id)
            for sub in upserts:
                self._remove(sub.id)
                self._add(sub)

    def try_apply(self, upserts: Sequence[IndexedSubscription], removals: Sequence[int]) -> bool:
        """``apply`` at once if no match holds the index (False, nothing done, if one does):
        a few changes on the event loop without waiting for a match in another thread."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            for sub_id in removals:
                self._remove(sub_id)
            for sub in upserts:
                self._remove(sub.id)
                self._add(sub)
        finally:
            self._lock.release()
        return True

    def _add(self, sub: IndexedSubscription) -> None:
        entry = self._entries.get(sub.topic)
        if entry is None:
            entry = _Entry(parse_topic(sub.topic))
            self._entries[sub.topic] = entry
            if entry.query.concepts:
                self._broad_entries.setdefault(_concept_key(entry), {})[sub.topic] = entry
                self._meanings = None
            elif entry.query.words:
                entry.slot = self._take_slot(entry)
        if entry.slot >= 0 and sub.vector is not None and not self._has_vector[entry.slot]:
            self._set_vector(entry.slot, sub.vector)
        # the vector lives in the matrix, once per topic: not kept per subscription
        entry.subs[sub.id] = sub if sub.vector is None else replace(sub, vector=None)
        entry.subs_made = None
        self._subs[sub.id] = entry

    def _remove(self, sub_id: int) -> None:
        entry = self._subs.pop(sub_id, None)
        if entry is None:
            return
        entry.subs.pop(sub_id, None)
        entry.subs_made = None
        if entry.subs:
            return
        del self._entries[entry.query.text]
        if entry.query.concepts:
            key = _concept_key(entry)
            same = self._broad_entries[key]
            del same[entry.query.text]
            if not same:
                del self._broad_entries[key]
            self._meanings = None
        if entry.slot >= 0:
            self._release_slot(entry)

    def _take_slot(self, entry: _Entry) -> int:
        if not self._free:
            self._grow(max(_MIN_CAPACITY, int(len(self._slots) * _GROW)))
        slot = self._free.pop()
        self._slots[slot] = entry
        self._end = max(self._end, slot + 1)
        self._word_count[slot] = len(entry.query.words)
        for word in entry.query.words:
            postings = self._postings.get(word)
            if postings is None:
                postings = self._postings[word] = set()
                if len(word) >= MIN_FUZZY_LENGTH and word not in self._known:
                    for key in (word, *_deletions(word)):
                        self._fuzzy.setdefault(key, set()).add(word)
            postings.add(slot)
            self._arrays.pop(word, None)
        return slot

    def _release_slot(self, entry: _Entry) -> None:
        slot = entry.slot
        self._slots[slot] = None
        self._word_count[slot] = 0
        self._has_vector[slot] = False
        for word in entry.query.words:
            postings = self._postings[word]
            postings.discard(slot)
            self._arrays.pop(word, None)
            if not postings:
                del self._postings[word]
                for key in (word, *_deletions(word)):
                    words = self._fuzzy.get(key)
                    if words is not None:
                        words.discard(word)
                        if not words:
                            del self._fuzzy[key]
        self._free.append(slot)

    def _grow(self, capacity: int) -> None:
        old = len(self._slots)
        self._slots.extend([None] * (capacity - old))
        self._free.extend(range(capacity - 1, old - 1, -1))  # lowest slot first
        self._has_vector = np.concatenate([self._has_vector, np.zeros(capacity - old, bool)])
        self._word_count = np.concatenate([self._word_count, np.zeros(capacity - old, np.int32)])
        if self._matrix is not None:
            grown = np.zeros((capacity, self._matrix.shape[1]), dtype=np.float16)
            grown[:old] = self._matrix
            self._matrix = grown

    def _set_vector(self, slot: int, vector: npt.ArrayLike) -> None:
        row = np.asarray(vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(row))
        if not norm:
            return
        if self._matrix is None:
            self._matrix = np.zeros((len(self._slots), row.shape[0]), dtype=np.float16)
        if row.shape[0] != self._matrix.shape[1]:
            return  # another encoder's vector: this topic matches by its words
        self._matrix[slot] = row / norm
        self._has_vector[slot] = True

    # --- matching -----------------------------------------------------------------------------

    def concept_meanings(self) -> set[str]:
        """The concept descriptions the broad topics in the index are judged by."""
        made = self._meanings  # made once per change of the broad topics: no lock to wait for
        if made is not None:
            return set(made)
        with self._lock:
            broad = [next(iter(same.values())).query for same in self._broad_entries.values()]
            made = self._meanings = {meaning for query in broad for meaning in query.meanings}
            return set(made)

    def match(
        self,
        doc: TopicDoc,
        *,
        title: str,
        text: str,
        embedding: npt.ArrayLike | None,
        concept_sims: Mapping[str, float],
        threshold: float,
        muted: frozenset[int] = frozenset(),
    ) -> list[TopicMatch]:
        """Every chat the article is for, with its matching subscription of the lowest id and
        how it matched; chats in ``muted`` left out. ``doc`` is ``doc_terms`` of the article,
        ``title`` and ``text`` what keyword filters read, ``concept_sims`` the article's cosine
        to each of ``concept_meanings``."""
        with self._lock:
            found: list[tuple[_Entry, dict[str, object]]] = []
            found.extend(self._specific(doc, embedding, threshold))
            found.extend(self._broad(doc, concept_sims))
            if not found:
                return []
            _as_written(found, title, text)
            return first_per_chat(*self._matched(found, title, text), muted)

    def _satisfied(self, words: Iterable[str]) -> dict[str, str]:
        """Topic word -> the article word that counts as it (itself, or one typo off)."""
        out: dict[str, str] = {}
        for word in words:
            if word in self._postings:
                out.setdefault(word, word)
            if len(word) < MIN_FUZZY_LENGTH - 1:
                continue
            for key in (word, *_deletions(word)):
                for topic_word in self._fuzzy.get(key, ()):
                    if topic_word not in out and _one_typo(topic_word, word):
                        out[topic_word] = word
        return out

    def _full(self, satisfied: Iterable[str], size: int) -> npt.NDArray[np.bool_]:
        """Slots all of whose topic words are in ``satisfied``."""
        arrays = []
        for word in satisfied:
            array = self._arrays.get(word)
            if array is None:
                array = self._arrays[word] = np.fromiter(self._postings[word], dtype=np.intp)
            arrays.append(array)
        if not arrays:
            return np.zeros(size, dtype=bool)
        counts = np.bincount(np.concatenate(arrays), minlength=size)
        wanted = self._word_count[:size]
        return (counts == wanted) & (wanted > 0)

    def _specific(
        self, doc: TopicDoc, embedding: npt.ArrayLike | None, threshold: float
    ) -> list[tuple[_Entry, dict[str, object]]]:
        size = self._end  # slots past it were never taken (the matrix grows ahead)
        if not size:
            return []
        cosines = self._cosines(embedding, size)  # a large matrix: half already in the helper
        in_lead = self._satisfied(doc.lead)
        in_title = self._satisfied(doc.title)
        lead_full = self._full(in_lead, size)
        title_full = self._full(in_title, size) if in_title else np.zeros(size, dtype=bool)
        sims = cosines()
        if sims is None:
            meaning = np.zeros(size, dtype=bool)
            words = lead_full
        else:
            has = self._has_vector[:size]
            meaning = has & (sims >= threshold)
            words = lead_full & (title_full | ~has | (sims >= LEAD_MEANING))
        out = []
        for slot in np.flatnonzero(words | meaning):
            entry = self._slots[slot]
            assert entry is not None
            sim = float(sims[slot]) if sims is not None and self._has_vector[slot] else None
            why: dict[str, object]
            if words[slot]:
                why = {
                    "how": "words",
                    "where": "headline" if title_full[slot] else "opening",
                    "words": [in_lead[w] for w in entry.query.words],
                }
            else:
                why = {"how": "meaning", "like": entry.query.meaning}
            if sim is not None:
                why["score"] = round(sim, 3)
            out.append((entry, why))
        return out

    def _cosines(
        self, embedding: npt.ArrayLike | None, size: int
    ) -> Callable[[], npt.NDArray[np.float32] | None]:
        """The article's cosine to every slot (float16 vectors: within 1e-3 of float32's), as a
        function to call for them: a large matrix has its second half already computing in
        the helper thread meanwhile."""
        if embedding is None or self._matrix is None or not self._has_vector.any():
            return lambda: None
        query = np.asarray(embedding, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(query))
        if query.shape[0] != self._matrix.shape[1] or not norm:
            return lambda: None
        # SimSIMD's float16 dot products (F16C/AVX2, float32 sums): half the memory a float32
        # matrix reads, which bounds this product, and none of OpenBLAS's thread spinning on
        # busy cores. A large matrix is read by two threads, half each (it lets go of the GIL).
        matrix = self._matrix[:size]
        query16 = (query / norm).astype(np.float16)[None]
        if size < SPLIT_ROWS:
            return lambda: _dots(query16, matrix)
        half = size // 2
        other = self._helper.submit(_dots, query16, matrix[half:])

        def finish() -> npt.NDArray[np.float32]:
            return np.concatenate([_dots(query16, matrix[:half]), other.result()])

        return finish

    def _broad(
        self, doc: TopicDoc, concept_sims: Mapping[str, float]
    ) -> list[tuple[_Entry, dict[str, object]]]:
        out: list[tuple[_Entry, dict[str, object]]] = []
        for same in self._broad_entries.values():  # judged once per rule
            query = next(iter(same.values())).query
            sims = [concept_sims[m] for m in query.meanings] if concept_sims else None
            evidence = concept_evidence(query, doc, sims)
            if evidence is None:
                continue
            concept, sim, hits, filed = evidence
            why: dict[str, object] = {"how": "field", "field": concept.key, "words": list(hits)}
            if concept_sims:
                why["score"] = round(sim, 3)
            if filed:
                why["section"] = True
            out.extend((entry, dict(why)) for entry in same.values())
        return out

    def _matched(
        self, found: Sequence[tuple[_Entry, dict[str, object]]], title: str, text: str
    ) -> tuple[list[Group], list[npt.NDArray[np.int64]], list[npt.NDArray[np.int64]]]:
        """The matched entries' subscriptions (filters applied) as groups, with their ids and
        chats as arrays, one of each per group."""
        doc: FilterDoc | None = None
        groups: list[Group] = []
        ids: list[npt.NDArray[np.int64]] = []
        chats: list[npt.NDArray[np.int64]] = []
        passed: list[tuple[IndexedSubscription, dict[str, object]]] = []
        for entry, why in found:
            subs = entry.split()
            if len(subs.ids):
                groups.append(Group(subs.topics, subs.threads, why, None))
                ids.append(subs.ids)
                chats.append(subs.chats)
            # subscriptions to one topic with the same filters share the check and the why
            checked: dict[str, dict[str, object] | None] = {}
            for sub, filters, shown in subs.filtered:
                if shown not in checked:
                    doc = doc or filter_doc(title, text)
                    kept = filters.check(doc)
                    checked[shown] = (
                        None if kept is None else {**why, "filters": shown, "kept": list(kept)}
                    )
                if (passed_why := checked[shown]) is not None:
                    passed.append((sub, passed_why))
        if passed:
            groups.append(
                Group(
                    [s.topic for s, _ in passed],
                    [s.thread_id for s, _ in passed],
                    None,
                    [w for _, w in passed],
                )
            )
            ids.append(np.array([s.id for s, _ in passed], dtype=np.int64))
            chats.append(np.array([s.chat_id for s, _ in passed], dtype=np.int64))
        return groups, ids, chats
