"""Work shared over machines through a job queue (taskiq over Redis or RabbitMQ).

With ``NEWSBRIEF_QUEUE_URL`` set, a feed poll (in the bot or in a ``newsbrief worker``) queues
each fresh entry as a task (:mod:`news.tasks.queue`), and any number of ``newsbrief worker``
processes, on any machines sharing the database, run them (:mod:`news.tasks.consumer`): fetch,
extract, embed, store, match, mark seen, then acknowledge. Unset, nothing here is used and one
process ingests in place (the embedded default).
"""

from __future__ import annotations

from news.tasks.brokers import is_queue_url, make_broker
from news.tasks.consumer import RETRIES, EntryProcessor, RetryLater, serve
from news.tasks.messages import ENTRY_TASK, EntryTask
from news.tasks.queue import TaskQueue

__all__ = [
    "ENTRY_TASK",
    "RETRIES",
    "EntryProcessor",
    "EntryTask",
    "RetryLater",
    "TaskQueue",
    "is_queue_url",
    "make_broker",
    "serve",
]
