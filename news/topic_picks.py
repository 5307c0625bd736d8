"""One alert per chat out of the thousands of subscriptions an article can match at 100k
(``news.topic_index``): the matched subscriptions as columns, the chat's first picked in numpy,
so only the chosen become Python objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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
    picked in numpy, so only the chosen thousands become Python objects."""
    if not groups:
        return []
    sizes = [len(a) for a in ids]
    all_ids, all_chats = np.concatenate(ids), np.concatenate(chats)
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
    pos = np.arange(len(all_ids), dtype=np.int64) - np.repeat(
        np.cumsum([0, *sizes[:-1]], dtype=np.int64), sizes
    )
    if muted:
        keep = ~np.isin(all_chats, np.fromiter(muted, dtype=np.int64, count=len(muted)))
        all_ids, all_chats, owner, pos = all_ids[keep], all_chats[keep], owner[keep], pos[keep]
    order = np.lexsort((all_ids, all_chats))
    ordered = all_chats[order]
    won = order[np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1))]  # each chat's first
    out: list[TopicMatch] = []
    add = out.append  # thousands an article at 100k subscriptions: the loop kept lean
    columns = (all_ids[won], all_chats[won], owner[won], pos[won])
    for sub_id, chat_id, group, at in zip(*(c.tolist() for c in columns), strict=True):
        topics, threads, why, whys = groups[group]
        add(
            TopicMatch(sub_id, chat_id, topics[at], threads[at], why if whys is None else whys[at])
        )
    return out
