"""The kill -9 harness: queue replies, run ``inbox sync`` as a child, SIGKILL it at a
random point (often right inside the flush), repeat; then let syncs finish and count.

Every queued reply must end up upstream exactly once (``sent``) or wait as
``unconfirmed`` for the agent (upstream cannot tell); none twice (``duplicated``), none
marked sent but absent, none whose local operation or outgoing message vanished or
changed (``lost``). ``stuck`` counts replies still not settled after the recovery syncs.
The database must pass ``PRAGMA integrity_check`` after every kill.

Used by ``tests/faults/test_kill9.py`` (a few iterations per target, in CI) and
``bench/kill9.py`` (≥ 200 iterations per target).
"""

from __future__ import annotations

import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inbox_tui import bootstrap, paths
from inbox_tui.service import InboxService
from tests.faults.homes import Home, integrity, kill9, wait_for
from tests.faults.targets import Target

SETTLED = ("sent", "unconfirmed")


@dataclass
class Queued:
    op_id: str
    conversation_id: int
    body: str
    payload: dict  # type: ignore[type-arg]


@dataclass
class Report:
    target: str
    iterations: int = 0
    replies: int = 0
    kills: int = 0
    """Children that were still running when SIGKILL hit them."""
    kills_in_flush: int = 0
    """… of which right after an operation was marked ``sending``."""
    finished_first: int = 0
    sent: int = 0
    unconfirmed: int = 0
    unconfirmed_delivered: int = 0
    """Unconfirmed replies that did reach upstream (the agent should mark them sent)."""
    duplicated: int = 0
    lost: int = 0
    stuck: int = 0
    integrity_failures: int = 0
    recovery_syncs: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.duplicated or self.lost or self.stuck or self.integrity_failures)

    def line(self) -> str:
        return (
            f"{self.target:8} iterations {self.iterations:4}  replies {self.replies:4}  kills {self.kills:4} "
            f"(in flush {self.kills_in_flush})  sent {self.sent:4}  unconfirmed {self.unconfirmed:3} "
            f"(of which delivered {self.unconfirmed_delivered})  duplicated {self.duplicated}  lost {self.lost}  "
            f"stuck {self.stuck}  integrity failures {self.integrity_failures}  {self.seconds:.0f} s"
        )

    def as_json(self) -> str:
        return json.dumps({**self.__dict__, "ok": self.ok})


def run(
    target: Target,
    iterations: int,
    *,
    replies_per_iteration: int = 2,
    seed: int = 1,
    workdir: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> Report:
    rng = random.Random(seed)
    report = Report(target.name, iterations)
    started = time.monotonic()
    base = Path(workdir or tempfile.mkdtemp(prefix="inbox-kill9-"))
    target.start(iterations * replies_per_iteration)
    home = Home.create(base / f"home-{target.name}", target.account, target.account_table())
    try:
        first = home.run("sync")
        if first.returncode != 0:
            raise RuntimeError(f"the first sync failed: {first.stdout}{first.stderr}")
        estimate = _timed_sync(home)
        service = bootstrap.build_service(home.path)
        con = home.connect()
        free = list(reversed(service.queue_ids("open")))
        if len(free) < iterations * replies_per_iteration:
            raise RuntimeError(f"only {len(free)} conversations arrived, {iterations * replies_per_iteration} needed")
        queued: list[Queued] = []
        for number in range(iterations):
            for _ in range(replies_per_iteration):
                queued.append(_queue_reply(service, free.pop(), number))
            estimate = _one_kill(home, con, rng, estimate, report)
            if (check := integrity(con)) != "ok":
                report.integrity_failures += 1
                report.problems.append(f"iteration {number}: integrity_check says {check}")
            if number % 20 == 19:
                log(f"{target.name}: {number + 1}/{iterations} iterations, {report.kills} kills")
        report.replies = len(queued)
        _recover(home, con, report)
        _verify(service, con, target, queued, report)
        con.close()
        service.store.close()
    finally:
        paths.set_home(None)
        target.stop()
    report.seconds = time.monotonic() - started
    return report


def _timed_sync(home: Home) -> float:
    started = time.monotonic()
    home.run("sync")
    return time.monotonic() - started


def _queue_reply(service: InboxService, conversation_id: int, number: int) -> Queued:
    body = f"Reply {uuid.uuid4().hex[:12]} (iteration {number}): your parcel leaves today."
    op = service.reply(conversation_id, body)
    return Queued(op.id, conversation_id, body, op.payload)


def _last_sending(con) -> int:  # type: ignore[no-untyped-def]
    row = con.execute("SELECT max(id) FROM operation_log WHERE event = 'sending'").fetchone()
    return int(row[0] or 0)


def _one_kill(home: Home, con, rng: random.Random, estimate: float, report: Report) -> float:  # type: ignore[no-untyped-def]
    """Start a sync and kill it: at a random moment of its expected run, or (more often)
    a few milliseconds after it marks an operation ``sending``. Returns the new estimate."""
    mark = _last_sending(con)
    started = time.monotonic()
    proc = home.start("sync", "--progress-json")
    in_flush = rng.random() < 0.6
    if in_flush:
        hit = wait_for(lambda: proc.poll() is not None or _last_sending(con) > mark, timeout=max(10.0, estimate * 4))
        if hit and proc.poll() is None:
            time.sleep(rng.uniform(0, 0.05))
    else:
        wait_for(lambda: proc.poll() is not None, timeout=rng.uniform(0, estimate))
    if kill9(proc):
        report.kills += 1
        report.kills_in_flush += in_flush
        return estimate
    report.finished_first += 1
    return 0.7 * estimate + 0.3 * (time.monotonic() - started)


def _open_ops(con) -> int:  # type: ignore[no-untyped-def]
    row = con.execute(
        "SELECT count(*) FROM operations WHERE kind != 'local' AND state IN ('pending', 'failed', 'sending')"
    ).fetchone()
    return int(row[0])


def _recover(home: Home, con, report: Report) -> None:  # type: ignore[no-untyped-def]
    """Plain syncs, as the next start of the app would run, until nothing is in flight."""
    for _ in range(6):
        home.run("sync")
        report.recovery_syncs += 1
        if _open_ops(con) == 0:
            return


def _verify(service: InboxService, con, target: Target, queued: list[Queued], report: Report) -> None:  # type: ignore[no-untyped-def]
    for q in queued:
        row = con.execute("SELECT state, payload_json FROM operations WHERE id = ?", (q.op_id,)).fetchone()
        local = con.execute("SELECT body_text FROM messages WHERE op_id = ?", (q.op_id,)).fetchall()
        copies = target.copies(q.payload)
        if row is None or json.loads(row["payload_json"]).get("body_text") != q.body or [r[0] for r in local] != [q.body]:
            report.lost += 1
            report.problems.append(f"{q.op_id[:8]}: the local operation or its message changed or vanished")
            continue
        state = row["state"]
        if copies > 1:
            report.duplicated += 1
            report.problems.append(f"{q.op_id[:8]}: {copies} copies upstream (state {state})")
        elif state == "sent" and copies == 1:
            report.sent += 1
        elif state == "unconfirmed":
            report.unconfirmed += 1
            report.unconfirmed_delivered += copies
        elif state == "sent":
            report.lost += 1
            report.problems.append(f"{q.op_id[:8]}: marked sent but absent upstream")
        else:
            report.stuck += 1
            report.problems.append(f"{q.op_id[:8]}: still {state} after recovery ({copies} copies upstream)")
