"""Groups, channels and forum topics in the store (issue 15): the channels an administrator
linked (``/channel @name``) and a group's move to a supergroup (Telegram gives it a new id)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from news.store.access import Access, utcnow
from news.store.counters import SUBSCRIPTIONS_COUNTER, bump
from news.store.tables import Base, ChannelLinkRow, ChatRow

__all__ = ["LinkedChannel", "Roles"]

# What a migrated chat keeps: every column of its row but these.
_CHAT_IDENTITY = frozenset({"id", "kind", "title", "created_at", "active"})


@dataclass(frozen=True, slots=True)
class LinkedChannel:
    """A channel a user linked: its chat id, title and public @name (without the @)."""

    id: int
    title: str | None
    username: str | None

    @property
    def name(self) -> str:
        """How the user names it in commands: ``@username``, else the numeric id."""
        return f"@{self.username}" if self.username else str(self.id)


def _chat_references() -> list[tuple[str, str]]:
    """(table, column) of every column referring to ``chats.id``, whichever feature added it."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "chats" for fk in column.foreign_keys):
                found.append((table.name, column.name))
    return found


class Roles:
    """The channel_links table, and moving a chat's rows to its new id."""

    def __init__(self, access: Access) -> None:
        self._access = access

    async def link_channel(
        self, channel_id: int, *, user_id: int, title: str | None, username: str | None
    ) -> None:
        """Record the channel (an active chat of kind ``channel``) and that ``user_id`` manages
        it; linking again refreshes its title and @name."""
        name = username.lstrip("@") if username else None
        chat = self._access.insert(ChatRow).values(
            id=channel_id,
            kind="channel",
            title=title,
            username=name,
            active=True,
            created_at=utcnow(),
        )
        chat = chat.on_conflict_do_update(
            index_elements=["id"],
            set_={"kind": "channel", "title": title, "username": name, "active": True},
        )
        link = (
            self._access.insert(ChannelLinkRow)
            .values(channel_id=channel_id, user_id=user_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel_id", "user_id"])
        )
        async with self._access.write() as conn:
            await conn.execute(chat)
            await conn.execute(link)
            await bump(conn, SUBSCRIPTIONS_COUNTER)  # an inactive channel's topics count again

    async def unlink_channel(self, channel_id: int, *, user_id: int) -> bool:
        """``user_id`` no longer manages the channel (its subscriptions stay). False: it did
        not."""
        async with self._access.write() as conn:
            result = await conn.execute(
                delete(ChannelLinkRow)
                .where(ChannelLinkRow.channel_id == channel_id, ChannelLinkRow.user_id == user_id)
                .returning(ChannelLinkRow.id)
            )
            return bool(result.all())

    async def linked_channels(self, user_id: int) -> list[LinkedChannel]:
        """The channels ``user_id`` linked, by title."""
        async with self._access.read_one() as conn:
            rows = await conn.execute(
                select(ChatRow.id, ChatRow.title, ChatRow.username)
                .join(ChannelLinkRow, ChannelLinkRow.channel_id == ChatRow.id)
                .where(ChannelLinkRow.user_id == user_id)
                .order_by(ChatRow.title, ChatRow.id)
            )
            return [LinkedChannel(row.id, row.title, row.username) for row in rows]

    async def linked_channel(self, user_id: int, name: str) -> LinkedChannel | None:
        """The channel ``user_id`` linked that ``name`` names (``@username``, any case, or its
        numeric id), or None."""
        name = name.strip()
        query = (
            select(ChatRow.id, ChatRow.title, ChatRow.username)
            .join(ChannelLinkRow, ChannelLinkRow.channel_id == ChatRow.id)
            .where(ChannelLinkRow.user_id == user_id)
        )
        if name.lstrip("-").isascii() and name.lstrip("-").isdigit():
            query = query.where(ChatRow.id == int(name))
        else:
            query = query.where(func.lower(ChatRow.username) == name.lstrip("@").lower())
        async with self._access.read_one() as conn:
            row = (await conn.execute(query.limit(1))).one_or_none()
        return None if row is None else LinkedChannel(row.id, row.title, row.username)

    async def migrate_chat(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup (Telegram's ``migrate_to_chat_id``): its settings,
        subscriptions, sources, pending alerts and history move to ``new_id`` in one
        transaction; rows the new chat already had are replaced. False when ``old_id`` is
        unknown (already moved: both migration messages may arrive)."""
        if old_id == new_id:
            return False
        references = _chat_references()
        chats = Base.metadata.tables["chats"]
        async with self._access.write() as conn:
            old = (
                (await conn.execute(select(chats).where(chats.c.id == old_id))).mappings().first()
            )
            if old is None:
                return False
            kept = {k: v for k, v in old.items() if k not in _CHAT_IDENTITY}
            exists = (
                await conn.execute(select(chats.c.id).where(chats.c.id == new_id))
            ).scalar_one_or_none()
            if exists is None:
                await conn.execute(
                    chats.insert().values(
                        **kept,
                        id=new_id,
                        kind="supergroup",
                        title=old["title"],
                        active=True,
                        created_at=old["created_at"],
                    )
                )
            else:
                await conn.execute(update(chats).where(chats.c.id == new_id).values(**kept))
            tables = Base.metadata.tables
            for table_name, column in references:
                table = tables[table_name]
                await conn.execute(delete(table).where(table.c[column] == new_id))
                await conn.execute(
                    update(table).where(table.c[column] == old_id).values({column: new_id})
                )
            await conn.execute(delete(chats).where(chats.c.id == old_id))
            await bump(conn, SUBSCRIPTIONS_COUNTER)
        return True
