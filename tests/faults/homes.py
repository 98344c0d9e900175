"""A real inbox home on disk and the real ``inbox`` binary run against it.

The fault tests and ``bench/kill9.py`` drive ``python -m inbox_tui --home HOME …`` as child
processes (what a person, cron or the TUI runs), and look at the SQLite file with a
connection of their own, never through the process under test.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from inbox_tui import paths

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]

APP_TABLE = """[app]
agent_name = "Fault Tester"
agent_email = "agent@example.test"

"""


def secret(value: str) -> str:
    """A TOML secret reference that yields ``value`` (a command, as a password manager would)."""
    return '{ command = "printf %s ' + value + '" }'


@dataclass
class Home:
    path: Path
    account: str

    @classmethod
    def create(cls, path: Path, account: str, account_table: str) -> Home:
        path.mkdir(parents=True, exist_ok=True)
        (path / "config.toml").write_text(APP_TABLE + f"[accounts.{account}]\n" + account_table, encoding="utf-8")
        return cls(path, account)

    @property
    def db(self) -> Path:
        paths.set_home(self.path)
        try:
            return paths.db_path()
        finally:
            paths.set_home(None)

    def argv(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "inbox_tui", "--home", str(self.path), *args]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv(*args), capture_output=True, text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL
        )

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        """A child in its own session (a kill hits it alone; its own children live on, as
        a send command would after a crash of the app)."""
        return subprocess.Popen(
            self.argv(*args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
            start_new_session=True,
        )

    def connect(self) -> sqlite3.Connection:
        """A read connection of the harness's own (WAL: it never blocks the child)."""
        con = sqlite3.connect(self.db, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout = 30000")
        return con


def kill9(proc: subprocess.Popen[bytes]) -> bool:
    """SIGKILL our own child by PID; True when it was still running (a real kill)."""
    if proc.poll() is not None:
        return False
    try:
        os.kill(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    proc.wait(timeout=30)
    return proc.returncode == -signal.SIGKILL


def integrity(con: sqlite3.Connection) -> str:
    return str(con.execute("PRAGMA integrity_check").fetchone()[0])


def wait_for(predicate, timeout: float, step: float = 0.002) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def sync(home: Home, timeout: float = 120) -> tuple[int, dict]:  # type: ignore[type-arg]
    """``inbox sync --progress-json`` to its end: exit code and the final ``done`` event."""
    import json

    done = home.run("sync", "--progress-json", timeout=timeout)
    summary: dict = {}  # type: ignore[type-arg]
    for line in done.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "done":
            summary = event
    if not summary:
        raise AssertionError(f"no summary from inbox sync (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.returncode, summary


def outbox(home: Home) -> list[dict]:  # type: ignore[type-arg]
    import json

    done = home.run("outbox", "--json", "--all")
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))
