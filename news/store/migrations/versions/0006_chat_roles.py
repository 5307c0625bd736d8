"""Groups, channels and forum topics (issue 15: admins, /channel, message_thread_id).

- ``chats.username``: a channel's public @name (how an administrator names it).
- ``channel_links``: which user linked which channel (``/channel @name``); they manage its
  subscriptions from their private chat with the bot.
- ``subscriptions.thread_id`` and ``outbox.thread_id``: the forum topic a subscription was made
  in (0: none), carried into each alert so it is sent with ``message_thread_id``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("username", sa.Text(), nullable=True))
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(
            sa.Column("thread_id", sa.BigInteger(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("thread_id", sa.BigInteger(), server_default="0", nullable=False)
        )
    op.create_table(
        "channel_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["chats.id"],
            name="fk_channel_links_channel_id_chats",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_channel_links"),
        sa.UniqueConstraint("channel_id", "user_id", name="uq_channel_links_channel_id_user_id"),
    )
    op.create_index("ix_channel_links_user_id", "channel_links", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_links_user_id", table_name="channel_links")
    op.drop_table("channel_links")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("thread_id")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("thread_id")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("username")
