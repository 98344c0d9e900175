"""The triaged queue at scale (issue 5): view switches, counts, searches (beside notmuch
on the same corpus), rules over 1,000 new arrivals, memory.

    ./run bench bench/queue_bench.py --out bench/out/queue            # 100,000 conversations
    ./run bench bench/queue_bench.py --out /tmp/q --conversations 5000 --no-notmuch

Builds once (then reuses) a cache with ``bench/big_cache.py``'s generator, scores it,
exports the same messages as a Maildir and indexes it with ``notmuch new`` (apt install
notmuch). Times are medians of ``--runs``; notmuch is timed as whole processes (its
normal use), our side in process (the TUI's path) and as a whole ``inbox search`` process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import big_cache  # noqa: E402  (puts the project on sys.path too)

from inbox_tui import paths  # noqa: E402
from inbox_tui.config import load  # noqa: E402
from inbox_tui.model import Address, Direction, Message, PullBatch, utcnow  # noqa: E402
from inbox_tui.service import InboxService  # noqa: E402
from inbox_tui.store import Store, parse_iso  # noqa: E402
from inbox_tui.triage import demo  # noqa: E402
from inbox_tui.triage.runner import SyncTriage  # noqa: E402

UPSTREAM = {"bench": frozenset({"reply", "read"})}
SEARCHES = (  # (label, our query, notmuch query)
    ("order number", "4242", "subject:4242"),
    ("customer address", "customer42@example.com", "from:customer42@example.com"),
    ("field: from", "from:customer42@", "from:customer42@example.com"),
    ("two words", "refund courier", "refund and courier"),
    ("phrase", '"charged twice"', '"charged twice"'),
    ("common word (95%)", "damaged", "damaged"),
    ("search as you type", "damag", "damag*"),
    ("fields only", "is:unanswered waiting:>2d -is:unread", None),
)
ARRIVAL_SUBJECTS = (
    "Payment failed for my order", "Card declined twice", "Where is my refund", "Parcel arrived damaged",
    "URGENT: wrong item sent", "I will call my lawyer", "Return request", "Question about sizes",
    "Chargeback if this is not fixed", "Invoice missing", "Exchange for a bigger size", "Thanks!",
)  # fmt: skip


def median_ms(fn: Any, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def service_for(store: Store, home: Path) -> InboxService:
    paths.set_home(home)
    return InboxService(store, load(home / "config.toml"), UPSTREAM)


# ---------------------------------------------------------------------- corpus


def build(out: Path, conversations: int) -> dict[str, float]:
    db = out / "queue.db"
    facts: dict[str, float] = {}
    if db.exists():
        return json.loads((out / "build.json").read_text()) if (out / "build.json").exists() else facts
    store = Store(db)
    facts["ingest_s"] = big_cache.generate(store, conversations)
    home = out / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('[app]\nagent_name = "Bench"\n', encoding="utf-8")
    service = service_for(store, home)
    start = time.perf_counter()
    service.refresh_clocks()
    facts["initial_scoring_s"] = time.perf_counter() - start
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    (out / "build.json").write_text(json.dumps(facts))
    return facts


def export_maildir(db: Path, maildir: Path) -> int:
    """The cache's messages as RFC 5322 files: the same corpus for notmuch."""
    if (maildir / "cur").exists():
        return sum(1 for _ in (maildir / "cur").iterdir())
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db)
    count = 0
    for row in con.execute(
        "SELECT id, message_id, in_reply_to, references_json, from_name, from_email, to_json, date, subject, body_text "
        "FROM messages ORDER BY id"
    ):
        mid, msg_id, reply_to, refs, name, sender, to, date, subject, body = row
        to_addr = json.loads(to)[0][0] if json.loads(to) else ""
        headers = [
            f"From: {name} <{sender}>", f"To: {to_addr}", f"Subject: {subject}",
            f"Date: {format_datetime(parse_iso(date))}", f"Message-ID: <{msg_id}>",
        ]  # fmt: skip
        if reply_to:
            headers.append(f"In-Reply-To: <{reply_to}>")
        if json.loads(refs):
            headers.append("References: " + " ".join(f"<{r}>" for r in json.loads(refs)))
        text = "\n".join(headers) + '\nContent-Type: text/plain; charset="utf-8"\n\n' + body + "\n"
        (maildir / "cur" / f"{mid}.bench:2,S").write_text(text, encoding="utf-8")
        count += 1
    return count


def notmuch_index(out: Path) -> tuple[Path, float | None]:
    config = out / "notmuch-config"
    maildir = out / "maildir"
    config.write_text(
        f"[database]\npath={maildir}\n[user]\nname=Bench\nprimary_email=support@marlowlane.example\n"
        "[new]\ntags=inbox;\n[search]\nexclude_tags=\n[maildir]\nsynchronize_flags=false\n",
        encoding="utf-8",
    )
    if (maildir / ".notmuch").exists():
        return config, None
    start = time.perf_counter()
    subprocess.run(["notmuch", f"--config={config}", "new", "--quiet"], check=True)
    return config, time.perf_counter() - start


def notmuch_ms(config: Path, command: str, query: str, runs: int) -> tuple[float, int]:
    argv = ["notmuch", f"--config={config}", command, "--output=threads", query]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    hits = int(out.strip()) if command == "count" else len(out.splitlines())
    return median_ms(lambda: subprocess.run(argv, capture_output=True, check=True), runs), hits


# ---------------------------------------------------------------------- measurements


def cold_counts_ms(service: InboxService, runs: int) -> float:
    def cold() -> None:
        service.triage._counts = None  # as after a sync batch or an agent action
        service.view_counts()

    return median_ms(cold, runs)


def queue_numbers(service: InboxService, runs: int) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    counts_ms = median_ms(service.view_counts, runs)
    for view in service.views():
        n = len(service.queue_ids(view.key))
        ids_ms = median_ms(lambda v=view.key: service.queue_ids(v), runs)
        rows.append((f"view switch: {view.title} (ids + counts)", ids_ms + counts_ms, f"{n} rows"))
    rows.append(("view counts, all views, after a change (cold)", cold_counts_ms(service, runs), "one count per view"))
    rows.append(("view counts, all views, nothing changed", counts_ms, "remembered"))
    ids = service.queue_ids("open")
    rows.append(("rows of a 200-row page", median_ms(lambda: service.rows(ids[5000:5200]), runs), ""))
    rows.append(("refresh_clocks when nothing is due", median_ms(service.refresh_clocks, runs), "app start / timer"))
    first = ids[0]
    rows.append(("why(id) for the top conversation", median_ms(lambda: service.why(first), runs), ""))
    return rows


def search_numbers(service: InboxService, config: Path | None, runs: int, out: Path) -> list[tuple[str, ...]]:
    rows = []
    inbox = shutil.which("inbox") or str(Path(sys.executable).parent / "inbox")
    for label, ours, theirs in SEARCHES:
        hits = len(service.queue_ids("open", ours))
        ids_ms = median_ms(lambda q=ours: service.queue_ids("open", q), runs)
        counts_ms = median_ms(lambda q=ours: service.view_counts(q), runs)
        argv = [inbox, "--home", str(out / "home"), "search", ours, "--limit", "100000", "--json"]
        cli_ms = median_ms(lambda a=argv: subprocess.run(a, capture_output=True, check=True), max(3, runs // 2))
        nm = ("—", "—", "—")
        if config is not None and theirs is not None:
            search_ms, threads = notmuch_ms(config, "search", theirs, max(3, runs // 2))
            count_ms, _ = notmuch_ms(config, "count", theirs, max(3, runs // 2))
            nm = (f"{search_ms:.0f}", f"{count_ms:.0f}", str(threads))
        rows.append((label, ours, str(hits), f"{ids_ms:.1f}", f"{counts_ms:.1f}", f"{cli_ms:.0f}", *nm))
    return rows


def arrivals(n: int, seed: int = 5) -> list[Message]:
    rng = random.Random(seed)
    now = utcnow()
    us = Address("support@marlowlane.example", "Support")
    out = []
    for i in range(n):
        who = rng.randrange(40_000) if rng.random() < 0.5 else 1_000_000 + i  # half of them repeat customers
        subject = f"{rng.choice(ARRIVAL_SUBJECTS)} #{900_000 + i}"
        body = f"{big_cache.sentence(rng, 12)} {subject.split('#')[0]}. {big_cache.sentence(rng, 20)}"
        out.append(Message(
            remote_id=f"NEW/{i}", direction=Direction.IN, sender=Address(f"customer{who}@example.com", f"Customer {who}"),
            to=(us,), date=now - timedelta(minutes=rng.randint(1, 180)), subject=subject, body_text=body,
            message_id=f"arrival{i}@bench.example",
        ))  # fmt: skip
    return out


def hours_config(local_hour: int) -> str:
    """Business hours 09:00-17:00 every day in a fixed-offset zone where it is now
    ``local_hour`` o'clock (22: closed, acknowledgements go out; 12: open)."""
    offset = (local_hour - utcnow().hour) % 24
    offset = offset - 24 if offset > 14 else offset
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return f'[business_hours]\ntimezone = "{zone}"\n' + "".join(
        f'{day} = "09:00-17:00"\n' for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )


def rules_numbers(out: Path, runs: int) -> list[tuple[str, float, str]]:
    """1,000 new conversations in two stored batches of 500; after each, the sync hook
    runs the demo rules and rescoring. The 100k already in the cache count as seen by
    the rules (as after syncs that ran the hook)."""
    rows: list[tuple[str, float, str]] = []
    for scenario, local_hour in (("in business hours", 12), ("out of hours", 22)):
        samples: dict[str, list[float]] = {"ingest": [], "hook": [], "cpu": []}
        totals: list[float] = []  # each run's two batches together
        detail = ""
        for _ in range(max(1, runs // 3)):
            work = out / "rules.db"
            shutil.copy(out / "queue.db", work)
            home = out / "rules-home"
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir()
            (home / "config.toml").write_text(
                '[app]\nagent_name = "Bench"\n\n[accounts.bench]\nconnector = "maildir"\npath = "/x"\n'
                'from = "Support <support@marlowlane.example>"\n\n' + hours_config(local_hour),
                encoding="utf-8",
            )
            demo.install(home)
            store = Store(work)
            with store.transaction() as con:
                con.execute("UPDATE conversations SET rules_seen = last_in_row")
            service = service_for(store, home)
            service.triage.refresh()  # the clocks that came due since the corpus was scored (the app does this at start)
            os.sync()  # the 0.8 GB copy's writeback would otherwise slow the first commits' fsyncs
            hook = SyncTriage.for_service(service)
            batch = arrivals(1000)
            for half in (batch[:500], batch[500:]):
                start = time.perf_counter()
                result = store.apply_batch("bench", PullBatch(messages=half))
                samples["ingest"].append(time.perf_counter() - start)
                start, cpu = time.perf_counter(), time.process_time()
                problems = hook.after_batch("bench", result)
                samples["hook"].append(time.perf_counter() - start)
                samples["cpu"].append(time.process_time() - cpu)
                assert not problems, problems[:3]
            totals.append(sum(samples["hook"][-2:]) * 1000)
            fired = store.query_one("SELECT count(*) FROM rule_runs")[0]
            acks = store.query_one("SELECT count(*) FROM operations WHERE kind = 'reply'")[0]
            detail = f"{fired} rule runs, {acks} acknowledgements queued"
            store.close()
            for leftover in out.glob("rules.db*"):
                leftover.unlink()
        ingest = statistics.median(samples["ingest"]) * 2000
        hook = statistics.median(samples["hook"]) * 2000
        cpu = statistics.median(samples["cpu"]) * 2000
        runs_text = ", ".join(f"{t:.0f}" for t in totals)
        rows.append((f"rules + rescore after 2 batches of 500 arrivals, {scenario}", hook,
                     f"{detail}; CPU {cpu:.0f} ms; runs {runs_text}"))  # fmt: skip
        rows.append((f"arrivals end to end (store + rules + rescore), {scenario}", ingest + hook, f"store {ingest:.0f} ms"))
    return rows


def memory_mb(out: Path) -> float:
    """Peak RSS of a fresh process doing what the app's data side does at 100k."""
    code = (
        "import resource, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "import big_cache\n"
        "from inbox_tui import paths\nfrom inbox_tui.config import load\nfrom inbox_tui.service import InboxService\n"
        "from inbox_tui.store import Store\n"
        f"paths.set_home({str(out / 'home')!r})\n"
        f"s = InboxService(Store({str(out / 'queue.db')!r}), load(paths.config_file()), {{'bench': frozenset()}})\n"
        "s.refresh_clocks()\n"
        "for v in s.views():\n    ids = s.queue_ids(v.key); s.rows(ids[:200])\n"
        "s.view_counts(); s.queue_ids('open', 'damaged'); s.view_counts('damaged')\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=100_000)
    ap.add_argument("--out", default="bench/out/queue")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-notmuch", action="store_true")
    ap.add_argument("--rules-only", action="store_true", help="only the rules over 1,000 arrivals (cache must exist)")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.rules_only:
        print("| measurement | median ms | note |\n|---|---:|---|")
        for label, ms, note in rules_numbers(out, args.runs):
            print(f"| {label} | {ms:.0f} | {note} |")
        return
    built = build(out, args.conversations)
    config = None
    if not args.no_notmuch:
        exported = export_maildir(out / "queue.db", out / "maildir")
        config, indexed = notmuch_index(out)
        if indexed is not None:
            built["notmuch_new_s"] = indexed
            (out / "build.json").write_text(json.dumps(built))
        print(f"maildir: {exported} messages; notmuch new took {built.get('notmuch_new_s', 0):.0f} s (once)")
    store = Store(out / "queue.db")
    service = service_for(store, out / "home")
    total = store.query_one("SELECT count(*), (SELECT count(*) FROM messages) FROM conversations")
    print(f"\ncache: {total[0]} conversations, {total[1]} messages, {(out / 'queue.db').stat().st_size / 1e6:.0f} MB")
    print(f"build: ingest {built.get('ingest_s', 0):.0f} s, initial scoring {built.get('initial_scoring_s', 0):.1f} s\n")
    print("| measurement | median ms | note |\n|---|---:|---|")
    for label, ms, note in queue_numbers(service, args.runs):
        print(f"| {label} | {ms:.1f} | {note} |")
    for label, ms, note in rules_numbers(out, args.runs):
        print(f"| {label} | {ms:.0f} | {note} |")
    print(f"| peak RSS of a process opening the 100k queue (all views, search) | {memory_mb(out):.0f} MB | |")
    print("\n| search | our query | hits (open) | ids ms | counts ms | `inbox search` process ms "
          "| notmuch search ms | notmuch count ms | notmuch threads |\n|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in search_numbers(service, config, args.runs, out):
        print("| " + " | ".join(row) + " |")
    print(f"\npeak RSS of this bench process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
