"""Summarizer benchmark: out-of-sample quality against human references, reading checks on
real pages, speed against the bare encoder floor, load time and memory.

Quality (``../shared/data/summaries/``; ROUGE-1/2/Lsum F1 x100, rouge-score with stemming, Lsum
over newline-joined sentences; 3 sentences; Lead-3 and LexRank (sumy) in the same run):
- CNN/DailyMail dev (126): repeated 2-fold cross-validation with the shipped configuration
  (``benchmarks.train_scorer.Config.of`` the shipped weights): per split, each half is scored by
  a scorer trained on the other half (plus the BBC training articles when the configuration uses
  them); mean and [min, max] over splits, and the gain over Lead-3. The shipped weights were
  trained on these articles, so they are never scored here.
- BBC sample (300, never trained on): the CV models and the shipped model; headlines given.
- XSum (251, never trained on): the shipped model.
- Not shipped: a scorer trained on BBC's own labels, 5-fold CV over the BBC sample (shows how far
  BBC's reference style is from CNN/DailyMail's).
Reading checks (``benchmarks.summ_reading``): the gn1 and cleanportaleval pages through
extraction, 2 sentences / 60 words as briefings use them, beside Lead-2.
Speed: articles/s of ``summarize`` beside bare MiniLM encoding of the same candidate sentences in
the same batches, interleaved; goal: at least 0.8x (overhead <= 25%).
Load time and peak RSS: the median of 5 fresh subprocesses that each load the summarizer and
summarize one article. ``--abstractive-model PATH`` also scores a seq2seq checkpoint on
CNN/DailyMail.
``NEWSBRIEF_BENCH_CACHE=DIR`` keeps sentence embeddings in DIR between quality runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.summ_data import (
    DATA,
    CachedEncoder,
    Example,
    batched,
    lead,
    lexrank,
    load_examples,
    rouge_scores,
)
from benchmarks.summ_load import cold_load
from benchmarks.summ_reading import Page, load_pages, reading_checks
from benchmarks.train_scorer import (
    BENCH_BBC_SEED,
    ROUGE_KEYS,
    Config,
    Item,
    article_scores,
    build,
    cross_validate,
    summary_rouge,
    titles_of,
    train_weights,
)

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
BATCH = 16  # articles per summarize() call, as news.summaries batches them
TARGET_OVERHEAD = 0.25  # summarize at >= 0.8x the bare encoder's articles/s
BRIEF = (2, 60)  # sentences and words of a briefing item (news.summaries.BRIEF_LENGTH)
GOAL_GAIN = {"rouge1": 1.0, "rouge2": 0.5, "rougeLsum": 1.0}  # over Lead-3 on CNN/DailyMail


def _table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def _words(summaries: list[list[str]]) -> float:
    from summarizer.text import word_count

    return round(statistics.mean(sum(word_count(s) for s in x) for x in summaries), 1)


def _quality_encoder(model: Any) -> Any:
    """The model's encoder, behind a sentence-embedding file when ``NEWSBRIEF_BENCH_CACHE``
    names a folder (repeated quality runs; speed is always measured on the bare encoder)."""
    folder = os.environ.get("NEWSBRIEF_BENCH_CACHE")
    if not folder:
        return model.encoder
    return CachedEncoder(model.encoder, Path(folder) / "summarizer-embeddings.npz")


def _spread(rows: np.ndarray) -> list[str]:
    """'mean [min, max]' per column of per-split scores."""
    return [
        f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
        for m, lo, hi in zip(rows.mean(0), rows.min(0), rows.max(0), strict=True)
    ]


def _signed(rows: np.ndarray) -> list[str]:
    return [
        f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        for m, lo, hi in zip(rows.mean(0), rows.min(0), rows.max(0), strict=True)
    ]


def _baselines(examples: list[Example]) -> dict[str, np.ndarray]:
    lex = lexrank(3)
    out: dict[str, np.ndarray] = {}
    for name, system in (("Lead-3", lambda t: lead(t, 3)), ("LexRank (sumy)", lex)):
        out[name] = np.array([summary_rouge(e, system(e.text)) for e in examples])
    return out


def _as_dict(values: np.ndarray) -> dict[str, float]:
    return {k: round(float(v), 2) for k, v in zip(ROUGE_KEYS, values, strict=True)}


def _quality(model: Any, quick: bool) -> dict[str, Any]:
    """Out-of-sample ROUGE of ours beside Lead-3 and LexRank, with the spread across splits."""
    encoder = _quality_encoder(model)
    config = Config.of(model.weights)
    splits = 4 if quick else 10
    cnndm = load_examples("cnndm_dev")
    cnn_items = build("cnndm_dev", cnndm, encoder)
    sample = load_examples("bbc", 50 if quick else 300, seed=BENCH_BBC_SEED)
    bbc_items = build("bbc", sample, encoder, titles=titles_of("bbc", sample), labels=[])
    train_bbc: list[Item] = []
    if config.bbc_weight > 0:
        bench_ids = {e.id for e in load_examples("bbc", 300, seed=BENCH_BBC_SEED)}
        pool = [e for e in load_examples("bbc") if e.id not in bench_ids]
        count = int(model.weights.meta.get("bbc_train_articles", 600))
        chosen = random.Random(7).sample(pool, min(count // (4 if quick else 1), len(pool)))
        train_bbc = build(
            "bbc-train", chosen, encoder, titles=titles_of("bbc", chosen), labels=["member"]
        )
    per_split, models = cross_validate(cnn_items, train_bbc, config, range(splits), encoder)
    out: dict[str, Any] = {"config": config.__dict__, "splits": splits}

    base = _baselines(cnndm)
    lead3 = base["Lead-3"].mean(0)
    gain = per_split - lead3
    out["cnndm_dev"] = {
        "articles": len(cnndm),
        "protocol": f"repeated 2-fold CV, {splits} splits; every article scored by a model "
        "trained on the other half" + (" plus BBC training articles" if train_bbc else ""),
        "ours_cv_mean": _as_dict(per_split.mean(0)),
        "ours_cv_worst_split": _as_dict(per_split.min(0)),
        "gain_over_lead3_mean": _as_dict(gain.mean(0)),
        "gain_over_lead3_worst_split": _as_dict(gain.min(0)),
        "gain_over_lead3_best_split": _as_dict(gain.max(0)),
        **{name: _as_dict(v.mean(0)) for name, v in base.items()},
    }
    _table(
        f"cnndm_dev ({len(cnndm)} articles), 3 sentences, ROUGE F1 x100, out of sample: "
        f"repeated 2-fold CV over {splits} splits, mean [min, max] over splits",
        ["system", "R-1", "R-2", "R-Lsum"],
        [
            ["newsbrief (CV)", *_spread(per_split)],
            *[[name, *[f"{x:.2f}" for x in v.mean(0)]] for name, v in base.items()],
            ["gain over Lead-3", *_signed(gain)],
        ],
    )

    # BBC: the CV models (trained on CNN/DailyMail halves, never on this sample) and the shipped
    # model (trained on CNN/DailyMail dev and BBC articles outside this sample)
    on_bbc = np.array([article_scores(m, bbc_items, encoder).mean(0) for m in models])
    shipped = article_scores(model.weights, bbc_items, encoder).mean(0)
    bbc_base = _baselines(sample)
    out["bbc"] = {
        "articles": len(sample),
        "ours_cv_models_mean": _as_dict(on_bbc.mean(0)),
        "ours_cv_models_worst": _as_dict(on_bbc.min(0)),
        "ours_shipped": _as_dict(shipped),
        **{name: _as_dict(v.mean(0)) for name, v in bbc_base.items()},
    }
    _table(
        f"bbc sample ({len(sample)} articles, headlines given), 3 sentences, out of sample: "
        f"the {len(models)} CV models (mean [min, max]) and the shipped model",
        ["system", "R-1", "R-2", "R-Lsum"],
        [
            ["newsbrief (CV models)", *_spread(on_bbc)],
            ["newsbrief (shipped)", *[f"{x:.2f}" for x in shipped]],
            *[[name, *[f"{x:.2f}" for x in v.mean(0)]] for name, v in bbc_base.items()],
        ],
    )

    out["bbc_own_scorer"] = _bbc_own(sample, encoder, bbc_base, quick)

    xsum = load_examples("xsum", 50 if quick else None)
    xsum_items = build("xsum", xsum, encoder, labels=[])
    xs = article_scores(model.weights, xsum_items, encoder).mean(0)
    xsum_base = _baselines(xsum)
    out["xsum"] = {
        "articles": len(xsum),
        "ours_shipped": _as_dict(xs),
        **{name: _as_dict(v.mean(0)) for name, v in xsum_base.items()},
    }
    _table(
        f"xsum ({len(xsum)} articles, never trained on), 3 sentences",
        ["system", "R-1", "R-2", "R-Lsum"],
        [
            ["newsbrief (shipped)", *[f"{x:.2f}" for x in xs]],
            *[[name, *[f"{x:.2f}" for x in v.mean(0)]] for name, v in xsum_base.items()],
        ],
    )
    return out


def _bbc_own(
    sample: list[Example], encoder: Any, base: dict[str, np.ndarray], quick: bool
) -> dict[str, Any]:
    """Not shipped: what a scorer trained on BBC's own labels gives on BBC (5-fold CV over the
    sample, every article scored by a model that never saw it; picks from the whole article).
    It shows how far BBC's reference style (long summaries, long sentences from anywhere) is
    from CNN/DailyMail's: the same weights score far below Lead-3 there."""
    items = build("bbc", sample, encoder, titles=titles_of("bbc", sample), labels=["member"])
    config = Config(c=0.01, target="member", bbc_weight=0.0, lead_window=0)
    order = list(range(len(items)))
    random.Random(0).shuffle(order)
    folds = [order[j::5] for j in range(5)]
    scores = np.zeros((len(items), len(ROUGE_KEYS)))
    fold_means = []
    for fold in folds:
        held = set(fold)
        train = [items[i] for i in order if i not in held]
        weights = train_weights(train, [], config)
        scores[fold] = article_scores(weights, [items[i] for i in fold], encoder)
        fold_means.append(scores[fold].mean(0))
    spread = np.array(fold_means)
    _table(
        f"bbc sample ({len(sample)}), a BBC-trained scorer (not shipped), 5-fold CV, "
        "3 sentences from anywhere; [min, max] over folds",
        ["system", "R-1", "R-2", "R-Lsum"],
        [
            [
                "BBC-trained (CV)",
                *[
                    f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
                    for m, lo, hi in zip(scores.mean(0), spread.min(0), spread.max(0), strict=True)
                ],
            ],
            *[[name, *[f"{x:.2f}" for x in v.mean(0)]] for name, v in base.items()],
        ],
    )
    return {
        "protocol": "5-fold CV over the BBC sample, labels: the dataset's extractive summary",
        "ours_cv_mean": _as_dict(scores.mean(0)),
        "fold_min": _as_dict(spread.min(0)),
        "fold_max": _as_dict(spread.max(0)),
    }


def _reading(model: Any, quick: bool) -> dict[str, Any]:
    """Reading checks on real pages through extraction, 2 sentences as briefings use them."""
    import logging

    from summarizer.extractive import ExtractiveSummarizer
    from summarizer.text import split_sentences

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # "discarding data: None"
    pages, rejected = load_pages()
    if quick:
        pages = pages[::8]
    model = ExtractiveSummarizer(_quality_encoder(model), model.weights)

    def ours(batch: Sequence[Page]) -> list[list[str]]:
        out: list[list[str]] = []
        for chunk in batched(list(batch), BATCH):
            out.extend(
                s.sentences
                for s in model.summarize(
                    [p.text for p in chunk],
                    max_sentences=BRIEF[0],
                    max_words=BRIEF[1],
                    titles=[p.title for p in chunk],
                )
            )
        return out

    def lead2(batch: Sequence[Page]) -> list[list[str]]:
        return [split_sentences(p.text)[:2] for p in batch]

    result = {
        "rejected_by_extraction": rejected,
        "newsbrief": reading_checks(pages, ours, split_sentences),
        "Lead-2": reading_checks(pages, lead2, split_sentences),
    }
    keys = [
        ("summaries", "summaries"),
        ("unresolved_opening_pct", "% opening on an unresolved pronoun/connective (goal <= 3)"),
        ("ends_at_abbreviation", "# ending at an abbreviation (goal 0)"),
        ("contains_furniture", "# containing furniture (goal 0)"),
        ("sentence_outside_annotated_body", "# with a sentence outside the annotated body"),
    ]
    _table(
        f"reading checks: gn1 + cleanportaleval pages through extraction ({len(pages)} pages, "
        f"{sum(rejected.values())} rejected), 2 sentences / 60 words",
        ["check", "newsbrief", "Lead-2"],
        [[label, result["newsbrief"][k], result["Lead-2"][k]] for k, label in keys],
    )
    for kind, examples in result["newsbrief"]["examples"].items():
        for example in examples[:3]:
            print(f"  {kind}: {example}")
    return result


def _speed(model: Any, quick: bool) -> dict[str, Any]:
    import torch

    from summarizer.extractive import prepare

    torch.set_num_threads(2)
    texts = [e.text for e in load_examples("cnndm_dev")][: 32 if quick else 64]
    batches = list(batched(texts, BATCH))
    sentence_batches = [
        [s for t in batch for s in prepare(t).candidate_texts] for batch in batches
    ]
    encoder = model.encoder
    model.summarize(texts[:4])  # warm up
    rounds = 1 if quick else 2
    wall = {"ours": 0.0, "floor": 0.0}
    cpu = {"ours": 0.0, "floor": 0.0}
    ratios: list[float] = []
    # interleave batch by batch, so load from other processes on the machine hits both alike
    for _ in range(rounds):
        for batch, sentences in zip(batches, sentence_batches, strict=True):
            w0, c0 = time.perf_counter(), time.process_time()
            model.summarize(batch)
            w1, c1 = time.perf_counter(), time.process_time()
            encoder.encode(sentences)
            w2, c2 = time.perf_counter(), time.process_time()
            wall["ours"] += w1 - w0
            wall["floor"] += w2 - w1
            cpu["ours"] += c1 - c0
            cpu["floor"] += c2 - c1
            ratios.append((w1 - w0) / (w2 - w1))
    n = len(texts) * rounds
    overhead = wall["ours"] / wall["floor"] - 1.0
    cpu_overhead = cpu["ours"] / cpu["floor"] - 1.0
    result = {
        "articles": len(texts),
        "rounds": rounds,
        "sentences": sum(len(s) for s in sentence_batches),
        "torch_threads": torch.get_num_threads(),
        "summarizer_articles_per_s": round(n / wall["ours"], 2),
        "encoder_only_articles_per_s": round(n / wall["floor"], 2),
        "overhead": round(overhead, 3),
        "overhead_cpu_time": round(cpu_overhead, 3),
        "median_batch_ratio": round(statistics.median(ratios), 3),
        "ok": overhead <= TARGET_OVERHEAD,
    }
    t_ours, t_floor = wall["ours"], wall["floor"]
    _table(
        "speed (CNN/DailyMail, batches of 16, 2 threads, interleaved batch by batch)",
        ["path", "articles/s", "seconds"],
        [
            [
                "summarize (split+embed+rank)",
                result["summarizer_articles_per_s"],
                round(t_ours, 2),
            ],
            [
                "bare MiniLM encode, same sentences",
                result["encoder_only_articles_per_s"],
                round(t_floor, 2),
            ],
            [f"overhead, wall (target <= {TARGET_OVERHEAD:.0%})", f"{overhead:.1%}", ""],
            ["overhead, CPU time", f"{cpu_overhead:.1%}", ""],
        ],
    )
    return result


def _abstractive(path: str, quick: bool) -> dict[str, Any]:
    from summarizer.abstractive import AbstractiveSummarizer

    model = AbstractiveSummarizer(path)
    examples = load_examples("cnndm_dev", 20 if quick else None)
    started = time.perf_counter()
    predictions: list[list[str]] = []
    for batch in batched([e.text for e in examples], 8):
        predictions.extend(
            s.sentences for s in model.summarize(batch, max_sentences=4, max_words=100)
        )
    seconds = time.perf_counter() - started
    scores = rouge_scores(predictions, [e.reference for e in examples])
    lead3 = rouge_scores([lead(e.text) for e in examples], [e.reference for e in examples])
    result = {
        "model_id": model.model_id,
        "device": model.device,
        "articles": len(examples),
        "load_s": round(model.load_seconds, 1),
        "articles_per_s": round(len(examples) / seconds, 2),
        **scores,
        "lead3": lead3,
        "words": _words(predictions),
    }
    _table(
        f"abstractive {model.model_id} on {model.device}, cnndm_dev ({len(examples)} articles)",
        ["system", "R-1", "R-2", "R-Lsum", "articles/s"],
        [
            [
                model.model_id,
                scores["rouge1"],
                scores["rouge2"],
                scores["rougeLsum"],
                result["articles_per_s"],
            ],
            ["Lead-3", lead3["rouge1"], lead3["rouge2"], lead3["rougeLsum"], ""],
        ],
    )
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Print the tables; return the numbers with ``ok`` for the quality and speed targets."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not DATA.is_dir():
        raise SystemExit(f"summaries data not found at {DATA.resolve()}")
    import summarizer
    from config import Settings

    probe = cold_load()
    _table(
        "load (median of fresh processes)", ["what", "value"], [[k, v] for k, v in probe.items()]
    )
    model = summarizer.load(Settings())
    quality = _quality(model, args.quick)
    reading = _reading(model, args.quick)
    cnn, bbc = quality["cnndm_dev"], quality["bbc"]
    goals = {
        "cnndm_mean_gain": all(cnn["gain_over_lead3_mean"][k] >= GOAL_GAIN[k] for k in ROUGE_KEYS),
        "cnndm_no_split_below_lead3": all(
            cnn["gain_over_lead3_worst_split"][k] >= 0 for k in ROUGE_KEYS
        ),
        "bbc_above_lead3_and_lexrank": all(
            bbc["ours_shipped"][k] > max(bbc["Lead-3"][k], bbc["LexRank (sumy)"][k])
            for k in ROUGE_KEYS
        ),
        "reading": reading["newsbrief"]["unresolved_opening_pct"] <= 3
        and reading["newsbrief"]["ends_at_abbreviation"] == 0
        and reading["newsbrief"]["contains_furniture"] == 0,
        "load_under_5s": probe["load_s"] < 5,
        "peak_rss_under_600mib": probe["peak_rss_after_summary_mib"] < 600,
    }
    speed = _speed(model, args.quick)
    goals["speed"] = bool(speed["ok"])
    result: dict[str, Any] = {
        "model_id": model.model_id,
        "load": probe,
        "quality": quality,
        "reading": reading,
        "goals": goals,
        "speed": speed,
    }
    if getattr(args, "abstractive_model", None):
        result["abstractive"] = _abstractive(args.abstractive_model, args.quick)
    result["ok"] = all(goals.values())
    _table("goals (issue 11)", ["goal", "met"], [[k, v] for k, v in goals.items()])
    return result
