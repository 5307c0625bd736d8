"""Chats follow their own feeds (issue 15: /feeds, OPML, /sources mine|all).

``chat_feeds`` links a chat to a shared ``feeds`` row (one fetch per feed however many chats
follow it); ``feeds.chat_added`` marks feeds that chats brought (forgotten when the last chat
leaves them); ``article_feeds`` records the other feeds that list an article already stored;
``chats.own_sources`` limits a chat's briefings and alerts to its own feeds.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(
            sa.Column("chat_added", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("chats") as batch:
        batch.add_column(
            sa.Column("own_sources", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "chat_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"], ["chats.id"], name="fk_chat_feeds_chat_id_chats", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_chat_feeds_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_chat_feeds"),
        sa.UniqueConstraint("chat_id", "feed_id", name="uq_chat_feeds_chat_id_feed_id"),
    )
    op.create_index("ix_chat_feeds_feed_id", "chat_feeds", ["feed_id"])
    op.create_table(
        "article_feeds",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_feeds_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name="fk_article_feeds_feed_id_feeds", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "feed_id", name="pk_article_feeds"),
    )
    op.create_index("ix_article_feeds_feed_id", "article_feeds", ["feed_id"])


def downgrade() -> None:
    op.drop_index("ix_article_feeds_feed_id", table_name="article_feeds")
    op.drop_table("article_feeds")
    op.drop_index("ix_chat_feeds_feed_id", table_name="chat_feeds")
    op.drop_table("chat_feeds")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("own_sources")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("chat_added")
