"""Start-up stays light: what `inbox ui` imports, the early first load, background jobs
after the first paint, the preview in the cursor's own frame."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from inbox_tui import bootstrap, keymap
from inbox_tui.ui.app import START_JOBS_LATEST_SECONDS, InboxApp
from inbox_tui.ui.screens.queue import QueueScreen
from inbox_tui.ui.warmup import Warmup
from inbox_tui.ui.widgets.key_footer import KeyFooter
from inbox_tui.ui.widgets.queue_list import QueueList
from inbox_tui.ui.widgets.row_preview import RowPreview
from tests.ui.conftest import SIZE, AppFactory, settle, until

ROOT = Path(__file__).resolve().parents[2]
NOT_BEFORE_FIRST_PAINT = (
    "sqlite_utils", "httpx", "keyring", "imapclient",  # migrations, connectors, secrets
    "inbox_tui.sync", "inbox_tui.triage.runner", "inbox_tui.triage.rules", "inbox_tui.reply_stats",  # other commands
    "argparse", "inbox_tui.cli_accounts", "inbox_tui.cli_format", "inbox_tui.cli_outbox", "inbox_tui.cli_triage",  # CLI only
    "connectors.base", "inbox_tui.outgoing", "importlib.resources",  # the first reply; keymaps in a zip
)  # fmt: skip


def test_opening_the_app_imports_nothing_it_does_not_need(home: Path) -> None:
    """What `inbox ui` imports before its first frame, plus opening the cache: no
    migration tool, no connector or network stack, no keyring, no CLI-only command."""
    code = (
        "import sys\n"
        "from inbox_tui import cli, cli_run, bootstrap, keymap, paths\n"
        "from inbox_tui.ui.app import InboxApp\n"
        f"paths.set_home({str(home)!r})\n"
        "assert cli.read_opening(['ui', '--no-sync']) is not None\n"
        "keymap.load('default')\n"
        "bootstrap.build_service().store.close()\n"
        f"print(sorted(m for m in {NOT_BEFORE_FIRST_PAINT!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_the_first_load_uses_the_early_warmup(home: Path) -> None:
    service = bootstrap.build_service(home)
    warmup = Warmup.start(service)
    app = InboxApp(service, keymap.load("default"), warmup=warmup)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen) and screen.loads >= 1
        assert screen.query_one(QueueList).ids == service.queue_ids("open")
        assert warmup.take("open") is None  # taken by the first load; later loads ask the service


def test_the_forked_warmup_brings_the_same_ids_and_counts(home: Path) -> None:
    service = bootstrap.build_service(home)
    warmup = Warmup.start(service, reopen=lambda: bootstrap.build_service(home))
    assert warmup.take("open") == (service.queue_ids("open"), service.view_counts())
    assert warmup.take("open") is None  # once


def test_a_failing_child_falls_back_to_this_process(home: Path) -> None:
    service = bootstrap.build_service(home)

    def broken() -> bootstrap.InboxService:
        raise RuntimeError("no cache in the child")

    warmup = Warmup.start(service, reopen=broken)
    assert warmup.take("open") == (service.queue_ids("open"), service.view_counts())


async def test_the_collector_waits_for_the_first_paint(home: Path) -> None:
    service = bootstrap.build_service(home)
    warmup = Warmup.start(service, pause_gc=True)
    try:
        assert not gc.isenabled()
        app = InboxApp(service, keymap.load("default"), warmup=warmup)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app._jobs_started, "the first paint")
            assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


async def test_background_jobs_start_once_the_queue_is_painted(make_app: AppFactory) -> None:
    app = make_app()
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: getattr(app.screen, "loads", 0) >= 1, "the first load")
        await until(pilot, lambda: app._jobs_started, "the clock refresh and outbox flush armed")
        assert time.monotonic() - started < START_JOBS_LATEST_SECONDS  # the paint started them, not the fallback


async def test_the_preview_follows_the_cursor_without_a_message_round_trip(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(QueueList)
        preview = app.screen.query_one(RowPreview)
        for move in (queue.action_cursor_down, queue.action_page_down, queue.action_last, queue.action_first):
            move()  # no await: the preview must already show the new row (same frame)
            assert preview.row is not None and preview.row.id == queue.current_id


async def test_the_footer_rebuilds_only_when_its_keys_change(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        keys = list(footer.query(FooterKey))
        assert any(k.description == "Next view" for k in keys)
        for _ in range(3):  # signals with nothing new to show: the same widgets stay
            footer.bindings_changed(app.screen)
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys
        shown = lambda: [k.description for k in footer.query(FooterKey) if k.display]  # noqa: E731
        before = shown()
        await pilot.press("slash")  # the search box takes the keys: the footer follows
        await settle(pilot)
        assert shown() != before and "Open" not in shown() and "Next view" in shown()
        assert list(footer.query(FooterKey)) == keys  # by hiding cells, not building new ones
        await pilot.press("escape")
        await settle(pilot)
        assert shown() == before and list(footer.query(FooterKey)) == keys


async def test_the_search_box_is_built_on_the_first_slash(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query("#search")  # not built for the first paint
        await pilot.press("slash", *"teapot")
        assert screen.query_one("#search", Input).value == "teapot" and screen.query_one("#search").has_focus
        await pilot.press("escape")
        await settle(pilot)
        assert screen.query_one(QueueList).has_focus and not screen.search
