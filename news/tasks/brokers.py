"""The job library's brokers for a queue URL: taskiq over Redis Streams (``redis://``) or
RabbitMQ (``amqp://``), both acknowledging a task only after it ran, so a task whose worker died
is delivered again.

Redis: each task is a stream entry read through one consumer group (every worker gets different
tasks); an entry left unacknowledged for ``redeliver_after`` seconds (its worker died) is claimed
by another worker, and an acknowledged one is deleted, so the stream holds only work to do.
RabbitMQ: a durable quorum queue of persistent messages, at most ``prefetch`` unacknowledged per
worker; RabbitMQ hands those of a lost connection to another worker at once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from taskiq import AckableMessage, AsyncBroker

__all__ = ["is_queue_url", "make_broker"]

logger = logging.getLogger(__name__)

_REDIS = ("redis://", "rediss://")
_AMQP = ("amqp://", "amqps://")


def is_queue_url(url: str) -> bool:
    return url.startswith(_REDIS + _AMQP)


def _redis_broker(url: str, name: str, *, prefetch: int, redeliver_after: float) -> AsyncBroker:
    # imported here: a deployment installs and loads only the broker it uses
    from redis.asyncio import Redis
    from taskiq_redis import RedisStreamBroker

    class ReclaimingStreamBroker(RedisStreamBroker):
        """taskiq-redis's stream broker, with two changes: entries of dead workers are claimed
        also while no new task arrives (the library looks only after a read that returned
        something), and an acknowledged entry is deleted (XACK alone keeps it in the stream)."""

        def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
            async def _ack() -> None:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    pipe = conn.pipeline(transaction=True)
                    pipe.xack(queue_name, self.consumer_group_name, id)
                    pipe.xdel(queue_name, id)
                    await pipe.execute()

            return _ack

        async def listen(self) -> AsyncGenerator[AckableMessage, None]:
            async with Redis(connection_pool=self.connection_pool) as conn:
                while True:
                    fetched: Any = await conn.xreadgroup(
                        self.consumer_group_name,
                        self.consumer_name,
                        {self.queue_name: ">"},
                        block=self.block,
                        noack=False,
                        count=self.count,
                    )
                    for stream, entries in fetched or ():
                        for entry_id, fields in entries:
                            yield AckableMessage(
                                data=fields[b"data"],
                                ack=self._ack_generator(id=entry_id, queue_name=stream),
                            )
                    claimed: Any = await conn.xautoclaim(
                        name=self.queue_name,
                        groupname=self.consumer_group_name,
                        consumername=self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for entry_id, fields in claimed[1]:
                        if fields is None:  # deleted meanwhile
                            continue
                        logger.info("task %s of a lost worker taken over", entry_id)
                        yield AckableMessage(
                            data=fields[b"data"],
                            ack=self._ack_generator(id=entry_id, queue_name=self.queue_name),
                        )

    return ReclaimingStreamBroker(
        url,
        queue_name=name,
        consumer_group_name=name,
        consumer_id="0",  # a group made after tasks were queued still reads them all
        idle_timeout=int(redeliver_after * 1000),
        xread_block=1000,  # ms: how often an idle worker looks for tasks of dead workers
        xread_count=prefetch,
        unacknowledged_batch_size=prefetch,
    )


def _amqp_broker(url: str, name: str, *, prefetch: int) -> AsyncBroker:
    from taskiq_aio_pika import AioPikaBroker, Exchange, Queue  # as above: only when used

    return AioPikaBroker(
        url,
        qos=prefetch,
        exchange=Exchange(name=name),
        task_queues=[Queue(name=name, routing_key=name)],
        dead_letter_queue=Queue(name=f"{name}.dead_letter"),
    )


def make_broker(
    url: str, name: str, *, prefetch: int = 4, redeliver_after: float = 300.0, **extra: Any
) -> AsyncBroker:
    """The broker for ``url`` (``redis://…`` or ``amqp://…``), on the queue ``name``."""
    del extra
    if url.startswith(_REDIS):
        return _redis_broker(url, name, prefetch=prefetch, redeliver_after=redeliver_after)
    if url.startswith(_AMQP):
        return _amqp_broker(url, name, prefetch=prefetch)
    raise ValueError("the queue URL must start with redis:// or amqp://")
