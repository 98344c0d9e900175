"""The first view's ids and every view's count, fetched before the app exists.

``inbox ui`` starts this thread right after it opened the cache and *before* it imports
Textual (≈0.3 s of pure Python): SQLite answers while the interpreter imports, so the
queue screen's first load finds its data ready instead of querying 100k conversations
while the first frames are being built. Stdlib only: importing it costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol


class _View(Protocol):
    key: str


class _Service(Protocol):
    def views(self) -> Sequence[_View]: ...
    def queue_ids(self, view: str, search: str | None = None) -> list[int]: ...
    def view_counts(self, search: str | None = None) -> dict[str, int]: ...


def first_view(views: Sequence[_View]) -> str:
    """The tab the queue opens on: All open when there is one, else the first."""
    keys = [v.key for v in views]
    return "open" if "open" in keys else (keys[0] if keys else "open")


class Warmup:
    """One early ``(ids, counts)`` for ``view``, taken at most once (later loads ask the
    service as usual: the cache may have changed since)."""

    def __init__(self, service: _Service) -> None:
        self.view = first_view(service.views())
        self._service = service
        self._done = threading.Event()
        self._result: tuple[list[int], dict[str, int]] | None = None
        self._taken = False
        self._thread = threading.Thread(target=self._run, name="queue-warmup", daemon=True)

    @classmethod
    def start(cls, service: _Service) -> Warmup:
        warmup = cls(service)
        warmup._thread.start()
        return warmup

    def _run(self) -> None:
        try:
            self._result = (self._service.queue_ids(self.view), self._service.view_counts())
        except Exception:  # noqa: BLE001 - the screen's own load will meet and report it
            self._result = None
        finally:
            self._done.set()

    def take(self, view: str, timeout: float = 10.0) -> tuple[list[int], dict[str, int]] | None:
        """The early result for ``view`` (waiting for it), once; ``None`` when it is for
        another view, already taken, or failed."""
        if self._taken or view != self.view:
            return None
        self._taken = True
        self._done.wait(timeout)
        return self._result
