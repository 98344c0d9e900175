"""Upstreams for the fault tests: real servers (or a real Maildir + send command), seeded
with customer conversations, and an outside view of how many copies of a reply arrived.

Each target is started and stopped by the caller (``start(conversations)`` / ``stop()``);
everything it starts is stopped by PID or handle. ``copies(payload)`` counts what the world
received — the customer's INBOX, the Maildir the send command files into, the ticket's
comments — never what the connector under test reports.
"""

from __future__ import annotations

import shlex
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from tests.faults.homes import secret

CUSTOMER = "cust"


class Target(Protocol):
    name: str
    account: str

    def start(self, conversations: int) -> None: ...
    def account_table(self) -> str: ...
    def copies(self, payload: dict[str, Any]) -> int: ...
    def stop(self) -> None: ...


def customer_mail(n: int, sender: str, to: str) -> bytes:
    when = datetime.now(timezone.utc) - timedelta(hours=2, minutes=n)
    lines = [
        f"From: Customer {n} <{sender}>",
        f"To: {to}",
        f"Subject: Order {1000 + n} has not arrived",
        f"Date: {format_datetime(when)}",
        f"Message-ID: {make_msgid(domain='customer.example')}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        f"Hello, my order {1000 + n} is late. Where is it?",
        "",
    ]
    return "\r\n".join(lines).encode()


def _message_id(payload: dict[str, Any]) -> str:
    return str(payload.get("message_id", "")).strip().strip("<>")


# --------------------------------------------------------------------------- Maildir


class MaildirTarget:
    """A local Maildir account whose send command (``connectors.mail.deliver``) files every
    accepted reply into ``.Sent`` — the mail server and its record in one."""

    name = "maildir"
    account = "local"

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="inbox-faults-maildir-"))

    def start(self, conversations: int) -> None:
        from connectors.mail import _maildir_io as io

        io.make_maildir(self.root)
        self.sent = self.root / ".Sent"
        io.make_maildir(self.sent)
        for n in range(conversations):
            io.deliver(self.root, customer_mail(n, f"c{n}@customer.example", "help@shop.example"))

    def account_table(self) -> str:
        send = " ".join(shlex.quote(w) for w in (sys.executable, "-m", "connectors.mail.deliver", str(self.sent)))
        return (
            'connector = "maildir"\n'
            f'path = "{self.root}"\n'
            'from = "Shop Support <help@shop.example>"\n'
            'folders = ["INBOX", "Sent"]\n'
            'sent_folder = "Sent"\n'
            f"send_command = {_toml_string(send)}\n"
            "save_sent = false\n"
            "send_command_files_sent = true\n"
        )

    def copies(self, payload: dict[str, Any]) -> int:
        needle = f"<{_message_id(payload)}>".encode().lower()
        count = 0
        for sub in ("new", "cur"):
            for path in (self.sent / sub).iterdir():
                head = path.read_bytes().split(b"\n\n", 1)[0].lower()
                count += any(line.startswith(b"message-id:") and needle in line for line in head.splitlines())
        return count

    def stop(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- IMAP + SMTP


class ImapTarget:
    """A private Dovecot (IMAP) and the SMTP sink that delivers into it over LMTP: the
    customer's INBOX on the same Dovecot is where a reply visibly arrives."""

    name = "imap"
    account = "mail"
    password = "fault-test-pw"

    def __init__(self, *, hang_seconds: float = 30.0) -> None:
        self.hang_seconds = hang_seconds
        self.workdir = Path(tempfile.mkdtemp(prefix="inbox-faults-imap-"))
        self.dovecot: Any = None
        self.sink: Any = None

    def start(self, conversations: int) -> None:
        from connectors.mail import _maildir_io as io
        from tests.servers.dovecot import DOMAIN, DovecotOptions, start_dovecot
        from tests.servers.smtp_sink import SinkOptions, start_sink

        self.domain = DOMAIN

        def prepare(server: Any) -> None:
            inbox = server.maildir("agent")
            io.make_maildir(inbox)
            for n in range(conversations):
                io.deliver(inbox, customer_mail(n, f"{CUSTOMER}@{DOMAIN}", f"agent@{DOMAIN}"))

        self.dovecot = start_dovecot(
            self.workdir, DovecotOptions(), users=("agent", CUSTOMER), password=self.password, prepare=prepare
        )
        self.sink = start_sink(SinkOptions(catch_all=CUSTOMER, hang_seconds=self.hang_seconds), dovecot=self.dovecot)

    def account_table(self, *, timeout: float = 10, port: int | None = None) -> str:
        return (
            'connector = "imap"\n'
            'host = "127.0.0.1"\n'
            f"port = {port or self.dovecot.port}\n"
            'tls = "none"\n'
            'user = "agent"\n'
            f"password = {secret(self.password)}\n"
            f'from = "Support Team <agent@{self.domain}>"\n'
            'smtp_host = "127.0.0.1"\n'
            f"smtp_port = {self.sink.port}\n"
            'smtp_tls = "none"\n'
            f"timeout = {timeout}\n"
        )

    def copies(self, payload: dict[str, Any]) -> int:
        return len(self.dovecot.search_header(CUSTOMER, "INBOX", "Message-ID", _message_id(payload)))

    def stop(self) -> None:
        if self.sink is not None:
            self.sink.stop()
        if self.dovecot is not None:
            self.dovecot.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


# --------------------------------------------------------------------------- Zendesk


class ZendeskTarget:
    """The Zendesk contract server in this process (a thread): its state is the truth."""

    name = "zendesk"
    account = "zd"

    def __init__(self) -> None:
        from tests.servers.zendesk import ZendeskState

        self.state = ZendeskState()
        self.server: Any = None

    def start(self, conversations: int) -> None:
        import time

        old = time.time() - 3 * 3600  # the export holds back the last minute
        for n in range(conversations):
            self.state.create_ticket(f"c{n}@customer.example", f"Order {1000 + n} is late", "Where is it?", at=old + n)
        self.server = self.state.serve(0)

    def account_table(self, *, timeout: float = 10) -> str:
        from tests.servers.zendesk import ACCESS_TOKEN, AGENT_EMAIL

        return (
            'connector = "zendesk"\n'
            f'url = "{self.server.url}"\n'
            f'email = "{AGENT_EMAIL}"\n'
            f"token = {secret(ACCESS_TOKEN)}\n"
            f"timeout = {timeout}\n"
        )

    def copies(self, payload: dict[str, Any]) -> int:
        ticket = self.state.tickets[int(payload["conversation_remote_id"])]
        body = str(payload.get("body_text", "")).strip()
        with self.state.lock:
            return sum(1 for c in ticket.comments if body and body in str(c.get("body", "")))

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


TARGETS = {"maildir": MaildirTarget, "imap": ImapTarget, "zendesk": ZendeskTarget}
