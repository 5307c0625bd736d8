"""Summaries: one per article and summarizer model, made once and reused."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from news.store.access import Access, chunks, utcnow
from news.store.tables import SummaryRow

__all__ = ["Summaries"]


class Summaries:
    """The summaries table."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def get_summary(self, article_id: int, model_id: str) -> str | None:
        async with self._access.read_one() as conn:
            return (
                await conn.execute(
                    select(SummaryRow.text).where(
                        SummaryRow.article_id == article_id, SummaryRow.model_id == model_id
                    )
                )
            ).scalar_one_or_none()

    async def get_summaries(self, article_ids: Sequence[int], model_id: str) -> dict[int, str]:
        """Cached summaries of several articles for one model; articles without one are left
        out."""
        found: dict[int, str] = {}
        async with self._access.read() as conn:
            for chunk in chunks(list(dict.fromkeys(article_ids))):
                rows = await conn.execute(
                    select(SummaryRow.article_id, SummaryRow.text).where(
                        SummaryRow.article_id.in_(chunk), SummaryRow.model_id == model_id
                    )
                )
                found.update((article_id, text) for article_id, text in rows)
        return found

    async def put_summary(self, article_id: int, model_id: str, text: str) -> None:
        """Cache a summary; a second put for the same article and model replaces the text."""
        stmt = self._access.insert(SummaryRow).values(
            article_id=article_id, model_id=model_id, text=text, created_at=utcnow()
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["article_id", "model_id"],
            set_={"text": stmt.excluded.text, "created_at": stmt.excluded.created_at},
        )
        async with self._access.write() as conn:
            await conn.execute(stmt)
