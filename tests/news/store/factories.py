"""Test data for the store (articles whose texts are unrelated unless made from one another),
and a recorder of the SQL statements a store sends."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import event

from news.models import Article
from news.store import Store

__all__ = ["make_article", "make_text", "statements", "unit"]

_VOCABULARY = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "su", "ti") for b in
               ("bar", "cen", "dol", "fim", "gos", "hul", "jat", "kev", "lun", "mop", "nix",
                "pra", "qua", "rit", "sov", "tez", "ulm", "vak", "wep", "yor")]  # fmt: skip


def make_text(seed: int, words: int = 120) -> str:
    """A text of random words: unrelated seeds share (almost) no word 4-shingles."""
    rng = random.Random(seed)
    return " ".join(rng.choice(_VOCABULARY) for _ in range(words)) + "."


def make_article(n: int, *, text: str | None = None, source: str = "example.com") -> Article:
    return Article(
        url=f"https://{source}/news/{n}",
        title=f"Story number {n}",
        text=text if text is not None else make_text(n),
        source=source,
    )


def unit(*values: float) -> np.ndarray:
    """A unit vector (float32), for embeddings."""
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """The SQL statements ``store`` sends while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(store.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.sync_engine, "before_cursor_execute", record)
