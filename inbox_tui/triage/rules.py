"""Rules (``rules.toml`` in the config folder): ordered, deterministic, each at most once
per conversation and trigger. This module parses and evaluates; ``runner`` applies.

```toml
[[rules]]
name = "Payment issues"            # unique: it names the once-per-trigger record
when = "arrival"                   # arrival | customer_reply | "waiting > 4h" |
                                   # "waiting_on_customer > 3d"; or a list of them
# conditions — all given ones must hold; a list means "any of these"
text_contains = ["payment", "charged twice", "card declined"]
# from / to = "alice@example.com" | "@example.com"    subject_contains / body_contains
# subject_regex / body_regex = "order #?\\d{5}"          language = ["de", "fr"]
# account / tag / no_tag / status = [..]                 customer_seen_before = true
# has_attachment = true                                  business_hours = false
# actions
add_tags = ["payment"]             # remove_tags = [..]
priority = "high"                  # low | normal | medium | high | urgent
# set_status = "pending"  assign = "me"  snooze = "tomorrow"  move_to = "billing" (a view key)
# auto_reply = "out-of-hours"      # a canned reply: at most once per customer and day
stop = false                       # true: no later rule runs for this trigger
```
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from inbox_tui.errors import ConfigError, toml_problem
from inbox_tui.triage import snooze as snooze_mod
from inbox_tui.triage.query_sql import PRIORITY_VALUES
from inbox_tui.triage.settings import TriageSettings
from inbox_tui.triage.timeparse import parse_duration
from inbox_tui.triage.tomllines import index

EVENT_TRIGGERS = ("arrival", "customer_reply")
TIME_TRIGGERS = {"waiting": "agent", "waiting_on_customer": "customer"}
_TIME = re.compile(r"^\s*(waiting|waiting_on_customer)\s*>\s*(\S+)\s*$")
LIST_CONDITIONS = (
    "from", "to", "subject_contains", "body_contains", "text_contains", "language", "account", "tag", "no_tag", "status",
)  # fmt: skip
BOOL_CONDITIONS = ("customer_seen_before", "has_attachment", "business_hours")
REGEX_CONDITIONS = ("subject_regex", "body_regex")
ACTIONS = ("add_tags", "remove_tags", "priority", "set_status", "assign", "snooze", "auto_reply", "move_to")
KEYS = ("name", "when", "stop", *LIST_CONDITIONS, *BOOL_CONDITIONS, *REGEX_CONDITIONS, *ACTIONS)
STATUSES = ("open", "pending", "closed")


@dataclass(frozen=True)
class Trigger:
    kind: str
    """``arrival`` | ``customer_reply`` | ``waiting`` | ``waiting_on_customer``."""
    after: timedelta | None = None

    def __str__(self) -> str:
        return f"{self.kind} > {_span(self.after)}" if self.after is not None else self.kind


@dataclass(frozen=True)
class Rule:
    name: str
    line: int | None
    when: tuple[Trigger, ...]
    lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    regexes: dict[str, re.Pattern[str]] = field(default_factory=dict)
    actions: dict[str, Any] = field(default_factory=dict)
    stop: bool = False


@dataclass
class Case:
    """One conversation as the conditions see it, at one trigger."""

    conversation_id: int
    account: str
    account_address: str
    status: str
    priority: int
    tags: set[str]
    assignee: str
    customer_email: str
    seen_before: bool
    subject: str
    body: str
    sender: str
    recipients: list[str]
    has_attachment: bool
    language: str
    in_business_hours: bool
    message_date: datetime


@dataclass(frozen=True)
class Change:
    action: str
    value: Any

    def __str__(self) -> str:
        if self.action == "add_tags":
            return f"+tag {self.value}"
        if self.action == "remove_tags":
            return f"-tag {self.value}"
        if self.action == "priority":
            return f"priority → {_PRIORITY_NAMES.get(self.value, self.value)}"
        return f"{self.action.replace('_', ' ')} → {self.value}"


_PRIORITY_NAMES = {0: "normal", 1: "medium", 2: "high", 3: "urgent"}


@dataclass
class Fired:
    rule: Rule
    changes: list[Change]


# ---------------------------------------------------------------------- loading


def load(path: Path, *, view_keys: set[str] | None = None) -> list[Rule]:
    """The rules of ``path`` in order (none when the file does not exist)."""
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None
    return parse(text, str(path), view_keys=view_keys)


def parse(text: str, source: str = "rules.toml", *, view_keys: set[str] | None = None) -> list[Rule]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_problem(exc)
        raise ConfigError(f"invalid TOML: {reason}", path=source, line=line) from None
    lines = index(text)
    for key in data:
        if key != "rules":
            raise ConfigError(f"unknown top-level key {key!r}: write each rule as [[rules]]", path=source, line=lines.of(key))
    tables = data.get("rules", [])
    if not isinstance(tables, list):
        raise ConfigError("write each rule as a [[rules]] table", path=source, line=lines.of("rules"))
    rules: list[Rule] = []
    for i, table in enumerate(tables):
        rule = _rule(table, lambda key, i=i: lines.of("rules", i, key), source, view_keys)
        if any(r.name == rule.name for r in rules):
            raise ConfigError(f"two rules are named {rule.name!r}; names must be unique", path=source, line=rule.line)
        rules.append(rule)
    return rules


def _rule(table: dict[str, Any], line_of: Any, source: str, view_keys: set[str] | None) -> Rule:
    def fail(reason: str, key: str = "") -> ConfigError:
        return ConfigError(f"rule {table.get('name', '?')!r}: {reason}", path=source, line=line_of(key))

    for key in table:
        if key not in KEYS:
            close = difflib.get_close_matches(key, KEYS, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else ""
            raise fail(f"unknown key {key!r}{hint}", key)
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("every [[rules]] needs a name", path=source, line=line_of(""))
    when = tuple(_trigger(w, fail) for w in _as_list(table.get("when", "arrival")))
    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_CONDITIONS:
        if key in table:
            values = _as_list(table[key])
            if not values or not all(isinstance(v, str) and v for v in values):
                raise fail(f"{key} must be text or a list of text", key)
            lists[key] = tuple(v.casefold() for v in values)
    for value in lists.get("status", ()):
        if value not in STATUSES:
            raise fail(f"status {value!r} is not one of {', '.join(STATUSES)}", "status")
    flags = {}
    for key in BOOL_CONDITIONS:
        if key in table:
            if not isinstance(table[key], bool):
                raise fail(f"{key} must be true or false", key)
            flags[key] = table[key]
    regexes = {}
    for key in REGEX_CONDITIONS:
        if key in table:
            try:
                regexes[key] = re.compile(str(table[key]), re.IGNORECASE)
            except re.error as exc:
                raise fail(f"{key} is not a valid regular expression ({exc})", key) from None
    actions = _actions(table, fail, view_keys)
    stop = table.get("stop", False)
    if not isinstance(stop, bool):
        raise fail("stop must be true or false", "stop")
    if not actions and not stop:
        raise fail("has no action (add_tags, priority, set_status, assign, snooze, auto_reply, move_to or stop)")
    return Rule(name.strip(), line_of(""), when, lists, flags, regexes, actions, stop)


def _trigger(value: Any, fail: Any) -> Trigger:
    text = str(value).strip()
    if text in EVENT_TRIGGERS:
        return Trigger(text)
    match = _TIME.match(text)
    if match:
        try:
            return Trigger(match.group(1), parse_duration(match.group(2)))
        except ValueError as exc:
            raise fail(f"when: {exc}", "when") from None
    raise fail(f"when {text!r}: use arrival, customer_reply, \"waiting > 4h\" or \"waiting_on_customer > 3d\"", "when")


def _actions(table: dict[str, Any], fail: Any, view_keys: set[str] | None) -> dict[str, Any]:
    actions: dict[str, Any] = {}
    for key in ("add_tags", "remove_tags"):
        if key in table:
            tags = _as_list(table[key])
            if not tags or not all(isinstance(t, str) and t.strip() and " " not in t.strip() for t in tags):
                raise fail(f"{key} must be a list of tags without spaces", key)
            actions[key] = tuple(t.strip() for t in tags)
    if "priority" in table:
        value = table["priority"]
        level = PRIORITY_VALUES.get(str(value).lower(), value if isinstance(value, int) else None)
        if not isinstance(level, int) or not 0 <= level <= 3:
            raise fail(f"priority {value!r}: use low, normal, medium, high, urgent or 0-3", "priority")
        actions["priority"] = level
    if "set_status" in table:
        if table["set_status"] not in STATUSES:
            raise fail(f"set_status must be one of {', '.join(STATUSES)}", "set_status")
        actions["set_status"] = table["set_status"]
    for key in ("assign", "auto_reply", "move_to", "snooze"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise fail(f"{key} must be text", key)
            actions[key] = table[key].strip()
    if "snooze" in actions:
        try:
            snooze_mod.resolve(actions["snooze"], datetime.now(timezone.utc), TriageSettings())
        except ValueError:
            raise fail(
                f"snooze {actions['snooze']!r}: use later, tomorrow, next-business-day, monday, reply, a weekday "
                "or a span like 4h", "snooze",
            ) from None  # fmt: skip
    if "move_to" in actions and view_keys is not None and actions["move_to"] not in view_keys:
        raise fail(f"move_to {actions['move_to']!r} is not a view (known: {', '.join(sorted(view_keys))})", "move_to")
    return actions


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _span(value: timedelta | None) -> str:
    seconds = int(value.total_seconds()) if value is not None else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


# ---------------------------------------------------------------------- evaluation


def matches(rule: Rule, case: Case) -> bool:
    """Every condition the rule sets holds (each checked only when set: this runs for
    every rule on every arrival)."""
    lists, flags = rule.lists, rule.flags
    for key, haystack in (("subject_contains", case.subject), ("body_contains", case.body)):
        if key in lists:
            folded = haystack.casefold()
            if not any(needle in folded for needle in lists[key]):
                return False
    if "text_contains" in lists:
        folded = f"{case.subject}\n{case.body}".casefold()
        if not any(needle in folded for needle in lists["text_contains"]):
            return False
    if "from" in lists and not any(_address_matches(case.sender, p) for p in lists["from"]):
        return False
    if "to" in lists and not any(_address_matches(a, p) for a in case.recipients for p in lists["to"]):
        return False
    if "language" in lists and case.language not in lists["language"]:
        return False
    if "account" in lists and case.account.casefold() not in lists["account"]:
        return False
    if "tag" in lists and not {t.casefold() for t in case.tags} & set(lists["tag"]):
        return False
    if "no_tag" in lists and {t.casefold() for t in case.tags} & set(lists["no_tag"]):
        return False
    if "status" in lists and case.status not in lists["status"]:
        return False
    for key, value in (("customer_seen_before", case.seen_before), ("has_attachment", case.has_attachment),
                       ("business_hours", case.in_business_hours)):  # fmt: skip
        if key in flags and flags[key] != value:
            return False
    if "subject_regex" in rule.regexes and not rule.regexes["subject_regex"].search(case.subject):
        return False
    return not ("body_regex" in rule.regexes and not rule.regexes["body_regex"].search(case.body))


def _address_matches(address: str, pattern: str) -> bool:
    address = address.casefold()
    if pattern.startswith("@"):
        return address.endswith(pattern)
    if "@" in pattern:
        return address == pattern
    return address.endswith("@" + pattern) or address.endswith("." + pattern)


def evaluate(rules: list[Rule], case: Case, trigger: str, *, skip: set[str] = frozenset()) -> list[Fired]:  # type: ignore[assignment]
    """The rules that fire for ``trigger`` in order, each with the changes it makes to
    the case as the earlier rules left it; ``skip``: rules already run for this trigger."""
    fired: list[Fired] = []
    for rule in rules:
        if rule.name in skip or not any(t.kind == trigger for t in rule.when):
            continue
        if not matches(rule, case):
            continue
        fired.append(Fired(rule, _apply(rule, case)))
        if rule.stop:
            break
    return fired


def _apply(rule: Rule, case: Case) -> list[Change]:
    """Apply a rule's actions to the in-memory case; return what actually changes."""
    changes: list[Change] = []
    actions = rule.actions
    for tag in actions.get("add_tags", ()):
        if tag not in case.tags:
            case.tags.add(tag)
            changes.append(Change("add_tags", tag))
    for tag in actions.get("remove_tags", ()):
        if tag in case.tags:
            case.tags.discard(tag)
            changes.append(Change("remove_tags", tag))
    if "priority" in actions and actions["priority"] != case.priority:
        case.priority = actions["priority"]
        changes.append(Change("priority", case.priority))
    if "set_status" in actions and actions["set_status"] != case.status:
        case.status = actions["set_status"]
        changes.append(Change("set_status", case.status))
    if "assign" in actions and actions["assign"] != case.assignee:
        case.assignee = actions["assign"]
        changes.append(Change("assign", case.assignee))
    for key in ("snooze", "auto_reply", "move_to"):
        if key in actions:
            changes.append(Change(key, actions[key]))
    return changes
