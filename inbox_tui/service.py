"""Use cases the TUI and the CLI share: read the queue, open a conversation, reply, note,
change status and tags, undo, drafts. No Textual here, no concrete connector.

Every upstream-visible action writes its local change and its outbox operation in one
transaction (``Store.record_action``): when a method returns, the action is on disk.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.utils import parseaddr

from inbox_tui import paths
from inbox_tui.config import AppConfig
from inbox_tui.errors import ConfigError, InboxError, NotFound
from inbox_tui.journal import Journal
from inbox_tui.model import (
    Address,
    Conversation,
    Direction,
    Note,
    OpKind,
    Operation,
    OpState,
    Status,
    StoredMessage,
    clean_line,
    clean_text,
    utcnow,
)
from inbox_tui.replies import CannedReply, load_dir, render
from inbox_tui.store import LocalChange, NewOp, Store
from inbox_tui.store.drafts import DraftVersion
from inbox_tui.service_types import (
    MAIL_CONNECTORS,
    UPSTREAM_KEEPS_CC,
    ConversationDetail,
    QueueRow,
    Recipients,
    StatusInfo,
    queue_row,
)
from inbox_tui.triage.actions import TriageActions
from inbox_tui.triage.engine import Triage
from inbox_tui.triage.views import ViewSpec

__all__ = [
    "CannedReply",
    "ConversationDetail",
    "DraftVersion",
    "InboxService",
    "QueueRow",
    "Recipients",
    "StatusInfo",
    "ViewSpec",
]


class InboxService(TriageActions):
    def __init__(self, store: Store, config: AppConfig, upstream: dict[str, frozenset[str]]) -> None:
        """``upstream``: per account, which operation kinds its connector can push
        (``reply``, ``note``, ``status``, ``tags``, ``assign``, ``read``)."""
        self.store = store
        self.config = config
        self.upstream = upstream
        self.agent_name = config.agent_name or "Support"
        self._canned: tuple[tuple[object, ...], list[CannedReply]] | None = None
        self._group = threading.local()
        self.journal = Journal(store)
        """Retry, send anyway, edit, discard or settle operations that have not gone through."""
        me = [config.agent_name, config.agent_email, *(self._identity(a).email for a in config.accounts)]
        self.triage = Triage(store, config.triage, me)
        """Views, counts, search language, scores; snooze and "why" come from ``TriageActions``."""

    # ------------------------------------------------------------------ reading
    def views(self) -> list[ViewSpec]:
        """The tabs: defaults plus ``[[views]]`` from the config, in order, with stable keys."""
        return self.triage.views()

    def view_counts(self, search: str | None = None) -> dict[str, int]:
        return self.triage.view_counts(search)

    def queue_ids(self, view: str, search: str | None = None) -> list[int]:
        """``search`` is a query in the search language (free text stays valid); a bad one
        raises ``QueryError`` (``.column``, ``.caret()``). An unknown view: ``KeyError``."""
        return self.triage.queue_ids(view, search)

    def rows(self, ids: Sequence[int]) -> list[QueueRow]:
        now = utcnow()
        return [queue_row(d, self.triage.row_extras(d, now)) for d in self.store.queue_rows(ids)]

    def conversation(self, conversation_id: int) -> ConversationDetail:
        conv = self._conversation(conversation_id)
        history = self.rows(self.store.customer_history(conv.customer_id, conversation_id))
        ops = self.store.operations(conversation_id=conversation_id)
        sla_text, sla_state = self.triage.sla_now(conversation_id)
        messages = self.store.messages(conversation_id)
        return ConversationDetail(
            conversation=conv,
            messages=messages,
            notes=self.store.notes(conversation_id),
            history=history,
            operations=ops,
            upstream=self.upstream.get(conv.account, frozenset()),
            draft=self.store.draft(conversation_id),
            sla_text=sla_text,
            sla_state=sla_state,
            language=self.store.conversation_language(conversation_id),
            recipients=self._recipients(conv, messages),
        )

    def _conversation(self, conversation_id: int) -> Conversation:
        conv = self.store.conversation(conversation_id)
        if conv is None:
            raise NotFound(f"no conversation {conversation_id}")
        return conv

    def search(self, query: str, view: str | None = None, limit: int = 200) -> list[QueueRow]:
        """Rows matching ``query`` inside a view, or among all conversations (``view=None``)."""
        ids = self.triage.query_ids(query, limit=limit) if view is None else self.queue_ids(view, query)[:limit]
        return self.rows(ids)

    def outbox(self, include_done: bool = False) -> list[Operation]:
        if include_done:
            states = [s.value for s in OpState]
            return self.store.operations(states=states)
        return self.store.operations()

    def status_info(self) -> StatusInfo:
        states = self.store.sync_states()
        offline = [s for s in states if s["offline_since"]]
        problem = None
        if offline:
            first = offline[0]
            problem = f"{first['account']} offline since {first['offline_since'][11:16]} UTC: {first['last_error']}"
        return StatusInfo(
            accounts=list(self.config.accounts),
            last_sync=self.store.last_sync(),
            pending_ops=self.store.count_operations(),
            problem=problem,
        )

    # ------------------------------------------------------------------ canned replies
    def canned_replies(self) -> list[CannedReply]:
        folder = paths.replies_dir()
        stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(folder.glob("*.md"))) if folder.is_dir() else ()
        if self._canned is None or self._canned[0] != (folder, stamp):  # rules send many; files rarely change
            self._canned = ((folder, stamp), load_dir(folder))
        return list(self._canned[1])

    def canned(self, slug_or_name: str) -> CannedReply:
        for reply in self.canned_replies():
            if slug_or_name in (reply.slug, reply.name, reply.shortcut):
                return reply
        raise ConfigError(f"no canned reply named {slug_or_name!r} in {paths.replies_dir()}")

    def placeholder_values(self, conv: Conversation) -> dict[str, str]:
        from inbox_tui.outgoing import conversation_placeholders  # see _status_tag_ops

        agent_email = self.config.agent_email or self._identity(conv.account).email
        return {
            **conversation_placeholders(conv, self.config.agent_name, agent_email),
            **self.triage.placeholders(conv.id),
        }

    def render(self, conversation_id: int, template: str) -> str:
        return render(template, self.placeholder_values(self._conversation(conversation_id)))

    # ------------------------------------------------------------------ acting
    def reply_recipients(self, conversation_id: int) -> Recipients:
        """Who a reply goes to: the customer who wrote last, and everyone else their message
        went to as copies (reply-all, as helpdesks keep CCs), never our own addresses."""
        return self._recipients(self._conversation(conversation_id), self.store.messages(conversation_id))

    def _recipients(self, conv: Conversation, messages: Sequence[StoredMessage]) -> Recipients:
        from inbox_tui.outgoing import reply_all_cc, reply_parent, reply_to  # see _status_tag_ops

        parent = reply_parent(messages)
        to = reply_to(conv, parent)
        account = self.config.accounts.get(conv.account)
        kind = account.connector if account is not None else ""
        if kind in UPSTREAM_KEEPS_CC:
            return Recipients(to, (), editable_cc=False)
        # a helpdesk message's To is the mailbox itself: only its Cc are other people
        return Recipients(to, reply_all_cc(parent, to, self._own_addresses(), include_to=kind in MAIL_CONNECTORS))

    def reply(
        self,
        conversation_id: int,
        body: str,
        *,
        canned: str | None = None,
        seen_version: int | None = None,
        cc: Sequence[Address] | None = None,
    ) -> Operation:
        """Queue a reply (and a canned reply's tags/status) as one undoable action.

        ``seen_version``: the conversation version the agent was looking at; news that
        arrived after it turns the reply into a conflict at push time instead of a send.
        ``cc``: the copies as the agent left them; ``None`` keeps ``reply_recipients``'.
        """
        from inbox_tui.outgoing import prepare_reply, reply_body  # see _status_tag_ops

        body = reply_body(body)
        conv = self._conversation(conversation_id)
        can = self.upstream.get(conv.account, frozenset())
        if "reply" not in can:
            raise InboxError(f"account {conv.account} cannot send replies", title="Reply not sent")
        messages = self.store.messages(conversation_id)
        template = self.canned(canned) if canned else None
        recipients = self._recipients(conv, messages)
        copies = () if not recipients.editable_cc else tuple(cc) if cc is not None else recipients.cc
        identity = self._identity(conv.account)
        prepared = prepare_reply(conv, messages, body, identity=identity, can=can, template=template, cc=copies)
        # the draft's text now lives in the operation until upstream confirms it
        self.store.record_action(
            conversation_id, prepared.change, prepared.ops, base_version=seen_version, drop_draft=True,
            group_id=getattr(self._group, "id", None),
        )  # fmt: skip
        self.triage.rescore([conversation_id])
        return self.store.operation(prepared.op_id)

    def add_note(self, conversation_id: int, text: str) -> Note:
        body = clean_text(text).strip()
        if not body:
            raise InboxError("the note is empty", title="Note not saved")
        conv = self._conversation(conversation_id)
        op_id = str(uuid.uuid4())
        ops = []
        if "note" in self.upstream.get(conv.account, frozenset()):
            ops.append(NewOp(OpKind.NOTE, {"body": body, "conversation_remote_id": conv.remote_id}, id=op_id))
        change = LocalChange(note=(body, self.agent_name), message_op=op_id if ops else "")
        self.store.record_action(conversation_id, change, ops, group_id=getattr(self._group, "id", None))
        return self.store.notes(conversation_id)[-1]

    def set_status(self, conversation_id: int, status: Status) -> Operation | None:
        conv = self._conversation(conversation_id)
        if conv.status == status:
            return None
        ops = self._status_tag_ops(conv, status, (), ())
        self.store.record_action(conversation_id, LocalChange(status=status), ops, group_id=getattr(self._group, "id", None))
        self.triage.rescore([conversation_id])
        return self.store.operation(ops[0].id) if ops else None

    def set_tags(self, conversation_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()) -> Operation | None:
        add = [clean_line(t, 60).replace(" ", "-") for t in add if t.strip()]
        remove = [clean_line(t, 60).replace(" ", "-") for t in remove if t.strip()]
        conv = self._conversation(conversation_id)
        add = [t for t in add if t not in conv.tags]
        remove = [t for t in remove if t in conv.tags]
        if not add and not remove:
            return None
        ops = self._status_tag_ops(conv, None, add, remove)
        change, group = LocalChange(tags_add=add, tags_remove=remove), getattr(self._group, "id", None)
        self.store.record_action(conversation_id, change, ops, group_id=group)
        self.triage.rescore([conversation_id])
        return self.store.operation(ops[0].id) if ops else None

    def _status_tag_ops(
        self, conv: Conversation, status: Status | None, add: Sequence[str], remove: Sequence[str]
    ) -> list[NewOp]:
        # outgoing (and the connectors' types it builds) loads on the first action, not
        # with the service: opening the inbox does without it (~5 ms of imports)
        from inbox_tui.outgoing import status_tag_ops

        return status_tag_ops(conv, status, add, remove, self.upstream.get(conv.account, frozenset()))

    def mark_read(self, conversation_id: int, read: bool = True) -> None:
        conv = self._conversation(conversation_id)
        if conv.unread != read:
            return
        ids = [
            m.remote_id
            for m in self.store.messages(conversation_id)
            if m.direction is Direction.IN and m.remote_id
        ]
        ops = []
        if "read" in self.upstream.get(conv.account, frozenset()) and ids:
            ops.append(NewOp(OpKind.READ, {"remote_ids": ids, "read": read}))
        self.store.record_action(conversation_id, LocalChange(read=read), ops)
        self.triage.rescore([conversation_id])

    @contextmanager
    def grouped(self) -> Iterator[str]:
        """Actions of this thread inside share one undo group (a macro run on one conversation)."""
        self._group.id = str(uuid.uuid4())
        try:
            yield self._group.id
        finally:
            self._group.id = None

    def undo_last(self) -> str | None:
        group = self.store.last_undoable_group()
        if group is None:
            return None
        rows = self.store.undo_group(group)
        if not rows:
            return None
        self.triage.rescore([rows[0]["conversation_id"]])
        kinds = sorted({r["kind"] for r in rows if r["kind"] != "local"})
        conv = self.store.conversation(rows[0]["conversation_id"])
        what = " + ".join(kinds) if kinds else "change"
        where = f" on #{conv.id} {conv.subject}" if conv else ""
        return clean_line(f"Undone: {what}{where}", 200)

    def save_draft(self, conversation_id: int, body: str) -> None:
        if body.strip():
            self.store.save_draft(conversation_id, body)
        else:
            self.store.delete_draft(conversation_id)

    def discard_draft(self, conversation_id: int) -> None:
        self.store.delete_draft(conversation_id)

    def draft_history(self, conversation_id: int) -> list[DraftVersion]:
        """Earlier versions of the draft, newest first: every recent save, then one a minute."""
        return self.store.draft_history(conversation_id)

    # ------------------------------------------------------------------ sync
    def sync_command(self, account: str | None = None) -> list[str]:
        argv = [sys.executable, "-m", "inbox_tui"]
        home = paths.home()
        if home is not None:
            argv += ["--home", str(home)]
        argv += ["sync", "--progress-json"]
        if account:
            argv.append(account)
        return argv

    def _own_addresses(self) -> set[str]:
        """Every address that is us: the agent's, each account's From and login, and the
        ``aliases`` an account lists (addresses customers write to that reach us)."""
        own = {self.config.agent_email}
        for account in self.config.accounts.values():
            settings = account.settings
            own.add(parseaddr(str(settings.get("from", "")))[1])
            own.add(str(settings.get("user", "")))
            aliases = settings.get("aliases", [])
            if isinstance(aliases, str):
                aliases = aliases.split(",")
            if isinstance(aliases, list):
                own.update(a.strip() for a in aliases if isinstance(a, str))
        return {a for a in own if "@" in a}

    def _identity(self, account: str) -> Address:
        acct = self.config.accounts.get(account)
        raw = str(acct.settings.get("from", "")) if acct else ""
        name, email = parseaddr(raw)
        return Address(email or self.config.agent_email, name or self.config.agent_name)
