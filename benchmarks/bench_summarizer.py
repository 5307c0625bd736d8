"""Summarizer benchmark: quality against human references, speed against the bare encoder floor,
load time and memory.

Quality: ROUGE-1/2/Lsum F1 (rouge-score, stemming on, Lsum over newline-joined sentences) of the
extractive summarizer beside Lead-3 and LexRank (sumy), all at 3 sentences, on the shared
CNN/DailyMail dev half, a BBC sample and XSum (``../shared/data/summaries/``). Target: beat Lead-3
on CNN/DailyMail on all three scores.
Speed: articles/s of ``summarize`` on 2 cores beside bare MiniLM encoding of the same candidate
sentences in the same batches (the floor any embedding design pays); target overhead <= 25%.
Load time and peak RSS come from a fresh subprocess that loads the summarizer and summarizes one
article. ``--abstractive-model PATH`` also scores a seq2seq checkpoint on CNN/DailyMail.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.summ_data import DATA, batched, lead, lexrank, load_examples, rouge_scores

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
BATCH = 16  # articles per summarize() call, as news.summaries batches them
TARGET_OVERHEAD = 0.25
SEED_PAGE = ROOT / "../shared/data/seed/peace-talks-page.txt"

_LOAD_PROBE = """
import json, resource, sys, time
started = time.perf_counter()
import summarizer
from config import Settings
model = summarizer.load(Settings())
loaded = time.perf_counter() - started
rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
text = open(sys.argv[1], encoding="utf-8").read()
t = time.perf_counter()
model.summarize([text])
first = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"load_s": round(loaded, 2), "first_summary_s": round(first, 3),
                  "peak_rss_after_load_mib": round(rss_loaded / 1024, 1),
                  "peak_rss_after_summary_mib": round(rss / 1024, 1)}))
"""


def _table(title: str, header: list[str], rows: list[list[Any]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        print("  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


def _load_probe() -> dict[str, Any]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_PROBE, str(SEED_PAGE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _words(summaries: list[list[str]]) -> float:
    from summarizer.text import word_count

    return round(statistics.mean(sum(word_count(s) for s in x) for x in summaries), 1)


def _quality(model: Any, quick: bool) -> dict[str, Any]:
    sizes = {"cnndm_dev": None, "bbc": 50 if quick else 300, "xsum": 50 if quick else None}
    lex = lexrank(3)
    out: dict[str, Any] = {}
    for name, limit in sizes.items():
        examples = load_examples(name, limit)
        refs = [e.reference for e in examples]
        ours: list[list[str]] = []
        for batch in batched([e.text for e in examples], BATCH):
            ours.extend(
                s.sentences for s in model.summarize(batch, max_sentences=3, max_words=10**6)
            )
        systems = {
            "newsbrief extractive": ours,
            "Lead-3": [lead(e.text, 3) for e in examples],
            "LexRank (sumy)": [lex(e.text) for e in examples],
        }
        out[name] = {
            "articles": len(examples),
            "systems": {
                system: {**rouge_scores(preds, refs), "words": _words(preds)}
                for system, preds in systems.items()
            },
        }
        rows = [
            [s, v["rouge1"], v["rouge2"], v["rougeLsum"], v["words"]]
            for s, v in out[name]["systems"].items()
        ]
        _table(
            f"{name} ({len(examples)} articles), 3 sentences, ROUGE F1 x100",
            ["system", "R-1", "R-2", "R-Lsum", "words"],
            rows,
        )
    return out


def _speed(model: Any, quick: bool) -> dict[str, Any]:
    import torch

    from summarizer.extractive import prepare

    torch.set_num_threads(2)
    texts = [e.text for e in load_examples("cnndm_dev")][: 48 if quick else 126]
    batches = list(batched(texts, BATCH))
    sentence_batches = [
        [s for t in batch for s in prepare(t).candidate_texts] for batch in batches
    ]
    encoder = model.encoder
    model.summarize(texts[:4])  # warm up
    rounds = 2 if quick else 3
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

    probe = _load_probe()
    _table("load (fresh process)", ["what", "value"], [[k, v] for k, v in probe.items()])
    model = summarizer.load(Settings())
    quality = _quality(model, args.quick)
    cnn = quality["cnndm_dev"]["systems"]
    beats = {
        key: cnn["newsbrief extractive"][key] > cnn["Lead-3"][key]
        for key in ("rouge1", "rouge2", "rougeLsum")
    }
    speed = _speed(model, args.quick)
    result: dict[str, Any] = {
        "model_id": model.model_id,
        "load": probe,
        "quality": quality,
        "beats_lead3_on_cnndm": beats,
        "speed": speed,
    }
    if getattr(args, "abstractive_model", None):
        result["abstractive"] = _abstractive(args.abstractive_model, args.quick)
    result["ok"] = all(beats.values()) and bool(speed["ok"])
    print(f"\nbeats Lead-3 on CNN/DailyMail: {beats}; speed ok: {speed['ok']}")
    return result
