"""Replies for an IMAP account: build, file a copy in Sent, send, confirm, mark \\Answered.

Exactness after an interruption comes from the Sent folder, written *before* the send:

1. the reply bytes are appended to Sent with ``\\Seen $InboxSending`` (the marker keyword
   says "a send was attempted, outcome not known yet");
2. SMTP (or the send command) runs;
3. sent → the marker is removed (the copy becomes the normal Sent copy) and the parent gets
   ``\\Answered``; certainly not sent → the copy is deleted; ambiguous → the copy keeps the
   marker and ``AmbiguousSend`` is raised.

``find_sent`` then answers exactly: a copy without the marker → sent; a copy with the
marker → ``Unsupported`` (only the agent can tell: the engine marks it unconfirmed),
unless a delivered copy turns up in INBOX (a reply copied to ourselves went out); no copy →
``None``, the send never started (the copy is written before any byte goes to SMTP).

With ``save_sent = false`` (Gmail, which files what its SMTP sends) nothing is appended;
``find_sent`` finds the server's own copy in Sent or INBOX, else raises ``Unsupported``.
A Sent folder whose PERMANENTFLAGS lack ``\\*`` cannot carry the marker: the copy is
appended after a confirmed send, and a missing copy after an interruption is
``Unsupported`` too.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone

from connectors.base import OutgoingReply, ParentMessage, SendResult
from connectors.mail.imap_conn import SENT_NAMES, CommandRefused, MailSettings
from connectors.mail.imap_flags import allows_keywords
from connectors.mail.imap_session import ImapSession
from connectors.mail.imap_state import remote_id, split_remote_id
from connectors.mail.mime import build_reply
from inbox_tui.errors import AmbiguousSend, ConnectorError, Unsupported

log = logging.getLogger("connectors.mail.imap")

SENDING_MARKER = "$InboxSending"
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]", re.IGNORECASE)

Transmit = Callable[[bytes, list[str]], None]
"""Sends the bytes to the recipients (SMTP or a send command); raises like ``smtp.send``."""


class SentCopy:
    def __init__(self, folder: str, uidvalidity: int, uid: int) -> None:
        self.folder, self.uidvalidity, self.uid = folder, uidvalidity, uid

    @property
    def remote_id(self) -> str:
        return remote_id(self.folder, self.uidvalidity, self.uid)


class Replies:
    def __init__(self, session: ImapSession, settings: MailSettings, transmit: Transmit) -> None:
        self.session = session
        self.settings = settings
        self.transmit = transmit
        self._sent: str | None = None

    # ------------------------------------------------------------------ Sent folder
    def sent_folder(self, *, create: bool = False) -> str | None:
        """``sent_folder`` setting, else the SPECIAL-USE ``\\Sent`` folder, else a usual
        name; created (as "Sent") when asked and none exists."""
        if self._sent:
            return self._sent
        if self.settings.sent_folder:
            self._sent = self.settings.sent_folder
            return self._sent
        rows = self.session.list_folders()
        for flags, name in rows:
            if any(f.lower() == b"\\sent" for f in flags):
                self._sent = name
                return name
        by_name = {name.casefold(): name for _flags, name in rows}
        for candidate in SENT_NAMES:
            if candidate.casefold() in by_name:
                self._sent = by_name[candidate.casefold()]
                return self._sent
        if create:
            self.session.run("creating the Sent folder", lambda c: c.create_folder("Sent"))
            self._sent = "Sent"
        return self._sent

    def is_sent(self, folder: str) -> bool:
        try:
            return folder == self.sent_folder()
        except CommandRefused:
            return False

    # ------------------------------------------------------------------ send
    def send(self, reply: OutgoingReply) -> SendResult:
        raw = build_reply(reply, self.settings.identity, quote=self.settings.quote, html=self.settings.html)
        recipients = list(dict.fromkeys(a.email for a in (*reply.to, *reply.cc) if a.email))
        if not recipients:
            raise ConnectorError("the reply has no recipient")
        copy: SentCopy | None = None
        marker = False
        if self.settings.save_sent:
            folder = self.sent_folder(create=True) or "Sent"
            status = self.session.select(folder, readonly=False)
            marker = allows_keywords(status.permanent_flags)
            if marker:
                self._drop_stale_attempts(folder, reply.message_id)
                copy = self._append(folder, raw, ["\\Seen", SENDING_MARKER], reply.message_id)
        try:
            self.transmit(raw, recipients)
        except AmbiguousSend:
            raise  # the copy keeps its marker: find_sent will say "cannot tell"
        except ConnectorError:
            if copy is not None:
                self._best_effort("removing the unsent copy", lambda: self._delete(copy))
            raise
        if copy is not None:
            self._best_effort("confirming the Sent copy", lambda: self._confirm(copy))
        elif self.settings.save_sent:
            folder = self.sent_folder(create=True) or "Sent"
            appended = self._best_effort("filing the reply in Sent", lambda: self._append(folder, raw, ["\\Seen"], reply.message_id))
            copy = appended if isinstance(appended, SentCopy) else None
        if reply.parent is not None:
            parent = reply.parent
            self._best_effort("marking the original answered", lambda: self.mark_answered(parent))
        return SendResult(copy.remote_id if copy is not None else "")

    def _append(self, folder: str, raw: bytes, flags: list[str], message_id: str) -> SentCopy | None:
        when = datetime.now(timezone.utc)
        answer = self.session.run(f"filing the reply in {folder}", lambda c: c.append(folder, raw, flags, when))
        self.session.forget_selection()
        match = _APPENDUID.search(answer if isinstance(answer, bytes) else b"")
        if match:
            return SentCopy(folder, int(match.group(1)), int(match.group(2)))
        found = self.copies(folder, message_id)
        return found[-1][0] if found else None

    def _confirm(self, copy: SentCopy) -> None:
        if self._select_same(copy.folder, copy.uidvalidity):
            self.session.store([copy.uid], "-", [SENDING_MARKER])

    def _delete(self, copy: SentCopy) -> None:
        if self._select_same(copy.folder, copy.uidvalidity):
            self._expunge(copy.folder, [copy.uid])

    def _expunge(self, folder: str, uids: list[int]) -> None:
        """Delete exactly ``uids`` (UID EXPUNGE needs UIDPLUS; without it they stay
        flagged \\Deleted rather than expunging other clients' deleted mail)."""
        self.session.store(uids, "+", ["\\Deleted"])
        self.session.uid_expunge(uids)

    def _drop_stale_attempts(self, folder: str, message_id: str) -> None:
        """A resend the agent asked for: copies of earlier unconfirmed attempts go."""
        found = self.copies(folder, message_id, readonly=False)
        stale = [copy.uid for copy, flags in found if SENDING_MARKER.casefold() in flags]
        if stale:
            self._expunge(folder, stale)

    def _select_same(self, folder: str, uidvalidity: int) -> bool:
        return self.session.select(folder, readonly=False).uidvalidity == uidvalidity

    # ------------------------------------------------------------------ find_sent
    def find(self, reply: OutgoingReply) -> SendResult | None:
        folder = self.sent_folder()
        in_sent = self.copies(folder, reply.message_id) if folder else []
        confirmed = [copy for copy, flags in in_sent if SENDING_MARKER.casefold() not in flags]
        if confirmed:
            return SendResult(confirmed[-1].remote_id)
        delivered = self.copies("INBOX", reply.message_id) if folder != "INBOX" else []
        if delivered:
            for copy, _flags in in_sent:
                self._best_effort("confirming the Sent copy", lambda copy=copy: self._confirm(copy))
            return SendResult((in_sent[-1][0] if in_sent else delivered[-1][0]).remote_id)
        if in_sent:
            raise Unsupported(
                "the send was interrupted after the message left and the mail server cannot tell whether "
                "it was delivered; check with the customer or your Sent mail, then send again or mark sent"
            )
        if not self.settings.save_sent:
            raise Unsupported("this account does not file sent mail itself and the server's copy is not there (yet)")
        status = self.session.select(folder) if folder else None
        if status is not None and not allows_keywords(status.permanent_flags):
            raise Unsupported("the Sent folder cannot carry the sending marker, so an interrupted send cannot be told apart")
        return None

    def copies(self, folder: str, message_id: str, *, readonly: bool = False) -> list[tuple[SentCopy, set[str]]]:
        """Messages in ``folder`` whose Message-ID is ``message_id``, with their flags
        (casefolded); the folder stays selected (read-write unless ``readonly``)."""
        needle = message_id.strip().strip("<>")
        if not needle or any(ch in needle for ch in '"\\\r\n') or not needle.isascii():
            return []
        try:
            status = self.session.select(folder, readonly=readonly, fresh=True)
        except CommandRefused:
            return []
        uids = self.session.uid_search(f'HEADER Message-ID "<{needle}>"', f"looking for {needle} in {folder}")
        if not uids:
            return []
        flags, _vanished = self.session.flags_of(",".join(map(str, uids)))
        return [
            (SentCopy(folder, status.uidvalidity, uid), {f.decode("ascii", "replace").casefold() for f in flags.get(uid, ())})
            for uid in uids
        ]

    # ------------------------------------------------------------------ flags
    def mark_answered(self, parent: ParentMessage) -> None:
        where = split_remote_id(parent.remote_id)
        if where is None:
            return
        folder, validity, uid = where
        status = self.session.select(folder, readonly=False)
        if status.uidvalidity != validity:
            found = self.copies(folder, parent.message_id, readonly=False)
            if not found:
                return
            uid = found[0][0].uid
        self.session.store([uid], "+", ["\\Answered"])

    def _best_effort(self, doing: str, action: Callable[[], object]) -> object:
        """After the reply left, nothing may turn it into a failure (that would resend)."""
        try:
            return action()
        except Exception as exc:  # noqa: BLE001 - the send itself succeeded
            log.warning("%s: %s failed after the reply was sent: %s", self.settings.account, doing, exc)
            return None
