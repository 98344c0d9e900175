"""The first view's ids and every view's count, fetched before the app exists.

``inbox ui`` starts this right after it opened the cache and *before* it imports Textual
(≈0.3 s of pure Python), so the queue screen's first load finds its data ready instead of
querying 100k conversations while the first frames are built.

It also holds the garbage collector off until the first frame (``pause_gc``): start-up
creates a few hundred thousand long-lived objects (modules, classes, styles), and the
collections they set off cost ~0.1 s before the first paint. ``first_paint_done`` then
freezes what start-up made (it lives as long as the app) and turns collection back on.

Where ``os.fork`` exists the queries run in a forked child with its own connection: a
thread in this process would share the interpreter lock with the imports and the first
frames, and at 100k that contention made the queries 3–8× slower (≈130 ms alone, 0.4–1 s
beside an import). The child sends the ids as 8-byte integers and the counts as JSON down
a pipe, which a thread here reads (blocking reads release the lock). Without fork, or if
the child fails, a thread does the same work. Stdlib only: importing this costs nothing.
"""

from __future__ import annotations

import gc
import json
import os
import struct
import threading
from array import array
from collections.abc import Callable, Sequence
from typing import Protocol

_HEADER = struct.Struct("<QQ")  # length of the counts' JSON, number of ids


class _View(Protocol):
    key: str


class QueueSource(Protocol):
    def views(self) -> Sequence[_View]: ...
    def queue_ids(self, view: str, search: str | None = None) -> list[int]: ...
    def view_counts(self, search: str | None = None) -> dict[str, int]: ...


Result = tuple[list[int], dict[str, int]]


def first_view(views: Sequence[_View]) -> str:
    """The tab the queue opens on: All open when there is one, else the first."""
    keys = [v.key for v in views]
    return "open" if "open" in keys else (keys[0] if keys else "open")


class Warmup:
    """One early ``(ids, counts)`` for ``view``, taken at most once (later loads ask the
    service as usual: the cache may have changed since)."""

    def __init__(self, service: QueueSource, reopen: Callable[[], QueueSource] | None = None) -> None:
        self.view = first_view(service.views())
        self._service = service
        self._reopen = reopen
        """Builds a service on a new connection (in the forked child); None: a thread."""
        self._done = threading.Event()
        self._result: Result | None = None
        self._taken = False
        self._gc_paused = False

    @classmethod
    def start(
        cls, service: QueueSource, reopen: Callable[[], QueueSource] | None = None, *, pause_gc: bool = False
    ) -> Warmup:
        warmup = cls(service, reopen)
        if pause_gc:  # (the console script may have turned it off already: we own it now)
            gc.disable()
            warmup._gc_paused = True
        fd = warmup._fork() if reopen is not None and hasattr(os, "fork") else None
        target = (lambda: warmup._receive(fd)) if fd is not None else warmup._query
        threading.Thread(target=target, name="queue-warmup", daemon=True).start()
        return warmup

    # ------------------------------------------------------------------ in this process
    def _query(self) -> None:
        try:
            self._result = (self._service.queue_ids(self.view), self._service.view_counts())
        except Exception:  # noqa: BLE001 - the screen's own load will meet and report it
            self._result = None
        finally:
            self._done.set()

    # ------------------------------------------------------------------ in a child
    def _fork(self) -> int | None:
        assert self._reopen is not None
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # the child: never returns, never touches the parent's connection
            status = 1
            try:
                os.close(read)
                service = self._reopen()
                ids, counts = service.queue_ids(self.view), service.view_counts()
                payload = json.dumps(counts).encode()
                with os.fdopen(write, "wb") as out:
                    out.write(_HEADER.pack(len(payload), len(ids)) + payload + array("q", ids).tobytes())
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self._child = pid
        return read

    def _receive(self, fd: int) -> None:
        try:
            with os.fdopen(fd, "rb") as pipe:
                data = pipe.read()
            os.waitpid(self._child, 0)
            size, count = _HEADER.unpack_from(data)
            counts = json.loads(data[_HEADER.size : _HEADER.size + size])
            ids = array("q")
            ids.frombytes(data[_HEADER.size + size :])
            if len(ids) != count:
                raise ValueError("short read")
            self._result = (ids.tolist(), {str(k): int(v) for k, v in counts.items()})
            self._done.set()
        except Exception:  # noqa: BLE001 - the child failed: ask in this process instead
            self._query()

    # ------------------------------------------------------------------ the app
    def first_paint_done(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.freeze()
            gc.enable()

    def ready(self) -> bool:
        """The result (or the failure) is in: ``take`` will not wait."""
        return self._done.is_set()

    def take(self, view: str, timeout: float = 10.0) -> Result | None:
        """The early result for ``view`` (waiting for it), once; ``None`` when it is for
        another view, already taken, or failed."""
        if self._taken or view != self.view:
            return None
        self._taken = True
        self._done.wait(timeout)
        return self._result
