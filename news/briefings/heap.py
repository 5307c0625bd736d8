"""Giving the memory a large read freed back to the system.

Loading a month of stories builds and drops several times what it keeps (rows, records, the
words of every story); glibc's allocator keeps the freed pages in the process unless asked to
return them (``malloc_trim``). Called after such a load, not per request: a trim walks the heap.
Elsewhere than glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable
from functools import cache

__all__ = ["release_free_memory"]

logger = logging.getLogger(__name__)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; whether the allocator can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
