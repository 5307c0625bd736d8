"""Suite-wide test settings. Package-specific fixtures live in each tests/<package>/conftest.py."""

from __future__ import annotations

import os

import pytest

# No test may reach a model hub; the summarizer loads MiniLM from its package path.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _clean_newsbrief_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from an empty NEWSBRIEF_* environment (the test Postgres URL excepted)."""
    for name in list(os.environ):
        if name.startswith("NEWSBRIEF_") and name != "NEWSBRIEF_TEST_POSTGRES_URL":
            monkeypatch.delenv(name, raising=False)
    # Extraction in threads: worker processes cost a second or two to start in every test that
    # opens the services. The process path (the default on multi-core machines) has its own
    # tests, which set this explicitly.
    monkeypatch.setenv("NEWSBRIEF_EXTRACT_WORKERS", "0")
