"""The local Maildir connector: read a Maildir tree as mbsync/offlineimap write it, send
replies through a sendmail-compatible command.

Settings (the account's table in config.toml, ``connector = "maildir"``):

``path``
    Root of the Maildir tree (Maildir++ ``.Sent`` folders or plain ``Sent/`` subfolders).
``folders``
    Folders to read (default ``["INBOX", "Sent"]``). Mail in the Sent folder is the agent's.
``sent_folder``
    Where sent replies are filed and looked for (default ``"Sent"``).
``from``
    The agent's address, ``"Support <help@example.com>"``; ``aliases`` more addresses
    that mean "the agent" (optional list).
``send_command``
    A sendmail-compatible command reading the message on stdin (``msmtp -t``); see
    :mod:`connectors.mail.sendmail`. Without it the account cannot reply.
``save_sent``
    File a copy of each sent reply in ``sent_folder`` (default true). Set it false when the
    send command files the copy itself.
``send_command_files_sent``
    The send command has written the copy into ``sent_folder`` by the time it exits (as the
    demo's ``python -m connectors.mail.deliver`` does). Then a reply absent from Sent was
    certainly not sent, and an interrupted send can be retried without asking.
``quote`` (``"below"``/``"none"``), ``html`` (bool), ``timeout`` (seconds, default 60).

Remote ids are ``"<folder>/<maildir key>"``; the key survives flag renames. Pulls are
incremental: a folder whose ``new/`` and ``cur/`` did not change since the last sync is not
listed again, and the cache's ``known`` lookup skips messages already stored, so a killed
sync resumes where it stopped.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import getaddresses
from pathlib import Path
from typing import Any, Callable

from connectors.base import Capabilities, KnownLookup, OutgoingReply, SendResult, ShouldStop
from connectors.mail import _maildir_io as io
from connectors.mail._reply import build_reply
from connectors.mail.mime import parse_message
from connectors.mail.sendmail import DEFAULT_TIMEOUT, send_with_command
from inbox_tui.errors import ConfigError, Unsupported
from inbox_tui.model import Address, FlagChange, Message, PullBatch, clean_line

log = logging.getLogger("connectors.mail.maildir")

BATCH = 250
"""Messages per stored batch: small enough that the queue fills while a first sync runs."""
PARALLEL_FROM = 1000
"""New messages from which parsing is spread over the cores."""
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""Larger files are stored from their first bytes only (headers and the start of the body)."""
_HEADER_PROBE = 64 * 1024


@dataclass(frozen=True)
class MaildirSettings:
    account: str
    root: Path
    folders: tuple[str, ...]
    sent_folder: str
    identity: Address
    aliases: tuple[str, ...]
    send_command: str | list[str] | None
    save_sent: bool
    command_files_sent: bool
    quote: str
    html: bool
    timeout: float

    @classmethod
    def from_mapping(cls, account: str, settings: Mapping[str, Any]) -> MaildirSettings:
        where = f"accounts.{account}"
        raw_path = settings.get("path")
        if not raw_path:
            raise ConfigError(f"{where}.path is not set (the root of the Maildir tree)")
        root = Path(str(raw_path)).expanduser()
        if not root.is_dir():
            raise ConfigError(f"{where}.path: {root} is not a directory")
        sender = _address(str(settings.get("from") or ""), f"{where}.from")
        folders = settings.get("folders") or ["INBOX", "Sent"]
        if isinstance(folders, str) or not all(isinstance(f, str) and f for f in folders):
            raise ConfigError(f"{where}.folders must be a list of folder names")
        command = settings.get("send_command")
        if command is not None and not isinstance(command, (str, list)):
            raise ConfigError(f"{where}.send_command must be a string or a list of words")
        return cls(
            account=account,
            root=root,
            folders=tuple(folders),
            sent_folder=str(settings.get("sent_folder") or "Sent"),
            identity=sender,
            aliases=tuple(a.lower() for a in settings.get("aliases") or ()),
            send_command=command or None,
            save_sent=bool(settings.get("save_sent", True)),
            command_files_sent=bool(settings.get("send_command_files_sent", False)),
            quote=str(settings.get("quote") or "below"),
            html=bool(settings.get("html", False)),
            timeout=float(settings.get("timeout") or DEFAULT_TIMEOUT),
        )


def _address(text: str, where: str) -> Address:
    pairs = [(n, e) for n, e in getaddresses([text]) if "@" in e]
    if not pairs:
        raise ConfigError(f'{where} must be an address like "Support <help@example.com>"')
    name, email = pairs[0]
    return Address(email.strip().lower(), clean_line(name))


class MaildirConnector:
    """Pull from the Maildir, reply through the send command, flags by renaming files."""

    def __init__(self, settings: MaildirSettings) -> None:
        self.settings = settings
        self.account = settings.account
        self.identity = settings.identity
        self.capabilities = Capabilities(reply=settings.send_command is not None, read=True)
        self._me = frozenset({settings.identity.email, *settings.aliases})

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own files."""

    # ------------------------------------------------------------------ pull
    def pull(self, cursor: dict[str, Any] | None, known: KnownLookup, should_stop: ShouldStop) -> Iterator[PullBatch]:
        previous: dict[str, Any] = dict((cursor or {}).get("folders") or {})
        state: dict[str, Any] = dict(previous)
        for name in self.settings.folders:
            folder = io.resolve_folder(self.settings.root, name)
            if folder is None:
                yield PullBatch(problems=[f"folder {name!r} not found under {self.settings.root}"])
                continue
            stamp = _stamp(folder)
            seen_before = previous.get(name) or {}
            if seen_before.get("stamp") == stamp:
                continue  # nothing was delivered, renamed or removed in this folder
            yield from self._pull_folder(name, folder, seen_before, known, should_stop)
            if should_stop():
                return
            live = sorted(k for k, e in io.list_folder(folder).items() if not e.trashed)
            state[name] = {"stamp": stamp if _stamp(folder) == stamp else "", "keys": live}
            yield PullBatch(cursor={"folders": dict(state)})

    def _pull_folder(
        self, name: str, folder: Path, before: Mapping[str, Any], known: KnownLookup, should_stop: ShouldStop
    ) -> Iterator[PullBatch]:
        entries = io.list_folder(folder)
        live = {k: e for k, e in entries.items() if not e.trashed}
        ids = {f"{name}/{key}": entry for key, entry in live.items()}
        stored: dict[str, str] = {}
        id_list = list(ids)
        for start in range(0, len(id_list), 2000):
            stored.update(known(id_list[start : start + 2000]))
        removed = [f"{name}/{key}" for key in before.get("keys", ()) if key not in live]
        changes = [
            FlagChange(remote_id, entry.flags)
            for remote_id, entry in ids.items()
            if remote_id in stored and _flags(stored[remote_id]) != entry.flags
        ]
        fresh = sorted((rid for rid in ids if rid not in stored), key=lambda rid: rid.rpartition("/")[2])
        total = len(fresh)
        if removed or changes:
            yield PullBatch(flag_changes=changes, removed=removed, total_hint=total)
        is_sent = name.casefold() == self.settings.sent_folder.casefold()
        jobs = [
            [(str(folder), ids[rid].key, ids[rid].subdir, ids[rid].name, ids[rid].letters, rid, name, is_sent, self._me) for rid in fresh[i : i + BATCH]]
            for i in range(0, total, BATCH)
        ]
        for results in _read_chunks(jobs, parallel=total >= PARALLEL_FROM):
            batch = PullBatch(total_hint=total)
            for message, problems in results:
                batch.problems.extend(problems)
                if message is not None:
                    batch.messages.append(message)
            if batch.messages or batch.problems:
                yield batch
            if should_stop():
                return

    # ------------------------------------------------------------------ reply
    def send_reply(self, reply: OutgoingReply) -> SendResult:
        command = self.settings.send_command
        if command is None:
            raise Unsupported(f"account {self.account} has no send_command; replies cannot leave")
        raw = build_reply(reply, self.identity, quote=self.settings.quote, html=self.settings.html)
        recipients = [a.email for a in (*reply.to, *reply.cc)]
        send_with_command(command, raw, recipients, sender=self.identity.email, timeout=self.settings.timeout)
        remote_id = ""
        if self.settings.save_sent:
            sent = io.ensure_folder(self.settings.root, self.settings.sent_folder)
            key, _path = io.deliver(sent, raw.replace(b"\r\n", b"\n"), seen=True)
            remote_id = f"{self.settings.sent_folder}/{key}"
        self._mark_answered(reply)
        return SendResult(remote_id)

    def find_sent(self, reply: OutgoingReply) -> SendResult | None:
        sent = io.resolve_folder(self.settings.root, self.settings.sent_folder)
        if sent is not None:
            needle = f"<{reply.message_id.strip('<>')}>".encode().lower()
            for key, entry in io.list_folder(sent).items():
                if needle in _head(sent / entry.subdir / entry.name).lower():
                    self._mark_answered(reply)
                    return SendResult(f"{self.settings.sent_folder}/{key}")
        if self.settings.command_files_sent:
            return None  # the command files every message it accepts: absent means not sent
        raise Unsupported(
            "the send command may have accepted this reply before the copy was filed in "
            f"{self.settings.sent_folder}; nothing upstream can tell"
        )

    def _mark_answered(self, reply: OutgoingReply) -> None:
        parent = reply.parent
        if parent is None or "/" not in parent.remote_id:
            return
        folder_name, _, key = parent.remote_id.rpartition("/")
        folder = io.resolve_folder(self.settings.root, folder_name)
        if folder is not None:
            io.add_flags(folder, key, add=frozenset({"answered"}))

    # ------------------------------------------------------------------ flags
    def mark_read(self, message_remote_ids: Sequence[str], read: bool = True) -> None:
        change = frozenset({"seen"})
        for remote_id in message_remote_ids:
            folder_name, _, key = remote_id.rpartition("/")
            folder = io.resolve_folder(self.settings.root, folder_name) if folder_name else None
            if folder is None:
                continue
            if read:
                io.add_flags(folder, key, add=change)
            else:
                io.add_flags(folder, key, remove=change)


Job = tuple[str, str, str, str, str, str, str, bool, frozenset[str]]
"""(folder, key, subdir, file name, flag letters, remote id, folder name, is Sent, agent addresses)."""


def _read_chunks(jobs: list[list[Job]], *, parallel: bool) -> Iterator[list[tuple[Message | None, list[str]]]]:
    """Parsed chunks in order. A first sync parses on every core (parsing is most of its
    time); a few new messages are parsed here, where a process pool would cost more."""
    workers = min(os.cpu_count() or 1, 4)
    if not parallel or workers < 2 or len(jobs) < 2:
        for chunk in jobs:
            yield _read_chunk(chunk)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = [pool.submit(_read_chunk, chunk) for chunk in jobs[: workers * 2]]
        following = workers * 2
        try:
            while pending:
                results = pending.pop(0).result()
                if following < len(jobs):
                    pending.append(pool.submit(_read_chunk, jobs[following]))
                    following += 1
                yield results
        finally:
            for future in pending:
                future.cancel()


def _read_chunk(chunk: list[Job]) -> list[tuple[Message | None, list[str]]]:
    out: list[tuple[Message | None, list[str]]] = []
    for folder, key, subdir, file_name, letters, remote_id, name, is_sent, me in chunk:
        problems: list[str] = []
        message = _read(Path(folder), io.Entry(key, subdir, file_name, letters), remote_id, name, is_sent, me, problems)
        out.append((message, problems))
    return out


def _read(
    folder: Path, entry: io.Entry, remote_id: str, name: str, is_sent: bool, me: frozenset[str], problems: list[str]
) -> Message | None:
    path = folder / entry.subdir / entry.name
    try:
        raw = _read_capped(path)
    except FileNotFoundError:
        current = io.locate(folder, entry.key)  # renamed by another client meanwhile
        if current is None:
            return None
        entry, path = current, folder / current.subdir / current.name
        try:
            raw = _read_capped(path)
        except OSError as exc:
            problems.append(f"{remote_id}: cannot read ({exc.strerror or exc})")
            return None
    except OSError as exc:
        problems.append(f"{remote_id}: cannot read ({exc.strerror or exc})")
        return None
    return parse_message(raw, remote_id=remote_id, folder=name, identity=me, sent_folder=is_sent, flags=entry.flags)


def _stamp(folder: Path) -> str:
    """Changes when a file is delivered, renamed or removed in ``new/`` or ``cur/``."""
    parts = []
    for subdir in ("new", "cur"):
        try:
            info = os.stat(folder / subdir)
        except FileNotFoundError:
            parts.append("-")
            continue
        parts.append(f"{info.st_mtime_ns}:{info.st_nlink}:{info.st_ino}")
    return "/".join(parts)


def _flags(stored: str) -> frozenset[str]:
    return frozenset(f for f in stored.split(",") if f in {"seen", "answered", "flagged"})


def _read_capped(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(MAX_MESSAGE_BYTES)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_HEADER_PROBE)
    except OSError:
        return b""
    end = data.find(b"\n\n")
    return data if end < 0 else data[:end]


def open_connector(account: str, settings: Mapping[str, Any], resolve_secret: Callable[[str], str]) -> MaildirConnector:
    """The composition root's entry point; a Maildir needs no secrets."""
    del resolve_secret
    return MaildirConnector(MaildirSettings.from_mapping(account, settings))
