"""Two writers on one home: a TUI-like process writing as fast as it can while ``inbox
sync`` processes pull and push, one of them killed -9 half-way. WAL and the busy timeout
must keep both working: no writer locked out, every write found afterwards, and
``PRAGMA integrity_check`` clean."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.homes import PYTHON, ROOT, Home, integrity, kill9
from tests.faults.targets import MaildirTarget

SECONDS = 4.0


@pytest.fixture
def target() -> MaildirTarget:
    t = MaildirTarget()
    t.start(40)
    yield t  # type: ignore[misc]
    t.stop()


def test_tui_writer_and_sync_processes_share_the_file_safely(target: MaildirTarget, tmp_path: Path) -> None:
    home = Home.create(tmp_path / "home", target.account, target.account_table())
    assert home.run("sync").returncode == 0
    writer = subprocess.Popen(
        [PYTHON, "-m", "tests.faults.tui_writer", str(home.path), str(SECONDS)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    syncs, killed = 0, 0
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        proc = home.start("sync", "--progress-json")
        if syncs % 3 == 1:
            time.sleep(0.4)
            killed += kill9(proc)
        else:
            proc.wait(timeout=60)
            assert proc.returncode in (0, 1)
        syncs += 1
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    done = json.loads(out)
    assert done["errors"] == [], done["errors"][:5]
    assert done["writes"] > 50 and syncs >= 3

    assert home.run("sync").returncode == 0  # what is left goes out
    con = home.connect()
    try:
        assert integrity(con) == "ok"
        drafts = dict(con.execute("SELECT conversation_id, body FROM drafts").fetchall())
        for cid, text in done["drafts"].items():
            assert drafts.get(int(cid)) == text
        notes = {r[0] for r in con.execute("SELECT body FROM notes")}
        assert set(done["notes"]) <= notes
        states = dict(con.execute("SELECT id, state FROM operations").fetchall())
        assert all(states[op] == "sent" for op in done["replies"]), [states[op] for op in done["replies"]]
    finally:
        con.close()
