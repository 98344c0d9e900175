"""Automatic acknowledgements (``auto_reply = "<canned reply>"``) for a chunk of
conversations: ordinary queued replies, at most one per customer and day.

Each is exactly what ``InboxService.reply(id, body, canned=…)`` would queue (the same
``outgoing.prepare_reply``), but a chunk is prepared from what the rules read already —
the conversations as the rules leave them and their threads (the SLA clock behind
``{{reply.expected_by}}`` comes from the thread; ``as_rules_leave_it``) — or, for a
request without them, from two batched reads; with the canned reply and each account's
identity looked up once, and written with the rules' other changes in one transaction
(``Store.apply_rule_outcomes(…, then=prepare)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox_tui.errors import InboxError, NotFound
from inbox_tui.model import Address, Conversation, StoredMessage
from inbox_tui.outgoing import conversation_placeholders, prepare_reply, reply_body
from inbox_tui.replies import CannedReply, render
from inbox_tui.store import OnceAction
from inbox_tui.store.conversations import to_conversation, to_message
from inbox_tui.store.triage import SUBJECT_TEXT
from inbox_tui.triage.rules import Case
from inbox_tui.triage.sla import compute_due, pick_policy

if TYPE_CHECKING:  # pragma: no cover
    from inbox_tui.service import InboxService

AUTO_REPLY_MAX_AGE = timedelta(hours=24)
"""Never acknowledge mail older than this (a first sync of an old mailbox)."""
_ROBOTS = ("noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce")


@dataclass(frozen=True)
class AckRequest:
    conversation_id: int
    customer: str
    canned: str
    """The canned reply's slug, name or shortcut, as the rule names it."""
    known: tuple[Conversation, list[StoredMessage]] | None = None
    """The conversation as the rules leave it and its thread, when the caller has them;
    else ``prepare`` reads them inside the transaction."""


def as_rules_leave_it(
    subject: dict[str, Any], status: str, priority: int, tags: set[str], assignee: str
) -> tuple[Conversation, list[StoredMessage]] | None:
    """The conversation and thread of a ``Store.rule_subjects`` subject with the rules'
    changes (status, priority, tags, assignee) applied — what reading them back inside
    the rules' transaction gives. ``None`` when a body may have been cut short there
    (the reply quotes its parent up to 20,000 characters): read it then."""
    if any(len(m["body_text"]) >= SUBJECT_TEXT for m in subject["messages"]):
        return None
    row = {**subject, "status": status, "priority": priority, "assignee": assignee, "tag_list": "\x1f".join(tags)}
    return to_conversation(row), [to_message(m) for m in subject["messages"]]


class Acknowledgements:
    """The acknowledgements of one chunk, decided at ``now`` (the customer's "day" is
    the business-hours time zone's date)."""

    def __init__(self, service: InboxService, now: datetime) -> None:
        self.service = service
        self.now = now
        self.day = now.astimezone(service.triage.settings.tz).date().isoformat()
        self._canned: dict[str, CannedReply | InboxError] = {}
        self._identity: dict[str, Address] = {}
        self._local: dict[datetime, str] = {}

    def request(self, case: Case, canned: str) -> AckRequest | None:
        """``None`` for mail too old to acknowledge now, and for robots (or no address)."""
        email = case.customer_email or case.sender
        if self.now - case.message_date > AUTO_REPLY_MAX_AGE:
            return None  # old mail (a first sync): acknowledging it now would only confuse
        if not email or any(robot in email.split("@")[0] for robot in _ROBOTS):
            return None
        return AckRequest(case.conversation_id, email, canned)

    def prepare(self, requests: Sequence[AckRequest]) -> list[OnceAction]:
        """The replies to queue, in order; one that cannot be prepared carries its
        problem instead (reported if the customer's key for the day was still free).
        Runs inside the rules' transaction, so it reads their changes."""
        unknown = [r.conversation_id for r in requests if r.known is None]
        store = self.service.store
        conversations = store.conversations_many(unknown) if unknown else {}
        threads = store.messages_many(unknown) if unknown else {}
        for r in requests:
            if r.known is not None:
                conversations[r.conversation_id], threads[r.conversation_id] = r.known
        triage = self.service.triage
        next_open = triage._local(triage.settings.hours.next_open(self.now), self.now)
        config = self.service.config
        out = []
        for r in requests:
            conv_id = r.conversation_id
            try:
                canned = self._template(r.canned)
                conv = conversations.get(conv_id)
                if conv is None:
                    raise NotFound(f"no conversation {conv_id}")
                identity = self._account_identity(conv.account)
                values = {
                    **conversation_placeholders(conv, config.agent_name, config.agent_email or identity.email),
                    **self._triage_values(conv, threads[conv_id], next_open),
                }
                body = reply_body(render(canned.body, values))
                can = self.service.upstream.get(conv.account, frozenset())
                prepared = prepare_reply(conv, threads[conv_id], body, identity=identity, can=can, template=canned)
            except InboxError as exc:
                problem = f"#{conv_id}: automatic reply {r.canned!r} not queued: {exc}"
                out.append(OnceAction(conv_id, r.customer, self.day, None, problem=problem))
                continue
            out.append(OnceAction(conv_id, r.customer, self.day, prepared.change, prepared.ops))
        return out

    def _triage_values(self, conv: Conversation, thread: list[StoredMessage], next_open: str) -> dict[str, str]:
        """``Triage.placeholders`` from what is loaded already: the running SLA clock
        (what the score's ``due`` is) of the conversation as the rules left it, else
        the next opening (the same for the whole chunk)."""
        triage = self.service.triage
        settings = triage.score_settings
        policy = pick_policy(settings.policies, conv.tags, conv.priority, conv.account)
        due = compute_due(policy, settings.hours, conv.status.value, [(m.direction.value, m.date) for m in thread])
        if due is None:
            return {"business.next_open": next_open, "reply.expected_by": next_open}
        if due.at not in self._local:  # out of hours most clocks start at the same opening
            self._local[due.at] = triage._local(due.at, self.now)
        return {"business.next_open": next_open, "reply.expected_by": self._local[due.at]}

    def _template(self, name: str) -> CannedReply:
        if name not in self._canned:
            try:
                self._canned[name] = self.service.canned(name)
            except InboxError as exc:
                self._canned[name] = exc
        found = self._canned[name]
        if isinstance(found, InboxError):
            raise found
        return found

    def _account_identity(self, account: str) -> Address:
        if account not in self._identity:
            self._identity[account] = self.service._identity(account)
        return self._identity[account]
