"""Keyword filters on subscriptions (issue 15: words, -words, "phrases"), the change version
each subscription row carries for incremental matching indexes (issue 14), the explanation an
alert carries and the sources a chat muted (issue 16, "Why this?").

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("filters", sa.Text(), nullable=True))
        batch.add_column(sa.Column("version", sa.BigInteger(), server_default="0", nullable=False))
        batch.create_index("ix_subscriptions_version", ["version"])
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("why", sa.Text(), nullable=True))
    op.create_table(
        "muted_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_muted_sources_chat_id_chats", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_muted_sources"),
        sa.UniqueConstraint("chat_id", "source", name="uq_muted_sources_chat_id_source"),
    )
    op.create_index("ix_muted_sources_source", "muted_sources", ["source"])


def downgrade() -> None:
    op.drop_index("ix_muted_sources_source", table_name="muted_sources")
    op.drop_table("muted_sources")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("why")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_index("ix_subscriptions_version")
        batch.drop_column("version")
        batch.drop_column("filters")
