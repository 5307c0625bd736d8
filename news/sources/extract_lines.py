"""Which lines of trafilatura's output are article text: a small logistic model over line features.

Each line of trafilatura's output gets a few features (length, punctuation, case, digits,
position, table cells, whether it matches a furniture pattern, repeats the headline or one link's
text, reads like an author bio, what its neighbours look like); a logistic model over them keeps
a line when its score reaches the threshold. ``benchmarks/train_extract.py`` fits the model on
the shared real pages and scores it out of sample (leave one set out) beside the plain rules
(:func:`rule_model`: drop furniture, the headline, link teasers and a trailing bio); it writes
whichever wins to ``extract_lines.json`` beside this file. Pure functions; the weights are read
once on first use and never changed.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from summarizer.furniture import is_author_bio, is_furniture

__all__ = [
    "FEATURES",
    "RULE_FEATURES",
    "WEIGHTS",
    "Model",
    "line_features",
    "load_model",
    "rule_model",
    "score_lines",
]

WEIGHTS = Path(__file__).with_name("extract_lines.json")
_WORD = re.compile(r"\w+")
_TERMINAL = ".!?…\"'”’):;"
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
FEATURES = (
    "bias",
    "log_words",
    "short",  # under 6 words
    "terminal",  # ends like a sentence
    "upper_ratio",
    "digit_ratio",
    "furniture",
    "title",
    "link_text",
    "bio",
    "first",
    "last",
    "position",
    "pipe_or_at",
    "prev_furniture",
    "next_furniture",
    "prev_log_words",
    "next_log_words",
    "starts_lower",
    "table_row",  # a line trafilatura made of a table row: "| a | b |"
    "empty_cells",  # the share of that row's cells that are empty (layout tables)
    "short_cells",  # the share of its cells under four words
)


class Model:
    """Logistic weights over :data:`FEATURES` and the keep threshold."""

    def __init__(self, weights: Sequence[float], threshold: float) -> None:
        if len(weights) != len(FEATURES):
            raise ValueError(f"{len(weights)} weights for {len(FEATURES)} features")
        self.weights = tuple(weights)
        self.threshold = threshold

    def score(self, features: Sequence[float]) -> float:
        z = sum(w * x for w, x in zip(self.weights, features, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


RULE_FEATURES = ("furniture", "title", "link_text", "bio")


def rule_model() -> Model:
    """The plain rules as a model: keep a line unless one of :data:`RULE_FEATURES` is set."""
    weights = [5.0 if name == "bias" else 0.0 for name in FEATURES]
    for name in RULE_FEATURES:
        weights[FEATURES.index(name)] = -10.0
    return Model(weights, 0.5)


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The committed model (read on first use)."""
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    if list(data["features"]) != list(FEATURES):
        raise ValueError(f"{WEIGHTS.name} was trained on other features; retrain it")
    return Model(data["weights"], data["threshold"])


def _key(text: str) -> str:
    plain = " ".join(text.split()).casefold().translate(_QUOTES)
    return plain.lstrip("-•*·> ").strip("\"' ")


def _mostly_link(key: str, words: int, links: set[str]) -> bool:
    if words > 25:
        return False
    return any(len(anchor) >= 0.5 * len(key) and anchor in key for anchor in links)


def line_features(lines: Sequence[str], title: str | None, links: set[str]) -> list[list[float]]:
    """One feature vector (in :data:`FEATURES` order) per line."""
    counts = [len(_WORD.findall(line)) for line in lines]
    furniture = [is_furniture(line) for line in lines]
    title_key = _key(title) if title else None
    rows = []
    n = len(lines)
    for i, line in enumerate(lines):
        text = " ".join(line.split())
        key = _key(text)
        words = counts[i]
        letters = sum(map(str.isalpha, text))
        upper = sum(map(str.isupper, text)) / letters if letters else 0.0
        digits = sum(map(str.isdigit, text)) / len(text) if text else 0.0
        table = text.startswith("|")
        cells = [cell.strip() for cell in text.strip("|").split("|")] if table else []
        rows.append(
            [
                1.0,
                math.log1p(words),
                float(words < 6),
                float(bool(text) and text[-1] in _TERMINAL),
                upper,
                digits,
                float(furniture[i]),
                float(title_key is not None and key == title_key),
                float(bool(links) and _mostly_link(key, words, links)),
                float(i >= n - 2 and is_author_bio(text)),
                float(i == 0),
                float(i == n - 1),
                i / max(1, n - 1),
                float("|" in text or "@" in text),
                float(i > 0 and furniture[i - 1]),
                float(i + 1 < n and furniture[i + 1]),
                math.log1p(counts[i - 1]) if i > 0 else 0.0,
                math.log1p(counts[i + 1]) if i + 1 < n else 0.0,
                float(bool(text) and text[0].islower()),
                float(table),
                sum(not c for c in cells) / len(cells) if cells else 0.0,
                sum(len(_WORD.findall(c)) < 4 for c in cells) / len(cells) if cells else 0.0,
            ]
        )
    return rows


def score_lines(
    lines: Sequence[str], title: str | None, links: set[str], model: Model | None = None
) -> list[float]:
    """The model's keep probability for each line."""
    chosen = model or load_model()
    return [chosen.score(row) for row in line_features(lines, title, links)]
