"""The long-running commands: the TUI, ``inbox demo`` and ``inbox sync``."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inbox_tui import bootstrap, keymap, paths
from inbox_tui.config import AppConfig
from inbox_tui.errors import ConfigError
from inbox_tui.service import InboxService
from inbox_tui.store import Store

if TYPE_CHECKING:  # imported where a sync runs: `inbox ui` starts without them
    import argparse

    from inbox_tui.sync import SyncSummary
    from inbox_tui.triage.runner import SyncTriage


@contextmanager
def sync_lock() -> Iterator[bool]:
    """One sync at a time per home (a TUI and a cron job must never push the same
    operation twice). Yields False when another sync holds the lock."""
    path = paths.data_dir() / "sync.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def run_sync(account: str | None = None, *, on_event: Any = None) -> SyncSummary | None:
    config = bootstrap.load_config()
    if account is not None and account not in config.accounts:
        raise ConfigError(f"no account named {account!r} (see `inbox account list`)", path=str(config.path))
    accounts = [account] if account else list(config.accounts)
    with sync_lock() as got_it:
        if not got_it:
            return None
        from inbox_tui.sync import SyncEngine

        store = bootstrap.open_store()
        try:
            engine = SyncEngine(
                store, accounts, bootstrap.connector_opener(config), on_event=on_event, pull_hook=_triage(store, config)
            )
            return engine.run()
        finally:
            store.close()


def _triage(store: Store, config: AppConfig) -> SyncTriage:
    """Rules and rescoring in the sync process, after each stored batch."""
    from inbox_tui.triage.runner import SyncTriage

    return SyncTriage.for_service(InboxService(store, config, bootstrap.upstream_of(config)))


def sync(account: str | None, *, progress_json: bool) -> int:
    def emit(event: dict[str, Any]) -> None:
        if progress_json:
            print(json.dumps(event, ensure_ascii=False, default=str), flush=True)

    summary = run_sync(account, on_event=emit)
    if summary is None:
        if progress_json:
            emit({"event": "busy"})
        else:
            print("Another sync is running for this inbox; nothing to do.")
        return 0
    if not progress_json:
        print(_describe(summary))
        for problem in summary.problems[:20]:
            print(f"  ! {problem}")
        if len(summary.problems) > 20:
            print(f"  … and {len(summary.problems) - 20} more problems (see `inbox outbox` and the log)")
    config_accounts = 1 if account else max(1, len(bootstrap.load_config().accounts))
    return 1 if summary.offline and len(summary.offline) >= config_accounts else 0


def _describe(s: SyncSummary) -> str:
    parts = [f"{s.pulled} new messages", f"{s.conversations} conversations touched", f"{s.sent} sent"]
    if s.conflicts:
        parts.append(f"{s.conflicts} in conflict (see `inbox outbox`)")
    if s.unconfirmed:
        parts.append(f"{s.unconfirmed} unconfirmed")
    if s.failed:
        parts.append(f"{s.failed} failed")
    if s.offline:
        parts.append(f"offline: {', '.join(s.offline)}")
    return "Synced: " + ", ".join(parts) + "."


def demo(args: argparse.Namespace) -> int:
    from inbox_tui.cli import _setup_logging
    from inbox_tui.demo import prepare_demo_home

    home = Path(args.home).expanduser().resolve() if args.home else paths.default_demo_home()
    prepared = prepare_demo_home(home)
    paths.set_home(home)
    _setup_logging()
    store = bootstrap.open_store()
    first_time = store.last_sync() is None
    store.close()
    if first_time:  # so `inbox list` and the first paint already show the queue
        run_sync()
    if args.no_ui:
        print(prepared.home)
        return 0
    return run_ui(keymap=args.keymap, sync=not first_time)


def run_ui(*, keymap: str | None = None, sync: bool = True) -> int:
    config = bootstrap.load_config()
    name = keymap or config.keymap
    # a bad keymap file: one line naming file:line, and the last keymap that loaded
    from inbox_tui import keymap as keymaps  # the ``keymap`` argument shadows the module here

    km, keymap_error = keymaps.load_safe(name, paths.user_keymap_file(), paths.data_dir() / "keymap.last-good.json")
    service = bootstrap.build_service(config=config)
    from inbox_tui.ui.warmup import Warmup

    # SQLite answers (in a forked child, on its own connection) while Python imports Textual
    warmup = Warmup.start(service, reopen=lambda: bootstrap.build_service(config=config), pause_gc=True)
    from inbox_tui.ui.app import InboxApp

    app = InboxApp(service, km, keymap_error=keymap_error, sync_on_start=sync, warmup=warmup)
    app.run()
    return int(app.return_code or 0)


def keymap_mod_load(name: str, *, user: bool = True) -> keymap.Keymap:
    return keymap.load(name, paths.user_keymap_file() if user else None)
