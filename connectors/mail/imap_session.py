"""One IMAP connection with what the pull and the reply path need on top of imapclient.

imapclient 4 filters FETCH answers to an explicit list of ints and knows nothing of
QRESYNC, so the FETCH/SEARCH primitives here drive its imaplib object directly: UID
ranges as sequence sets ("1:500"), ``CHANGEDSINCE``/``VANISHED`` modifiers, unsolicited
responses without a UID ignored, the ``n:*`` quirk (it always returns the last message)
filtered. imaplib's debug logging is switched off: at imapclient's level 5 it formats
every multi-megabyte FETCH answer into a log string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_fetch_response

from connectors.mail.imap_conn import CommandRefused, MailSettings, Secrets, close, connect, imap_errors
from connectors.mail.imap_fetch import read_body_answers
from connectors.mail.imap_state import UidSet
from inbox_tui.errors import TransportError
from inbox_tui.model import clean_line

T = TypeVar("T")

_SIZE_LINE = re.compile(rb"^\d+ \(?.*?\bUID (\d+)\b.*?\bRFC822\.SIZE (\d+)", re.IGNORECASE)
_SIZE_LINE_REVERSED = re.compile(rb"^\d+ \(?.*?\bRFC822\.SIZE (\d+)\b.*?\bUID (\d+)", re.IGNORECASE)
_VANISHED = re.compile(rb"^\(EARLIER\)\s+([0-9:,]+)", re.IGNORECASE)


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int
    messages: int
    highestmodseq: int = 0
    permanent_flags: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class Fetched:
    uid: int
    flags: tuple[bytes, ...]
    body: bytes | None = None
    internaldate: datetime | None = None
    size: int = 0


class ImapSession:
    """A lazily opened, reconnectable connection. Every call maps failures onto the error
    tree (``with_errors``); ``reconnects`` counts reopenings (a pull bounds them)."""

    def __init__(self, settings: MailSettings, secrets: Secrets) -> None:
        self.settings = settings
        self.secrets = secrets
        self.client: IMAPClient | None = None
        self.condstore = False
        self.qresync = False
        self.uidplus = False
        self.selected: tuple[str, bool] | None = None
        self.selected_status: FolderStatus | None = None
        self.reconnects = 0
        self.commands = 0
        """Commands sent (benches and "nothing changed costs one STATUS" checks)."""

    @property
    def where(self) -> str:
        return f"IMAP server {self.settings.imap.where}"

    # ---------------------------------------------------------------- life
    def open(self) -> IMAPClient:
        if self.client is not None:
            return self.client
        client = connect(self.settings, self.secrets)
        client._imap.debug = 0  # see the module docstring
        try:
            with imap_errors(self.where, "reading capabilities"):
                caps = set(client.capabilities())
                self.uidplus = b"UIDPLUS" in caps
                if b"QRESYNC" in caps and b"ENABLE" in caps:
                    enabled = {c.upper() for c in client.enable("QRESYNC")}
                    self.qresync = b"QRESYNC" in enabled
                    self.condstore = self.qresync
                if not self.condstore and b"CONDSTORE" in caps and b"ENABLE" in caps:
                    self.condstore = b"CONDSTORE" in {c.upper() for c in client.enable("CONDSTORE")}
                self.commands += 2
        except BaseException:
            close(client)
            raise
        self.client = client
        self.selected = None
        self.selected_status = None
        return client

    def reconnect(self) -> None:
        self.drop()
        self.reconnects += 1
        self.open()

    def drop(self) -> None:
        client, self.client = self.client, None
        self.selected = None
        self.selected_status = None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001 - already broken
                pass

    def close(self) -> None:
        client, self.client = self.client, None
        close(client)

    def run(self, doing: str, action: Callable[[IMAPClient], T]) -> T:
        client = self.open()
        try:
            with imap_errors(self.where, doing):
                self.commands += 1
                try:
                    return action(client)
                except (ValueError, IndexError, TypeError, KeyError) as exc:
                    # imapclient's parser on an answer that breaks the protocol
                    raise TransportError(
                        f"{self.where} sent an unreadable answer while {doing} ({type(exc).__name__}: {clean_line(str(exc), 160)})"
                    ) from None
        except CommandRefused:
            raise
        except TransportError:
            self.drop()  # the connection state is unknown now
            raise

    # ---------------------------------------------------------------- folders
    def status(self, folder: str) -> FolderStatus:
        items = ["UIDNEXT", "UIDVALIDITY", "MESSAGES"] + (["HIGHESTMODSEQ"] if self.condstore else [])
        data = self.run(f"asking for the status of {folder}", lambda c: c.folder_status(folder, items))
        return FolderStatus(
            uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
            uidnext=int(data.get(b"UIDNEXT", 0)),
            messages=int(data.get(b"MESSAGES", 0)),
            highestmodseq=int(data.get(b"HIGHESTMODSEQ", 0) or 0),
        )

    def select(self, folder: str, *, readonly: bool = False, fresh: bool = False) -> FolderStatus:
        """SELECT (or EXAMINE with ``readonly``) ``folder``; cached while it stays selected.

        The pull SELECTs too: EXAMINE reports empty PERMANENTFLAGS (no keywords could be
        told), and the flag writes that follow a pull need the folder read-write anyway.
        Bodies are read with ``BODY.PEEK``, so selecting never marks anything seen.

        ``fresh``: a SEARCH follows that must see mail delivered since the folder was
        selected; a server shows a session new messages only when it syncs the session's
        view (Dovecot: not within SEARCH), so a cached selection gets a NOOP first."""
        if self.selected == (folder, readonly) and self.selected_status is not None:
            if fresh:
                self.run(f"refreshing {folder}", lambda c: c.noop())
            return self.selected_status
        data = self.run(f"opening {folder}", lambda c: c.select_folder(folder, readonly=readonly))
        status = FolderStatus(
            uidvalidity=int(data.get(b"UIDVALIDITY", 0)),
            uidnext=int(data.get(b"UIDNEXT", 0)),
            messages=int(data.get(b"EXISTS", 0)),
            highestmodseq=int(data.get(b"HIGHESTMODSEQ", 0) or 0),
            permanent_flags=tuple(data.get(b"PERMANENTFLAGS", ())),
        )
        self.selected = (folder, readonly)
        self.selected_status = status
        return status

    def forget_selection(self) -> None:
        """The cached SELECT answer is stale (new mail, our own STORE)."""
        self.selected_status = None
        self.selected = None

    def list_folders(self) -> list[tuple[tuple[bytes, ...], str]]:
        rows = self.run("listing folders", lambda c: c.list_folders())
        return [(tuple(flags), name) for flags, _sep, name in rows]

    # ---------------------------------------------------------------- raw commands
    def _command(self, doing: str, name: str, *args: str) -> tuple[str, list[Any]]:
        def run(client: IMAPClient) -> tuple[str, list[Any]]:
            imap = client._imap
            imap.untagged_responses.pop(name, None)
            tag = imap._command("UID", name, *args)
            typ, data = imap._command_complete(name, tag)
            if typ != "OK":
                detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
                raise CommandRefused(f"{self.where} refused {name} while {doing}: {clean_line(detail, 200)}")
            return imap._untagged_response(typ, data, name)

        return self.run(doing, run)

    def uid_search(self, criteria: str, doing: str = "searching") -> list[int]:
        _typ, data = self._command(doing, "SEARCH", criteria)
        out: list[int] = []
        for line in data:
            if isinstance(line, bytes):
                out.extend(int(tok) for tok in line.split() if tok.isdigit())
        return sorted(set(out))

    def sizes_from(self, first_uid: int) -> list[tuple[int, int]]:
        """``[(uid, size)]`` for every message with UID ≥ ``first_uid`` (quirk filtered)."""
        _typ, data = self._command("listing new messages", "FETCH", f"{first_uid}:*", "(UID RFC822.SIZE)")
        out: dict[int, int] = {}
        for line in data:
            if not isinstance(line, bytes):
                continue
            match = _SIZE_LINE.match(line)
            if match:
                uid, size = int(match.group(1)), int(match.group(2))
            else:
                match = _SIZE_LINE_REVERSED.match(line)
                if not match:
                    continue
                size, uid = int(match.group(1)), int(match.group(2))
            if uid >= first_uid:
                out[uid] = size
        return sorted(out.items())

    def fetch(self, uids: str, items: str, modifiers: str = "", *, doing: str = "fetching messages") -> dict[int, dict[bytes, Any]]:
        """``UID FETCH uids items [modifiers]`` → ``{uid: {ITEM: value}}``; answers that
        carry no UID (unsolicited) are dropped."""
        args = [uids, items] + ([f"({modifiers})"] if modifiers else [])
        _typ, data = self._command(doing, "FETCH", *args)
        return self._parse_fetch(data, doing)

    def _parse_fetch(self, data: list[Any], doing: str) -> dict[int, dict[bytes, Any]]:
        if data == [None]:
            return {}
        try:
            parsed = parse_fetch_response(data, True, False)
        except (ValueError, IndexError, TypeError, KeyError, ProtocolError) as exc:
            self.drop()
            raise TransportError(
                f"{self.where} sent an unreadable answer while {doing} ({type(exc).__name__}: {clean_line(str(exc), 160)})"
            ) from None
        out: dict[int, dict[bytes, Any]] = {}
        for values in parsed.values():
            uid = values.get(b"UID")
            if isinstance(uid, int):
                out.setdefault(uid, {}).update(values)
        return out

    def take_vanished(self) -> UidSet:
        """UIDs from ``VANISHED (EARLIER)`` answers collected since the last call."""
        client = self.client
        gone = UidSet()
        if client is None:
            return gone
        for line in client._imap.untagged_responses.pop("VANISHED", []):
            if isinstance(line, bytes):
                match = _VANISHED.match(line.strip())
                if match:
                    gone.update(UidSet.parse(match.group(1).decode("ascii")))
        return gone

    def flags_of(self, uids: str, modseq: int = 0) -> tuple[dict[int, tuple[bytes, ...]], UidSet]:
        """Flags of ``uids`` (changed since ``modseq`` when given) and, with QRESYNC, the
        UIDs expunged since then."""
        modifiers = ""
        if modseq and self.condstore:
            modifiers = f"CHANGEDSINCE {modseq}" + (" VANISHED" if self.qresync else "")
        client = self.open()
        client._imap.untagged_responses.pop("VANISHED", None)
        rows = self.fetch(uids, "(UID FLAGS)", modifiers, doing="reading flags")
        vanished = self.take_vanished() if modifiers.endswith("VANISHED") else UidSet()
        return {uid: tuple(v.get(b"FLAGS", ())) for uid, v in rows.items()}, vanished

    def bodies(self, uids: Sequence[int]) -> list[Fetched]:
        doing = "downloading messages"
        _typ, data = self._command(doing, "FETCH", sequence_set(uids), "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        wanted = set(uids)
        fast = read_body_answers(data)
        if fast is not None:
            seen: dict[int, Fetched] = {}
            for row in fast:
                if row.uid in wanted:
                    seen[row.uid] = Fetched(row.uid, row.flags, row.body, row.internaldate, row.size)
            return [seen[uid] for uid in sorted(seen)]
        rows = self._parse_fetch(data, doing)
        out = []
        for uid in sorted(rows):
            if uid not in wanted:
                continue
            values = rows[uid]
            body = values.get(b"BODY[]")
            out.append(
                Fetched(
                    uid=uid,
                    flags=tuple(values.get(b"FLAGS", ())),
                    body=body if isinstance(body, bytes) else None,
                    internaldate=values.get(b"INTERNALDATE") if isinstance(values.get(b"INTERNALDATE"), datetime) else None,
                    size=int(values.get(b"RFC822.SIZE", 0) or 0),
                )
            )
        return out

    def store(self, uids: Sequence[int], op: str, flags: Iterable[str]) -> None:
        """``UID STORE uids +FLAGS.SILENT (...)`` (``op`` is ``+`` or ``-``)."""
        names = " ".join(flags)
        if not names or not uids:
            return
        self._command("changing flags", "STORE", sequence_set(uids), f"{op}FLAGS.SILENT", f"({names})")
        self.selected_status = None


    def uid_expunge(self, uids: Sequence[int]) -> None:
        if self.uidplus and uids:
            self._command("removing messages", "EXPUNGE", sequence_set(uids))
            self.selected_status = None


def sequence_set(uids: Iterable[int]) -> str:
    return str(UidSet(uids))
