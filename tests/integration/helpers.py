"""Driving the real ``inbox`` CLI as a subprocess, a mail account beside the helpdesks,
and one ``Desk`` per helpdesk (a running server plus how to read it back)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.connectors.contract import UpstreamView

REPO = Path(__file__).resolve().parents[2]
KEYRING_BACKEND = "tests.integration.file_keyring.FileKeyring"


@dataclass
class Inbox:
    """One isolated home, driven through ``python -m inbox_tui --home DIR …``."""

    home: Path
    keyring_file: Path

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_TUI")}
        env["PYTHON_KEYRING_BACKEND"] = KEYRING_BACKEND
        env["INBOX_TEST_KEYRING"] = str(self.keyring_file)
        env["PYTHONPATH"] = str(REPO)
        return env

    def run(self, *args: str, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "inbox_tui", "--home", str(self.home), *args],
            capture_output=True, text=True, env=self.env(), cwd=REPO, timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise AssertionError(f"inbox {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def sync(self, *accounts: str) -> str:
        """``inbox sync [ACCOUNT]``; fails the test when an account ended offline."""
        done = self.run("sync", *accounts)
        assert "offline:" not in done.stdout and "failed" not in done.stdout, done.stdout + done.stderr
        return done.stdout

    def list_json(self, *extra: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.run("list", "--json", "--limit", "500", *extra).stdout)
        return rows

    def config_text(self) -> str:
        return (self.home / "config.toml").read_text(encoding="utf-8")

    def keyring(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.keyring_file.read_text(encoding="utf-8"))
        except OSError:
            return {}
        return data


def write_maildir(root: Path, subject: str, sender: str = "Dana Mail <dana@mail.example>") -> None:
    """A Maildir++ tree with one customer message in INBOX and an empty Sent folder."""
    for folder in (root, root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
    message = (
        f"From: {sender}\r\nTo: Support <help@example.com>\r\nSubject: {subject}\r\n"
        "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <mail-1@mail.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nWhere is my parcel?\r\n"
    )
    (root / "new" / f"{int(time.time())}.1.test").write_text(message, encoding="utf-8")


@dataclass
class Desk:
    """A running helpdesk for the flow tests: the ``inbox account add`` arguments that
    reach it, and a contract target that seeds and reads it back without the connector."""

    kind: str
    add_args: Sequence[str]
    target: Any
    """A ``tests.connectors.contract.ContractTarget``."""
    secrets: Sequence[str] = ()
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    def upstream(self, remote_id: str) -> UpstreamView:
        view: UpstreamView = self.target.upstream_state(remote_id)
        return view
