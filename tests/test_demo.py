"""``inbox demo`` end to end through the real CLI: an isolated home, a queue of 300+
conversations, a reply that leaves through the demo's send command into ``mail/.Sent``."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import unicodedata
from email.message import Message
from pathlib import Path

import pytest

from inbox_tui.demo import prepare_demo_home
from inbox_tui.errors import ConfigError

INBOX = [sys.executable, "-m", "inbox_tui"]


def inbox(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "INBOX_TUI_HOME"}
    done = subprocess.run([*INBOX, "--home", str(home), *args], capture_output=True, text=True, timeout=180, env=env)
    if check:
        assert done.returncode == 0, f"inbox {' '.join(args)} failed: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    done = inbox(home, "demo", "--no-ui")
    assert done.stdout.strip() == str(home.resolve())
    return home


def sent_messages(home: Path) -> list[Message]:
    folder = home / "mail" / ".Sent"
    return [email.message_from_bytes(p.read_bytes()) for sub in ("cur", "new") for p in (folder / sub).iterdir()]


def test_the_demo_queue_is_big_multilingual_and_listed_as_json(demo_home: Path) -> None:
    rows = json.loads(inbox(demo_home, "list", "--json", "--limit", "1000").stdout)
    assert len(rows) >= 300
    for key in ("id", "account", "subject", "customer", "status", "priority", "tags", "unread", "updated_at", "snippet"):
        assert key in rows[0], key
    scripts = {unicodedata.name(ch).split()[0] for row in rows for ch in row["subject"] if ord(ch) > 0x2FF}
    assert {"CJK", "GREEK", "ARABIC"} <= scripts, scripts
    assert any(row["tags"] for row in rows), "the demo rules tagged something"


def test_hostile_mail_reaches_the_cache_as_plain_text(demo_home: Path) -> None:
    rows = json.loads(inbox(demo_home, "list", "--json", "--limit", "1000").stdout)
    for row in rows:
        assert not any(unicodedata.category(ch) == "Cc" for ch in row["subject"] + row["snippet"]), row["subject"]
    markup = [row for row in rows if "[" in row["subject"] and "]" in row["subject"]]
    assert markup, "the demo carries subjects that look like markup"
    detail = json.loads(inbox(demo_home, "show", str(markup[0]["id"]), "--json").stdout)
    for message in detail["messages"]:
        assert "\x1b" not in message["body_text"]


def test_a_canned_reply_leaves_through_the_send_command_with_threading_headers(demo_home: Path) -> None:
    rows = json.loads(inbox(demo_home, "list", "--json", "--limit", "1000").stdout)
    target = next(r for r in rows if r["status"] == "open" and r["subject"] and not r["subject"].lower().startswith("re"))
    detail = json.loads(inbox(demo_home, "show", str(target["id"]), "--json").stdout)
    last_customer = [m for m in detail["messages"] if m["direction"] == "in"][-1]
    before = len(sent_messages(demo_home))
    inbox(demo_home, "reply", str(target["id"]), "--template", "late-delivery")
    inbox(demo_home, "sync")
    after = sent_messages(demo_home)
    assert len(after) == before + 1
    reply = next(m for m in after if "I'm sorry your order is taking longer" in (m.get_payload(decode=True) or b"").decode())
    assert reply["In-Reply-To"].strip("<>") == last_customer["message_id"]
    assert last_customer["message_id"] in reply["References"]
    subject = str(email.header.make_header(email.header.decode_header(reply["Subject"])))
    assert subject.startswith("Re: ") and not subject.startswith("Re: Re:")
    assert "support@marlowlane.example" in reply["From"]
    outbox = json.loads(inbox(demo_home, "outbox", "--json").stdout)
    assert not [op for op in outbox if op["state"] in ("pending", "sending", "failed")]


def test_a_reply_with_an_unknown_placeholder_is_refused_with_its_name(demo_home: Path, tmp_path: Path) -> None:
    rows = json.loads(inbox(demo_home, "list", "--json").stdout)
    body = tmp_path / "body.txt"
    body.write_text("Hi {{customer.nickname}}, thanks!", encoding="utf-8")
    done = inbox(demo_home, "reply", str(rows[0]["id"]), "--body-file", str(body), check=False)
    assert done.returncode != 0
    assert "customer.nickname" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_demo_home_is_reused_and_a_real_folder_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    first = prepare_demo_home(home, conversations=40)
    assert first.created and first.conversations == 40
    reply = first.replies_dir / "late-delivery.md"
    reply.write_text(reply.read_text(encoding="utf-8").replace("Late delivery", "Late (edited)"), encoding="utf-8")
    again = prepare_demo_home(home, conversations=40)
    assert not again.created
    assert "Late (edited)" in reply.read_text(encoding="utf-8"), "the agent's edits survive"
    real = tmp_path / "real"
    real.mkdir()
    (real / "config.toml").write_text("[app]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a demo home"):
        prepare_demo_home(real)
