"""Running the rules: on new customer messages after each stored sync batch (``arrival``
for a new conversation, ``customer_reply`` after that), time rules at the end of a pull,
and dry runs for ``inbox rules test``. Rules decide for a chunk of conversations and
their changes are written in one transaction — tags, priority, status, assignee with
their outbox operations where the account can push them, and the automatic
acknowledgements (ordinary queued replies, ``acks.py``) in the same commit; snoozes then
go through the service one by one.

No loops: a rule runs at most once per conversation and trigger (``rule_runs``), rule
changes never count as arrivals or replies, and the rules see each customer message once
(``rules_seen``), so a killed sync picks up where it stopped.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox_tui import paths
from inbox_tui.errors import InboxError
from inbox_tui.model import OpKind, utcnow
from inbox_tui.store import IngestResult, NewOp, RuleOutcome, parse_iso
from inbox_tui.triage import rules as rules_mod
from inbox_tui.triage.acks import Acknowledgements, as_rules_leave_it
from inbox_tui.triage.language import detect
from inbox_tui.triage.rules import TIME_TRIGGERS, Case, Fired, Rule, evaluate

if TYPE_CHECKING:  # pragma: no cover
    from inbox_tui.model import Conversation, StoredMessage
    from inbox_tui.service import InboxService

log = logging.getLogger("inbox_tui.triage")


def rules_file() -> Any:
    return paths.config_dir() / "rules.toml"


@dataclass
class RunReport:
    fired: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    """``(conversation, rule, trigger, changes)``."""
    problems: list[str] = field(default_factory=list)
    conversations: int = 0


@dataclass
class _Plan:
    subject: dict[str, Any]
    outcome: RuleOutcome
    case: Case | None = None
    message: dict[str, Any] | None = None
    steps: list[tuple[str, Any]] = field(default_factory=list)
    """``(auto_reply | snooze, value)``: done through the service after the bulk write."""


class RuleRunner:
    def __init__(self, service: InboxService, rules: list[Rule]) -> None:
        self.service = service
        self.store = service.store
        self.rules = rules

    @classmethod
    def for_service(cls, service: InboxService) -> RuleRunner:
        keys = {v.key for v in service.views()}
        return cls(service, rules_mod.load(rules_file(), view_keys=keys))

    # ------------------------------------------------------------------ event rules
    def run_pending(self, now: datetime | None = None) -> RunReport:
        """Rules for every conversation with customer messages they have not seen. Local
        changes of a chunk, its acknowledgements and the new scores of the conversations
        a rule ran on are written in one transaction; snoozes then go through the service
        one by one (and rescore what they changed at the end)."""
        report = RunReport()
        now = now or utcnow()
        with _collector_paused(), self.service.triage.deferred():
            while ids := self.store.rules_pending():
                subjects = self.store.rule_subjects(ids)
                planned = [self._plan_event(subjects[i], report) for i in ids if i in subjects]
                self._write(planned, now, report)
        return report

    def _plan_event(self, subject: dict[str, Any], report: RunReport) -> _Plan:
        conv_id = subject["id"]
        messages = subject["messages"]
        new_in = [m for m in messages if m["direction"] == "in" and m["id"] > subject["rules_seen"]]
        outcome = RuleOutcome(conv_id, max((m["id"] for m in messages), default=0))
        if not new_in or not self.rules:
            return _Plan(subject, outcome)
        arrival = subject["rules_seen"] == 0 and messages[0]["direction"] == "in"
        message = new_in[-1]
        trigger_key = "arrival" if arrival else f"reply:{message['id']}"
        done = {r["rule"] for r in self.store.rule_runs(conv_id) if r["trigger"] == trigger_key} if not arrival else set()
        case = self.case(subject, message)
        fired = evaluate(self.rules, case, "arrival" if arrival else "customer_reply", skip=done)
        report.conversations += 1
        return self._plan(subject, case, fired, message, trigger_key, outcome)

    # ------------------------------------------------------------------ time rules
    def run_time_rules(self, now: datetime | None = None) -> RunReport:
        """``waiting > X`` / ``waiting_on_customer > X``: once per rule and wait."""
        report = RunReport()
        now = now or utcnow()
        with _collector_paused(), self.service.triage.deferred():
            for rule in self.rules:
                for trigger in rule.when:
                    if trigger.kind not in TIME_TRIGGERS or trigger.after is None:
                        continue
                    awaiting = TIME_TRIGGERS[trigger.kind]
                    while found := self.store.waiting_longer_than(awaiting, now - trigger.after, rule.name):
                        subjects = self.store.rule_subjects([cid for cid, _ in found])
                        planned = [self._plan_time(rule, trigger.kind, subjects[cid], f"waiting:{since}")
                                   for cid, since in found if cid in subjects]  # fmt: skip
                        self._write(planned, now, report)
        return report

    def _plan_time(self, rule: Rule, kind: str, subject: dict[str, Any], key: str) -> _Plan:
        conv_id = subject["id"]
        inbound = [m for m in subject["messages"] if m["direction"] == "in"]
        message = inbound[-1] if inbound else (subject["messages"] or [None])[-1]
        outcome = RuleOutcome(conv_id, 0)
        if message is None:
            outcome.runs.append((rule.name, key, ["(no messages)"]))
            return _Plan(subject, outcome)
        case = self.case(subject, message)
        fired = evaluate([rule], case, kind)
        plan = self._plan(subject, case, fired, message, key, outcome)
        if not fired:  # recorded all the same: the rule looked at this wait
            outcome.runs.append((rule.name, key, ["(conditions not met)"]))
        return plan

    # ------------------------------------------------------------------ from decisions to writes
    def _plan(self, subject: dict[str, Any], case: Case, fired: list[Fired], message: dict[str, Any],
              trigger_key: str, outcome: RuleOutcome) -> _Plan:  # fmt: skip
        """Turn what fired into one ``RuleOutcome`` (the case holds the final state) and
        the per-conversation steps (snooze, acknowledgement)."""
        outcome.runs += [(f.rule.name, trigger_key, [str(c) for c in f.changes]) for f in fired]
        if not subject["language"] and message["direction"] == "in" and message["id"] == subject["last_in_row"]:
            outcome.language = case.language
        before = set(subject["tags"])
        outcome.tags_add = sorted(case.tags - before)
        outcome.tags_remove = sorted(before - case.tags)
        if case.priority != subject["priority"]:
            outcome.priority = case.priority
        if case.status != subject["status"]:
            outcome.status = case.status
        config = self.service.config
        assignee = (config.agent_email or config.agent_name) if case.assignee == "me" else case.assignee
        if assignee != subject["assignee"]:
            outcome.assignee = assignee
        last = {c.action: c.value for f in fired for c in f.changes}
        outcome.routed_view = last.get("move_to")
        can = self.service.upstream.get(subject["account"], frozenset())
        remote = subject["remote_id"]
        if (outcome.tags_add or outcome.tags_remove) and "tags" in can:
            payload = {"add": outcome.tags_add, "remove": outcome.tags_remove, "conversation_remote_id": remote}
            outcome.ops.append(NewOp(OpKind.TAGS, payload))
        if outcome.status is not None and "status" in can:
            outcome.ops.append(NewOp(OpKind.STATUS, {"status": outcome.status, "conversation_remote_id": remote}))
        if outcome.assignee is not None and "assign" in can:
            outcome.ops.append(NewOp(OpKind.ASSIGN, {"assignee": outcome.assignee, "conversation_remote_id": remote}))
        steps = [(k, last[k]) for k in ("auto_reply", "snooze") if k in last]
        return _Plan(subject, outcome, case, message, steps)

    def _write(self, plans: list[_Plan], now: datetime, report: RunReport) -> None:
        """The chunk's rule changes, its acknowledgements and the new scores of the
        conversations a rule ran on in one transaction; then snoozes through the service."""
        acks = Acknowledgements(self.service, now)
        requests = [replace(r, known=_as_left(p, p.case)) for p in plans for action, value in p.steps
                    if action == "auto_reply" and p.case is not None and (r := acks.request(p.case, value)) is not None]  # fmt: skip
        touched = [p.outcome.conversation_id for p in plans if p.outcome.runs]
        triage = self.service.triage
        written = self.store.apply_rule_outcomes(
            [p.outcome for p in plans],
            then=(lambda: acks.prepare(requests)) if requests else None,
            scores=(lambda: triage.score_rows(touched, utcnow())) if touched else None,
        )
        for failed in written.failed:
            report.problems.append(failed.problem)
            log.warning("%s", failed.problem)
        for plan in plans:
            conv_id = plan.outcome.conversation_id
            report.fired += [(conv_id, rule, key, changes) for rule, key, changes in plan.outcome.runs
                             if changes != ["(conditions not met)"]]  # fmt: skip
            for action, value in plan.steps:
                if action != "snooze":
                    continue
                try:
                    self.service.snooze(conv_id, self.service.resolve_snooze(value))
                except InboxError as exc:
                    problem = f"#{conv_id}: rule action {action} failed: {exc}"
                    report.problems.append(problem)
                    log.warning("%s", problem)

    # ------------------------------------------------------------------ dry run
    def dry_run(self, ids: list[int], rule_name: str | None = None) -> list[tuple[int, str, str, list[str]]]:
        """What each rule would change on these conversations now, changing nothing.
        Event rules are tried as on the latest customer message; time rules if due."""
        rules = [r for r in self.rules if rule_name in (None, r.name)]
        out = []
        now = utcnow()
        for conv_id in ids:
            subject = self.store.rule_subject(conv_id)
            if subject is None or not subject["messages"]:
                continue
            inbound = [m for m in subject["messages"] if m["direction"] == "in"]
            message = inbound[-1] if inbound else subject["messages"][-1]
            first = subject["messages"][0]["direction"] == "in" and len(inbound) == 1
            case = self.case(subject, message)
            kinds = ["arrival" if first else "customer_reply"]
            waited = now - parse_iso(subject["waiting_since"])
            for rule in rules:
                for t in rule.when:
                    if t.kind in TIME_TRIGGERS and t.after is not None and waited >= t.after and (
                        TIME_TRIGGERS[t.kind] == subject["awaiting"]
                    ):
                        kinds.append(t.kind)
            for kind in dict.fromkeys(kinds):
                for f in evaluate(rules, case, kind):
                    out.append((conv_id, f.rule.name, kind, [str(c) for c in f.changes] or ["(no change)"]))
        return out

    # ------------------------------------------------------------------ facts and actions
    def case(self, subject: dict[str, Any], message: dict[str, Any]) -> Case:
        recipients = [a[0] for a in json.loads(message["to_json"]) + json.loads(message["cc_json"])]
        when = parse_iso(message["date"])
        return Case(
            conversation_id=subject["id"],
            account=subject["account"],
            account_address=subject["account_address"] or "",
            status=subject["status"],
            priority=subject["priority"],
            tags=set(subject["tags"]),
            assignee=subject["assignee"],
            customer_email=(subject["customer_email"] or "").lower(),
            seen_before=bool(subject["seen_before"]),
            subject=message["subject"] or subject["subject"],
            body=message["body_text"],
            sender=(message["from_email"] or "").lower(),
            recipients=[r.lower() for r in recipients if r] + ([subject["account_address"].lower()] if subject["account_address"] else []),
            has_attachment=message["attachments_json"] != "[]",
            language=detect(f"{message['subject']}\n{message['body_text']}"),
            in_business_hours=self.service.triage.settings.hours.is_open(when),
            message_date=when,
        )


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the rules run: a chunk allocates ~100,000
    short-lived objects, freed by reference counting, and the collector's passes over
    them cost ~40 ms per 1,000 acknowledged arrivals. Left as it was found (the app
    keeps it off until its first paint)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _as_left(plan: _Plan, case: Case) -> tuple[Conversation, list[StoredMessage]] | None:
    """``acks.as_rules_leave_it`` for this plan's conversation (the assignee as written)."""
    subject = plan.subject
    assignee = subject["assignee"] if plan.outcome.assignee is None else plan.outcome.assignee
    return as_rules_leave_it(subject, case.status, case.priority, case.tags, assignee)


class SyncTriage:
    """The sync engine's hook: rules and rescoring after each stored batch, time rules
    and clock refresh at the end of each account's pull. Problems are reported, never raised."""

    def __init__(self, service: InboxService, runner: RuleRunner | None = None, problem: str = "") -> None:
        self.service = service
        self.runner = runner
        self.problem = problem
        """A broken rules.toml: reported once, and the rules do not run (rescoring still does)."""

    @classmethod
    def for_service(cls, service: InboxService) -> SyncTriage:
        try:
            return cls(service, RuleRunner.for_service(service))
        except InboxError as exc:
            log.error("rules not loaded: %s", exc)
            return cls(service, None, str(exc))

    def after_batch(self, account: str, result: IngestResult) -> list[str]:
        problems = [f"rules: {self.problem}"] if self.problem else []
        self.problem = ""
        if self.runner is not None:
            problems += self.runner.run_pending().problems
        self.service.triage.refresh()
        return problems

    def after_pull(self, account: str) -> list[str]:
        problems: list[str] = []
        if self.runner is not None:
            problems += self.runner.run_pending().problems
            problems += self.runner.run_time_rules().problems
        self.service.triage.refresh()
        return problems

