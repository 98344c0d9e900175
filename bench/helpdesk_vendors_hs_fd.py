"""Benchmark parts for Help Scout and Freshdesk (importable by ``bench/helpdesk_sync.py``;
also runnable on its own)::

    python bench/helpdesk_vendors_hs_fd.py --vendor helpscout --tickets 10000 --messages 5
    python bench/helpdesk_vendors_hs_fd.py --vendor freshdesk --rate-limit 1500 --window 6

Each vendor's contract server runs in-process on 127.0.0.1, seeded straight into its state
(``--tickets`` conversations, ``--messages`` messages each: customer / agent alternating,
last one an internal note). Measured through the real sync engine and SQLite store:

* initial sync: tickets/s and requests (median of ``--repeats`` runs, a fresh store each);
* the same pull through the connector alone (no store), to separate the two costs;
* with ``--rate-limit L --window W`` the server enforces L credits per W seconds (Help
  Scout: writes cost 2; Freshdesk: ``include=`` costs 2 more per include). Reported: the
  credit rate reached against the bound L/W (mean over the full windows of the run), how
  many 429s were answered, and how many requests arrived *before* the Retry-After of an
  earlier 429 had passed (must be 0). A window shorter than Help Scout's and Freshdesk's
  minute compresses time; Retry-After then carries decimals (the server's seconds shrink
  with its minute) so the bench measures the client, not the rounding;
* incremental sync with nothing changed: requests and milliseconds (median of 5).

Functions for ``helpdesk_sync.py``: ``VENDORS[name](tickets, messages, rate_limit=None,
window=60.0) -> VendorBench`` with ``.open(account)`` (a connector, for ``SyncEngine``),
``.requests()``, ``.reset_rate()``, ``.rate_report()``, ``.touch(n)`` and ``.stop()``. The
server runs in a child process so that server and client do not share one GIL.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from connectors import freshdesk as freshdesk_connector  # noqa: E402
from connectors import helpscout as helpscout_connector  # noqa: E402
from inbox_tui.store import Store  # noqa: E402
from inbox_tui.sync import SyncEngine  # noqa: E402
from tests.servers import freshdesk as freshdesk_server  # noqa: E402
from tests.servers import helpscout as helpscout_server  # noqa: E402


class VendorBench:
    """A vendor's contract server in a child process (its own interpreter, so the bench
    measures the connector and not a GIL shared with the server), driven over a pipe."""

    def __init__(
        self, name: str, build: Callable[[], Any], settings: dict[str, Any], secrets: dict[str, str], module: Any
    ) -> None:
        self.name = name
        self.module = module
        self.secrets = secrets
        self._pipe, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("fork").Process(target=_serve, args=(build, child), daemon=True)
        self._process.start()
        self.settings = {**settings, "url": self._pipe.recv()}

    def _ask(self, command: str, argument: Any = None) -> Any:
        self._pipe.send((command, argument))
        return self._pipe.recv()

    def open(self, account: str) -> Any:
        """A connector as the composition root opens it: a new OAuth token it takes is kept
        for the next open (the app keeps it in the keyring), so Help Scout's client
        credentials are exchanged once, not on every sync."""
        connector = self.module.open_connector(account, self.settings, self.secrets.__getitem__)
        client = getattr(connector, "client", None)
        if client is not None and hasattr(client, "on_tokens"):
            client.on_tokens = self._keep_tokens
        return connector

    def _keep_tokens(self, access: str, refresh: str) -> None:
        self.secrets["token"] = access
        if refresh and "refresh_token" in self.secrets:
            self.secrets["refresh_token"] = refresh

    def requests(self) -> int:
        return self._ask("requests")

    def reset_rate(self) -> None:
        self._ask("reset_rate")

    def rate_report(self) -> dict[str, Any]:
        return self._ask("rate_report")

    def touch(self, count: int) -> None:
        """The customer writes again on ``count`` tickets."""
        self._ask("touch", count)

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)


def _serve(build: Callable[[], Any], pipe: Any) -> None:
    state = build()
    server = state.serve(0)
    pipe.send(server.url)
    while True:
        command, argument = pipe.recv()
        if command == "stop":
            server.stop()
            pipe.send(None)
            return
        if command == "requests":
            pipe.send(len(state.log))
        elif command == "reset_rate":
            pipe.send(state.reset_rate())
        elif command == "rate_report":
            pipe.send(state.rate_report())
        elif command == "touch":
            with state.lock:
                ids = sorted(getattr(state, "conversations", None) or state.tickets)[:argument]
            for ident in ids:
                state.customer_writes(ident, "One more question.")
            pipe.send(None)


def _script(index: int, messages: int) -> list[tuple[str, str]]:
    kinds = ["customer" if n % 2 == 0 else "reply" for n in range(messages)]
    if messages > 2:
        kinds[-1] = "note"
    return [
        (kind, f"<p>Message {n} of ticket {index}: my order has not arrived yet.</p>") for n, kind in enumerate(kinds)
    ]


def helpscout(tickets: int, messages: int, rate_limit: int | None = None, window: float = 60.0) -> VendorBench:
    def build() -> helpscout_server.HelpScoutState:
        state = helpscout_server.HelpScoutState(rate_limit=rate_limit, rate_window=window)
        start = state.clock() - timedelta(seconds=tickets * 10 + 3600)
        for n in range(tickets):
            at = start + timedelta(seconds=10 * n)
            state.add_conversation(
                f"Bench ticket {n}",
                f"customer{n % 500}@bench.example",
                _script(n, messages),
                at=at,
                step=timedelta(seconds=1),
            )
        return state

    settings = {"mailbox": 1, "client_id": helpscout_server.CLIENT_ID}
    return VendorBench(
        "helpscout", build, settings, {"client_secret": helpscout_server.CLIENT_SECRET}, helpscout_connector
    )


def freshdesk(tickets: int, messages: int, rate_limit: int | None = None, window: float = 60.0) -> VendorBench:
    kinds = {"customer": "incoming", "reply": "reply", "note": "note"}

    def build() -> freshdesk_server.FreshdeskState:
        state = freshdesk_server.FreshdeskState(rate_limit=rate_limit, rate_window=window)
        start = state.clock() - timedelta(seconds=tickets * 10 + 3600)
        for n in range(tickets):
            script = [(kinds[k], text) for k, text in _script(n, messages)]
            at = start + timedelta(seconds=10 * n)
            state.add_ticket(
                f"Bench ticket {n}",
                f"customer{n % 500}@bench.example",
                script[0][1],
                script[1:],
                at=at,
                step=timedelta(seconds=1),
            )
        return state

    return VendorBench("freshdesk", build, {}, {"token": freshdesk_server.API_KEY}, freshdesk_connector)


VENDORS: dict[str, Callable[..., VendorBench]] = {"helpscout": helpscout, "freshdesk": freshdesk}


def engine_sync(bench: VendorBench, store: Store) -> tuple[float, int, Any]:
    before = bench.requests()
    started = time.perf_counter()
    summary = SyncEngine(store, [bench.name], bench.open).run()
    elapsed = time.perf_counter() - started
    if summary.offline:
        raise SystemExit(f"{bench.name}: sync failed: {summary.problems[:3]}")
    return elapsed, bench.requests() - before, summary


def connector_pull(bench: VendorBench) -> tuple[float, int, int]:
    conn = bench.open(bench.name)
    before = bench.requests()
    started = time.perf_counter()
    count = sum(len(batch.conversations) for batch in conn.pull(None, lambda ids: {}, lambda: False))
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed, bench.requests() - before, count


def run(vendor: str, tickets: int, messages: int, repeats: int, rate_limit: int | None, window: float) -> None:
    bench = VENDORS[vendor](tickets, messages, rate_limit, window)
    try:
        with tempfile.TemporaryDirectory(prefix=f"{vendor}-bench-") as tmp:
            if rate_limit is None:
                pulls = [connector_pull(bench) for _ in range(repeats)]
                seconds = statistics.median(p[0] for p in pulls)
                count, requests = pulls[0][2], pulls[0][1]
                print(
                    f"{vendor}: connector pull alone: {count} tickets in {seconds:.2f} s = {count / seconds:.0f} tickets/s, {requests} requests (median of {repeats})"
                )
            runs = []
            for index in range(repeats):
                bench.reset_rate()
                store = Store(Path(tmp) / f"run{index}.db")
                runs.append((*engine_sync(bench, store), bench.rate_report(), store))
            elapsed = statistics.median(r[0] for r in runs)
            summary = runs[0][2]
            print(
                f"{vendor}: initial sync, engine + store: {summary.conversations} tickets, {summary.pulled} messages in {elapsed:.2f} s = {summary.conversations / elapsed:.0f} tickets/s, {runs[0][1]} requests (median of {repeats})"
            )
            if rate_limit is not None:
                for number, (seconds, _requests, _summary, report, _store) in enumerate(runs, 1):
                    print(
                        f"  run {number}: {seconds:.1f} s; bound {report['bound']:.1f} credits/s, reached {report['reached']:.1f} over the full windows ({report['utilisation']:.1%}); 429s answered {report['throttled']}, requests before Retry-After elapsed {report['early']}"
                    )
            store = runs[-1][4]
            quiet = [engine_sync(bench, store) for _ in range(5)]
            millis = statistics.median(q[0] for q in quiet) * 1000
            print(
                f"{vendor}: incremental, nothing changed: {millis:.0f} ms median of 5, {max(q[1] for q in quiet)} requests (token included), {max(q[2].conversations for q in quiet)} tickets"
            )
            bench.touch(10)
            seconds, requests, summary = engine_sync(bench, store)
            print(
                f"{vendor}: incremental, 10 tickets changed: {seconds * 1000:.0f} ms, {requests} requests, {summary.conversations} tickets"
            )
    finally:
        bench.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=[*VENDORS, "all"], default="all")
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate-limit", type=int, default=None, help="credits per window the server allows")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window in seconds")
    args = parser.parse_args()
    for vendor in VENDORS if args.vendor == "all" else [args.vendor]:
        run(vendor, args.tickets, args.messages, args.repeats, args.rate_limit, args.window)


if __name__ == "__main__":
    main()
