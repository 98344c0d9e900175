"""Turning fetched raw messages into ``Message`` objects, on the second core when it pays.

A first sync is parse-bound (perf-baselines: parsing is most of the work), so a big pull
hands each fetched chunk to a one-process pool while the fetch loop downloads the next
chunk and the sync engine stores the previous one. Small pulls parse inline: starting a
worker costs more than parsing a handful of messages. The pool uses ``forkserver`` (never
``fork``: the app runs threads) and is shut down when the pull ends.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from connectors.mail.mime import parse_message
from inbox_tui.model import Message

POOL_THRESHOLD = 400
"""Pulls with at least this many messages to parse use the worker process."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class RawItem:
    remote_id: str
    raw: bytes
    flags: frozenset[str]
    keywords: frozenset[str]
    internaldate: datetime | None = None


@dataclass(frozen=True)
class ParseJob:
    folder: str
    identity: tuple[str, ...]
    sent_folder: bool


def parse_items(job: ParseJob, items: Sequence[RawItem]) -> list[Message]:
    """Parse a chunk (runs in the worker process or inline). Never raises for one message."""
    out = []
    for item in items:
        message = parse_message(
            item.raw,
            remote_id=item.remote_id,
            folder=job.folder,
            identity=job.identity,
            sent_folder=job.sent_folder,
            flags=item.flags,
            keywords=item.keywords,
        )
        if message.date == _EPOCH and item.internaldate is not None:
            # neither Date nor Received: the server's arrival time is the best we have
            date = item.internaldate if item.internaldate.tzinfo else item.internaldate.replace(tzinfo=timezone.utc)
            message = replace(message, date=date)
        out.append(message)
    return out


class Done:
    """A finished "future" for inline parsing."""

    def __init__(self, value: list[Message]) -> None:
        self._value = value

    def result(self) -> list[Message]:
        return self._value


class Parser:
    """Submit chunks; ``result()`` gives them back in order. ``close()`` ends the worker."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def use_pool(self, expected_messages: int) -> bool:
        return self.workers > 0 and expected_messages >= POOL_THRESHOLD and (os.cpu_count() or 1) > 1

    def start(self) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("forkserver"))

    def submit(self, job: ParseJob, items: list[RawItem]) -> Future[list[Message]] | Done:
        if self._pool is None:
            return Done(parse_items(job, items))
        return self._pool.submit(parse_items, job, items)

    @property
    def pooled(self) -> bool:
        return self._pool is not None

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
