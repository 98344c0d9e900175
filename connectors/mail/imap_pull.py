"""Incremental IMAP pull, one folder at a time (the cursor is described in ``imap_state``).

Per folder:

1. ``STATUS (UIDNEXT UIDVALIDITY MESSAGES HIGHESTMODSEQ)`` — when nothing moved, that is
   the whole cost (no-change resync: one STATUS per folder).
2. UIDVALIDITY changed → the folder is listed again from UID 1 and every message comes
   again under its new remote id (``folder/uidvalidity/uid``); the store re-matches by
   Message-ID, keeping notes and tags. Old ids that did not come back are reported as
   ``removed`` once the re-list completes.
3. EXAMINE, then flag changes of known messages: ``UID FETCH 1:n (FLAGS) (CHANGEDSINCE m
   VANISHED)`` with QRESYNC (flags and expunges in one round trip), ``CHANGEDSINCE``
   alone with CONDSTORE, all FLAGS without. Only real changes (against ``known``) are sent.
4. Expunges without QRESYNC: ``UID SEARCH ALL`` diffed against the cursor's UIDs, only
   when the message count says something went.
5. New mail: ``UID FETCH n:* (UID RFC822.SIZE)`` (the ``n:*`` quirk filtered), then
   bodies in chunks (≤ ``CHUNK_MESSAGES`` messages, ≤ ``CHUNK_BYTES``), one PullBatch per
   chunk with the cursor advanced past it, parsed on the second core for big pulls (a
   small first chunk inline, so the queue fills while the worker starts; then chunk k is
   parsed while k+1 downloads and k-1 is stored).

A chunk that fails (connection dropped mid-FETCH, a literal whose size lies, garbage) is
retried on a fresh connection in halves until the bad message is isolated; that one is
reported in ``PullBatch.problems`` and skipped. When the server cannot be reached again
the pull raises ``TransportError`` after the good batches were yielded, so nothing
stored is lost and the cursor never passes what was not delivered.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from connectors.base import KnownLookup, ShouldStop
from connectors.mail.imap_conn import CommandRefused
from connectors.mail.imap_flags import canonical_flags, tags_from_flags
from connectors.mail.imap_parse import ParseJob, Parser, RawItem, Done, parse_items
from connectors.mail.imap_session import Fetched, FolderStatus, ImapSession
from connectors.mail.imap_state import Cursor, FolderState, UidSet, remote_id
from inbox_tui.errors import ConnectorError, TransportError
from inbox_tui.model import FlagChange, Message, PullBatch

log = logging.getLogger("connectors.mail.imap")

CHUNK_MESSAGES = 300
FIRST_CHUNK = 50
"""A big first sync stores this many first, parsed inline, so the queue is not empty
while the parse worker starts."""
CHUNK_BYTES = 24 * 1024 * 1024
MAX_RECONNECTS = 60
KNOWN_LOOKUP = 500


@dataclass
class PullContext:
    session: ImapSession
    cursor: Cursor
    known: KnownLookup
    should_stop: ShouldStop
    parser: Parser
    identity: tuple[str, ...]
    is_sent: Callable[[str], bool]
    first_status: dict[str, FolderStatus] = field(default_factory=dict)
    """Status already read this session (the EXAMINE made at connect time)."""


def pull_folders(ctx: PullContext, folders: Sequence[str]) -> Iterator[PullBatch]:
    try:
        for folder in folders:
            if ctx.should_stop():
                return
            yield from FolderPull(ctx, folder).run()
    finally:
        ctx.parser.close()


class FolderPull:
    def __init__(self, ctx: PullContext, folder: str) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.folder = folder

    # ------------------------------------------------------------------ main
    def run(self) -> Iterator[PullBatch]:
        cursor = self.ctx.cursor
        status = self.ctx.first_status.pop(self.folder, None)
        if status is None:
            try:
                status = self.session.status(self.folder)
            except CommandRefused as exc:  # e.g. the folder does not exist
                yield PullBatch(problems=[f"folder {self.folder}: {exc}"])
                return
        state = cursor.folders.get(self.folder)
        if state is not None and state.uidvalidity != status.uidvalidity:
            log.info("%s: UIDVALIDITY %s → %s, listing again", self.folder, state.uidvalidity, status.uidvalidity)
            old = state.reset[1] if state.reset else UidSet()
            old.update(state.uids)
            state = FolderState(status.uidvalidity, reset=(state.reset[0] if state.reset else state.uidvalidity, old))
        elif state is None:
            state = FolderState(status.uidvalidity)
        if self._unchanged(state, status):
            return
        selected = self.session.select(self.folder)
        if selected.uidvalidity != state.uidvalidity:
            raise TransportError(f"{self.folder} changed its UIDVALIDITY during the sync; sync again")
        cursor.folders[self.folder] = state
        yield from self._changes(state, selected)
        complete = yield from self._new_mail(state, selected)
        if complete:  # a stopped pass must not move uidnext past what it did not fetch
            yield from self._finish(state, selected)

    def _unchanged(self, state: FolderState, status: FolderStatus) -> bool:
        return (
            state.reset is None
            and self.session.condstore
            and status.highestmodseq > 0
            and state.modseq == status.highestmodseq
            and state.uidnext == status.uidnext
            and len(state.uids) == status.messages
        )

    # ------------------------------------------------------------------ known messages
    def _changes(self, state: FolderState, selected: FolderStatus) -> Iterator[PullBatch]:
        removed: set[int] = set()
        changes: list[FlagChange] = []
        if state.uids:
            top = max(state.uidnext - 1, state.uids.max())
            use_modseq = state.modseq if self.session.condstore and state.modseq else 0
            if not use_modseq or selected.highestmodseq != state.modseq:
                flags, vanished = self.session.flags_of(f"1:{top}", use_modseq)
                removed.update(uid for uid in vanished if uid in state.uids)
                current = {u: f for u, f in flags.items() if u in state.uids and u not in removed}
                changes = self._flag_changes(state, current, reported=bool(use_modseq))
        new_count = max(0, selected.uidnext - state.uidnext)  # an upper bound; exact below
        if state.uids and len(state.uids) - len(removed) + new_count != selected.messages:
            present = set(self.session.uid_search("ALL", "looking for expunged messages"))
            removed.update(uid for uid in state.uids if uid < state.uidnext and uid not in present)
        if self.session.condstore and selected.highestmodseq:
            state.modseq = selected.highestmodseq
        if removed:
            state.uids.discard(removed)
        if changes or removed or state.uids or state.reset:
            yield PullBatch(
                flag_changes=changes,
                removed=[remote_id(self.folder, state.uidvalidity, uid) for uid in sorted(removed)],
                cursor=self.ctx.cursor.snapshot(),
            )

    def _flag_changes(self, state: FolderState, flags: dict[int, tuple[bytes, ...]], *, reported: bool) -> list[FlagChange]:
        """Changes for stored messages. ``reported``: the server said these changed
        (CHANGEDSINCE), so keywords count too; otherwise only differing flags are sent."""
        ids = {remote_id(self.folder, state.uidvalidity, uid): uid for uid in flags}
        stored: dict[str, str] = {}
        keys = list(ids)
        for start in range(0, len(keys), KNOWN_LOOKUP):
            stored.update(self.ctx.known(keys[start : start + KNOWN_LOOKUP]))
        changes = []
        for rid, uid in ids.items():
            if rid not in stored:
                continue
            canonical = canonical_flags(flags[uid])
            if reported or ",".join(sorted(canonical)) != stored[rid]:
                changes.append(FlagChange(rid, canonical, tags_from_flags(flags[uid])))
        return changes

    # ------------------------------------------------------------------ new mail
    def _new_mail(self, state: FolderState, selected: FolderStatus) -> Generator[PullBatch, None, bool]:
        """Yields a batch per chunk; returns whether every new message was handled."""
        if selected.uidnext and selected.uidnext <= state.uidnext and selected.messages == len(state.uids):
            return True
        listing = [(uid, size) for uid, size in self.session.sizes_from(state.uidnext) if uid not in state.uids]
        known = self._known_uids(state, [uid for uid, _ in listing])
        if known:
            state.uids.update(known)
        todo = [(uid, size) for uid, size in listing if uid not in known]
        if not todo:
            return True
        parser = self.ctx.parser
        pooled = parser.use_pool(len(todo))
        job = ParseJob(self.folder, self.ctx.identity, self.ctx.is_sent(self.folder))
        pending: deque[_Pending] = deque()
        failure: ConnectorError | None = None
        stopped = False
        for chunk in _chunks(todo, first=FIRST_CHUNK if pooled else CHUNK_MESSAGES):
            if self.ctx.should_stop():
                stopped = True
                break
            try:
                fetched, problems = self._fetch_robust(chunk, state)
            except ConnectorError as exc:
                failure = exc
                break
            items = [self._raw_item(state, f) for f in fetched if f.body is not None]
            problems += [
                f"{self.folder} UID {f.uid}: the server sent no body for this message" for f in fetched if f.body is None
            ]
            pending.append(_Pending(chunk, job, items, parser.submit(job, items), problems))
            if pooled and not parser.pooled:
                # the small first chunk was parsed inline and is stored at once (the queue
                # shows mail while the worker process still starts); the rest goes to it
                parser.start()
            while pending and (isinstance(pending[0].future, Done) or len(pending) >= 2):
                yield self._batch(state, pending.popleft(), total=len(todo))
        while pending:
            yield self._batch(state, pending.popleft(), total=len(todo))
        if failure is not None:
            raise failure
        return not stopped

    def _known_uids(self, state: FolderState, uids: list[int]) -> set[int]:
        ids = {remote_id(self.folder, state.uidvalidity, uid): uid for uid in uids}
        keys = list(ids)
        found: set[int] = set()
        for start in range(0, len(keys), KNOWN_LOOKUP):
            found.update(ids[rid] for rid in self.ctx.known(keys[start : start + KNOWN_LOOKUP]))
        return found

    def _raw_item(self, state: FolderState, fetched: Fetched) -> RawItem:
        return RawItem(
            remote_id=remote_id(self.folder, state.uidvalidity, fetched.uid),
            raw=fetched.body or b"",
            flags=canonical_flags(fetched.flags),
            keywords=tags_from_flags(fetched.flags),
            internaldate=fetched.internaldate,
        )

    def _batch(self, state: FolderState, pending: _Pending, *, total: int) -> PullBatch:
        try:
            messages = pending.future.result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            log.warning("parse worker failed (%s); parsing inline", exc)
            self.ctx.parser.close()
            messages = parse_items(pending.job, pending.items)
        state.uids.update(pending.chunk)
        state.uidnext = max(state.uidnext, max(pending.chunk) + 1)
        return PullBatch(messages=messages, cursor=self.ctx.cursor.snapshot(), problems=pending.problems, total_hint=total)

    def _fetch_robust(self, chunk: list[int], state: FolderState) -> tuple[list[Fetched], list[str]]:
        """Bodies of ``chunk``; on failure retry on a fresh connection in halves, and give
        up on a single message that fails twice (reported, skipped)."""
        try:
            return self.session.bodies(chunk), []
        except TransportError as exc:
            first_error = exc
        self._reopen(state)
        if len(chunk) == 1:
            try:
                return self.session.bodies(chunk), []
            except TransportError as exc:
                self._reopen(state)
                return [], [f"{self.folder} UID {chunk[0]}: could not be downloaded ({exc}); skipped"]
        middle = len(chunk) // 2
        left, left_problems = self._fetch_robust(chunk[:middle], state)
        right, right_problems = self._fetch_robust(chunk[middle:], state)
        log.info("%s: chunk of %d retried after %s", self.folder, len(chunk), first_error)
        return left + right, left_problems + right_problems

    def _reopen(self, state: FolderState) -> None:
        if self.session.reconnects >= MAX_RECONNECTS:
            raise TransportError(f"{self.session.where} keeps failing; giving up for now after {MAX_RECONNECTS} reconnects")
        self.session.reconnect()
        selected = self.session.select(self.folder)
        if selected.uidvalidity != state.uidvalidity:
            raise TransportError(f"{self.folder} changed its UIDVALIDITY during the sync; sync again")

    # ------------------------------------------------------------------ end of the pass
    def _finish(self, state: FolderState, selected: FolderStatus) -> Iterator[PullBatch]:
        state.uidnext = max(state.uidnext, selected.uidnext)
        removed: list[str] = []
        if state.reset is not None:
            old_validity, old_uids = state.reset
            ids = [remote_id(self.folder, old_validity, uid) for uid in old_uids]
            for start in range(0, len(ids), KNOWN_LOOKUP):
                removed.extend(self.ctx.known(ids[start : start + KNOWN_LOOKUP]))
            state.reset = None
        yield PullBatch(removed=removed, cursor=self.ctx.cursor.snapshot())


@dataclass
class _Pending:
    """A fetched chunk whose parse may still be running."""

    chunk: list[int]
    job: ParseJob
    items: list[RawItem]
    future: Future[list[Message]] | Done
    problems: list[str]


def _chunks(todo: list[tuple[int, int]], first: int = CHUNK_MESSAGES) -> Iterator[list[int]]:
    """UIDs in chunks of at most ``CHUNK_MESSAGES`` / ``CHUNK_BYTES``; the first chunk at
    most ``first`` messages."""
    chunk: list[int] = []
    size = 0
    limit = first
    for uid, length in todo:
        if chunk and (len(chunk) >= limit or size + length > CHUNK_BYTES):
            yield chunk
            chunk, size, limit = [], 0, CHUNK_MESSAGES
        chunk.append(uid)
        size += length
    if chunk:
        yield chunk
