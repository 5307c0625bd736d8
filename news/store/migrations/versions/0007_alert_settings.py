"""Quiet hours, time zones and story updates (issue 16).

Chats get a time zone, quiet hours (local wall-clock start and end) and an updates switch. The
outbox carries story updates beside alerts: ``kind`` ('alert' or 'update'), ``article_id`` (the
new source an update tells about; 0 for the alert itself) and ``body`` (the update's new
sentences, as sent). One alert per (chat, story) ever, and one update per (chat, story, source):
the unique key becomes (chat_id, story_id, article_id). Updates look up a story's chats, hence
the story indexes on the outbox and the briefings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("quiet_start", sa.Time(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.Time(), nullable=True))
        batch.add_column(
            sa.Column("updates", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=16), server_default="alert", nullable=False)
        )
        batch.add_column(sa.Column("article_id", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.drop_constraint("uq_outbox_chat_id_story_id", type_="unique")
        batch.create_unique_constraint(
            "uq_outbox_chat_id_story_id_article_id", ["chat_id", "story_id", "article_id"]
        )
    op.create_index("ix_outbox_story_id", "outbox", ["story_id"])
    op.create_index("ix_briefings_story_id", "briefings", ["story_id"])


def downgrade() -> None:
    op.drop_index("ix_briefings_story_id", table_name="briefings")
    op.drop_index("ix_outbox_story_id", table_name="outbox")
    op.execute("DELETE FROM outbox WHERE article_id <> 0")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_constraint("uq_outbox_chat_id_story_id_article_id", type_="unique")
        batch.create_unique_constraint("uq_outbox_chat_id_story_id", ["chat_id", "story_id"])
        batch.drop_column("body")
        batch.drop_column("article_id")
        batch.drop_column("kind")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("updates")
        batch.drop_column("quiet_end")
        batch.drop_column("quiet_start")
        batch.drop_column("timezone")
