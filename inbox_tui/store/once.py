"""Actions a rule takes at most once per key — the out-of-hours acknowledgement, once per
customer and day — written for a whole chunk of conversations in one transaction.

Each action claims its key (``auto_replies``) and records what ``record_action`` would
record for it (the queued message, its operations, undo and draft bookkeeping) in the
same transaction as the rules' own changes (``apply_rule_outcomes(…, then=…)``): a chunk
is on disk entirely or not at all, so a failure half-way never leaves a key claimed for
a reply that was not queued, nor a rule marked as done whose reply is missing.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inbox_tui.errors import NotFound
from inbox_tui.store.outbox import LocalChange, NewOp, write_action


@dataclass
class OnceAction:
    conversation_id: int
    customer: str
    day: str
    change: LocalChange | None
    """``None``: the action could not be prepared (``problem`` says why)."""
    ops: Sequence[NewOp] = ()
    problem: str = ""
    """Reported only when the key was free — then it stays free for a later try."""


@dataclass
class OnceResult:
    queued: list[OnceAction]
    failed: list[OnceAction]
    """Their key was free but they were not written (``problem``); the key was released."""


def write_once(
    con: sqlite3.Connection, insert_message: Callable[..., int], actions: Sequence[OnceAction], now: str
) -> OnceResult:
    """Inside a transaction, in order: claim each action's key; if it was free, write the
    action (each in its own undo group, as the agent's replies are)."""
    result = OnceResult([], [])
    for action in actions:
        key = (action.customer.lower(), action.day)
        claimed = con.execute(
            "INSERT OR IGNORE INTO auto_replies (customer, day, conversation_id, at) VALUES (?, ?, ?, ?)",
            (*key, action.conversation_id, now),
        ).rowcount
        if claimed != 1:
            continue  # this customer already got one that day
        if action.change is not None:
            try:
                write_action(
                    con, insert_message, action.conversation_id, action.change, action.ops,
                    group=str(uuid.uuid4()), base_version=None, drop_draft=True, now=now,
                )  # fmt: skip
                result.queued.append(action)
                continue
            except NotFound as exc:
                action.problem = str(exc)
        con.execute("DELETE FROM auto_replies WHERE customer = ? AND day = ?", key)
        result.failed.append(action)
    return result
