"""kill -9 while the rules acknowledge arrivals out of hours: a customer's claim for the
day, its queued reply, the rules' own changes and the new scores are one commit, so a
killed run leaves each chunk whole or absent, and the next run finishes the job with
exactly one acknowledgement per customer and day — never two, never a claim without its
reply (which would silence the customer for the day), never a reply without its claim."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from inbox_tui.model import PullBatch
from tests.faults.homes import integrity, kill9
from tests.unit.test_rules_acks import home, mail, seeded  # noqa: F401  (home is a fixture)

CUSTOMERS = 300
CHILD = """
import sys
from pathlib import Path
from inbox_tui import paths
from inbox_tui.config import load
from inbox_tui.service import InboxService
from inbox_tui.store import Store
from inbox_tui.triage.runner import RuleRunner

home = Path(sys.argv[1])
paths.set_home(home)
upstream = {"mail": frozenset({"reply", "read", "tags", "status"}), "desk": frozenset({"read"})}
service = InboxService(Store(home / sys.argv[2]), load(home / "config.toml"), upstream)
runner = RuleRunner.for_service(service)
print("ready", flush=True)
runner.run_pending()
print("done", flush=True)
"""


def run_rules(home: Path, db: str, kill_after: float | None) -> float:
    """The rules in a child process, SIGKILLed ``kill_after`` seconds into the run (or
    to their end): the seconds they ran, or -1 when the kill did not find them running."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(home), db], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        start = time.monotonic()
        if kill_after is None:
            assert proc.wait(timeout=120) == 0
            return time.monotonic() - start
        time.sleep(kill_after)
        return kill_after if kill9(proc) else -1
    finally:
        if proc.poll() is None:
            kill9(proc)
        assert proc.stdout is not None
        proc.stdout.close()


def check(path: Path) -> dict[str, int]:
    """What must hold after any kill; returns counts to compare runs by."""
    con = sqlite3.connect(path)
    try:
        assert integrity(con) == "ok"
        claims = con.execute("SELECT customer, day, conversation_id FROM auto_replies").fetchall()
        replies = con.execute(
            "SELECT lower(u.email), o.conversation_id FROM operations o JOIN conversations c ON c.id = o.conversation_id "
            "JOIN customers u ON u.id = c.customer_id WHERE o.kind = 'reply'"
        ).fetchall()
        assert len({c for c, _ in replies}) == len(replies), "a customer acknowledged twice"
        assert sorted((c, conv) for c, _, conv in claims) == sorted(replies), "a claim without its reply, or the reverse"
        pending = con.execute("SELECT count(*) FROM conversations WHERE last_in_row > rules_seen").fetchone()[0]
        unscored = con.execute(
            "SELECT count(*) FROM conversations WHERE score_stale > 0 AND last_in_row <= rules_seen "
            "AND id IN (SELECT conversation_id FROM rule_runs)"
        ).fetchone()[0]
        assert unscored == 0, "rules committed without their scores"
        return {"claims": len(claims), "pending": pending}
    finally:
        con.close()


def test_a_killed_rules_run_leaves_whole_chunks_and_the_next_run_finishes(home: Path) -> None:  # noqa: F811
    service = seeded(home)  # two conversations of one customer, robots, old mail, an account that cannot reply
    arrivals = [mail(100 + i, f"c{i % CUSTOMERS}", f"Order {i}", "where is my parcel?") for i in range(2 * CUSTOMERS)]
    service.store.apply_batch("mail", PullBatch(messages=arrivals))  # 608 pending: two chunks
    service.store.close()
    reference = home / "reference.db"
    run_rules_copy(home, "cache.db", "reference.db")
    whole = run_rules(home, "reference.db", None)
    expected = check(reference)
    assert expected["pending"] == 0 and expected["claims"] == CUSTOMERS + 4
    rng = random.Random(9)
    hit = []
    for attempt in range(6):
        name = f"killed{attempt}.db"
        run_rules_copy(home, "cache.db", name)
        hit.append(run_rules(home, name, rng.uniform(0.02, 1.0) * whole) >= 0)
        assert check(home / name)["claims"] <= expected["claims"]  # whole chunks or nothing, so far
        run_rules(home, name, None)  # the next sync's rules
        assert check(home / name) == expected  # exactly once per customer, nothing pending
    assert sum(hit) >= 4  # the kills found the rules running (else this tests nothing)


def run_rules_copy(home: Path, source: str, target: str) -> None:
    src, dst = sqlite3.connect(home / source), sqlite3.connect(home / target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
