"""Test data for the store: articles whose texts are unrelated unless made from one another."""

from __future__ import annotations

import random

from news.models import Article

__all__ = ["make_article", "make_text"]

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
