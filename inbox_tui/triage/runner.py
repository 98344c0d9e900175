"""Running the rules: on new customer messages after each stored sync batch (``arrival``
for a new conversation, ``customer_reply`` after that), time rules at the end of a pull,
and dry runs for ``inbox rules test``. Changes go through the service like an agent's
(tags and status become outbox operations where the account can push them; an automatic
acknowledgement is an ordinary queued reply).

No loops: a rule runs at most once per conversation and trigger (``rule_runs``), rule
changes never count as arrivals or replies, and the rules see each customer message once
(``rules_seen``), so a killed sync picks up where it stopped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox_tui import paths
from inbox_tui.errors import InboxError
from inbox_tui.model import Status, utcnow
from inbox_tui.replies import render
from inbox_tui.store import IngestResult, parse_iso
from inbox_tui.triage import rules as rules_mod
from inbox_tui.triage.language import detect
from inbox_tui.triage.rules import TIME_TRIGGERS, Case, Fired, Rule, evaluate

if TYPE_CHECKING:  # pragma: no cover
    from inbox_tui.service import InboxService

log = logging.getLogger("inbox_tui.triage")
AUTO_REPLY_MAX_AGE = timedelta(hours=24)
"""Never acknowledge mail older than this (a first sync of an old mailbox)."""
_ROBOTS = ("noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce")


def rules_file() -> Any:
    return paths.config_dir() / "rules.toml"


@dataclass
class RunReport:
    fired: list[tuple[int, str, str, list[str]]] = field(default_factory=list)
    """``(conversation, rule, trigger, changes)``."""
    problems: list[str] = field(default_factory=list)
    conversations: int = 0


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
        """Rules for every conversation with customer messages they have not seen."""
        report = RunReport()
        now = now or utcnow()
        while ids := self.store.rules_pending():
            for conv_id in ids:
                self._run_one(conv_id, now, report)
        return report

    def _run_one(self, conv_id: int, now: datetime, report: RunReport) -> None:
        subject = self.store.rule_subject(conv_id)
        if subject is None:
            return
        messages = subject["messages"]
        new_in = [m for m in messages if m["direction"] == "in" and m["id"] > subject["rules_seen"]]
        last_row = max((m["id"] for m in messages), default=0)
        if not new_in or not self.rules:
            self.store.mark_rules_seen(conv_id, last_row)
            return
        arrival = subject["rules_seen"] == 0 and messages[0]["direction"] == "in"
        message = new_in[-1]
        trigger_key = "arrival" if arrival else f"reply:{message['id']}"
        done = {r["rule"] for r in self.store.rule_runs(conv_id) if r["trigger"] == trigger_key}
        case = self.case(subject, message)
        fired = evaluate(self.rules, case, "arrival" if arrival else "customer_reply", skip=done)
        report.conversations += 1
        self._apply(subject, case, fired, message, now, report)
        runs = [(f.rule.name, trigger_key, [str(c) for c in f.changes]) for f in fired]
        self.store.mark_rules_seen(conv_id, last_row, runs)
        report.fired += [(conv_id, name, trigger, changes) for name, trigger, changes in runs]

    # ------------------------------------------------------------------ time rules
    def run_time_rules(self, now: datetime | None = None) -> RunReport:
        """``waiting > X`` / ``waiting_on_customer > X``: once per rule and wait."""
        report = RunReport()
        now = now or utcnow()
        for rule in self.rules:
            for trigger in rule.when:
                if trigger.kind not in TIME_TRIGGERS or trigger.after is None:
                    continue
                awaiting = TIME_TRIGGERS[trigger.kind]
                while found := self.store.waiting_longer_than(awaiting, now - trigger.after, rule.name):
                    for conv_id, since in found:
                        self._run_time_rule(rule, trigger.kind, conv_id, f"waiting:{since}", now, report)
        return report

    def _run_time_rule(self, rule: Rule, kind: str, conv_id: int, key: str, now: datetime, report: RunReport) -> None:
        subject = self.store.rule_subject(conv_id)
        if subject is None:
            return
        inbound = [m for m in subject["messages"] if m["direction"] == "in"]
        message = inbound[-1] if inbound else (subject["messages"] or [None])[-1]
        fired: list[Fired] = []
        if message is not None:
            case = self.case(subject, message)
            fired = evaluate([rule], case, kind)
            self._apply(subject, case, fired, message, now, report)
        changes = [str(c) for f in fired for c in f.changes]
        # recorded even when the conditions did not hold: the rule looked at this wait
        self.store.record_rule_runs(conv_id, [(rule.name, key, changes if fired else ["(conditions not met)"])])
        if fired:
            report.fired.append((conv_id, rule.name, key, changes))

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

    def _apply(self, subject: dict[str, Any], case: Case, fired: list[Fired], message: dict[str, Any],
               now: datetime, report: RunReport) -> None:  # fmt: skip
        conv_id = subject["id"]
        changes = [c for f in fired for c in f.changes]
        if not changes:
            return
        svc = self.service
        add = [c.value for c in changes if c.action == "add_tags" and c.value in case.tags]
        remove = [c.value for c in changes if c.action == "remove_tags" and c.value not in case.tags]
        steps: list[tuple[str, Any]] = []
        if add or remove:
            steps.append(("tags", lambda: svc.set_tags(conv_id, add, remove)))
        last = {c.action: c.value for c in changes}
        if "priority" in last:
            steps.append(("priority", lambda: svc.set_priority(conv_id, last["priority"])))
        if "set_status" in last:
            steps.append(("status", lambda: svc.set_status(conv_id, Status(last["set_status"]))))
        if "assign" in last:
            steps.append(("assign", lambda: svc.assign(conv_id, last["assign"])))
        if "move_to" in last:
            steps.append(("move_to", lambda: self.store.set_routed_view(conv_id, last["move_to"])))
        if "auto_reply" in last:
            steps.append(("auto_reply", lambda: self._auto_reply(subject, case, message, last["auto_reply"], now)))
        if "snooze" in last:
            steps.append(("snooze", lambda: svc.snooze(conv_id, svc.resolve_snooze(last["snooze"]))))
        for what, step in steps:
            try:
                problem = step()
            except InboxError as exc:
                problem = f"#{conv_id}: rule action {what} failed: {exc}"
            if isinstance(problem, str):
                report.problems.append(problem)
                log.warning("%s", problem)

    def _auto_reply(self, subject: dict[str, Any], case: Case, message: dict[str, Any], name: str, now: datetime) -> str | None:
        conv_id = subject["id"]
        email = case.customer_email or case.sender
        if now - case.message_date > AUTO_REPLY_MAX_AGE:
            return None  # old mail (a first sync): acknowledging it now would only confuse
        if not email or any(robot in email.split("@")[0] for robot in _ROBOTS):
            return None
        day = now.astimezone(self.service.triage.settings.tz).date().isoformat()
        if not self.store.claim_auto_reply(email, day, conv_id):
            return None  # this customer already got one today
        try:
            canned = self.service.canned(name)
            conv = self.service._conversation(conv_id)
            body = render(canned.body, self.service.placeholder_values(conv))
            self.service.reply(conv_id, body, canned=canned.slug)
        except InboxError as exc:
            self.store.release_auto_reply(email, day)
            return f"#{conv_id}: automatic reply {name!r} not queued: {exc}"
        return None


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

