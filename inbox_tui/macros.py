"""Keyboard macros: definitions in ``macros.toml`` (config dir), a dry-run plan per
conversation, and a run that turns the plan into ordinary operations — one undo group per
conversation, so ``undo`` takes a whole run back while it is still in the outbox.

```toml
[refund-done]
key = "R"                                   # optional; works in the queue and a conversation
description = "Refund issued, tag, close, next"
steps = ["canned refund-issued", "tag +refund", "status closed", "next"]
```
Steps are documented in ``inbox_tui.macro_steps``. A move (``next``/``previous``) may only
be the last step: a macro acts on one conversation, then may land on another.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_tui import paths
from inbox_tui.errors import ConfigError, InboxError, toml_problem
from inbox_tui.keymap import Keymap, valid_key
from inbox_tui.macro_steps import NAVIGATION, Step, StepError, parse
from inbox_tui.model import Status, clean_line

if TYPE_CHECKING:
    from inbox_tui.service import InboxService

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,40}")
MACRO_CONTEXTS = ("global", "queue", "conversation")
"""Where a macro key works, so where it must not clash with a keymap key."""


def macros_file() -> Path:
    return paths.config_dir() / "macros.toml"


@dataclass(frozen=True)
class Macro:
    name: str
    steps: tuple[Step, ...]
    key: str = ""
    description: str = ""
    path: str = ""
    line: int | None = None

    @property
    def summary(self) -> str:
        return ", ".join(s.text.splitlines()[0] if s.text else s.verb for s in self.steps)


# ---------------------------------------------------------------------- loading


def load(path: Path | None = None) -> list[Macro]:
    """Every macro in ``path`` (default: ``macros.toml``); a missing file is no macro.
    ConfigError names the file and line of the first problem."""
    path = path or macros_file()
    if not path.is_file():
        return []
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read macros: {exc}", path=where) from None
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_problem(exc)
        raise ConfigError(f"invalid TOML: {reason}", path=where, line=line) from None
    lines = text.splitlines()
    macros: list[Macro] = []
    keys: dict[str, str] = {}
    for name, table in data.items():
        at = _table_line(lines, name)
        if not isinstance(table, dict):
            raise ConfigError(f"{name!r}: a macro is a table [{name}] with steps = [...]", path=where, line=at)
        if not NAME.fullmatch(name):
            raise ConfigError(f"macro name {name!r}: use letters, digits, '-' and '_'", path=where, line=at)
        unknown = set(table) - {"key", "description", "steps"}
        if unknown:
            bad = sorted(unknown)[0]
            raise ConfigError(f"{name}: unknown setting {bad!r} (key, description, steps)", path=where, line=_key_line(lines, at, bad))
        steps = _steps(name, table.get("steps"), lines, at, where)
        key = table.get("key", "")
        if not isinstance(key, str) or any(not valid_key(k) for k in key.split()):
            raise ConfigError(f"{name}: unknown key name {key!r}", path=where, line=_key_line(lines, at, "key"))
        key = " ".join(key.split())
        if key and key in keys:
            raise ConfigError(f"{name}: key {key!r} is also the key of macro {keys[key]}", path=where, line=_key_line(lines, at, "key"))
        if key:
            keys[key] = name
        description = str(table.get("description", ""))
        macros.append(Macro(name, tuple(steps), key, description, where, at))
    return macros


def _steps(name: str, raw: object, lines: list[str], at: int | None, where: str) -> list[Step]:
    line = _key_line(lines, at, "steps")
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        raise ConfigError(f"{name}: steps must be a non-empty list of strings", path=where, line=line or at)
    steps = []
    for index, text in enumerate(raw):
        try:
            step = parse(text)
        except StepError as exc:
            raise ConfigError(f"{name}: {exc}", path=where, line=_text_line(lines, line, text)) from None
        if step.verb in NAVIGATION and index != len(raw) - 1:
            raise ConfigError(f"{name}: {step.verb!r} can only be the last step", path=where, line=_text_line(lines, line, text))
        steps.append(step)
    return steps


def _table_line(lines: list[str], name: str) -> int | None:
    pattern = re.compile(rf"^\s*\[\s*\"?{re.escape(name)}\"?\s*\]")
    return next((n for n, text in enumerate(lines, 1) if pattern.match(text)), None)


def _key_line(lines: list[str], start: int | None, key: str) -> int | None:
    for number in range(start or 1, len(lines) + 1):
        text = lines[number - 1]
        if number > (start or 0) and text.lstrip().startswith("["):
            break
        if re.match(rf"^\s*{key}\s*=", text):
            return number
    return start


def _text_line(lines: list[str], start: int | None, step: str) -> int | None:
    first = step.splitlines()[0] if step else step
    for number in range(start or 1, len(lines) + 1):
        if first and first in lines[number - 1]:
            return number
    return start


def check_keys(macros: Sequence[Macro], keymap: Keymap) -> None:
    """A macro key may not equal, start or extend a key of the live keymap where it works."""
    for macro in macros:
        if not macro.key:
            continue
        mine = tuple(macro.key.split())
        for action_id in keymap.bindings:
            if action_id.split(".", 1)[0] not in MACRO_CONTEXTS:
                continue
            for key in keymap.keys_for(action_id):
                theirs = tuple(key.split())
                short, long = sorted((mine, theirs), key=len)
                if long[: len(short)] == short:
                    raise ConfigError(
                        f"{macro.name}: key {macro.key!r} clashes with {action_id} ({key}) in the {keymap.name} keymap",
                        path=macro.path,
                        line=macro.line,
                    )


def save(name: str, steps: Sequence[Step], *, key: str = "", description: str = "", path: Path | None = None) -> Macro:
    """Append a macro to ``macros.toml`` (creating it); refuses a taken name."""
    path = path or macros_file()
    if not NAME.fullmatch(name):
        raise ConfigError(f"macro name {name!r}: use letters, digits, '-' and '_' (up to 41)")
    if not steps:
        raise ConfigError("nothing recorded: the macro has no steps")
    existing = load(path)
    if any(m.name == name for m in existing):
        raise ConfigError(f"a macro named {name!r} already exists", path=str(path))
    block = [f"\n[{name}]"]
    if key:
        block.append(f"key = {json.dumps(key)}")
    if description:
        block.append(f"description = {json.dumps(description, ensure_ascii=False)}")
    block.append("steps = [")
    block += [f"  {json.dumps(s.text, ensure_ascii=False)}," for s in steps]
    block.append("]")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(block) + "\n")
    return next(m for m in load(path) if m.name == name)


# ---------------------------------------------------------------------- dry run


@dataclass
class Plan:
    """What a macro will change on one conversation: the dry run and the run use it."""

    conversation_id: int
    subject: str
    version: int
    status_before: Status
    status_after: Status
    reply: str | None = None
    canned: str | None = None
    notes: list[str] = field(default_factory=list)
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    move: int = 0
    problem: str = ""
    """Why this conversation cannot run the macro (nothing is done to it then)."""

    def lines(self) -> list[str]:
        out = [f"#{self.conversation_id} {self.subject or '(no subject)'}"]
        if self.problem:
            return out + [f"  ⚠ not run: {self.problem}"]
        if self.reply is not None:
            source = f" (canned: {self.canned})" if self.canned else ""
            out.append(f"  reply{source}:")
            out += [f"    │ {line}" for line in self.reply.splitlines()]
        out += [f"  note (internal): {note}" for note in self.notes]
        if self.tags_add or self.tags_remove:
            changes = [f"+{t}" for t in self.tags_add] + [f"-{t}" for t in self.tags_remove]
            out.append("  tags: " + " ".join(changes))
        if self.status_after != self.status_before:
            out.append(f"  status: {self.status_before} → {self.status_after}")
        if self.move:
            out.append("  then: " + ("next conversation" if self.move > 0 else "previous conversation"))
        if len(out) == 1:
            out.append("  nothing to change")
        return out


def plan(service: InboxService, steps: Sequence[Step], conversation_id: int) -> Plan:
    """Simulate ``steps`` on a conversation without writing anything."""
    detail = service.conversation(conversation_id)
    conv = detail.conversation
    p = Plan(conversation_id, conv.subject, conv.version, conv.status, conv.status)
    tags = list(conv.tags)
    for step in steps:
        try:
            if step.verb in ("canned", "reply"):
                if p.reply is not None:
                    raise InboxError("a macro sends at most one reply")
                if "reply" not in detail.upstream:
                    raise InboxError(f"account {conv.account} cannot send replies")
                body = step.arg
                if step.verb == "canned":
                    canned = service.canned(step.arg)
                    body, p.canned = canned.body, canned.slug
                    tags += [t for t in canned.tags if t not in tags]
                    p.status_after = canned.status or p.status_after
                p.reply = service.render(conversation_id, body).strip("\n")
            elif step.verb == "tag":
                add, remove = step.tag_changes()
                tags = [t for t in tags if t not in remove] + [t for t in add if t not in tags]
            elif step.verb == "status":
                p.status_after = Status(step.arg)
            elif step.verb == "note":
                p.notes.append(step.arg)
            elif step.verb in NAVIGATION:
                p.move = 1 if step.verb == "next" else -1
        except InboxError as exc:
            p.problem = f"{step.text.splitlines()[0]}: {exc}"
            break
    tags = [clean_line(t, 60).replace(" ", "-") for t in tags]
    p.tags_add = [t for t in tags if t not in conv.tags]
    p.tags_remove = [t for t in conv.tags if t not in tags]
    return p


def apply(service: InboxService, p: Plan) -> str:
    """Run a plan as operations in ONE undo group; returns a one-line description."""
    if p.problem:
        raise InboxError(p.problem, title="Macro not run")
    cid = p.conversation_id
    done = []
    with service.grouped():
        if p.reply is not None:
            service.reply(cid, p.reply, canned=p.canned, seen_version=p.version)
            done.append("replied")
        for note in p.notes:
            service.add_note(cid, note)
            done.append("note")
        current = service.conversation(cid).conversation
        add = [t for t in p.tags_add if t not in current.tags]
        remove = [t for t in p.tags_remove if t in current.tags]
        if add or remove:
            service.set_tags(cid, add, remove)
            done.append("tags " + " ".join([f"+{t}" for t in add] + [f"-{t}" for t in remove]))
        if current.status != p.status_after:
            service.set_status(cid, p.status_after)
        if p.status_after != p.status_before:
            done.append(str(p.status_after))
    return f"#{cid}: " + (", ".join(done) or "nothing to change")


def run_many(service: InboxService, steps: Sequence[Step], ids: Sequence[int]) -> tuple[list[str], list[str]]:
    """Plan and run on each conversation (one undo group each). Returns (done, problems)."""
    done, problems = [], []
    for cid in ids:
        p = plan(service, steps, cid)
        if p.problem:
            problems.append(f"#{cid}: {p.problem}")
            continue
        try:
            done.append(apply(service, p))
        except InboxError as exc:
            problems.append(f"#{cid}: {exc}")
    return done, problems
