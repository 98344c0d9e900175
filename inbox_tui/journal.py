"""The operations journal: what the agent can do with an operation that has not gone
through — retry it, send it anyway after a conflict, edit a reply or note that has not
left, discard it, or settle an unconfirmed send by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inbox_tui.errors import InboxError
from inbox_tui.model import Direction, OpKind, Operation, OpState, clean_line, clean_text
from inbox_tui.store import Store


class JournalError(InboxError):
    title = "Not possible"


@dataclass(frozen=True)
class JournalEntry:
    operation: Operation
    subject: str
    summary: str
    """One line: what the operation does (reply text start, new status, tags)."""
    actions: tuple[str, ...]
    """What the agent can do with it now: retry, send_now, send_anyway, edit, discard, mark_sent."""


@dataclass(frozen=True)
class Change:
    """Something that happened in the conversation after the agent acted (a conflict's why)."""

    when: datetime
    who: str
    what: str
    """``"wrote"``, ``"replied"``, ``"added a note"``."""
    text: str


ALLOWED: dict[OpState, tuple[str, ...]] = {
    OpState.PENDING: ("send_now", "edit", "discard"),
    OpState.FAILED: ("retry", "send_now", "edit", "discard"),
    OpState.CONFLICT: ("send_anyway", "edit", "discard"),
    OpState.UNCONFIRMED: ("mark_sent", "retry", "discard"),
    OpState.SENDING: (),
    OpState.SENT: (),
    OpState.CANCELLED: (),
}


class Journal:
    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(self, include_done: bool = False) -> list[JournalEntry]:
        states = [s.value for s in OpState] if include_done else None
        ops = self.store.operations(states=states) if states else self.store.operations()
        subjects: dict[int, str] = {}
        out = []
        for op in ops:
            if op.conversation_id not in subjects:
                conv = self.store.conversation(op.conversation_id)
                subjects[op.conversation_id] = conv.subject if conv else "(gone)"
            actions = tuple(a for a in ALLOWED[op.state] if a != "edit" or op.kind in (OpKind.REPLY, OpKind.NOTE))
            out.append(JournalEntry(op, subjects[op.conversation_id], summarize(op), actions))
        return out

    def _require(self, op_id: str, action: str) -> Operation:
        op = self.store.operation(self.resolve_id(op_id))
        if action not in ALLOWED[op.state] or (action == "edit" and op.kind not in (OpKind.REPLY, OpKind.NOTE)):
            raise JournalError(f"a {op.state} {op.kind} operation cannot be {action.replace('_', ' ')}ed"
                               if action != "send_anyway" else f"a {op.state} operation has nothing to send anyway")
        return op

    def resolve_id(self, op_id: str) -> str:
        """Accept a unique prefix (the CLI shows 8 characters)."""
        matches = [o.id for o in self.store.operations(states=[s.value for s in OpState]) if o.id.startswith(op_id)]
        if len(matches) != 1:
            raise JournalError(f"no single operation starts with {op_id!r}" if not matches else f"{op_id!r} is ambiguous")
        return matches[0]

    def retry(self, op_id: str) -> Operation:
        op = self._require(op_id, "retry")
        self.store.set_op_state(op.id, OpState.PENDING, error="retry asked by the agent")
        return self.store.operation(op.id)

    def send_now(self, op_id: str) -> Operation:
        """Make it due at once (a failed one back to pending); the caller starts a sync."""
        op = self._require(op_id, "send_now")
        if op.state is OpState.FAILED:
            self.store.set_op_state(op.id, OpState.PENDING, error="send now asked by the agent")
        return self.store.operation(op.id)

    def changes_since(self, op_id: str) -> list[Change]:
        """What arrived in the conversation after the agent made ``op_id`` (oldest first):
        messages stored after the operation's own queued message (or dated after it was
        made), and notes by others. Shown beside the draft of a conflict."""
        op = self.store.operation(self.resolve_id(op_id))
        messages = self.store.messages(op.conversation_id)
        own = [m.id for m in messages if m.op_id == op.id]
        changes: list[Change] = []
        for m in messages:
            if m.op_id:
                continue  # queued by this agent, not news
            if (own and m.id > own[0]) or (not own and m.date > op.created_at):
                inbound = m.direction is Direction.IN
                who = clean_line(m.sender.display, 80)
                changes.append(Change(m.date, who, "wrote" if inbound else "replied", _excerpt(m.body_text)))
        for n in self.store.notes(op.conversation_id):
            if n.remote_id and n.created_at > op.created_at:
                changes.append(Change(n.created_at, clean_line(n.author, 80), "added a note", _excerpt(n.body)))
        return sorted(changes, key=lambda c: c.when)

    def send_anyway(self, op_id: str) -> Operation:
        """After a conflict the agent has seen the news: send against the current view."""
        op = self._require(op_id, "send_anyway")
        self.store.rebase_operation(op.id, self.store.conversation_news_version(op.conversation_id))
        return self.store.operation(op.id)

    def mark_sent(self, op_id: str) -> Operation:
        op = self._require(op_id, "mark_sent")
        self.store.set_op_state(op.id, OpState.SENT, error="marked sent by the agent")
        return self.store.operation(op.id)

    def discard(self, op_id: str) -> None:
        op = self._require(op_id, "discard")
        self.store.discard_operation(op.id)

    def edit(self, op_id: str, body: str) -> Operation:
        op = self._require(op_id, "edit")
        body = clean_text(body).strip("\n")
        if not body.strip():
            raise JournalError("an edited reply or note cannot be empty")
        payload = dict(op.payload)
        if op.kind is OpKind.REPLY:
            payload["body_text"] = body
        else:
            payload["body"] = body
        version = self.store.conversation_news_version(op.conversation_id)
        self.store.edit_operation(op.id, payload, body, version)
        return self.store.operation(op.id)


def summarize(op: Operation) -> str:
    p = op.payload
    if op.kind is OpKind.REPLY:
        from connectors.base import OutgoingReply  # here: opening the inbox does without it

        return _first_line(OutgoingReply.from_payload(p).body_text)
    if op.kind is OpKind.NOTE:
        return _first_line(p.get("body", ""))
    if op.kind is OpKind.STATUS:
        return f"status → {p.get('status')}"
    if op.kind is OpKind.TAGS:
        parts = [f"+{t}" for t in p.get("add", [])] + [f"-{t}" for t in p.get("remove", [])]
        return "tags " + " ".join(parts)
    if op.kind is OpKind.ASSIGN:
        return f"assign → {p.get('assignee')}"
    if op.kind is OpKind.READ:
        return "mark read" if p.get("read", True) else "mark unread"
    return str(op.kind)


def _excerpt(text: str, lines: int = 6, width: int = 200) -> str:
    kept = [clean_line(x, width) for x in clean_text(text).splitlines() if x.strip()][:lines]
    return "\n".join(kept)


def _first_line(text: str, limit: int = 80) -> str:
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
