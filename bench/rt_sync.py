"""Benchmark: the RT connector against a real, private Request Tracker on 127.0.0.1.

    ./run bench bench/rt_sync.py [--tickets 200] [--replies 1]

Starts RT (tests/servers/rt.py; needs `sudo bash tests/servers/rt_setup.sh` once), seeds
tickets through REST 2.0 (each: the customer's question, ``--replies`` agent answers and
one internal comment), then measures through the real sync engine and SQLite store:

* RT bring-up (fresh database, seeding of queues/users/token, server start);
* initial sync: tickets/s and HTTP requests;
* incremental sync with nothing changed: requests and milliseconds (median of 5);
* incremental sync after 10 tickets changed;
* with ``--steady``: nothing changed since those 10 (median of 5), the everyday case.

RT itself is the bottleneck (Perl, CPU-bound): creating a ticket costs ~0.2 s, so seeding
dominates the wall time of this script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors.rt import RTConnector, open_connector  # noqa: E402
from connectors.rt.pull import OVERLAP, SETTLE  # noqa: E402
from inbox_tui.store import Store  # noqa: E402
from inbox_tui.sync import SyncEngine  # noqa: E402
from tests.servers.rt import RTServer, start_rt  # noqa: E402


class CountingOpener:
    """Opens a fresh connector per sync (the engine closes it) and keeps its request count."""

    def __init__(self, server: RTServer) -> None:
        self.server = server
        self.last: RTConnector | None = None

    def __call__(self, account: str) -> RTConnector:
        self.last = open_connector(account, self.server.settings(("Support",)), lambda k: self.server.secrets()[k])
        return self.last

    @property
    def requests(self) -> int:
        return self.last.client.requests if self.last else 0


def seed(server: RTServer, tickets: int, replies: int) -> list[int]:
    made = []
    for n in range(tickets):
        tid = server.create_ticket(
            f"Bench ticket {n}", f"Question {n}: my order has not arrived.", requestor=f"customer{n % 50}@bench.example"
        )
        for r in range(replies):
            server.correspond(tid, f"Answer {r} to ticket {n}.")
        server.comment(tid, f"Internal note on {n}.")
        made.append(tid)
    return made


def sync(store: Store, opener: CountingOpener) -> tuple[float, int, Any]:
    started = time.perf_counter()
    summary = SyncEngine(store, ["rt"], opener).run()
    elapsed = time.perf_counter() - started
    if summary.offline:
        raise SystemExit(f"sync failed: {summary.problems}")
    return elapsed, opener.requests, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--replies", type=int, default=1)
    parser.add_argument(
        "--steady", action="store_true",
        help="wait until the seeded tickets are older than the overlap before changing 10, then measure the "
        "steady state: the search lists (id and LastUpdated only) the tickets changed in the OVERLAP seconds "
        "before the newest change; without the wait that is every seeded ticket, a page per 50)",
    )  # fmt: skip
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rt-bench-") as tmp:
        started = time.perf_counter()
        server = start_rt(Path(tmp) / "rt")
        print(f"RT bring-up: {time.perf_counter() - started:.1f} s (fresh DB, seed data, rt-server ready)")
        try:
            started = time.perf_counter()
            made = seed(server, args.tickets, args.replies)
            seconds = time.perf_counter() - started
            per_ticket = 2 + args.replies
            print(f"seeded {len(made)} tickets x {per_ticket} transactions in {seconds:.1f} s "
                  f"({len(made) / seconds:.1f} tickets/s through REST)")

            store = Store(Path(tmp) / "bench.db")
            opener = CountingOpener(server)
            elapsed, requests, summary = sync(store, opener)
            print(f"initial sync: {summary.conversations} tickets, {summary.pulled} messages in {elapsed:.2f} s "
                  f"= {summary.conversations / elapsed:.0f} tickets/s, {requests} HTTP requests")

            time.sleep(SETTLE + 1)  # tickets read within SETTLE s of a change are read once more
            elapsed, requests, summary = sync(store, opener)
            print(f"first incremental (re-reads the {summary.conversations} tickets changed in the last "
                  f"{SETTLE} s before the initial sync): {elapsed * 1000:.0f} ms, {requests} requests")
            runs = [sync(store, opener) for _ in range(5)]
            print(f"incremental, nothing changed: {statistics.median(r[0] for r in runs) * 1000:.0f} ms median, "
                  f"{max(r[1] for r in runs)} requests, {max(r[2].conversations for r in runs)} tickets")

            if args.steady:
                time.sleep(_seconds(OVERLAP) + SETTLE + 2)  # the seeded stamps leave the window of the next change

            for tid in made[:10]:
                server.comment(tid, "changed")
            time.sleep(SETTLE + 1)
            elapsed, requests, summary = sync(store, opener)
            print(f"incremental, 10 tickets changed: {elapsed * 1000:.0f} ms, {requests} requests, "
                  f"{summary.conversations} tickets")

            if args.steady:
                runs = [sync(store, opener) for _ in range(5)]
                print(f"steady state, nothing changed since those 10: "
                      f"{statistics.median(r[0] for r in runs) * 1000:.0f} ms median, "
                      f"{max(r[1] for r in runs)} requests (connector open included), {max(r[2].conversations for r in runs)} tickets")
        finally:
            server.stop()


def _seconds(overlap: Any) -> float:
    return float(overlap.total_seconds()) if hasattr(overlap, "total_seconds") else float(overlap)


if __name__ == "__main__":
    main()
