"""The IMAP + SMTP mail connector (imapclient, smtplib; synchronous, one connection).

Settings (the account's table in config.toml, ``connector = "imap"``):

``host``, ``port``, ``tls``
    IMAP server; ``tls`` is ``"ssl"`` (implicit TLS, default, port 993), ``"starttls"``
    (port 143; refused if the server does not offer it) or ``"none"`` (loopback only).
``user``
    IMAP login. ``auth``: ``"password"`` (default; secret key ``password``),
    ``"xoauth2"`` or ``"oauthbearer"`` (secret key ``token``: an OAuth2 access token,
    typically from a ``token_command``).
``folders``
    Folders to sync (default ``["INBOX"]``). A folder that is the Sent folder delivers
    agent messages (``Direction.OUT``).
``sent_folder``
    Where replies are filed; default the SPECIAL-USE ``\\Sent`` folder, else the first of
    "Sent", "Sent Items", "Sent Messages", "INBOX.Sent" that exists, else "Sent" (created).
``save_sent``
    Append sent replies to the Sent folder (default true; false for Gmail and others whose
    SMTP files a copy itself).
``smtp_host``, ``smtp_port``, ``smtp_tls``, ``smtp_user``
    Submission server (``smtp_tls`` as ``tls``; ports 465/587/25); ``smtp_user`` defaults
    to ``user``; the secret is ``smtp_password`` when set, else ``password`` (or ``token``).
``from``
    The agent's address, ``"Support <help@example.com>"``; ``aliases``: more addresses
    that mean "the agent" (optional list).
``ca_file``
    PEM file of CA certificates to trust instead of the system store (IMAP and SMTP).
``send_command``
    Optional: send through a sendmail-compatible command (``connectors.mail.sendmail``)
    instead of SMTP.
``timeout``
    Seconds to wait for the servers (default 30). ``quote`` (``"below"``/``"none"``) and
    ``html`` (bool) shape replies.

Capabilities: reply, read (``\\Seen``), and tags — as IMAP keywords (``imap_flags``) when
the first folder's PERMANENTFLAGS contains ``\\*``, decided when the connector is opened
(then it is a :class:`TaggingImapConnector`); otherwise tags stay local.

Remote ids: ``"<folder>/<uidvalidity>/<uid>"``. Mail conversations are threaded by the
store; a conversation id ``mail:<message-id>`` (the store's form) is resolved by Message-ID.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.mail import smtp
from connectors.mail.imap_conn import CommandRefused, MailSettings, ResolveSecret, Secrets
from connectors.mail.imap_flags import allows_keywords, tag_to_keyword, tags_from_flags
from connectors.mail.imap_parse import Parser
from connectors.mail.imap_pull import PullContext, pull_folders
from connectors.mail.imap_reply import Replies
from connectors.mail.imap_session import FolderStatus, ImapSession
from connectors.mail.imap_state import Cursor, split_remote_id
from inbox_tui.errors import NotFound, Unsupported
from inbox_tui.model import Address, PullBatch

log = logging.getLogger("connectors.mail.imap")


class ImapConnector:
    """Pull, reply and read flags. Connects lazily; :func:`open_connector` connects at once
    to decide the tags capability."""

    capabilities = Capabilities(reply=True, read=True, tags=False)

    def __init__(self, settings: MailSettings, secrets: Secrets, *, session: ImapSession | None = None, parse_workers: int = 1) -> None:
        self.settings = settings
        self.account = settings.account
        self.identity: Address = settings.identity
        self.secrets = secrets
        self.session = session or ImapSession(settings, secrets)
        self.parse_workers = parse_workers
        self.first_status: dict[str, FolderStatus] = {}
        self.replies = Replies(self.session, settings, self._transmit)

    # ------------------------------------------------------------------ Source
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        ctx = PullContext(
            session=self.session,
            cursor=Cursor(cursor),
            known=known,
            should_stop=should_stop,
            parser=Parser(self.parse_workers),
            identity=tuple(sorted(self.settings.addresses)),
            is_sent=self.replies.is_sent,
            first_status=self.first_status,
        )
        self.first_status = {}
        return pull_folders(ctx, self.settings.folders)

    # ------------------------------------------------------------------ Replier
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        return self.replies.send(reply)

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        return self.replies.find(reply)

    def _transmit(self, raw: bytes, recipients: list[str]) -> None:
        if self.settings.send_command:
            from connectors.mail import sendmail

            sendmail.send_with_command(self.settings.send_command, raw, recipients, sender=self.identity.email, timeout=self.settings.timeout)
            return
        assert self.settings.smtp is not None
        account = smtp.SmtpAccount(self.settings.smtp, self.settings.smtp_user, self.settings.smtp_auth, self.settings.timeout)
        smtp.send(account, lambda: self.secrets.get(self.settings.smtp_auth, smtp=True), self.identity.email, recipients, raw)

    # ------------------------------------------------------------------ ReadMarker
    def mark_read(self, message_remote_ids: Sequence[str], read: bool = True) -> None:
        by_folder: dict[tuple[str, int], list[int]] = {}
        for rid in message_remote_ids:
            where = split_remote_id(rid)
            if where is not None:
                by_folder.setdefault(where[:2], []).append(where[2])
        for (folder, validity), uids in by_folder.items():
            try:
                status = self.session.select(folder, readonly=False)
            except CommandRefused:
                continue  # the folder is gone: nothing to mark
            if status.uidvalidity != validity:
                continue  # renumbered: the next pull re-matches; the old UIDs mean nothing
            self.session.store(uids, "+" if read else "-", ["\\Seen"])

    # ------------------------------------------------------------------ life
    def probe(self) -> bool:
        """Connect, open the first folder, and say whether it takes keywords (``\\*``)."""
        self.session.open()
        folder = self.settings.folders[0]
        try:
            status = self.session.select(folder)
        except CommandRefused:
            return False
        self.first_status[folder] = status
        return allows_keywords(status.permanent_flags)

    def close(self) -> None:
        self.session.close()


class TaggingImapConnector(ImapConnector):
    """An account whose server stores keywords: tags travel as ``$t_…`` keywords."""

    capabilities = Capabilities(reply=True, read=True, tags=True)

    def set_tags(self, conversation_remote_id: str, add: Sequence[str], remove: Sequence[str]) -> tuple[str, ...]:
        targets = self._locate(conversation_remote_id)
        if not targets:
            raise NotFound(f"no message for {conversation_remote_id} in {', '.join(self.settings.folders)}")
        plus = [tag_to_keyword(t) for t in add if t.strip()]
        minus = [tag_to_keyword(t) for t in remove if t.strip()]
        result: set[str] = set()
        for folder, uids in targets.items():
            status = self.session.select(folder, readonly=False)
            if not allows_keywords(status.permanent_flags):
                raise Unsupported(f"{folder} does not accept keywords, so tags stay local")
            self.session.store(uids, "+", plus)
            self.session.store(uids, "-", minus)
            flags, _ = self.session.flags_of(",".join(map(str, uids)))
            for uid_flags in flags.values():
                result |= tags_from_flags(uid_flags)
        return tuple(sorted(result))

    def _locate(self, conversation_remote_id: str) -> dict[str, list[int]]:
        """``{folder: [uid]}`` of the message a conversation id names."""
        key = conversation_remote_id.removeprefix("mail:")
        where = split_remote_id(key)
        if where is not None:
            folder, validity, uid = where
            try:
                status = self.session.select(folder, readonly=False, fresh=True)
            except CommandRefused:
                return {}
            if status.uidvalidity == validity and self.session.uid_search(f"UID {uid}", "looking for the message"):
                return {folder: [uid]}
            return {}
        found: dict[str, list[int]] = {}
        for folder in self.settings.folders:
            for copy, _flags in self.replies.copies(folder, key, readonly=False):
                found.setdefault(folder, []).append(copy.uid)
        return found


def open_connector(account: str, settings: Mapping[str, Any], resolve_secret: ResolveSecret) -> ImapConnector:
    """Check the settings, connect and log in, and pick the class by what the server allows.

    Raises ``ConfigError`` (bad settings), ``AuthError``, ``TransportError``.
    """
    mail_settings = MailSettings.from_mapping(account, settings)
    secrets = Secrets(resolve_secret)
    probe = ImapConnector(mail_settings, secrets)
    try:
        takes_keywords = probe.probe()
    except BaseException:
        probe.close()
        raise
    if not takes_keywords:
        return probe
    tagging = TaggingImapConnector(mail_settings, secrets, session=probe.session)
    tagging.first_status = probe.first_status
    return tagging


__all__ = ["ImapConnector", "TaggingImapConnector", "open_connector"]
