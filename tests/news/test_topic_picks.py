"""news.topic_picks: one match per chat, its subscription of the lowest id, muted chats out."""

from __future__ import annotations

import numpy as np

from news.topic_picks import Group, TopicMatch, first_per_chat


def _ids(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_each_chat_gets_its_lowest_subscription_with_that_subscriptions_reason() -> None:
    words: dict[str, object] = {"how": "words"}
    meaning: dict[str, object] = {"how": "meaning"}
    kept_a: dict[str, object] = {"kept": ["a"]}
    kept_b: dict[str, object] = {"kept": ["b"]}
    groups = [
        Group(["peace talks", "peace talks", "peace talks"], [0, 0, 7], words, None),
        Group(["geneva"], [0], meaning, None),
        Group(["council", "council"], [0, 3], None, [kept_a, kept_b]),
    ]
    ids = [_ids(30, 11, 12), _ids(5), _ids(40, 2)]
    chats = [_ids(100, 200, 300), _ids(100), _ids(400, 300)]
    found = first_per_chat(groups, ids, chats, frozenset())
    assert sorted(found) == [
        TopicMatch(2, 300, "council", 3, {"kept": ["b"]}),  # lower than its "peace talks" 12
        TopicMatch(5, 100, "geneva", 0, meaning),  # lower than its "peace talks" 30
        TopicMatch(11, 200, "peace talks", 0, words),
        TopicMatch(40, 400, "council", 0, {"kept": ["a"]}),
    ]
    muted = first_per_chat(groups, ids, chats, frozenset({100, 300}))
    assert sorted(m.chat_id for m in muted) == [200, 400]
    assert first_per_chat(groups, ids, chats, frozenset({100, 200, 300, 400})) == []
    assert first_per_chat([], [], [], frozenset()) == []
