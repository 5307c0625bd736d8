"""Duplicate detection for articles: an exact content hash and MinHash signatures of word
4-shingles for near-duplicates (the same story syndicated or re-posted with other boilerplate).

Signatures are deterministic across processes (fixed seed, no use of Python's ``hash``), so they
can be stored and compared later. Estimating Jaccard similarity is a vectorised comparison.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "NEAR_DUPLICATE",
    "NUM_PERM",
    "SHINGLE",
    "content_hash",
    "normalize",
    "shingles",
    "signature",
    "similarity",
]

logger = logging.getLogger(__name__)

NEAR_DUPLICATE = 0.5  # estimated Jaccard of 4-shingles at or above which two texts are one story
NUM_PERM = 128  # MinHash permutations: signature is NUM_PERM little-endian uint32 (512 bytes)
SHINGLE = 4  # words per shingle
_SEED = 20261128
_EMPTY = np.uint32(0xFFFFFFFF)
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")
_BLOCK = 4096  # shingles hashed per step: 128 x 4096 x 8 bytes = 4 MiB of scratch


def normalize(text: str) -> str:
    """NFKC, case-folded, whitespace collapsed: the form that content hashes are taken of."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """sha256 hex digest of the normalized text (same text modulo case/whitespace, same hash)."""
    return hashlib.sha256(normalize(text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _permutations() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """Fixed multiply-shift hash family: h_i(x) = (a_i * x + b_i mod 2**64) >> 32, a_i odd."""
    rng = np.random.default_rng(_SEED)
    a = rng.integers(1, 2**63, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=NUM_PERM, dtype=np.uint64)
    return a, b


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def shingles(text: str) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the distinct word 4-shingles of ``text`` (one shingle if fewer words)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if not words:
        return np.empty(0, dtype=np.uint64)
    cache: dict[str, int] = {}
    hashes = np.fromiter(
        (cache.get(w) or cache.setdefault(w, _word_hash(w)) for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    if len(hashes) < SHINGLE:
        hashes = np.concatenate([hashes, np.zeros(SHINGLE - len(hashes), dtype=np.uint64)])
    n = len(hashes) - SHINGLE + 1
    # order-sensitive combination of the 4 word hashes (wrapping uint64 arithmetic)
    combined = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset, mult in enumerate((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                                       0x27D4EB2F165667C5)):  # fmt: skip
            combined = combined * np.uint64(mult) + hashes[offset : offset + n]
    return np.unique(combined)


def signature(text: str) -> bytes:
    """MinHash signature of the word 4-shingles: NUM_PERM uint32, little-endian, 512 bytes.

    An empty text gets an all-0xFFFFFFFF signature, which :func:`similarity` never matches.
    """
    values = shingles(text)
    if values.size == 0:
        return np.full(NUM_PERM, _EMPTY, dtype="<u4").tobytes()
    a, b = _permutations()
    result = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for start in range(0, values.size, _BLOCK):  # bounded memory for very long texts
            block = values[start : start + _BLOCK]
            hashed = (a[:, None] * block[None, :] + b[:, None]) >> np.uint64(32)
            np.minimum(result, hashed.min(axis=1), out=result)
    return result.astype("<u4").tobytes()


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two signatures (0.0 to 1.0)."""
    a = np.frombuffer(sig_a, dtype="<u4")
    b = np.frombuffer(sig_b, dtype="<u4")
    if a.shape != b.shape or a.size == 0:
        raise ValueError("signatures differ in length or are empty")
    if bool((a == _EMPTY).all()) or bool((b == _EMPTY).all()):
        return 0.0
    return float(np.count_nonzero(a == b)) / a.size
