"""``inbox demo``: an isolated home with a generated support mailbox, ready to use.

The home holds everything (``config.toml``, ``replies/``, ``rules.toml``, ``mail/``,
``data/``), so the demo never touches a user's real configuration. The mailbox is a
Maildir++ tree (``mail/`` is INBOX, ``mail/.Sent`` the sent folder) and the account sends
through ``python -m connectors.mail.deliver``, which files each reply into ``.Sent`` — so
replying works offline and what "went out" can be read back from disk.

A home is prepared once (marked by ``.inbox-demo``); later runs reuse it, so the agent's
notes, replies and closed conversations are still there next time.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from inbox_tui.demo import replies as starter_replies
from inbox_tui.errors import ConfigError
from inbox_tui.triage import demo as triage_demo

MARKER = ".inbox-demo"
CONVERSATIONS = 320
SEED = 7
AGENT_NAME = "Sam Rivera"
SUPPORT_FROM = "Marlow & Lane Support <support@marlowlane.example>"


@dataclass(frozen=True)
class DemoHome:
    home: Path
    maildir: Path
    sent: Path
    config_file: Path
    replies_dir: Path
    conversations: int
    created: bool
    """False when an existing demo home was reused."""


def prepare_demo_home(
    home: Path, *, conversations: int = CONVERSATIONS, seed: int = SEED, now: datetime | None = None
) -> DemoHome:
    """Create (or reuse) the demo home at ``home``. Refuses a folder that holds anything but
    a demo, so ``--home ~/.config/inbox-tui demo`` cannot overwrite a real setup."""
    home = home.expanduser().resolve()
    maildir, sent = home / "mail", home / "mail" / ".Sent"
    marker = home / MARKER
    created = not marker.exists()
    if created:
        if home.exists() and any(p.name not in (".", "..") for p in home.iterdir()):
            raise ConfigError(f"{home} is not empty and is not a demo home; give `inbox --home` an empty folder")
        _write_mailbox(maildir, conversations, seed, now or datetime.now(timezone.utc))
        _write_config(home / "config.toml", sent)
        marker.write_text(f"conversations = {conversations}\nseed = {seed}\n", encoding="utf-8")
    starter_replies.install(home / "replies")
    triage_demo.install(home)
    return DemoHome(
        home=home,
        maildir=maildir,
        sent=sent,
        config_file=home / "config.toml",
        replies_dir=home / "replies",
        conversations=conversations,
        created=created,
    )


def _write_mailbox(maildir: Path, conversations: int, seed: int, now: datetime) -> None:
    from inbox_tui.demo import corpus  # the generator is only needed the first time

    built = corpus.build(conversations, seed, now)
    for folder in (maildir, maildir / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    for item in built.files:
        folder = maildir if item.folder == "INBOX" else maildir / f".{item.folder}"
        path = folder / item.subdir / item.name
        path.write_bytes(item.data)
        stamp = item.when.timestamp()
        os.utime(path, (stamp, stamp))


def _write_config(path: Path, sent: Path) -> None:
    send = " ".join(shlex.quote(w) for w in (sys.executable, "-m", "connectors.mail.deliver", str(sent)))
    text = f"""# The demo home of inbox-tui. Everything here is generated; edit freely.
[app]
agent_name = "{AGENT_NAME}"

[accounts.demo]
connector = "maildir"
path = "{_toml(str(path.parent / 'mail'))}"
from = "{SUPPORT_FROM}"
folders = ["INBOX", "Sent"]
sent_folder = "Sent"
# The demo's "mail server": files each reply into mail/.Sent, so you can read what left.
send_command = "{_toml(send)}"
save_sent = false
send_command_files_sent = true
{triage_demo.CONFIG}"""
    path.write_text(text, encoding="utf-8")


def _toml(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
