"""Triage from the shell: ``inbox views``, ``inbox why ID``, ``inbox snooze ID [WHEN]``,
``inbox rules check`` and ``inbox rules test [--rule NAME] [--query Q]``."""

from __future__ import annotations

import argparse

from inbox_tui import cli_format as fmt
from inbox_tui.errors import ConfigError
from inbox_tui.service import InboxService
from inbox_tui.store import iso

WHEN_HELP = "later | tomorrow | next-business-day | monday | reply | 3h | fri | 2026-12-01 [14:00]"


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    views = sub.add_parser("views", help="the views (tabs) with their counts")
    views.add_argument("--query", help="count only conversations matching this query")
    views.add_argument("--json", action="store_true")

    why = sub.add_parser("why", help="why a conversation sits where it sits in the queue")
    why.add_argument("id", type=int)
    why.add_argument("--view", default="open", help="place it in this view (default: open)")
    why.add_argument("--json", action="store_true")

    snooze = sub.add_parser("snooze", help="hide a conversation until a time or the customer's reply")
    snooze.add_argument("id", type=int)
    snooze.add_argument("when", nargs="?", help=f"{WHEN_HELP}; without it: list the presets")
    snooze.add_argument("--no-wake-on-reply", action="store_true", help="stay snoozed even if the customer writes")
    snooze.add_argument("--wake", action="store_true", help="bring it back now")
    snooze.add_argument("--same", action="store_true", help="snooze again to the time a customer reply interrupted")

    rules = sub.add_parser("rules", help="check rules.toml, or dry-run it over the cache")
    rules.add_argument("action", choices=("check", "test"))
    rules.add_argument("--rule", help="only this rule (by name)")
    rules.add_argument("--query", default="-status:closed", help="which conversations to try (default: not closed)")
    rules.add_argument("--limit", type=int, default=1000)


def views(service: InboxService, args: argparse.Namespace) -> int:
    service.refresh_clocks()
    counts = service.view_counts(args.query)
    if args.json:
        print(fmt.dumps([{"key": v.key, "title": v.title, "query": v.query, "sort": v.sort, "limit": v.limit,
                          "count": counts[v.key]} for v in service.views()]))  # fmt: skip
        return 0
    for v in service.views():
        print(f"{v.key:<14} {counts[v.key]:>7}  {v.title:<22} {v.query}")
    return 0


def why(service: InboxService, args: argparse.Namespace) -> int:
    service.refresh_clocks()
    found = service.why(args.id, args.view)
    if args.json:
        print(fmt.dumps({
            "id": found.conversation_id, "score": found.score, "stored_score": found.stored_score,
            "terms": [{"key": t.key, "label": t.label, "points": t.points, "detail": t.detail} for t in found.terms],
            "sla": {"policy": found.policy, "kind": found.sla_kind, "due_at": iso(found.due_at) if found.due_at else None,
                    "state": found.sla_state, "text": found.sla_text},
            "rank": list(found.rank) if found.rank else None, "view": found.view, "rules": found.rules,
        }))  # fmt: skip
    else:
        print("\n".join(found.lines()))
    return 0


def snooze(service: InboxService, args: argparse.Namespace) -> int:
    if args.wake:
        service.unsnooze(args.id)
        print(f"#{args.id} is back in the queue.")
        return 0
    if args.same:
        until = service.resnooze_same(args.id)
        if until is None:
            print(f"#{args.id}: no earlier snooze time to go back to.")
            return 1
        print(f"#{args.id} snoozed again until {_local(service, until)}.")
        return 0
    if not args.when:
        for preset in service.snooze_presets():
            print(f"{preset.key:<18} {preset.label}")
        return 0
    until = service.resolve_snooze(args.when)
    service.snooze(args.id, until, wake_on_reply=not args.no_wake_on_reply)
    what = "until the customer replies" if until is None else f"until {_local(service, until)}"
    print(f"#{args.id} snoozed {what}.")
    return 0


def _local(service: InboxService, when: object) -> str:
    return f"{when.astimezone(service.triage.settings.tz):%a %d %b %Y %H:%M %Z}"  # type: ignore[attr-defined]


def rules(service: InboxService, args: argparse.Namespace) -> int:
    from inbox_tui.triage import rules as rules_mod  # only here: `inbox ui` starts without it
    from inbox_tui.triage.runner import RuleRunner, rules_file

    path = rules_file()
    loaded = rules_mod.load(path, view_keys={v.key for v in service.views()})
    if not path.exists():
        print(f"No rules yet: {path} does not exist.")
        return 0
    for rule in loaded:
        if "auto_reply" in rule.actions:
            try:
                service.canned(rule.actions["auto_reply"])
            except ConfigError as exc:
                raise ConfigError(f"rule {rule.name!r}: auto_reply: {exc}", path=str(path), line=rule.line) from None
    if args.rule and all(r.name != args.rule for r in loaded):
        raise ConfigError(f"no rule named {args.rule!r}", path=str(path))
    if args.action == "check":
        print(f"{path}: {len(loaded)} rules, all valid.")
        for number, rule in enumerate(loaded, start=1):
            when = ", ".join(str(t) for t in rule.when)
            stop = "; stop" if rule.stop else ""
            print(f"{number:>3}. {rule.name} (on {when}): {', '.join(rule.actions) or 'no action'}{stop}")
        return 0
    ids = service.triage.query_ids(args.query, limit=max(0, args.limit))
    results = RuleRunner(service, loaded).dry_run(ids, args.rule)
    for conv_id, name, trigger, changes in results:
        print(f"#{conv_id:<7} {name} (on {trigger}): {', '.join(changes)}")
    touched = len({r[0] for r in results})
    print(f"Dry run over {len(ids)} conversations: {touched} would be changed. Nothing was changed.")
    return 0


HANDLERS = {"views": views, "why": why, "snooze": snooze, "rules": rules}
