"""Helpdesk sync benchmark; the vendor is a parameter::

    python bench/helpdesk_sync.py --vendor zendesk --tickets 10000 --messages 5
    python bench/helpdesk_sync.py --vendor zendesk --tickets 3000 --rate-limit 700 --window 6
    python bench/helpdesk_sync.py --vendor all

Each vendor's contract server runs in a child process on 127.0.0.1, seeded in memory.
Measured through the real sync engine and SQLite store (and through the connector alone):
initial sync in tickets/s (median of ``--repeats``); with ``--rate-limit L --window W`` the
server allows L requests per W seconds (700 per 6 s = Zendesk Enterprise's 700 rpm at ten
times the speed) and the report says how close the client came to that bound and whether
any request arrived before an earlier 429's ``Retry-After`` had elapsed (must be 0);
incremental sync with nothing changed: requests and milliseconds.

The measuring loop and the Help Scout / Freshdesk parts live in
``bench/helpdesk_vendors_hs_fd.py``; this module adds Zendesk to its ``VENDORS`` registry
(a vendor = a function ``(tickets, messages, rate_limit, window) -> VendorBench``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import helpdesk_vendors_hs_fd as vendors  # noqa: E402

from connectors import zendesk as zendesk_connector  # noqa: E402
from tests.servers import zendesk as zendesk_server  # noqa: E402


class BenchZendesk(zendesk_server.ZendeskState):
    """The contract server with one bench convenience: a customer message moves the server
    clock past the minute the incremental export holds back, so the bench's "10 tickets
    changed" round sees them without waiting a real minute."""

    def customer_writes(self, ticket_id: int, body: str) -> int:
        comment = super().customer_writes(ticket_id, body)
        self.advance(61)
        return comment


def zendesk(tickets: int, messages: int, rate_limit: int | None = None, window: float = 60.0) -> vendors.VendorBench:
    def build() -> BenchZendesk:
        state = BenchZendesk(rate_limit=rate_limit, rate_window=window)
        state.bulk_seed(tickets, messages)
        return state

    secrets = {"token": zendesk_server.ACCESS_TOKEN}
    settings: dict[str, Any] = {"email": zendesk_server.AGENT_EMAIL, "agent_id": zendesk_server.AGENT_ID}
    return vendors.VendorBench("zendesk", build, settings, secrets, zendesk_connector)


vendors.VENDORS["zendesk"] = zendesk
VENDORS = vendors.VENDORS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=[*VENDORS, "all"], default="zendesk")
    parser.add_argument("--tickets", type=int, default=10000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate-limit", type=int, default=None, help="requests (credits) per window the server allows")
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window in seconds")
    args = parser.parse_args()
    for vendor in VENDORS if args.vendor == "all" else [args.vendor]:
        vendors.run(vendor, args.tickets, args.messages, args.repeats, args.rate_limit, args.window)


if __name__ == "__main__":
    main()
