"""Train the extractive summarizer's sentence scorer and write ``summarizer/scorer_weights.json``.

    HF_HUB_OFFLINE=1 .venv/bin/python -m benchmarks.train_scorer [--cache /tmp/nb] [--dry-run]

Data (read in place from ``../shared/data/summaries/``; nothing of it is shipped): the 126
CNN/DailyMail dev articles, labelled per sentence by the greedy ROUGE-1+2 oracle (``oracle``) or
by each sentence's own ROUGE-1 + ROUGE-2 precision (``soft``); and the BBC articles outside the
benchmark's 300-article sample, labelled by the dataset itself (a sentence is in the article's
extractive summary or not). A ridge regression over ``summarizer.scorer.FEATURES`` (weights of a
few hundred bytes) is fitted on CNN/DailyMail plus BBC at ``bbc_weight`` per sentence, either
pooled or (``shared_c`` > 0) by feature augmentation: shared weights plus per-set weights, the
shipped scorer being shared + CNN/DailyMail (BBC's long-summary style stays in its own weights).

Everything reported is out of sample: repeated 2-fold cross-validation over the CNN/DailyMail
articles (train on one half plus the BBC training articles, score the other half, both ways; every
article is scored once per split by a model that never saw it), and the BBC sample scored by
models that never saw it. Lead-3 is scored on the same articles. The benchmark
(``benchmarks/bench_summarizer.py``) runs the same cross-validation with the shipped
configuration; this script compares a few configurations and writes the weights of the chosen
one fitted on all the training data.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.summ_data import CachedEncoder, Example, lead, load_examples
from summarizer.encoder import Encoder
from summarizer.extractive import (
    FEATURES,
    MODEL_VERSION,
    ExtractiveSummarizer,
    Prepared,
    ScorerWeights,
    prepare,
    sentence_features,
)

__all__ = [
    "BENCH_BBC_SEED",
    "Config",
    "Item",
    "article_scores",
    "build",
    "cross_validate",
    "summary_rouge",
    "titles_of",
    "train_weights",
]

WEIGHTS = Path(__file__).resolve().parents[1] / "summarizer" / "scorer_weights.json"
BENCH_BBC_SEED = 13  # the benchmark's BBC sample: kept out of training
ROUGE_KEYS = ("rouge1", "rouge2", "rougeLsum")
_NON_WORD = re.compile(r"\W+")


@dataclass
class Item:
    """One article ready for training and scoring: its candidates, their embeddings, the
    headline's embedding, the features and the per-sentence labels."""

    example: Example
    prepared: Prepared
    embeddings: np.ndarray
    title: np.ndarray | None
    features: np.ndarray
    labels: dict[str, np.ndarray]


@dataclass(frozen=True)
class Config:
    """A scorer configuration: the regularization, the CNN/DailyMail target, the BBC weight per
    sentence, and the picking knobs."""

    c: float = 0.01
    target: str = "soft"
    bbc_weight: float = 0.0
    mmr_lambda: float = 0.75
    lead_window: int = 5
    duplicate: float = 0.8
    # > 0: domain adaptation (Daume's feature augmentation): shared weights (regularized by
    # ``shared_c``) fitted on both sets plus CNN/DailyMail-specific and BBC-specific weights
    # (regularized by ``c``); the scorer ships shared + CNN/DailyMail-specific
    shared_c: float = 0.0

    @classmethod
    def of(cls, weights: ScorerWeights) -> Config:
        """The configuration the shipped weights were trained with."""
        meta = weights.meta
        return cls(
            c=float(meta.get("C", 0.01)),
            target=str(meta.get("target", "soft")),
            bbc_weight=float(meta.get("bbc_weight", 0.0)),
            shared_c=float(meta.get("shared_c", 0.0)),
            mmr_lambda=weights.mmr_lambda,
            lead_window=weights.lead_window,
            duplicate=weights.duplicate_threshold,
        )


def _oracle(sentences: list[str], reference: list[str], k: int = 3) -> list[int]:
    """Greedy ROUGE-1+2 oracle: add the sentence that most improves the summary, up to k."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    target = "\n".join(reference)
    picked: list[int] = []
    best = 0.0
    for _ in range(k):
        gains = []
        for i in range(len(sentences)):
            if i in picked:
                continue
            text = "\n".join(sentences[j] for j in sorted([*picked, i]))
            s = scorer.score(target, text)
            gains.append((s["rouge1"].fmeasure + s["rouge2"].fmeasure, i))
        if not gains:
            break
        value, index = max(gains)
        if value <= best:
            break
        best = value
        picked.append(index)
    return picked


def _soft(sentences: list[str], reference: list[str]) -> np.ndarray:
    """Each sentence's own ROUGE-1 + ROUGE-2 precision against the reference."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    target = "\n".join(reference)
    out = []
    for sentence in sentences:
        s = scorer.score(target, sentence)
        out.append(s["rouge1"].precision + s["rouge2"].precision)
    return np.array(out)


def _member(sentences: list[str], reference: list[str]) -> np.ndarray:
    """1 for a sentence the (extractive) reference contains, else 0."""
    ref = _NON_WORD.sub(" ", " ".join(reference).lower())
    keys = [_NON_WORD.sub(" ", s.lower()).strip() for s in sentences]
    return np.array([1.0 if key and key in ref else 0.0 for key in keys])


def build(
    name: str,
    examples: Sequence[Example],
    encoder: Any,
    *,
    titles: Sequence[str | None] | None = None,
    cache: Path | None = None,
    labels: Sequence[str] = ("soft", "oracle"),
) -> list[Item]:
    """Items for ``examples``; ``encoder`` is anything with ``encode(texts)``; ``labels`` names
    the per-sentence labels to compute (``soft``, ``oracle``, ``member``). Embeddings and labels
    are cached in ``cache`` (a folder) when given."""
    heads = list(titles) if titles is not None else [None] * len(examples)
    prepared = [prepare(e.text, t) for e, t in zip(examples, heads, strict=True)]
    flat = [s for p in prepared for s in p.candidate_texts]
    named = [p.title for p in prepared if p.title]
    digest = hashlib.sha256("\x00".join(flat + named).encode()).hexdigest()[:16]
    path = cache / f"{name}-{digest}-{'-'.join(labels)}.npz" if cache else None
    stored: dict[str, np.ndarray] = {}
    if path is not None and path.exists():
        stored = dict(np.load(path))
    else:
        vectors = encoder.encode(flat + named)
        stored["vectors"], stored["titles"] = vectors[: len(flat)], vectors[len(flat) :]
        made: dict[str, list[np.ndarray]] = {key: [] for key in labels}
        for example, p in zip(examples, prepared, strict=True):
            texts = p.candidate_texts
            for key in labels:
                if key == "oracle":
                    o = np.zeros(len(texts))
                    o[_oracle(texts, example.reference)] = 1.0
                    made[key].append(o)
                elif key == "soft":
                    made[key].append(_soft(texts, example.reference))
                else:
                    made[key].append(_member(texts, example.reference))
        for key, parts in made.items():
            stored[key] = np.concatenate(parts) if parts else np.zeros(0)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(path, **stored)  # type: ignore[arg-type]
    items = []
    start = 0
    title_row = 0
    for example, p in zip(examples, prepared, strict=True):
        end = start + len(p.candidates)
        emb = stored["vectors"][start:end]
        title = None
        if p.title:
            title = stored["titles"][title_row]
            title_row += 1
        found: dict[str, np.ndarray] = {
            k: stored[k][start:end] for k in ("soft", "oracle", "member") if k in stored
        }
        features = sentence_features(p.candidate_texts, emb)
        items.append(Item(example, p, emb, title, features, found))
        start = end
    return items


def _fit(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, c: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge regression on standardized features, mapped onto a logit-like scale (MMR squashes
    scores with a sigmoid)."""
    from sklearn.linear_model import Ridge

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    ridge = Ridge(alpha=1.0 / c)
    ridge.fit(z, y, sample_weight=w)
    spread = float(np.std(z @ ridge.coef_)) or 1.0
    coef = ridge.coef_ / spread * 2.0
    intercept = (float(ridge.intercept_) - float(np.mean(y))) / spread * 2.0
    return mean, scale, coef, intercept


def _fit_shared(
    cnn: tuple[np.ndarray, np.ndarray], bbc: tuple[np.ndarray, np.ndarray], config: Config
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Feature augmentation: rows are [z, z, 0] for CNN/DailyMail and [z, 0, z] for BBC, the
    shared block scaled so that one ridge penalty acts as 1/shared_c on it and 1/c on the
    domain blocks; returns the CNN/DailyMail scorer (shared + its own block) on the logit-like
    scale of ``_fit``."""
    from sklearn.linear_model import Ridge

    (xc, yc), (xb, yb) = cnn, bbc
    x = np.concatenate([xc, xb])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    zc, zb = (xc - mean) / scale, (xb - mean) / scale
    s = float(np.sqrt(config.shared_c / config.c))
    rows = np.vstack(
        [
            np.hstack([zc * s, zc, np.zeros_like(zc)]),
            np.hstack([zb * s, np.zeros_like(zb), zb]),
        ]
    )
    y = np.concatenate([yc - yc.mean(), yb - yb.mean()])
    w = np.concatenate([np.ones(len(yc)), np.full(len(yb), config.bbc_weight)])
    ridge = Ridge(alpha=1.0 / config.c, fit_intercept=False)
    ridge.fit(rows, y, sample_weight=w)
    d = zc.shape[1]
    coef = ridge.coef_[:d] * s + ridge.coef_[d : 2 * d]
    spread = float(np.std(zc @ coef)) or 1.0
    return mean, scale, coef / spread * 2.0, 0.0


def train_weights(
    cnn_items: Sequence[Item],
    bbc_items: Sequence[Item],
    config: Config,
    meta: dict[str, Any] | None = None,
) -> ScorerWeights:
    """The scorer fitted on ``cnn_items`` (labels ``config.target``, weight 1 per sentence) and
    ``bbc_items`` (their own extractive labels, weight ``config.bbc_weight``)."""
    if config.shared_c > 0 and config.bbc_weight > 0 and bbc_items:
        mean, scale, coef, intercept = _fit_shared(
            _stack(cnn_items, config.target), _stack(bbc_items, "member"), config
        )
        return ScorerWeights(
            mean,
            scale,
            coef,
            intercept,
            mmr_lambda=config.mmr_lambda,
            duplicate_threshold=config.duplicate,
            lead_window=config.lead_window,
            meta=meta or {},
        )
    parts = [(i.features, i.labels[config.target], 1.0) for i in cnn_items]
    if config.bbc_weight > 0:
        parts += [(i.features, i.labels["member"], config.bbc_weight) for i in bbc_items]
    parts = [p for p in parts if len(p[0])]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    w = np.concatenate([np.full(len(p[1]), p[2]) for p in parts])
    mean, scale, coef, intercept = _fit(x, y, w, config.c)
    return ScorerWeights(
        mean,
        scale,
        coef,
        intercept,
        mmr_lambda=config.mmr_lambda,
        duplicate_threshold=config.duplicate,
        lead_window=config.lead_window,
        meta=meta or {},
    )


def _stack(items: Sequence[Item], label: str) -> tuple[np.ndarray, np.ndarray]:
    rows = [i for i in items if len(i.features)]
    features = np.concatenate([i.features for i in rows])
    return features, np.concatenate([i.labels[label] for i in rows])


_ROUGE_MEMO: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}


def summary_rouge(example: Example, sentences: Sequence[str]) -> np.ndarray:
    """ROUGE-1/2/Lsum F1 x 100 of one summary (memoized: CV re-scores the same picks often)."""
    from rouge_score import rouge_scorer

    key = (example.id, tuple(sentences))
    if key not in _ROUGE_MEMO:
        scorer = rouge_scorer.RougeScorer(list(ROUGE_KEYS), use_stemmer=True)
        s = scorer.score("\n".join(example.reference), "\n".join(sentences))
        _ROUGE_MEMO[key] = np.array([100 * s[k].fmeasure for k in ROUGE_KEYS])
    return _ROUGE_MEMO[key]


def article_scores(
    weights: ScorerWeights, items: Sequence[Item], encoder: Any, k: int = 3
) -> np.ndarray:
    """ROUGE-1/2/Lsum F1 x 100 per article (rows) of the full pipeline at ``k`` sentences."""
    model = ExtractiveSummarizer(encoder, weights)
    rows = [
        summary_rouge(
            i.example,
            model.postprocess(
                i.prepared, i.embeddings, max_sentences=k, max_words=10**6, title=i.title
            ),
        )
        for i in items
    ]
    return np.array(rows).reshape(len(items), len(ROUGE_KEYS))


def _splits(n: int, seeds: Iterable[int]) -> list[tuple[list[int], list[int]]]:
    """Repeated 2-fold CV: one random halving of the articles per seed."""
    out = []
    for seed in seeds:
        order = list(range(n))
        random.Random(seed).shuffle(order)
        out.append((order[::2], order[1::2]))
    return out


def cross_validate(
    cnn_items: Sequence[Item],
    bbc_items: Sequence[Item],
    config: Config,
    seeds: Iterable[int],
    encoder: Any,
) -> tuple[np.ndarray, list[ScorerWeights]]:
    """Per split, the mean ROUGE of every CNN/DailyMail article scored by the model trained on
    the other half (``(splits, 3)``), and the models (two per split)."""
    per_split = []
    models = []
    for train_half, test_half in _splits(len(cnn_items), seeds):
        scores = np.zeros((len(cnn_items), len(ROUGE_KEYS)))
        for train, test in ((train_half, test_half), (test_half, train_half)):
            weights = train_weights([cnn_items[i] for i in train], bbc_items, config)
            scores[test] = article_scores(weights, [cnn_items[i] for i in test], encoder)
            models.append(weights)
        per_split.append(scores.mean(axis=0))
    return np.array(per_split), models


def titles_of(name: str, examples: Sequence[Example]) -> list[str | None]:
    from benchmarks.summ_data import DATA

    rows = (DATA / f"{name}.jsonl").read_text("utf-8").splitlines()
    by_id = {str(r["id"]): r.get("title") for r in (json.loads(x) for x in rows if x.strip())}
    return [by_id.get(e.id) for e in examples]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="do not write the weights file")
    parser.add_argument(
        "--cache", type=Path, default=None, help="folder caching embeddings and labels"
    )
    parser.add_argument("--splits", type=int, default=10, help="repeated 2-fold CV splits")
    parser.add_argument("--bbc", type=int, default=600, help="BBC training articles")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    encoder: Any = Encoder()
    if args.cache is not None:
        encoder = CachedEncoder(encoder, args.cache / "summarizer-embeddings.npz")
    cnndm = load_examples("cnndm_dev")
    bench_ids = {e.id for e in load_examples("bbc", 300, seed=BENCH_BBC_SEED)}
    bbc_all = [e for e in load_examples("bbc") if e.id not in bench_ids]
    bbc = random.Random(7).sample(bbc_all, min(args.bbc, len(bbc_all)))
    sample = load_examples("bbc", 300, seed=BENCH_BBC_SEED)
    cnn_items = build("cnndm_dev", cnndm, encoder, cache=args.cache)
    bbc_items = build(
        "bbc-train",
        bbc,
        encoder,
        titles=titles_of("bbc", bbc),
        cache=args.cache,
        labels=["member"],
    )
    test_items = build(
        "bbc-sample", sample, encoder, titles=titles_of("bbc", sample), cache=args.cache, labels=[]
    )
    print(f"features built in {time.perf_counter() - started:.0f}s", flush=True)
    lead3 = np.array([summary_rouge(i.example, lead(i.example.text)) for i in cnn_items]).mean(0)
    bbc_lead3 = np.array([summary_rouge(i.example, lead(i.example.text)) for i in test_items])
    print(f"Lead-3 CNN/DM {lead3.round(2)}  BBC sample {bbc_lead3.mean(0).round(2)}")
    # C 0.1 lost to 0.01 on every target in the v4 runs (worst split below Lead-3)
    # v4 runs: C 0.1 lost to 0.01; BBC pooled with CNN/DailyMail (weight 0.3, soft or oracle)
    # cost -0.4/-0.3/-0.5 on CNN/DailyMail. v5: BBC through feature augmentation instead (its own
    # weights absorb its long-summary style; the shared weights carry what both sets agree on)
    configs = [
        Config(0.01, "oracle", 0.0),
        Config(0.001, "oracle", 1.0, shared_c=0.1),
        Config(0.001, "oracle", 3.0, shared_c=0.1),
    ]
    results: list[tuple[bool, float, Config]] = []
    for config in configs:
        per_split, models = cross_validate(
            cnn_items, bbc_items, config, range(args.splits), encoder
        )
        gain = per_split - lead3
        on_bbc = np.array([article_scores(m, test_items, encoder).mean(0) for m in models[:4]])
        # the goal is a gain on every split: configurations with no split below Lead-3 first,
        # then the larger mean gain
        results.append((bool(gain.min() >= 0), float(gain.mean(0).sum()), config))
        print(
            f"{config}: CNN/DM gain over Lead-3 mean {gain.mean(0).round(2)} "
            f"worst {gain.min(0).round(2)}; BBC sample {on_bbc.mean(0).round(2)}",
            flush=True,
        )
    results.sort(key=lambda r: (r[0], r[1]), reverse=True)
    best = results[0][2]
    fresh, _ = cross_validate(cnn_items, bbc_items, best, range(1000, 1000 + args.splits), encoder)
    fresh_gain = fresh - lead3
    print(
        f"best {best}; fresh splits gain {fresh_gain.mean(0).round(2)} "
        f"worst {fresh_gain.min(0).round(2)}"
    )
    weights = train_weights(
        cnn_items,
        bbc_items,
        best,
        meta={
            "trained_for": MODEL_VERSION,
            "data": f"cnndm_dev {len(cnn_items)} + bbc {len(bbc_items)} (outside the sample)",
            "target": best.target,
            "C": best.c,
            "bbc_weight": best.bbc_weight,
            "shared_c": best.shared_c,
            "bbc_train_articles": len(bbc_items),
            f"fresh_cv_gain_over_lead3_x{args.splits}": dict(
                zip(ROUGE_KEYS, fresh_gain.mean(0).round(2).tolist(), strict=True)
            ),
            f"fresh_cv_worst_split_gain_x{args.splits}": dict(
                zip(ROUGE_KEYS, fresh_gain.min(0).round(2).tolist(), strict=True)
            ),
        },
    )
    print("coefficients:", dict(zip(FEATURES, np.round(weights.coef, 3).tolist(), strict=True)))
    if not args.dry_run:
        WEIGHTS.write_text(json.dumps(weights.to_json(), indent=1) + "\n")
        print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
