"""Helpers for the story tests: reproducible texts of random words."""

from __future__ import annotations

import random

_VOCAB = [f"w{i}" for i in range(5000)]


def random_text(seed: int, words: int = 400) -> str:
    """``words`` words drawn from a 5,000-word vocabulary, the same for the same ``seed``."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_VOCAB) for _ in range(words))
