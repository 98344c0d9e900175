"""The sync engine: pull (connector → store) then push (outbox → connector).

Pull stores each batch with its cursor in one transaction. Push is the traffic cop:

* an operation made against an older view of the conversation than the cache now holds
  (a customer wrote again, another agent answered, upstream changed the status) becomes
  ``conflict`` — shown to the agent, never sent blindly;
* an operation is marked ``sending`` on disk before any byte leaves;
* an operation found still ``sending`` (the process died mid-send) or whose send was
  ambiguous is looked up upstream first (``find_sent``, ``find_note``): found → ``sent``;
  upstream cannot tell → ``unconfirmed`` (the agent decides); certainly absent → sent again.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from connectors.base import (
    Assigner,
    Connector,
    NoteFinder,
    Noter,
    OutgoingReply,
    ReadMarker,
    Replier,
    SendResult,
    Source,
    StatusWriter,
    Tagger,
    Versioned,
)
from inbox_tui.errors import (
    AmbiguousSend,
    AuthError,
    Conflict,
    ConnectorError,
    InboxError,
    NotFound,
    TransportError,
    Unsupported,
)
from inbox_tui.model import OpKind, Operation, OpState, Status
from inbox_tui.store import IngestResult, Store

log = logging.getLogger("inbox_tui.sync")

Event = dict[str, Any]
OpenConnector = Callable[[str], Connector]


class PullHook(Protocol):
    """Runs in the sync process after each stored batch and after an account's pull
    (``inbox_tui.triage.runner.SyncTriage``: rules on the new messages, rescoring, time
    rules). Returns problems for the summary; must not raise."""

    def after_batch(self, account: str, result: IngestResult) -> list[str]: ...
    def after_pull(self, account: str) -> list[str]: ...


@dataclass
class SyncSummary:
    pulled: int = 0
    updated: int = 0
    conversations: int = 0
    sent: int = 0
    failed: int = 0
    conflicts: int = 0
    unconfirmed: int = 0
    problems: list[str] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)

    def as_event(self) -> Event:
        return {"event": "done", **self.__dict__}


class SyncEngine:
    def __init__(
        self,
        store: Store,
        accounts: list[str],
        open_connector: OpenConnector,
        *,
        on_event: Callable[[Event], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
        pull_hook: PullHook | None = None,
    ) -> None:
        self.pull_hook = pull_hook
        self.store = store
        self.accounts = accounts
        self.open_connector = open_connector
        self.emit = on_event or (lambda event: None)
        self.should_stop = should_stop

    def run(self) -> SyncSummary:
        summary = SyncSummary()
        for account in self.accounts:
            if self.should_stop():
                break
            self._sync_account(account, summary)
        self.emit(summary.as_event())
        return summary

    # ------------------------------------------------------------------ one account
    def _sync_account(self, account: str, summary: SyncSummary) -> None:
        try:
            connector = self.open_connector(account)
        except InboxError as exc:
            self._offline(account, summary, str(exc))
            return
        try:
            self.store.ensure_account(account, type(connector).__name__, connector.identity.email)
            if isinstance(connector, Source):
                self._pull(account, connector, summary)
            self._push(account, connector, summary)
            self.store.record_sync(account)
        except (AuthError, TransportError) as exc:
            self._offline(account, summary, str(exc))
        except InboxError as exc:
            self._offline(account, summary, str(exc))
        except Exception as exc:  # a connector bug must not take the other accounts down
            log.error("sync of %s failed:\n%s", account, traceback.format_exc())
            self._offline(account, summary, f"internal error ({type(exc).__name__}); see the log")
        finally:
            try:
                connector.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                log.debug("closing %s failed", account, exc_info=True)

    def _offline(self, account: str, summary: SyncSummary, reason: str) -> None:
        summary.offline.append(account)
        summary.problems.append(f"{account}: {reason}")
        self.store.record_sync(account, error=reason, offline=True)
        self.emit({"event": "offline", "account": account, "reason": reason})

    def _pull(self, account: str, connector: Source, summary: SyncSummary) -> None:
        cursor = self.store.cursor(account)
        done = 0
        for batch in connector.pull(cursor, lambda ids: self.store.known(account, ids), self.should_stop):
            result = self.store.apply_batch(account, batch)
            summary.pulled += result.new_messages
            summary.updated += result.updated_messages
            summary.conversations += len(result.conversations)
            summary.problems.extend(f"{account}: {p}" for p in result.problems)
            self._hook(account, summary, "after_batch", result)
            done += len(batch.messages) + len(batch.conversations)
            self.emit(
                {"event": "progress", "account": account, "phase": "pull", "done": done, "total": batch.total_hint}
            )
            if self.should_stop():
                return
        self._hook(account, summary, "after_pull")

    def _hook(self, account: str, summary: SyncSummary, stage: str, *args: Any) -> None:
        if self.pull_hook is None:
            return
        try:
            problems = getattr(self.pull_hook, stage)(account, *args)
        except Exception as exc:  # triage must never cost the agent their mail
            log.error("triage after %s of %s failed:\n%s", stage, account, traceback.format_exc())
            problems = [f"triage failed ({type(exc).__name__}); see the log"]
        summary.problems.extend(f"{account}: {p}" for p in problems)

    # ------------------------------------------------------------------ push
    def _push(self, account: str, connector: Connector, summary: SyncSummary) -> None:
        ops = self.store.operations(states=("pending", "failed", "sending"), account=account)
        for index, op in enumerate(ops, start=1):
            if self.should_stop():
                return
            self._push_one(connector, op, summary)
            self.emit({"event": "progress", "account": account, "phase": "push", "done": index, "total": len(ops)})

    def _push_one(self, connector: Connector, op: Operation, summary: SyncSummary) -> None:
        conv = self.store.conversation(op.conversation_id)
        if conv is None:
            self.store.set_op_state(op.id, OpState.FAILED, error="the conversation no longer exists")
            summary.failed += 1
            return
        if op.state is OpState.PENDING and op.kind is not OpKind.READ and _stale(op, conv.version):
            self.store.set_op_state(op.id, OpState.CONFLICT, error="the conversation changed upstream since you acted")
            summary.conflicts += 1
            return
        if op.state is OpState.PENDING and op.kind is not OpKind.READ and self._changed_upstream(connector, op):
            self.store.set_op_state(
                op.id,
                OpState.CONFLICT,
                error="the conversation changed upstream after the last sync (a new message, note or status); "
                "sync again to see what changed",
            )
            summary.conflicts += 1
            return
        if op.state is OpState.SENDING and op.kind in (OpKind.REPLY, OpKind.NOTE):
            verdict = self._look_upstream(connector, op)
            if verdict is not None:
                state, remote_id, why = verdict
                self.store.set_op_state(op.id, state, remote_id=remote_id, error=why)
                if state is OpState.SENT:
                    summary.sent += 1
                else:
                    summary.unconfirmed += 1
                return
        self.store.set_op_state(op.id, OpState.SENDING, attempt=True)
        try:
            result = self._dispatch(connector, op)
        except AmbiguousSend as exc:
            # leave it in `sending`: the next run looks upstream before any resend
            self.store.set_op_state(op.id, OpState.SENDING, error=f"not confirmed: {exc}")
            summary.unconfirmed += 1
            raise
        except (NotFound, Conflict) as exc:
            self.store.set_op_state(op.id, OpState.CONFLICT, error=str(exc))
            summary.conflicts += 1
        except Unsupported as exc:
            self.store.set_op_state(op.id, OpState.FAILED, error=str(exc))
            summary.failed += 1
        except (AuthError, TransportError) as exc:
            # nothing left the machine (connection refused, auth refused): retry later
            self.store.set_op_state(op.id, OpState.FAILED, error=str(exc))
            summary.failed += 1
            raise
        except ConnectorError as exc:
            self.store.set_op_state(op.id, OpState.FAILED, error=str(exc))
            summary.failed += 1
        else:
            self.store.set_op_state(op.id, OpState.SENT, remote_id=result.remote_id)
            summary.sent += 1
            self._note_own_version(connector, op)

    # ------------------------------------------------------------------ traffic cop, upstream side
    def _changed_upstream(self, connector: Connector, op: Operation) -> bool:
        """Re-read the conversation's version upstream right before sending: the pull may
        not show the newest changes yet (Zendesk holds back the last minute, a customer may
        write between pull and push). Only connectors that can tell (``Versioned``)."""
        remote = op.payload.get("conversation_remote_id", "")
        seen = self.store.upstream_version(op.conversation_id)
        if not isinstance(connector, Versioned) or not remote or not seen:
            return False
        try:
            current = connector.current_version(remote)
        except NotFound:
            return False  # the send itself reports it (as a conflict)
        return bool(current) and current != seen

    def _note_own_version(self, connector: Connector, op: Operation) -> None:
        """Our own change moved the upstream version: remember the new one, so the next
        operation on this conversation is not mistaken for news (best effort)."""
        remote = op.payload.get("conversation_remote_id", "")
        if not isinstance(connector, Versioned) or not remote or op.kind is OpKind.READ:
            return
        try:
            self.store.set_upstream_version(op.conversation_id, connector.current_version(remote))
        except ConnectorError:
            log.debug("could not re-read the version of %s after a push", remote, exc_info=True)

    def _look_upstream(self, connector: Connector, op: Operation) -> tuple[OpState, str, str] | None:
        """After an interrupted send: ``None`` means certainly not sent (send again)."""
        if op.kind is OpKind.REPLY and isinstance(connector, Replier):
            try:
                found = connector.find_sent(OutgoingReply.from_payload(op.payload))
            except Unsupported:
                return (
                    OpState.UNCONFIRMED,
                    "",
                    "the send was interrupted and upstream cannot tell whether it went out; "
                    "check your Sent mail, then send again or mark sent",
                )
            if found is not None:
                return OpState.SENT, found.remote_id, ""
            return None
        if op.kind is OpKind.NOTE and isinstance(connector, NoteFinder):
            remote = op.payload.get("conversation_remote_id", "")
            try:
                note = connector.find_note(remote, op.payload["body"], op.created_at)
            except Unsupported:
                pass  # upstream cannot tell: the agent decides
            else:
                return (OpState.SENT, note.remote_id, "") if note is not None else None
        return (
            OpState.UNCONFIRMED,
            "",
            "the note was interrupted while being sent; check upstream, then send again or mark sent",
        )

    def _dispatch(self, connector: Connector, op: Operation) -> SendResult:
        payload = op.payload
        remote = payload.get("conversation_remote_id", "")
        if op.kind is OpKind.REPLY and isinstance(connector, Replier):
            return connector.send_reply(OutgoingReply.from_payload(payload))
        if op.kind is OpKind.NOTE and isinstance(connector, Noter):
            return connector.add_note(remote, payload["body"], op.id)
        if op.kind is OpKind.STATUS and isinstance(connector, StatusWriter):
            connector.set_status(remote, Status(payload["status"]))
            return SendResult()
        if op.kind is OpKind.TAGS and isinstance(connector, Tagger):
            connector.set_tags(remote, payload.get("add", []), payload.get("remove", []))
            return SendResult()
        if op.kind is OpKind.ASSIGN and isinstance(connector, Assigner):
            connector.assign(remote, payload["assignee"])
            return SendResult()
        if op.kind is OpKind.READ and isinstance(connector, ReadMarker):
            connector.mark_read(payload["remote_ids"], payload.get("read", True))
            return SendResult()
        raise Unsupported(f"{type(connector).__name__} cannot push a {op.kind} operation")


def _stale(op: Operation, current_version: int) -> bool:
    try:
        return current_version > int(op.base_version or 0)
    except ValueError:
        return False
