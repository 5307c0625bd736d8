"""One alert per chat out of the thousands of subscriptions an article can match at 100k
(``news.topic_index``): the matched subscriptions as columns, the chat's first picked in numpy,
so only the chosen become Python objects."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = ["Group", "TopicMatch", "first_per_chat"]


class TopicMatch(NamedTuple):
    """A subscription an article matched, and how (``why``: JSON-able, for "Why this?"); a
    tuple, as thousands are made per article at 100k subscriptions."""

    subscription_id: int
    chat_id: int
    topic: str
    thread_id: int
    why: dict[str, object]


class Group(NamedTuple):
    """Matched subscriptions: an entry's unfiltered ones (one why), or filtered ones (each)."""

    topics: Sequence[str]
    threads: Sequence[int]
    why: dict[str, object] | None
    whys: Sequence[dict[str, object]] | None


def first_per_chat(
    groups: Sequence[Group],
    ids: Sequence[npt.NDArray[np.int64]],
    chats: Sequence[npt.NDArray[np.int64]],
    muted: frozenset[int],
) -> list[TopicMatch]:
    """One ``TopicMatch`` per chat (its subscription of the lowest id), muted chats left out:
    picked in numpy, so only the chosen thousands become Python objects, and those are made
    without a Python-level loop (a third of a match at 100k subscriptions was that loop)."""
    if not groups:
        return []
    all_ids, all_chats = np.concatenate(ids), np.concatenate(chats)
    rows = np.arange(len(all_ids), dtype=np.int64)  # each subscription's place in the groups
    if muted:
        keep = ~np.isin(all_chats, np.fromiter(muted, dtype=np.int64, count=len(muted)))
        all_ids, all_chats, rows = all_ids[keep], all_chats[keep], rows[keep]
    if not len(rows):
        return []
    order = np.lexsort((all_ids, all_chats))
    ordered = all_chats[order]
    won = order[np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1))]  # each chat's first
    take = _taker(rows[won].tolist())
    topics = take(list(chain.from_iterable(g.topics for g in groups)))
    threads = take(list(chain.from_iterable(g.threads for g in groups)))
    whys = take(
        list(
            chain.from_iterable(
                g.whys if g.whys is not None else repeat(g.why, len(g.topics)) for g in groups
            )
        )
    )
    columns = zip(
        all_ids[won].tolist(), all_chats[won].tolist(), topics, threads, whys, strict=True
    )
    return list(map(_MAKE, columns))


# ``TopicMatch`` from a 5-tuple in C (NamedTuple's own ``__new__`` is a Python function)
_MAKE = partial(tuple.__new__, TopicMatch)


def _taker(places: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function picking ``places`` out of a sequence, in C (``itemgetter``)."""
    if len(places) == 1:
        return lambda items: (items[places[0]],)
    return itemgetter(*places)
