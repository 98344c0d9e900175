"""``inbox`` — the command line. Same service layer as the TUI; errors are one line on
stderr with a non-zero exit, never a traceback (details go to the log file)."""

from __future__ import annotations

import gc
import json
import logging
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from inbox_tui import __version__, bootstrap, paths
from inbox_tui.errors import ConfigError, InboxError
from inbox_tui.service import InboxService

if TYPE_CHECKING:  # the other commands' modules load when they run: `inbox ui` starts without them
    import argparse

log = logging.getLogger("inbox_tui")


def build_parser(*, only_ui: bool = False) -> argparse.ArgumentParser:
    """Every command; ``only_ui``: the global options and ``ui`` alone (the whole tree
    costs ~15 ms, mostly gettext looking for argparse's translations once per help
    string). Opening the inbox reads its few options without either (:func:`read_opening`)."""
    import argparse

    p = argparse.ArgumentParser(prog="inbox", description="A keyboard-first terminal inbox for customer support.")
    p.add_argument("--home", help="keep all config, data and cache under this folder (or set INBOX_TUI_HOME)")
    p.add_argument("--version", action="version", version=f"inbox-tui {__version__}")
    sub = p.add_subparsers(dest="command")

    ui = sub.add_parser("ui", help="open the inbox (the default)")
    ui.add_argument("--keymap", help="built-in keymap: default, vim, emacs")
    ui.add_argument("--no-sync", action="store_true", help="do not sync when the app starts")
    if only_ui:
        return p
    from inbox_tui import cli_accounts, cli_outbox, cli_replies, cli_triage
    from inbox_tui.model import Status

    demo = sub.add_parser("demo", help="open the inbox on generated demo data (no account, no network)")
    demo.add_argument("--no-ui", action="store_true", help="only prepare the demo home and print its path")
    demo.add_argument("--keymap", help="built-in keymap: default, vim, emacs")

    cli_accounts.add_parsers(sub)

    sync = sub.add_parser("sync", help="flush the outbox and pull new mail/tickets")
    sync.add_argument("account", nargs="?")
    sync.add_argument("--progress-json", action="store_true", help="print progress as JSON lines (for the TUI)")

    ls = sub.add_parser("list", help="list the queue")
    ls.add_argument("--view", default="open", help="a view key (see `inbox views`; default: open)")
    ls.add_argument("--query", help='narrow with the search language: tag:refund is:unanswered "late parcel" …')
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="show one conversation")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")

    search = sub.add_parser("search", help="search every conversation (free text or the search language)")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=50)
    search.add_argument("--json", action="store_true")

    reply = sub.add_parser("reply", help="queue a reply (sent by the next sync)")
    reply.add_argument("id", type=int)
    body = reply.add_mutually_exclusive_group(required=True)
    body.add_argument("--template", help="canned reply (name, file name or shortcut)")
    body.add_argument("--body-file", help="file with the reply text ('-' for standard input)")

    note = sub.add_parser("note", help="add an internal note (never sent to the customer)")
    note.add_argument("id", type=int)
    note.add_argument("text")

    status = sub.add_parser("status", help="set a conversation's status")
    status.add_argument("id", type=int)
    status.add_argument("state", choices=[s.value for s in Status])

    tag = sub.add_parser("tag", help="add (+tag) or remove (-tag) tags")
    tag.add_argument("id", type=int)
    tag.add_argument("changes", nargs="+", metavar="+TAG|-TAG")

    cli_outbox.add_parser(sub)
    cli_triage.add_parsers(sub)

    sub.add_parser("undo", help="undo the last action while it is still in the outbox")
    replies = sub.add_parser("replies", help="list canned replies; `replies stats`: uses and close rate")
    replies.add_argument("what", nargs="?", choices=["list", "stats"], default="list")
    replies.add_argument("--json", action="store_true")
    cli_replies.add_parsers(sub)
    return p


def opens_the_inbox(argv: list[str]) -> bool:
    """``inbox [--home DIR] [ui [--keymap K] [--no-sync]]``: no help, no other command."""
    rest = list(argv)
    if rest[:1] == ["--home"]:
        rest = rest[2:]
    elif rest[:1] and rest[0].startswith("--home="):
        rest = rest[1:]
    if rest[:1] == ["ui"]:
        rest = rest[1:]
    elif rest:
        return False
    return all(a in ("--no-sync", "--keymap") or not a.startswith("-") for a in rest)


def read_opening(argv: list[str]) -> SimpleNamespace | None:
    """What the parser would read from ``inbox [--home DIR] [ui] [--keymap K] [--no-sync]``,
    read without argparse (~5-10 ms of importing and building a parser before the first
    paint); ``None`` for anything else, an abbreviation or a missing value included: the
    parser reads those (and says what is wrong)."""
    if not opens_the_inbox(argv):
        return None
    args = SimpleNamespace(home=None, command=None)
    rest = list(argv)
    if rest[:1] == ["--home"] and len(rest) > 1:
        args.home, rest = rest[1], rest[2:]
    elif rest[:1] and rest[0].startswith("--home="):
        args.home, rest = rest[0].removeprefix("--home="), rest[1:]
    if rest[:1] == ["ui"]:
        args.command, args.keymap, args.no_sync, rest = "ui", None, False, rest[1:]
    while rest and args.command == "ui":
        if rest[0] == "--no-sync":
            args.no_sync, rest = True, rest[1:]
        elif rest[0] == "--keymap" and len(rest) > 1 and not rest[1].startswith("-"):
            args.keymap, rest = rest[1], rest[2:]
        else:
            return None
    return None if rest or args.home == "" or (args.home or "").startswith("-") else args


def main(argv: list[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    args = read_opening(given)
    if args is None:
        gc.enable()  # off since __main__ for the start-up; `inbox ui` keeps it off until its first paint
        args = build_parser(only_ui=opens_the_inbox(given)).parse_args(given)
    try:
        bootstrap.use_home(args.home)
        if args.command == "demo":
            from inbox_tui.cli_run import demo

            return demo(args)
        _setup_logging()
        return _dispatch(args)
    except InboxError as exc:
        print(f"inbox: {exc}", file=sys.stderr)
        if hasattr(exc, "caret"):  # a query that does not parse: show where
            print(exc.caret(), file=sys.stderr)
        return 2 if isinstance(exc, ConfigError) else 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the user gets one line, the log the details
        log.error("unexpected error:\n%s", traceback.format_exc())
        print(f"inbox: internal error ({type(exc).__name__}); details in {paths.log_file()}", file=sys.stderr)
        return 70


def _setup_logging() -> None:
    try:
        paths.log_file().parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(paths.log_file(), encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for previous in root.handlers:  # main() may run more than once in a process (tests)
        previous.close()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command or "ui"
    if command == "ui":
        from inbox_tui.cli_run import run_ui

        return run_ui(keymap=getattr(args, "keymap", None), sync=not getattr(args, "no_sync", False))
    if command == "account":
        from inbox_tui import cli_accounts

        return cli_accounts.run(args)
    if command == "sync":
        from inbox_tui.cli_run import sync

        return sync(args.account, progress_json=args.progress_json)
    service = bootstrap.build_service()
    handler = _handlers()[command]
    return handler(service, args)


def _list(service: InboxService, args: argparse.Namespace) -> int:
    service.refresh_clocks()  # time moved since the last sync: SLA buckets, snoozes ending
    try:
        ids = service.queue_ids(args.view, args.query)
    except KeyError:
        raise ConfigError(f"no view {args.view!r} (views: {', '.join(v.key for v in service.views())})") from None
    rows = service.rows(ids[: max(0, args.limit)])
    from inbox_tui import cli_format as fmt

    print(fmt.dumps([fmt.row_json(r) for r in rows]) if args.json else fmt.queue_table(rows))
    return 0


def _show(service: InboxService, args: argparse.Namespace) -> int:
    from inbox_tui import cli_format as fmt

    detail = service.conversation(args.id)
    if args.json:
        print(fmt.dumps(fmt.detail_json(detail, service.rows([args.id])[0])))
    else:
        print(fmt.detail_text(detail))
    return 0


def _search(service: InboxService, args: argparse.Namespace) -> int:
    from inbox_tui import cli_format as fmt

    rows = service.search(args.query, view=None, limit=max(0, args.limit))
    print(fmt.dumps([fmt.row_json(r) for r in rows]) if args.json else fmt.queue_table(rows))
    return 0


def _reply(service: InboxService, args: argparse.Namespace) -> int:
    if args.template:
        canned = service.canned(args.template)
        body = service.render(args.id, canned.body)
        op = service.reply(args.id, body, canned=canned.slug)
    else:
        text = sys.stdin.read() if args.body_file == "-" else _read_text(args.body_file)
        op = service.reply(args.id, service.render(args.id, text))
    print(f"Reply queued for #{args.id} (operation {op.id[:8]}); `inbox sync` sends it, `inbox undo` takes it back.")
    return 0


def _read_text(name: str) -> str:
    try:
        return Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the reply body: {exc}", path=name) from None


def _note(service: InboxService, args: argparse.Namespace) -> int:
    service.add_note(args.id, args.text)
    print(f"Note added to #{args.id}.")
    return 0


def _status(service: InboxService, args: argparse.Namespace) -> int:
    from inbox_tui.model import Status

    op = service.set_status(args.id, Status(args.state))
    where = " (queued for upstream)" if op else ""
    print(f"#{args.id} is now {args.state}{where}.")
    return 0


def _tag(service: InboxService, args: argparse.Namespace) -> int:
    add = [c[1:] for c in args.changes if c.startswith("+")]
    remove = [c[1:] for c in args.changes if c.startswith("-")]
    bad = [c for c in args.changes if c[:1] not in "+-"]
    if bad:
        raise ConfigError(f"tag changes look like +tag or -tag (got {bad[0]!r})")
    service.set_tags(args.id, add, remove)
    tags = service.conversation(args.id).conversation.tags
    print(f"#{args.id} tags: {', '.join(tags) or '(none)'}")
    return 0




def _undo(service: InboxService, args: argparse.Namespace) -> int:
    what = service.undo_last()
    print(what or "Nothing to undo: the last action already went upstream.")
    return 0 if what else 1


def _replies(service: InboxService, args: argparse.Namespace) -> int:
    if args.what == "stats":
        from inbox_tui import cli_replies

        return cli_replies.replies_stats(service, args.json)
    replies = service.canned_replies()
    if args.json:
        print(json.dumps([{"slug": r.slug, "name": r.name, "shortcut": r.shortcut} for r in replies], ensure_ascii=False))
    else:
        for r in replies:
            print(f"{r.shortcut:<10} {r.name}")
    return 0


def _handlers() -> dict[str, Any]:
    from inbox_tui import cli_outbox, cli_replies, cli_triage

    return {
        "list": _list,
        "show": _show,
        "search": _search,
        "reply": _reply,
        "note": _note,
        "status": _status,
        "tag": _tag,
        "outbox": cli_outbox.run,
        **cli_triage.HANDLERS,
        "undo": _undo,
        "replies": _replies,
        "macros": cli_replies.run_macros,
    }
