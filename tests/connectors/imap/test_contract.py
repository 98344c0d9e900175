"""The shared connector contract (``tests/connectors/contract.py``) against the private Dovecot.

Mail has no upstream ticket, so the target says ``threads_upstream = False``: a
conversation id is ``mail:<Message-ID>`` of the customer's first message, "replies" are
the messages in this mailbox's Sent folder (each test has its own Dovecot user, so they
are this test's), tags are the ``$t_`` keywords on the customer's message. Notes, status
and assignment do not exist on IMAP: the scenarios check they are declared ``False``.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator, Sequence

import pytest

from connectors.base import Connector, Tagger
from connectors.mail.imap import ImapConnector, TaggingImapConnector
from connectors.mail.imap_conn import MailSettings, Secrets
from connectors.mail.imap_flags import tag_to_keyword, tags_from_flags
from inbox_tui.model import Status
from tests.connectors.contract import ContractSuite, UpstreamView
from tests.connectors.imap.helpers import PASSWORD, Mailbox, mail
from tests.servers.smtp_sink import SmtpSink

WRONG_PASSWORD = "Tr0ub4dor&3-wrong"


class ImapTarget:
    threads_upstream = False
    resends_unchanged = False

    def __init__(self, mailbox: Mailbox, sink: SmtpSink) -> None:
        self.mailbox = mailbox
        self.sink = sink
        self.opened: list[ImapConnector] = []

    @property
    def server(self):  # type: ignore[no-untyped-def]
        return self.mailbox.server

    def connector(self) -> Connector:
        return self.mailbox.connector(smtp_host="127.0.0.1", smtp_port=self.sink.port, smtp_tls="none")

    def seed_conversation(self, customer_email: str, subject: str, body: str) -> str:
        raw = mail(subject, body, sender=f"Customer <{customer_email}>", to=self.mailbox.address)
        self.mailbox.deliver(raw)
        return "mail:" + _message_id(raw)

    def customer_writes(self, remote_id: str, body: str) -> None:
        parent = remote_id.removeprefix("mail:")
        headers = {"In-Reply-To": f"<{parent}>", "References": f"<{parent}>"}
        self.mailbox.deliver(mail("Re: follow-up", body, to=self.mailbox.address, headers=headers))

    def settle(self) -> None:
        """Dovecot shows a saved message at once."""

    def upstream_state(self, remote_id: str) -> UpstreamView:
        user = self.mailbox.user
        uids = self.server.search_header(user, "INBOX", "Message-ID", f"<{remote_id.removeprefix('mail:')}>")
        tags: frozenset[str] = frozenset()
        for uid in uids:
            tags |= tags_from_flags(self.server.flags(user, "INBOX", uid))
        return UpstreamView(
            status=Status.OPEN,
            raw_status="",
            tags=tags,
            replies=tuple(self._bodies("Sent")),
            customer_messages=tuple(self._bodies("INBOX")),
        )

    def _bodies(self, folder: str) -> list[str]:
        out = []
        for uid in self.server.uids(self.mailbox.user, folder):
            parsed = email.message_from_bytes(self.server.fetch_raw(self.mailbox.user, folder, uid), policy=email.policy.default)
            part = parsed.get_body(("plain",))  # type: ignore[attr-defined]
            out.append(part.get_content() if part is not None else "")
        return out

    def tag_upstream(self, remote_id: str, tag: str) -> None:
        user = self.mailbox.user
        for uid in self.server.search_header(user, "INBOX", "Message-ID", f"<{remote_id.removeprefix('mail:')}>"):
            self.server.add_flags(user, "INBOX", uid, tag_to_keyword(tag))

    def assignee(self) -> str:
        return ""  # IMAP has no assignment (declared False)

    def break_auth(self) -> Connector:
        """Lazy (no connect in the constructor), so the refusal surfaces from ``pull``."""
        settings = MailSettings.from_mapping("contract-wrong", self.mailbox.settings())
        return ImapConnector(settings, Secrets(self.mailbox.secrets(password=WRONG_PASSWORD)))

    def secrets(self) -> Sequence[str]:
        return (PASSWORD, WRONG_PASSWORD)

    def missing_remote_id(self) -> str:
        return "mail:no-such-message.4711@example.org"


def _message_id(raw: bytes) -> str:
    return email.message_from_bytes(raw)["Message-ID"].strip().strip("<>")


class TestImapContract(ContractSuite):
    @pytest.fixture
    def target(self, mailbox: Mailbox, sink: SmtpSink) -> Iterator[ImapTarget]:
        yield ImapTarget(mailbox, sink)


def test_a_server_without_keywords_gives_a_connector_without_tags(dovecot_no_keywords) -> None:  # type: ignore[no-untyped-def]
    """PERMANENTFLAGS without ``\\*``: tags stay local, so the connector is no Tagger."""
    box = Mailbox(dovecot_no_keywords, dovecot_no_keywords.add_user("agent1", PASSWORD))
    try:
        connector = box.connector()
        assert type(connector) is ImapConnector and not isinstance(connector, TaggingImapConnector)
        assert connector.capabilities.tags is False and not isinstance(connector, Tagger)
    finally:
        box.close()
