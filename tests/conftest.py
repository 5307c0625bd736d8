"""Suite-wide test settings. Package-specific fixtures live in each tests/<package>/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from summarizer import Encoder, load_encoder
from tests.support.shared_data import shared_file

# No test may reach a model hub; the summarizer loads MiniLM from its package path.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


KEPT = ("NEWSBRIEF_TEST_", "NEWSBRIEF_UPDATE_SCREENSHOT")


@pytest.fixture(autouse=True)
def _clean_newsbrief_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from an empty NEWSBRIEF_* environment, except the switches of the test run
    itself (NEWSBRIEF_TEST_*, NEWSBRIEF_UPDATE_SCREENSHOT), which no setting reads."""
    for name in list(os.environ):
        if name.startswith("NEWSBRIEF_") and not name.startswith(KEPT):
            monkeypatch.delenv(name, raising=False)
    # Extraction in threads: worker processes cost a second or two to start in every test that
    # opens the services. The process path (the default on multi-core machines) has its own
    # tests, which set this explicitly.
    monkeypatch.setenv("NEWSBRIEF_EXTRACT_WORKERS", "0")


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real MiniLM encoder, through the real cached loader (loaded once per test session)."""
    return load_encoder()


@pytest.fixture
def seed_page() -> Path:
    """The real scraped news page of ``../shared/data/seed`` (skips where it is missing)."""
    return shared_file("seed", "peace-talks-page.txt")
