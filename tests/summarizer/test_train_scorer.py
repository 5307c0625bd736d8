"""The scorer's training: BBC through feature augmentation keeps its style in its own weights."""

import numpy as np

from benchmarks.train_scorer import Config, Item, train_weights
from summarizer.scorer import FEATURES


def _items(rng: np.random.Generator, label: str, sign: float, count: int = 40) -> list[Item]:
    out = []
    for _ in range(count):
        x = rng.normal(size=(12, len(FEATURES)))
        y = (sign * x[:, 8] + 0.5 * x[:, 0] > 0).astype(
            float
        )  # length: opposite; centrality: same
        out.append(Item(None, None, np.zeros((12, 4)), None, x, {label: y}))  # type: ignore[arg-type]
    return out


def test_augmented_scorer_follows_cnndm_where_the_sets_disagree() -> None:
    rng = np.random.default_rng(0)
    cnn = _items(rng, "oracle", -1.0)
    bbc = _items(rng, "member", +1.0, count=120)
    length, centrality = FEATURES.index("length"), FEATURES.index("centrality")
    pooled = train_weights(cnn, bbc, Config(c=0.01, target="oracle", bbc_weight=1.0))
    shared = train_weights(cnn, bbc, Config(c=0.01, target="oracle", bbc_weight=1.0, shared_c=0.1))
    assert pooled.coef[length] > 0  # BBC outweighs CNN/DailyMail when pooled
    assert shared.coef[length] < 0  # its own weights absorb the disagreement
    assert shared.coef[centrality] > 0  # what both agree on is kept
