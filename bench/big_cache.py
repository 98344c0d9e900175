"""Build a large cache through the real ingest path, then time the queue's reads.

    ./run bench bench/big_cache.py --conversations 100000 --out bench/out/big.db

Prints ingest throughput and medians (over --runs) of: queue ids per view, one page of
rows, view counts, free-text searches. Reuses --out when it already holds the cache.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox_tui.model import Address, Direction, Message, PullBatch  # noqa: E402
from inbox_tui.store import Store  # noqa: E402

WORDS = (
    "order parcel refund return delivery tracking damaged box size exchange payment card charged twice "
    "declined invoice discount voucher stock backorder courier address wrong missing late urgent thanks "
    "lamp cushion throw blanket mug linen duvet candle vase rug towel apron"
).split()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
US = Address("support@marlowlane.example", "Support")


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def generate(store: Store, conversations: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    store.ensure_account("bench", "maildir", US.email)
    customers = [Address(f"customer{i}@example.com", f"Customer {i}") for i in range(max(1, conversations // 3))]
    started = time.perf_counter()
    batch: list[Message] = []
    n = 0
    for c in range(conversations):
        who = rng.choice(customers)
        subject = f"{sentence(rng, 4)[:-1]} #{c}"
        when = NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
        parent = ""
        refs: list[str] = []
        for k in range(rng.choice((1, 1, 2, 3, 4, 6))):
            n += 1
            inbound = k % 2 == 0
            mid = f"b{n}@bench.example"
            batch.append(
                Message(
                    remote_id=f"INBOX/{n}",
                    direction=Direction.IN if inbound else Direction.OUT,
                    sender=who if inbound else US,
                    to=(US,) if inbound else (who,),
                    date=when + timedelta(hours=k * 3),
                    subject=subject if k == 0 else f"Re: {subject}",
                    body_text="\n".join(sentence(rng, rng.randint(8, 30)) for _ in range(rng.randint(2, 8))),
                    message_id=mid,
                    in_reply_to=parent,
                    references=tuple(refs),
                    flags=frozenset({"seen"}) if rng.random() < 0.7 else frozenset(),
                )
            )
            refs.append(mid)
            parent = mid
        if len(batch) >= 500:
            store.apply_batch("bench", PullBatch(messages=batch))
            batch = []
    if batch:
        store.apply_batch("bench", PullBatch(messages=batch))
    elapsed = time.perf_counter() - started
    print(f"ingested {n} messages / {conversations} conversations in {elapsed:.1f} s ({n / elapsed:.0f} msg/s)")
    return elapsed


def median_ms(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--out", default="bench/out/big.db")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    out = Path(args.out)
    store = Store(out)
    if not store.queue_ids("open") and not store.queue_ids("closed"):
        generate(store, args.conversations)
    total = len(store.queue_ids("open")) + len(store.queue_ids("closed"))
    print(f"cache: {out} ({out.stat().st_size / 1e6:.0f} MB, {total} conversations)")
    for view in ("open", "unanswered", "waiting", "closed"):
        ids = store.queue_ids(view)
        print(f"queue_ids({view!r}) {len(ids):>7} rows: {median_ms(lambda v=view: store.queue_ids(v), args.runs):7.1f} ms")
    ids = store.queue_ids("open")
    print(f"rows(page of 200):          {median_ms(lambda: store.queue_rows(ids[5000:5200]), args.runs):7.1f} ms")
    print(f"view counts (4 views):      {median_ms(lambda: [store.view_count(v) for v in ('open', 'unanswered', 'waiting', 'closed')], args.runs):7.1f} ms")
    for query in ("damaged", "refund courier", "customer42@example.com", "#4242"):
        hits = len(store.queue_ids("open", query))
        print(f"search {query!r:<28} {hits:>6} hits: {median_ms(lambda q=query: store.queue_ids('open', q), args.runs):7.1f} ms")


if __name__ == "__main__":
    main()
