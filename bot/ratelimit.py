"""Telegram's sending limits, kept by one rate limiter for every Bot API call the bot makes.

``PacedRateLimiter`` keeps the whole bot under ~30 messages/s overall, 20/min per group and
1/s per private chat, each with a short burst as Telegram tolerates; a 429 is waited out and
retried (PTB's ``AIORateLimiter``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

if TYPE_CHECKING:
    from telegram._utils.types import JSONDict

__all__ = ["PacedRateLimiter"]

OVERALL_PER_SECOND = 30.0  # Telegram: about 30 messages per second to different chats
OVERALL_BURST = 30
GROUP_PER_MINUTE = 20.0  # Telegram: 20 messages per minute to one group
GROUP_BURST = 5
CHAT_INTERVAL = 1.0  # Telegram: about one message per second to one private chat
CHAT_BURST = 3  # "short bursts are tolerated"
MARGIN = 1.03  # stay a little under each documented rate


class PacedRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter (overall and per-group rates, waiting out 429s) plus a per-chat pace
    for private chats: Telegram's documented limits, with short bursts."""

    def __init__(self, *, max_retries: int = 3, max_chats: int = 10_000) -> None:
        # Leaky buckets: ``max_rate`` tokens of burst, refilled at the documented rate.
        super().__init__(
            overall_max_rate=OVERALL_BURST,
            overall_time_period=OVERALL_BURST / OVERALL_PER_SECOND * MARGIN,
            group_max_rate=GROUP_BURST,
            group_time_period=GROUP_BURST * 60 / GROUP_PER_MINUTE * MARGIN,
            max_retries=max_retries,
        )
        self._max_chats = max_chats
        self._chat_limiters: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chat_limiters.pop(chat_id, None)
        if limiter is None:
            limiter = AsyncLimiter(CHAT_BURST, CHAT_BURST * CHAT_INTERVAL * MARGIN)
        self._chat_limiters[chat_id] = limiter  # most recently used last
        while len(self._chat_limiters) > self._max_chats:
            self._chat_limiters.popitem(last=False)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        paced = (
            isinstance(chat_id, int)
            and chat_id > 0
            and endpoint.startswith("send")
            and endpoint != "sendChatAction"
        )
        if paced:
            assert isinstance(chat_id, int)
            async with self._chat_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
