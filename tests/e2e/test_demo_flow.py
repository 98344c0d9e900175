"""End to end: the real ``inbox`` binary in a real terminal (tmux), driven by keys.

``inbox --home H demo`` opens on the demo data → navigate → open a thread → internal note →
canned reply from the fuzzy picker → close (lands on the next one) → search the hostile
``Re: [/] your ticket`` conversation → reply written in ``$EDITOR`` (a fake editor script:
the app suspends, the script appends text, the app resumes with it in the compose box) →
quit → ``inbox --home H sync`` → both replies are in the demo Maildir's Sent folder with
the original's threading headers, ``Re:`` not stacked, and the note in neither.
"""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_tui import bootstrap, paths
from inbox_tui.model import Direction, reply_subject
from tests.e2e.tmux import Tmux

EDITOR_TEXT = "Written in the editor: a replacement is on its way."
NOTE_TEXT = "Carrier: depot delay"
STARTUP = 90.0  # first run prepares the demo mailbox (~5 s idle; the CI machine is shared)


def inbox_argv() -> list[str]:
    """The installed console script of this venv, else the module."""
    script = Path(sys.executable).with_name("inbox")
    return [str(script)] if script.exists() else [sys.executable, "-m", "inbox_tui"]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed: the end-to-end test drives the real app in tmux (apt-get install tmux)")
    terminal = Tmux(tmp_path, width=120, height=40)
    yield terminal
    terminal.kill()


@pytest.fixture
def fake_editor(tmp_path: Path) -> Path:
    script = tmp_path / "fake-editor.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\n" "{EDITOR_TEXT}" >> "$1"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def header_id(screen: str) -> int:
    """The conversation id in the header line under the subject (``#42  ·  demo``)."""
    found = re.search(r"#(\d+)  ·  demo  ·  \d+ messages?", screen)
    assert found, f"no conversation header on screen:\n{screen}"
    return int(found.group(1))


def sent_mail(home: Path) -> list[email.message.EmailMessage]:
    folder = home / "mail" / ".Sent"
    files = sorted(p for sub in ("cur", "new") for p in (folder / sub).glob("*") if p.is_file())
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]  # type: ignore[misc]


def body_of(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_demo_by_keyboard_then_sync_delivers_threaded_replies(tmp_path: Path, tmux: Tmux, fake_editor: Path) -> None:
    home = tmp_path / "home"
    env = {"EDITOR": str(fake_editor), "VISUAL": str(fake_editor), "INBOX_TUI_THEME": "gruvbox"}
    tmux.start([*inbox_argv(), "--home", str(home), "demo"], env=env, cwd=tmp_path)
    screen = tmux.wait_for("All open", timeout=STARTUP)
    screen = tmux.wait_for(lambda s: re.search(r"#\d+  ·  demo", s) is not None, timeout=30)  # preview of row 1
    assert "Urgent" in screen and "Closed" in screen

    # navigate: j j k lands on the second row, the preview follows
    tmux.send("j", "j", "k")
    tmux.wait_for(lambda s: "▌" in s.splitlines()[3], timeout=10)  # the cursor bar on row 2 (tabs, header, row 1)
    tmux.send("Enter")
    screen = tmux.wait_for(lambda s: re.search(r"\b2/\d{3}\b", s) is not None and "Internal notes" in s, timeout=15)
    first = header_id(screen)
    assert "CUSTOMER" in screen

    # internal note
    tmux.send("n")
    tmux.wait_for("only your team sees it")
    tmux.type(NOTE_TEXT)
    tmux.wait_for(NOTE_TEXT)  # typed into the dialog
    tmux.send("C-s")
    tmux.wait_for(lambda s: "only your team sees it" not in s and NOTE_TEXT in s, timeout=15)  # in the notes pane

    # canned reply from the fuzzy picker ("lat" finds "Late delivery"), placeholders filled
    tmux.send("c")
    tmux.wait_for("Canned replies")
    tmux.type("lat")
    tmux.wait_for("lat")
    tmux.wait_for(lambda s: "Late delivery" in s and "sorting centre" in s)
    tmux.send("Enter")
    screen = tmux.wait_for("Reply to")
    assert "{{" not in screen and "Hi " in screen
    tmux.send("C-s")
    tmux.wait_for("Reply queued", timeout=15)

    # close: on to the next conversation of the walk
    tmux.send("x")
    screen = tmux.wait_for(lambda s: re.search(r"\b3/\d{3}\b", s) is not None and "Closed:" in s, timeout=15)
    second_in_walk = header_id(screen)
    assert second_in_walk != first

    # back to the queue, search the hostile "Re:" conversation, reply through $EDITOR
    tmux.send("Escape")
    tmux.wait_for("/ Search")
    tmux.send("/")
    tmux.wait_for("Search: words")
    tmux.type("your ticket")
    tmux.wait_for("your ticket")
    tmux.send("Enter")
    tmux.wait_for(lambda s: "Re: [/] your ticket" in s and "All open 1" in s, timeout=15)
    tmux.send("Enter")
    screen = tmux.wait_for(lambda s: "1/1" in s and "Internal notes" in s, timeout=15)
    hostile = header_id(screen)
    assert " Re: [/] your ticket" in screen.splitlines()[0]  # the subject, literally (a markup parser would crash)
    tmux.send("r")
    tmux.wait_for("Reply to")
    tmux.send("C-e")  # the app suspends, the fake editor appends, the app resumes
    # resumed: the whole compose box repaints with the editor's text in it
    tmux.wait_for(lambda s: EDITOR_TEXT in s and "Reply to" in s and "Send reply" in s, timeout=15)
    tmux.send("C-s")
    tmux.wait_for("Reply queued", timeout=15)
    assert "\x1b]52" not in tmux.raw_screen()

    tmux.wait_for(lambda s: "esc Back" in s and "Send reply" not in s)  # the conversation again
    tmux.send("q")
    tmux.wait_for(lambda _: tmux.pane_dead(), timeout=30)
    assert tmux.exit_status() == 0

    # flush the outbox through the demo's send command (the demo's Sent folder already
    # holds earlier agent replies: only what this sync adds counts)
    before = {str(m["Message-ID"]) for m in sent_mail(home)}
    done = subprocess.run([*inbox_argv(), "--home", str(home), "sync"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    service = bootstrap.build_service(home)
    try:
        originals = {}
        for cid in (first, hostile):
            detail = service.conversation(cid)
            inbound = [m for m in detail.messages if m.direction is Direction.IN]
            originals[cid] = (detail.conversation.subject, inbound[-1])
            assert not [op for op in service.outbox() if op.conversation_id == cid]
        assert [n.body for n in service.conversation(first).notes] == [NOTE_TEXT]
    finally:
        paths.set_home(None)

    sent = [m for m in sent_mail(home) if str(m["Message-ID"]) not in before]
    assert len(sent) == 2, [m["Subject"] for m in sent]
    by_reply_to = {str(m["In-Reply-To"]).strip(): m for m in sent}
    for cid, (subject, last_in) in originals.items():
        msg = by_reply_to.get(f"<{last_in.message_id.strip('<>')}>")
        assert msg is not None, (cid, last_in.message_id, list(by_reply_to))
        assert str(msg["Subject"]) == reply_subject(subject)
        assert not str(msg["Subject"]).lower().startswith("re: re:")
        references = str(msg["References"])
        assert last_in.message_id.strip("<>") in references
        for earlier in last_in.references:
            assert earlier.strip("<>") in references
        assert msg["Message-ID"] and msg["From"] and "marlowlane.example" in str(msg["From"])
        assert NOTE_TEXT not in msg.as_string()
    assert str(by_reply_to[f"<{originals[hostile][1].message_id.strip('<>')}>"]["Subject"]) == "Re: [/] your ticket"
    late = body_of(by_reply_to[f"<{originals[first][1].message_id.strip('<>')}>"])
    assert late.startswith("Hi ") and "sorting centre" in late and "{{" not in late
    edited = body_of(by_reply_to[f"<{originals[hostile][1].message_id.strip('<>')}>"])
    assert EDITOR_TEXT in edited
