"""What the connector tests share: serving a contract server for one test, pulling
everything a connector yields, reading the server's request log, a reply to send."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

from connectors.base import Connector, OutgoingReply
from inbox_tui.model import RemoteConversation, utcnow
from tests.servers._base import VendorApp

App = TypeVar("App", bound=VendorApp)


@contextmanager
def serving(state: App) -> Iterator[App]:
    """``state`` served on a free 127.0.0.1 port for one test; ``state.url`` is its address
    and every connector appended to ``state.opened`` is closed before the server stops."""
    server = state.serve(0)
    state.url = server.url
    state.opened = []  # type: ignore[attr-defined]
    try:
        yield state
    finally:
        for conn in state.opened:  # type: ignore[attr-defined]
            conn.close()
        server.stop()


def pull_all(
    conn: Connector, cursor: dict[str, Any] | None = None
) -> tuple[dict[str, RemoteConversation], dict[str, Any] | None, list[str]]:
    """Every conversation a whole pull yields (by remote id), the last cursor, the problems."""
    found: dict[str, RemoteConversation] = {}
    problems: list[str] = []
    for batch in conn.pull(cursor, lambda ids: {}, lambda: False):
        found.update((c.remote_id, c) for c in batch.conversations)
        problems.extend(batch.problems)
        cursor = batch.cursor if batch.cursor is not None else cursor
    return found, cursor, problems


def calls(state: VendorApp, method: str = "", path: str = "") -> list[tuple[str, str, int]]:
    """The server's request log as ``(method, path, status)``, optionally filtered."""
    return [(e.method, e.path, e.status) for e in state.requests(method, path)]


def outgoing_reply(conversation_remote_id: str, text: str, minutes_ago: int = 0) -> OutgoingReply:
    """A reply as the outbox hands it to ``send_reply``, written ``minutes_ago``."""
    return OutgoingReply(
        op_id="op-1",
        conversation_remote_id=conversation_remote_id,
        message_id="m1@inbox.example",
        subject="Re: x",
        body_text=text,
        to=(),
        date_text=format_datetime(utcnow() - timedelta(minutes=minutes_ago)),
        extra={"marker": "m1@inbox.example"},
    )
