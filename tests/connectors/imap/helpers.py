"""Test helpers for the IMAP connector: raw mail, a per-test mailbox, a memory store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime, make_msgid
from typing import Any

from connectors.base import Source
from connectors.mail.imap import ImapConnector, open_connector
from inbox_tui.errors import ConfigError
from inbox_tui.model import Message, PullBatch
from tests.servers.dovecot import DOMAIN, Dovecot

PASSWORD = "correct horse battery"


# --------------------------------------------------------------------------- mailboxes


def mail(
    subject: str = "Help please",
    body: str = "Hello, it does not work.",
    *,
    sender: str = "Jane Customer <jane@example.org>",
    to: str = f"support@{DOMAIN}",
    message_id: str | None = None,
    date: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A small plain-text message as raw bytes (CRLF)."""
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(date or datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc))}",
        f"Message-ID: {message_id or make_msgid(domain='example.org')}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


@dataclass
class Mailbox:
    """One fresh Dovecot user for one test, and connectors for it."""

    server: Dovecot
    user: str
    password: str = PASSWORD
    opened: list[ImapConnector] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{self.user}@{DOMAIN}"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.server.port,
            "tls": "none",
            "user": self.user,
            "from": f"Support Team <{self.address}>",
            "send_command": None,
            "smtp_host": "127.0.0.1",
            "smtp_port": 1,
            "smtp_tls": "none",
            "timeout": 10,
        }
        settings.update(overrides)
        return settings

    def secrets(self, **values: str) -> Any:
        table = {"password": self.password, **values}

        def resolve(key: str) -> str:
            if key not in table:
                raise ConfigError(f"{key} is not set")
            return table[key]

        return resolve

    def connector(self, **overrides: Any) -> ImapConnector:
        secrets = overrides.pop("_secrets", None) or self.secrets()
        connector = open_connector(f"test-{self.user}", self.settings(**overrides), secrets)
        self.opened.append(connector)
        return connector

    def deliver(self, raw: bytes, folder: str = "INBOX") -> int:
        return self.server.deliver(self.user, raw, folder)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        return self.server.status(self.user, folder)["uidvalidity"]

    def rid(self, uid: int, folder: str = "INBOX") -> str:
        return f"{folder}/{self.uidvalidity(folder)}/{uid}"

    def close(self) -> None:
        for connector in self.opened:
            connector.close()


# --------------------------------------------------------------------------- a store


@dataclass
class MemoryStore:
    """What the engine does with batches, minus SQLite: upsert by remote id, flag changes,
    removals, cursor through JSON (as it is stored)."""

    messages: dict[str, Message] = field(default_factory=dict)
    cursor: dict[str, Any] | None = None
    batches: list[PullBatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def known(self, remote_ids: Any) -> dict[str, str]:
        return {rid: ",".join(sorted(self.messages[rid].flags)) for rid in remote_ids if rid in self.messages}

    def apply(self, batch: PullBatch) -> None:
        self.batches.append(batch)
        self.problems += batch.problems
        for message in batch.messages:
            self.messages[message.remote_id] = message
            self.problems += [f"{message.remote_id}: {p}" for p in message.problems]
        for change in batch.flag_changes:
            if change.remote_id in self.messages:
                self.messages[change.remote_id].flags = change.flags
                if change.keywords is not None:
                    self.messages[change.remote_id].keywords = change.keywords
        for rid in batch.removed:
            self.removed.append(rid)
            self.messages.pop(rid, None)
        if batch.cursor is not None:
            self.cursor = json.loads(json.dumps(batch.cursor))

    def sync(self, connector: ImapConnector, *, stop_after: int | None = None) -> list[PullBatch]:
        assert isinstance(connector, Source)
        cursor = None if self.cursor is None else json.loads(json.dumps(self.cursor))
        got: list[PullBatch] = []
        for batch in connector.pull(cursor, self.known, lambda: stop_after is not None and len(got) >= stop_after):
            self.apply(batch)
            got.append(batch)
        return got

    def by_subject(self, subject: str) -> Message:
        found = [m for m in self.messages.values() if m.subject == subject]
        assert len(found) == 1, f"{len(found)} messages with subject {subject!r}"
        return found[0]
