"""Abstractive summarizer: any Hugging Face seq2seq summarization checkpoint (BART, PEGASUS, T5),
by hub name or local folder, on CPU or CUDA.

preprocess (split into sentences, drop furniture, pack sentences into chunks that fit the model's
window) -> _forward (batched ``generate`` under ``torch.inference_mode()``) -> postprocess (decode,
clean, honour the sentence and word limits). Articles longer than the window are summarized chunk
by chunk and the chunk summaries fused by summarizing their concatenation again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from summarizer.encoder import resolve_device
from summarizer.text import is_boilerplate, split_sentences, word_count
from summarizer.types import Summary

__all__ = ["AbstractiveSummarizer"]

logger = logging.getLogger(__name__)

_FALLBACK_WINDOW = 512
_MAX_FUSE_ROUNDS = 3


def _model_name(model: str) -> str:
    path = Path(model)
    return path.resolve().name if path.is_dir() else model


class AbstractiveSummarizer:
    """Seq2seq summaries. Thread-safe: one lock serializes tokenizer and ``generate`` calls."""

    def __init__(self, model: str, *, device: str = "auto", batch_size: int = 8) -> None:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        started = time.perf_counter()
        local = Path(model).is_dir()
        self.device = resolve_device(device)
        self.batch_size = batch_size
        self.model_id = f"abstractive:{_model_name(model)}"
        self._tokenizer: Any = AutoTokenizer.from_pretrained(model, local_files_only=local)
        loaded: Any = AutoModelForSeq2SeqLM.from_pretrained(model, local_files_only=local)
        loaded.eval()
        self._model: Any = loaded.to(self.device)
        self._torch = torch
        # fast tokenizers are not safe to share between threads (padding/truncation state)
        self._lock = threading.RLock()
        config = self._model.config
        params = (getattr(config, "task_specific_params", None) or {}).get("summarization", {})
        self.prefix: str = str(params.get("prefix") or "")
        self.window = self._window()
        # room for the prefix and the special tokens the tokenizer adds
        overhead = len(self._tokenizer(self.prefix, add_special_tokens=True)["input_ids"])
        self.chunk_tokens = max(16, self.window - overhead - 2)
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "loaded %s on %s (window %d tokens) in %.1fs",
            self.model_id,
            self.device,
            self.window,
            self.load_seconds,
        )

    def _window(self) -> int:
        config = self._model.config
        limits = [
            int(value)
            for value in (
                getattr(config, "max_position_embeddings", None),
                getattr(config, "n_positions", None),
                getattr(self._tokenizer, "model_max_length", None),
            )
            if isinstance(value, int) and 0 < value < 100_000
        ]
        return min(limits) if limits else _FALLBACK_WINDOW

    # -- pipeline ---------------------------------------------------------------------------
    def _count(self, texts: Sequence[str]) -> list[int]:
        with self._lock:
            encoded = self._tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def _pack(self, sentences: Sequence[str]) -> list[str]:
        """Greedy packing of whole sentences into chunks of at most ``chunk_tokens`` tokens;
        a single sentence longer than that is its own chunk (the tokenizer truncates it)."""
        if not sentences:
            return []
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for sentence, size in zip(sentences, self._count(sentences), strict=True):
            if current and used + size + 1 > self.chunk_tokens:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(sentence)
            used += size + 1
        chunks.append(" ".join(current))
        return chunks

    def preprocess(self, texts: Sequence[str]) -> list[list[str]]:
        """Each text as a list of chunks that fit the window (furniture removed)."""
        out = []
        for text in texts:
            sentences = [s for s in split_sentences(text) if not is_boilerplate(s)]
            if not sentences:  # nothing but short pieces: keep what there is
                sentences = split_sentences(text)
            out.append(self._pack(sentences))
        return out

    def _forward(self, inputs: Sequence[str], *, max_new_tokens: int) -> list[str]:
        """Summarize each input (already within the window), batched, longest first."""
        torch = self._torch
        order = sorted(range(len(inputs)), key=lambda i: -len(inputs[i]))
        results: list[str] = [""] * len(inputs)
        generation = self._generation_kwargs(max_new_tokens)
        with self._lock:
            for start in range(0, len(order), self.batch_size):
                batch = order[start : start + self.batch_size]
                encoded = self._tokenizer(
                    [self.prefix + inputs[i] for i in batch],
                    truncation=True,
                    max_length=self.window,
                    padding=True,
                    return_tensors="pt",
                )
                encoded = {
                    k: v.to(self.device) for k, v in encoded.items() if k != "token_type_ids"
                }
                with torch.inference_mode():
                    output = self._model.generate(**encoded, **generation)
                decoded = self._tokenizer.batch_decode(
                    output, skip_special_tokens=True, clean_up_tokenization_spaces=True
                )
                for i, text in zip(batch, decoded, strict=True):
                    results[i] = " ".join(text.split())
        return results

    def _generation_kwargs(self, max_new_tokens: int) -> dict[str, Any]:
        """The checkpoint's own generation settings, with lengths fitted to the word budget."""
        config = self._model.generation_config
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "max_length": None}
        min_length = getattr(config, "min_length", 0) or 0
        if min_length:
            # the checkpoint's minimum may exceed a short budget (bart-large-cnn asks for 56)
            kwargs["min_length"] = min(min_length, max_new_tokens // 2)
        return kwargs

    def postprocess(self, text: str, *, max_sentences: int, max_words: int) -> list[str]:
        """Clean sentences of a generated summary, within both limits."""
        sentences = [s for s in split_sentences(text) if s]
        picked: list[str] = []
        total = 0
        for sentence in sentences[:max_sentences]:
            n = word_count(sentence)
            if total + n > max_words:
                if not picked:
                    head = sentence.split()
                    cut: list[str] = []
                    for piece in head:
                        if word_count(" ".join([*cut, piece])) > max_words:
                            break
                        cut.append(piece)
                    if cut:
                        picked.append(" ".join(cut).rstrip(",;:") + "…")
                break
            picked.append(sentence)
            total += n
        return picked

    def summarize(
        self, texts: Sequence[str], *, max_sentences: int = 3, max_words: int = 120
    ) -> list[Summary]:
        """Summaries of ``texts`` in order; long texts go through chunk summaries and a fusion."""
        started = time.perf_counter()
        max_new_tokens = max(8, int(max_words * 1.5) + 8)
        pending = self.preprocess(texts)
        finals: list[str | None] = [None] * len(texts)
        for round_ in range(_MAX_FUSE_ROUNDS + 1):
            flat = [(i, chunk) for i, chunks in enumerate(pending) if chunks for chunk in chunks]
            if not flat:
                break
            outputs = self._forward([chunk for _, chunk in flat], max_new_tokens=max_new_tokens)
            grouped: dict[int, list[str]] = {}
            for (i, _), output in zip(flat, outputs, strict=True):
                grouped.setdefault(i, []).append(output)
            for i, parts in grouped.items():
                if len(pending[i]) == 1 or round_ == _MAX_FUSE_ROUNDS:
                    finals[i] = " ".join(parts)
                    pending[i] = []
                else:
                    # several chunks: fuse their summaries by summarizing them together again
                    joined = " ".join(p for p in parts if p)
                    pending[i] = self._pack(split_sentences(joined)) if joined else []
                    if not pending[i]:
                        finals[i] = ""
        each = (time.perf_counter() - started) / max(len(texts), 1)
        summaries = []
        for final in finals:
            sentences = self.postprocess(
                final or "", max_sentences=max_sentences, max_words=max_words
            )
            summaries.append(
                Summary(
                    text=" ".join(sentences),
                    sentences=sentences,
                    model_id=self.model_id,
                    seconds=each,
                )
            )
        return summaries
