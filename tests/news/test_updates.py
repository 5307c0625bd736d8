"""Story updates (news.updates): only what a new source adds, by meaning or by a new figure or
name, with the real MiniLM encoder; the service queues one update per chat told about the
story, within the interval, and none for copies, rewrites, pending alerts or /updates off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config import Settings
from news.models import AddResult
from news.store import Store
from news.updates import UpdateService, chain_hooks, new_sentences
from summarizer import Encoder, load_encoder
from tests.news.conftest import make_article

FIRST = (
    "A bomb exploded at a crowded market in the northern city of Mosul on Tuesday, killing "
    "12 people and wounding dozens of others, police said. The blast happened shortly after "
    "noon, when the market was full of shoppers buying food for the holiday. Officials said the "
    "bomb had been hidden in a parked car near the main entrance of the market. No group has "
    "said it carried out the attack, the latest in a series of bombings in the city this month."
)
REWRITE = (
    "Police said a car bomb went off at a busy market in Mosul, in the north, on Tuesday, "
    "killing 12 people and injuring dozens more. The explosion came just after midday, when "
    "the market was packed with people shopping for the holiday. The bomb was hidden in a car "
    "parked close to the market's main entrance, officials said. Nobody has claimed the attack, "
    "the latest of several bombings in the city this month."
)
NEW_TOLL = FIRST.replace("killing 12 people", "killing 15 people") + (
    " The death toll rose to 15 after three of the wounded died in hospital overnight."
)
FURNITURE = FIRST + " Sign up for our newsletter to get the top stories every morning."


@pytest.fixture(scope="module")
def minilm() -> Encoder:
    return load_encoder()


def _new(known: str, new: str, encoder: Encoder | None) -> list[str]:
    return new_sentences([(1, "Market bomb kills 12 in Mosul", known)], (2, "Mosul", new), encoder)


def test_copy_and_rewrite_say_nothing_new(minilm: Encoder) -> None:
    assert _new(FIRST, FIRST, minilm) == []
    assert _new(FIRST, REWRITE, minilm) == []
    assert _new(FIRST, FURNITURE, minilm) == []


def test_a_new_figure_is_news_and_only_it(minilm: Encoder) -> None:
    found = _new(FIRST, NEW_TOLL, minilm)
    assert found
    assert all("15" in s for s in found)
    assert any("death toll rose to 15" in s for s in found)


def test_new_facts_by_meaning(minilm: Encoder) -> None:
    inquiry = (
        "Hours after the market bombing, the prime minister ordered an inquiry into security at "
        "the markets of Mosul and promised compensation to the families of the victims."
    )
    curfew = (
        "After the bombing the governor imposed a night curfew on Mosul and closed the roads into "
        "the city until further notice."
    )
    assert _new(FIRST, f"{FIRST} {inquiry} {curfew}", minilm) == [inquiry, curfew]
    # one new sentence without a figure is not enough (a rewrite often has one)
    assert _new(FIRST, f"{FIRST} {inquiry}", minilm) == []


def test_without_an_encoder_word_overlap_stands_in() -> None:
    assert _new(FIRST, FIRST, None) == []
    assert any("15" in s for s in _new(FIRST, NEW_TOLL, None))


async def _alerted(store: Store, chat_id: int) -> int:
    """The first report, alerted to ``chat_id`` and sent."""
    first = await store.add_article(
        make_article("https://wire.example/a", "Market bomb kills 12 in Mosul", FIRST, source="AP")
    )
    at = datetime.now(UTC)
    await store.upsert_chat(chat_id, kind="private", title=None)
    await store.enqueue_alerts([(chat_id, first.story_id, "mosul")], now=at)
    [item] = await store.pending_alerts(chat_id)
    await store.mark_sent([item.id], at)
    return first.story_id


async def _join(store: Store, story_id: int, n: int, text: str, source: str) -> AddResult:
    """A new source of the story (joined by hand: the grouping is tested elsewhere)."""
    from sqlalchemy import update

    from news.store.tables import ArticleRow

    result = await store.add_article(
        make_article(
            f"https://{source.lower()}.example/{n}", f"Mosul bomb {n}", text, source=source
        )
    )
    async with store.begin() as conn:
        await conn.execute(
            update(ArticleRow).where(ArticleRow.id == result.article.id).values(story_id=story_id)
        )
    from dataclasses import replace

    article = replace(result.article, story_id=story_id)
    return replace(result, article=article, story_id=story_id, story_is_new=False)


async def test_service_queues_one_update_then_waits(
    store: Store, settings: Settings, minilm: Encoder
) -> None:
    service = UpdateService(store, minilm, settings)
    story = await _alerted(store, 1)
    repeat = await _join(store, story, 2, REWRITE, "Reuters")
    assert await service.on_new_article(repeat) == 0
    news = await _join(store, story, 3, NEW_TOLL, "BBC")
    assert await service.on_new_article(news) == 1
    [update] = [p for p in await store.pending_alerts(1) if p.kind == "update"]
    assert "15" in (update.body or "")
    assert update.article_id == news.article.id
    await store.mark_sent([update.id], datetime.now(UTC))
    more = await _join(
        store,
        story,
        4,
        NEW_TOLL
        + " Police said 40 men were arrested in raids across Mosul after the market bombing.",
        "CNN",
    )
    assert await service.on_new_article(more) == 0  # the interval
    later = datetime.now(UTC) + timedelta(hours=settings.update_interval, minutes=1)
    assert await service.on_new_article(more, now=later) == 1


async def test_no_update_while_the_alert_waits_or_when_off(
    store: Store, settings: Settings, minilm: Encoder
) -> None:
    service = UpdateService(store, minilm, settings)
    story = await _alerted(store, 1)
    await store.upsert_chat(2, kind="private", title=None)
    await store.enqueue_alerts([(2, story, "mosul")])  # not sent yet
    await store.set_updates(1, False)
    news = await _join(store, story, 3, NEW_TOLL, "BBC")
    assert await service.on_new_article(news) == 0


async def test_chain_hooks_runs_every_hook_despite_failures() -> None:
    calls: list[str] = []

    async def bad(result: object, embedding: object) -> int:
        calls.append("bad")
        raise RuntimeError("boom")

    async def good(result: object, embedding: object) -> int:
        calls.append("good")
        return 2

    hook = chain_hooks(bad, good)
    assert await hook(None, None) == 2  # type: ignore[arg-type]
    assert calls == ["bad", "good"]
