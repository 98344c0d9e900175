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
from collections.abc import Sequence
from dataclasses import dataclass

from inbox_tui.store.outbox import ActionRow, LocalChange, NewOp, write_actions


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


def write_once(con: sqlite3.Connection, actions: Sequence[OnceAction], now: str) -> OnceResult:
    """Inside a transaction, in order: claim each action's key; write the actions whose key
    was free (each in its own undo group, as the agent's replies are) all together."""
    result = OnceResult([], [])
    claimed: list[OnceAction] = []
    taken = _taken(con, actions)
    for action in actions:  # what INSERT OR IGNORE one by one would claim, and one executemany
        key = (action.customer.lower(), action.day)
        if key in taken:
            continue  # this customer already got one that day
        if action.change is None:
            result.failed.append(action)  # the key stays free
        else:
            taken.add(key)
            claimed.append(action)
    con.executemany(
        "INSERT INTO auto_replies (customer, day, conversation_id, at) VALUES (?, ?, ?, ?)",
        [(a.customer.lower(), a.day, a.conversation_id, now) for a in claimed],
    )
    rows = [ActionRow(a.conversation_id, a.change, a.ops, str(uuid.uuid4()), drop_draft=True) for a in claimed if a.change]
    missing = set(write_actions(con, rows, now))
    for action in claimed:
        if action.conversation_id in missing:  # deleted meanwhile: not inside the rules' own transaction
            action.problem = f"conversation {action.conversation_id} does not exist"
            _release(con, action, result)
        else:
            result.queued.append(action)
    return result


def _taken(con: sqlite3.Connection, actions: Sequence[OnceAction]) -> set[tuple[str, str]]:
    """The keys of ``actions`` claimed already."""
    by_day: dict[str, set[str]] = {}
    for action in actions:
        by_day.setdefault(action.day, set()).add(action.customer.lower())
    taken: set[tuple[str, str]] = set()
    for day, customers in by_day.items():
        listed = sorted(customers)
        marks = ",".join("?" * len(listed))
        query = f"SELECT customer FROM auto_replies WHERE day = ? AND customer IN ({marks})"
        taken.update((customer, day) for (customer,) in con.execute(query, [day, *listed]))
    return taken


def _release(con: sqlite3.Connection, action: OnceAction, result: OnceResult) -> None:
    con.execute("DELETE FROM auto_replies WHERE customer = ? AND day = ?", (action.customer.lower(), action.day))
    result.failed.append(action)
