"""``inbox outbox [show|retry|send-now|send-anyway|edit|discard|mark-sent] [ID]``: the journal.

``show ID`` prints the operation, its attempt log and — for a conflict — what changed in
the conversation since the agent acted. ``send-now ID`` makes it due and runs a sync."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from inbox_tui import cli_format as fmt
from inbox_tui.errors import ConfigError
from inbox_tui.journal import JournalEntry
from inbox_tui.model import clean_line
from inbox_tui.service import InboxService

ACTIONS = ("list", "show", "retry", "send-now", "send-anyway", "edit", "discard", "mark-sent")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "outbox",
        help="operations waiting to go upstream, and what to do with them",
        description="List the journal, or act on one operation (ID = the first characters shown by the list).",
    )
    p.add_argument("action", nargs="?", default="list", choices=ACTIONS)
    p.add_argument("op", nargs="?", metavar="ID")
    p.add_argument("--all", action="store_true", help="include sent and cancelled operations")
    p.add_argument("--json", action="store_true")
    p.add_argument("--body-file", help="new text for `edit` ('-' for standard input)")


def run(service: InboxService, args: argparse.Namespace) -> int:
    journal = service.journal
    if args.action == "list":
        entries = journal.entries(include_done=args.all)
        if args.json:
            print(fmt.dumps([{**fmt.op_json(e.operation), "subject": e.subject, "summary": e.summary,
                              "actions": list(e.actions)} for e in entries]))  # fmt: skip
        else:
            print(table(entries))
        return 0
    if not args.op:
        raise ConfigError(f"`inbox outbox {args.action}` needs an operation ID (see `inbox outbox`)")
    if args.action == "show":
        return _show(service, args.op, as_json=args.json)
    if args.action == "send-now":
        op = journal.send_now(args.op)
        from inbox_tui.cli_run import sync

        sync(op.account, progress_json=False)
        print(f"{op.id[:8]} is now {service.store.operation(op.id).state}.")
        return 0
    if args.action == "retry":
        op = journal.retry(args.op)
    elif args.action == "send-anyway":
        op = journal.send_anyway(args.op)
    elif args.action == "mark-sent":
        op = journal.mark_sent(args.op)
    elif args.action == "discard":
        journal.discard(args.op)
        print(f"Discarded {args.op}.")
        return 0
    else:
        if not args.body_file:
            raise ConfigError("`inbox outbox edit ID` needs --body-file FILE ('-' for standard input)")
        body = sys.stdin.read() if args.body_file == "-" else _read(args.body_file)
        op = journal.edit(args.op, body)
    print(f"{op.id[:8]} is now {op.state}; the next `inbox sync` takes it from here.")
    return 0


def _show(service: InboxService, op_id: str, *, as_json: bool) -> int:
    journal = service.journal
    (entry,) = [e for e in journal.entries(include_done=True) if e.operation.id == journal.resolve_id(op_id)]
    changes = journal.changes_since(entry.operation.id)
    log = service.store.op_log(entry.operation.id)
    if as_json:
        print(fmt.dumps({
            **fmt.op_json(entry.operation), "subject": entry.subject, "summary": entry.summary,
            "actions": list(entry.actions), "log": log,
            "changes": [{"when": fmt.iso(c.when), "who": c.who, "what": c.what, "text": c.text} for c in changes],
        }))  # fmt: skip
        return 0
    print(table([entry]))
    print(f"  subject: {clean_line(entry.subject, 100)}")
    for row in log:
        print(f"  {row['at'][:19]}  {row['event']:<12} {clean_line(row['detail'], 90)}")
    if changes:
        print("\nWhat changed since you acted:")
        for c in changes:
            print(f"  {fmt.iso(c.when)[:16]}  {c.who} {c.what}:")
            for line in c.text.splitlines():
                print(f"      {line}")
    return 0


def _read(name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=name) from None


def table(entries: list[JournalEntry]) -> str:
    if not entries:
        return "The outbox is empty: everything is upstream."
    lines = []
    for e in entries:
        o = e.operation
        error = f"\n          ! {clean_line(o.last_error, 100)}" if o.last_error else ""
        can = f"  [{', '.join(a.replace('_', '-') for a in e.actions)}]" if e.actions else ""
        lines.append(
            f"{o.id[:8]}  #{o.conversation_id:<5} {o.kind:<6} {o.state:<11} tries {o.attempts}  "
            f"{clean_line(e.summary, 50)}{can}{error}"
        )
    return "\n".join(lines)
