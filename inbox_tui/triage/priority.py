"""The priority score, term by term, so the agent can read why a conversation sits where
it sits. Every term is bucketed (SLA left, waiting time), so a stored score stays right
until ``rescore_at`` — the next instant a bucket changes — and only conversations whose
``rescore_at`` has passed need recomputing when time moves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from inbox_tui.triage.sla import KIND_LABEL, BusinessHours, Due, SlaPolicy, compute_due, pick_policy
from inbox_tui.triage.timeparse import format_span

PRIORITY_POINTS = {1: 100, 2: 250, 3: 500}
PRIORITY_NAMES = {0: "normal", 1: "medium", 2: "high", 3: "urgent"}
UNANSWERED = 100
WAITING_ON_CUSTOMER = -100
WAITING_BUCKETS = ((timedelta(hours=72), 120), (timedelta(hours=24), 80), (timedelta(hours=4), 40), (timedelta(hours=1), 20))
SLA_BREACHED = 400
SLA_BUCKETS = ((timedelta(hours=4), 150), (timedelta(hours=24), 60))
"""Beside "due soon" (300 points, its window from the config)."""
SLA_DUE_SOON = 300
REPEAT_EACH, REPEAT_MAX = 25, 75
WORD_EACH, WORD_MAX = 40, 120
WOKE = 50
UNREAD = 10

URGENT_WORDS = (
    # en
    "urgent", "urgently", "asap", "emergency", "immediately", "chargeback", "charge back", "dispute",
    "lawyer", "attorney", "legal action", "sue", "fraud", "scam", "refund now", "unacceptable", "furious",
    "still waiting", "third time",
    # de
    "dringend", "sofort", "eilig", "anwalt", "rechtsanwalt", "rückbuchung", "betrug", "unverschämt", "beschwerde",
    # fr
    "urgence", "immédiatement", "avocat", "rétrofacturation", "arnaque", "escroquerie", "inadmissible", "plainte",
    # es
    "urgente", "inmediatamente", "abogado", "estafa", "denuncia",
    # el, ar
    "επείγον", "επειγόντως", "δικηγόρος", "απάτη", "άμεσα", "عاجل", "فورا", "محامي", "احتيال",
)  # fmt: skip
URGENT_SUBSTRINGS = ("紧急", "马上", "立即", "律师", "投诉", "欺诈", "至急", "緊急", "弁護士", "詐欺")
"""Scripts without spaces between words: matched anywhere in the text."""


@cache
def _bounded(word: str) -> re.Pattern[str]:
    """``word`` as a whole word; compiled when first needed, not at import (~60 patterns,
    ~5 ms that opening the inbox does not need)."""
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")


@dataclass
class Facts:
    """What the score reads about one conversation (gathered by the store)."""

    id: int
    account: str
    status: str
    priority: int
    awaiting: str
    unread: bool
    tags: tuple[str, ...]
    waiting_since: datetime
    events: list[tuple[str, datetime]]
    """``(direction, date)`` of every message, oldest first."""
    text: str = ""
    """Subject and the customer's recent messages (bounded)."""
    repeat: int = 0
    """The customer's other conversations started in the last 30 days."""
    snoozed_until: datetime | None = None
    woke: str = ""
    """Why it came back from a snooze (``customer replied``), ``""`` when it did not."""


@dataclass(frozen=True)
class Term:
    key: str
    label: str
    points: int
    detail: str = ""


@dataclass(frozen=True)
class Score:
    total: int
    terms: tuple[Term, ...]
    due: Due | None = None
    rescore_at: datetime | None = None
    policy: str = ""


@dataclass(frozen=True)
class ScoreSettings:
    policies: Sequence[SlaPolicy] = ()
    hours: BusinessHours = field(default_factory=BusinessHours)
    due_soon: timedelta = timedelta(hours=1)


def urgent_words(text: str) -> list[str]:
    """Distinct urgent words in order of the lists (substring tests first: this runs on
    every rescore, so the regex only confirms whole words that are there)."""
    lowered = text.lower()
    found = [w for w in URGENT_WORDS if w in lowered and _bounded(w).search(lowered)]
    found += [w for w in URGENT_SUBSTRINGS if w in lowered]
    if "!!!" in lowered:
        found.append("!!!")
    return found


def score(facts: Facts, settings: ScoreSettings, now: datetime) -> Score:
    if facts.status == "closed":
        return Score(0, (Term("closed", "Closed", 0, "no clock runs on a closed conversation"),))
    terms: list[Term] = []
    marks: list[datetime] = []
    policy = pick_policy(settings.policies, facts.tags, facts.priority, facts.account)
    due = compute_due(policy, settings.hours, facts.status, facts.events)
    if due is not None:
        terms.append(_sla_term(due, now, settings.due_soon))
        marks += [due.at - timedelta(hours=24), due.at - timedelta(hours=4), due.at - settings.due_soon, due.at]
    if points := PRIORITY_POINTS.get(facts.priority, 0):
        name = PRIORITY_NAMES.get(facts.priority, str(facts.priority))
        terms.append(Term("priority", "Priority", points, f"{name} (set by a rule, an agent or upstream)"))
    if facts.awaiting == "agent" and facts.status == "open":
        terms.append(Term("unanswered", "Unanswered", UNANSWERED, "the customer wrote last"))
        waited = now - facts.waiting_since
        for threshold, points in WAITING_BUCKETS:
            if waited >= threshold:
                terms.append(Term("waiting", "Customer waiting", points, f"waiting {format_span(waited)}"))
                break
        marks += [facts.waiting_since + threshold for threshold, _ in WAITING_BUCKETS]
    else:
        terms.append(Term("waiting_on_customer", "Waiting on customer", WAITING_ON_CUSTOMER, "you answered last"))
    if facts.repeat:
        points = min(REPEAT_MAX, REPEAT_EACH * facts.repeat)
        plural = "s" if facts.repeat > 1 else ""
        terms.append(Term("repeat", "Repeat contact", points, f"{facts.repeat} other conversation{plural} in 30 days"))
    if words := urgent_words(facts.text):
        points = min(WORD_MAX, WORD_EACH * len(words))
        terms.append(Term("words", "Urgent words", points, ", ".join(f'"{w}"' for w in words[:6])))
    if facts.woke or (facts.snoozed_until is not None and facts.snoozed_until <= now):
        terms.append(Term("woke", "Back from snooze", WOKE, facts.woke or "the snooze ended"))
    elif facts.snoozed_until is not None:
        marks.append(facts.snoozed_until)
    if facts.unread:
        terms.append(Term("unread", "Unread", UNREAD, "new messages you have not opened"))
    future = [m for m in marks if m > now]
    return Score(
        total=sum(t.points for t in terms),
        terms=tuple(terms),
        due=due,
        rescore_at=min(future) if future else None,
        policy=policy.name if policy else "",
    )


def _sla_term(due: Due, now: datetime, due_soon: timedelta) -> Term:
    what = f"{KIND_LABEL[due.kind]} ({due.policy})"
    if due.at <= now:
        return Term("sla", "SLA breached", SLA_BREACHED, f"{what} overdue {format_span(now - due.at)}")
    left = due.at - now
    if left <= due_soon:
        return Term("sla", "SLA due soon", SLA_DUE_SOON, f"{what} due in {format_span(left)}")
    for window, points in SLA_BUCKETS:
        if left <= window:
            return Term("sla", "SLA time left", points, f"{what} due in {format_span(left)}")
    return Term("sla", "SLA time left", 0, f"{what} due in {format_span(left)}")
