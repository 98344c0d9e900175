"""``inbox replies stats`` and ``inbox macros list|check|run`` (same service as the TUI)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from inbox_tui import bootstrap, keymap, macros, paths
from inbox_tui.errors import ConfigError
from inbox_tui.service import InboxService


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("macros", help="keyboard macros in macros.toml: list, check, run")
    m.add_argument("what", choices=["list", "check", "run"], nargs="?", default="list")
    m.add_argument("name", nargs="?", help="run: the macro's name")
    m.add_argument("ids", nargs="*", type=int, help="run: conversation ids")
    m.add_argument("--dry-run", action="store_true", help="run: only show what would change")
    m.add_argument("--json", action="store_true")


def replies_stats(service: InboxService, as_json: bool) -> int:
    from inbox_tui import reply_stats

    found = reply_stats.stats(service)
    names = {r.slug: r for r in service.canned_replies()}
    order = sorted(found.values(), key=lambda s: (-s.uses, s.slug))
    if as_json:
        rows = [{"slug": s.slug, "uses": s.uses, "closed_clean": s.closed_clean, "close_rate": s.close_rate} for s in order]
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"{'reply':<24} {'shortcut':<10} {'uses':>5} {'closed':>7} {'close rate':>10}")
    for s in order:
        reply = names.get(s.slug)
        rate = "—" if s.close_rate is None else f"{s.close_rate:.0%}"
        name = reply.name if reply else f"{s.slug} (file gone)"
        shortcut = reply.shortcut if reply else ""
        print(f"{name[:24]:<24} {shortcut[:10]:<10} {s.uses:>5} {s.closed_clean:>7} {rate:>10}")
    print("close rate: closed without another customer message after the reply")
    return 0


def run_macros(service: InboxService, args: argparse.Namespace) -> int:
    found = macros.load()
    if args.what == "list":
        if args.json:
            rows = [{"name": m.name, "key": m.key, "steps": [s.text for s in m.steps]} for m in found]
            print(json.dumps(rows, ensure_ascii=False))
        elif not found:
            print(f"No macros yet: add them to {macros.macros_file()} or record one in the inbox.")
        for m in found if not args.json else []:
            print(f"{m.name:<20} {keymap.pretty_key(m.key) if m.key else '':<8} {m.summary}")
        return 0
    if args.what == "check":
        return _check(service, found)
    by_name = {m.name: m for m in found}
    if args.name not in by_name:
        raise ConfigError(f"no macro named {args.name!r} in {macros.macros_file()}")
    if not args.ids:
        raise ConfigError("name the conversations: inbox macros run NAME ID [ID …]")
    steps = by_name[args.name].steps
    if args.dry_run:
        for cid in args.ids:
            print("\n".join(macros.plan(service, steps, cid).lines()))
        return 0
    done, problems = macros.run_many(service, steps, args.ids)
    for line in done:
        print(line)
    for line in problems:
        print(f"not run: {line}")
    return 1 if problems else 0


def _check(service: InboxService, found: list[macros.Macro]) -> int:
    config = bootstrap.load_config()
    km = keymap.load(config.keymap, paths.user_keymap_file())
    macros.check_keys(found, km)
    canned = {r.slug for r in service.canned_replies()} | {r.shortcut for r in service.canned_replies()}
    for m in found:
        for step in m.steps:
            if step.verb == "canned" and step.arg not in canned and not any(r.name == step.arg for r in service.canned_replies()):
                raise ConfigError(f"{m.name}: no canned reply {step.arg!r} in {paths.replies_dir()}", path=m.path, line=m.line)
    print(f"{len(found)} macro{'s' if len(found) != 1 else ''} OK ({macros.macros_file()}, {km.name} keymap)")
    return 0
