"""The real data beside the project (``../shared/data``): tests that read it ask for a path here.

A user's clone has no ``../shared`` beside it: those tests skip there, saying why. Under CI
(``CI=true``) the data must be there, so a missing folder fails the test instead of skipping it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["SHARED_DATA", "shared_file"]

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_file(*parts: str) -> Path:
    """``../shared/data/<parts>``; skips the calling test when it is missing (fails under CI)."""
    path = SHARED_DATA.joinpath(*parts)
    if path.exists():
        return path
    reason = f"needs the shared real data: {path} is missing (it lies beside the project)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason + "; under CI it must be there")
    pytest.skip(reason)
