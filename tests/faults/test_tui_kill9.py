"""kill -9 the real TUI (in a real terminal: tmux) right after typing a reply: the draft is
on disk, at most the last second of typing is lost, and the next start offers it back."""

from __future__ import annotations

import os
import shlex
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_tui.store import Store
from tests.e2e.tmux import Tmux
from tests.faults.homes import PYTHON, ROOT, Home, sync
from tests.faults.targets import MaildirTarget

TEXT = "Hello again, your replacement ships tomorrow morning"


@pytest.fixture
def target() -> Iterator[MaildirTarget]:
    t = MaildirTarget()
    t.start(2)
    yield t
    t.stop()


def start_app(tmux: Tmux, home: Home, pidfile: Path) -> None:
    app = " ".join(shlex.quote(a) for a in (PYTHON, "-m", "inbox_tui", "--home", str(home.path)))
    tmux.start(["sh", "-c", f"echo $$ > {shlex.quote(str(pidfile))}; exec {app}"], cwd=ROOT)


def test_draft_survives_kill_9_of_the_tui(target: MaildirTarget, tmp_path: Path) -> None:
    home = Home.create(tmp_path / "home", target.account, target.account_table())
    assert sync(home)[0] == 0
    pidfile = tmp_path / "app.pid"
    tmux = Tmux(tmp_path)
    try:
        start_app(tmux, home, pidfile)
        tmux.wait_for("Order 10", timeout=30)
        tmux.send("Enter")
        tmux.wait_for("Internal notes", timeout=15)
        tmux.send("r")
        tmux.wait_for("Reply to", timeout=15)
        tmux.type(TEXT)
        tmux.wait_for("replacement ships", timeout=10)
        time.sleep(1.5)  # the autosave is debounced by 0.8 s: past it, the text is on disk
        os.kill(int(pidfile.read_text().strip()), signal.SIGKILL)
        tmux.wait_for(lambda _screen: tmux.pane_dead(), timeout=10)
        assert tmux.exit_status() != 0

        store = Store(home.db)
        try:
            drafts = {cid: store.draft(cid) for cid in (1, 2)}
            (cid,) = [c for c, text in drafts.items() if text == TEXT]
            order = store.conversation(cid).subject.split()[1]  # "Order 1001 has not arrived"
        finally:
            store.close()

        tmux.kill()
        tmux = Tmux(tmp_path)
        start_app(tmux, home, pidfile)
        tmux.wait_for("Order 10", timeout=30)
        for _ in range(3):  # walk the queue to the conversation with the draft (the row marked ▌)
            if f"Order {order}" in next(line for line in tmux.screen().splitlines() if "▌" in line):
                break
            tmux.send("j")
            time.sleep(0.3)
        tmux.send("Enter")
        tmux.wait_for("Internal notes", timeout=15)
        tmux.send("r")
        screen = tmux.wait_for("Your saved draft is back", timeout=15)
        assert "replacement ships tomorrow" in screen
    finally:
        tmux.kill()
