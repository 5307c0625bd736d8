"""news.briefings.heap: freed memory given back where the allocator can, a no-op elsewhere."""

from __future__ import annotations

import ctypes.util
import platform

import pytest

from news.briefings import heap


def test_glibc_trims_the_heap() -> None:
    heap._malloc_trim.cache_clear()
    try:
        expected = platform.libc_ver()[0] == "glibc"
        assert heap.release_free_memory() is expected
    finally:
        heap._malloc_trim.cache_clear()


def test_without_a_c_library_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    heap._malloc_trim.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    try:
        assert heap.release_free_memory() is False
    finally:
        heap._malloc_trim.cache_clear()


def test_a_c_library_without_malloc_trim_is_not_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoTrim:
        def __init__(self, name: str) -> None:
            self.name = name

    heap._malloc_trim.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", NoTrim)
    try:
        assert heap.release_free_memory() is False
    finally:
        heap._malloc_trim.cache_clear()
