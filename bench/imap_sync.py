"""First sync and no-change resync of an IMAP mailbox, against mbsync on the same mailbox.

    ./run bench bench/imap_sync.py [--messages 50000] [--runs 3]

A private Dovecot (tests/servers/dovecot.py, plain IMAP on 127.0.0.1) gets ``--messages``
messages of the demo generator's corpus (multilingual, HTML parts, attachments, the
hostile samples), written as Maildir files into its mail dir before it starts, and is
primed once (UID list, index and cache built, files in the page cache). Each run then
alternates, each in a fresh target:

1. the real sync (``inbox_tui.cli_run.run_sync``: IMAP connector → store with FTS →
   triage rules) in its own process, into a fresh home;
2. the same again with nothing changed (a new process, the stored cursor);
3. ``mbsync`` (isync, default ``FSync yes``) into a fresh Maildir; then again unchanged;
   then, for reference, a first sync with ``FSync no`` (how much of mbsync is fsync);
4. with ``--offlineimap``: offlineimap (Debian's offlineimap3) into a fresh Maildir and
   metadata dir, then again unchanged.

Wall time is the whole process; "engine" is the time inside ``run_sync`` (imports and
interpreter start excluded); peak memory is the summed RSS of the process and its
children (the parse worker), sampled every 50 ms. Medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
USER = "bench"
PASSWORD = "bench-secret"
IDENTITY = "Marlow & Lane Support <support@marlowlane.example>"
PAGE = os.sysconf("SC_PAGE_SIZE")


# --------------------------------------------------------------------------- corpus


def build_corpus(messages: int) -> Path:
    """``messages`` Maildir files from the demo generator, cached under bench/out/."""
    from inbox_tui.demo import corpus

    root = OUT / f"imap-corpus-{messages}"
    done = root / ".complete"
    if done.exists():
        return root
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    conversations = max(10, messages // 2)
    while True:
        built = corpus.build(conversations, 11, datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
        if len(built.files) >= messages:
            break
        conversations = int(conversations * messages / len(built.files) * 1.1) + 10
    for item in built.files[:messages]:
        (root / item.name).write_bytes(item.data)
    done.write_text(str(messages))
    return root


def corpus_bytes(root: Path) -> int:
    return sum(entry.stat().st_size for entry in os.scandir(root) if entry.name != ".complete")


# --------------------------------------------------------------------------- measuring processes


@dataclass
class Measured:
    wall: float
    peak_rss: int
    output: str = ""
    first_event: float | None = None


def _group_rss(session: int) -> int:
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            fields = stat[stat.rindex(b")") + 2 :].split()
            if int(fields[3]) != session:  # field 6 of stat: session id
                continue
            with open(f"/proc/{name}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


def run_measured(argv: list[str], *, env: dict[str, str] | None = None, watch_events: bool = False) -> Measured:
    """Run ``argv`` in its own session; wall time, peak summed RSS, stdout, and the time
    of the first JSON progress line (``watch_events``)."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    peak = 0
    first: list[float] = []
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace")
            if watch_events and not first and '"progress"' in line:
                first.append(time.perf_counter() - started)
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    while process.poll() is None:
        peak = max(peak, _group_rss(process.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - started
    reader.join()
    assert process.stderr is not None
    err = process.stderr.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode}):\n{err[-3000:]}\n{''.join(lines)[-2000:]}")
    return Measured(wall, peak, "".join(lines), first[0] if first else None)


# --------------------------------------------------------------------------- the two clients


def inbox_home(parent: Path, port: int) -> Path:
    home = Path(tempfile.mkdtemp(dir=parent, prefix="home-"))
    secret = home / "password"
    secret.write_text(PASSWORD + "\n")
    (home / "config.toml").write_text(
        f'[app]\nagent_name = "Bench"\n\n[accounts.bench]\nconnector = "imap"\nhost = "127.0.0.1"\n'
        f'port = {port}\ntls = "none"\nuser = "{USER}"\npassword = {{ command = "cat {secret}" }}\n'
        f'from = "{IDENTITY}"\nfolders = ["INBOX"]\nsmtp_host = "127.0.0.1"\nsmtp_tls = "none"\n',
        encoding="utf-8",
    )
    return home


def inbox_sync(home: Path) -> tuple[Measured, dict[str, float]]:
    measured = run_measured([sys.executable, __file__, "--drive", str(home)], watch_events=True)
    result = json.loads(measured.output.strip().splitlines()[-1])
    if result.get("offline"):
        raise SystemExit(f"sync went offline: {result['problems'][:3]}")
    return measured, result


def drive(home: Path) -> None:
    """Inside the measured process: the CLI's own sync, timed from after the imports."""
    from inbox_tui import bootstrap
    from inbox_tui.cli_run import run_sync

    bootstrap.use_home(home)
    first: list[float] = []
    started = time.perf_counter()

    def on_event(event: dict) -> None:  # type: ignore[type-arg]
        if event.get("event") == "progress" and not first:
            first.append(time.perf_counter() - started)
            print(json.dumps({"event": "progress"}), flush=True)

    summary = run_sync(on_event=on_event)
    elapsed = time.perf_counter() - started
    assert summary is not None
    print(json.dumps({
        "engine": elapsed,
        "first_batch": first[0] if first else None,
        "pulled": summary.pulled,
        "offline": summary.offline,
        "problems": summary.problems[:20],
        "problem_count": len(summary.problems),
    }), flush=True)


def mbsync_rc(parent: Path, port: int, *, fsync: bool = True) -> tuple[Path, Path]:
    target = Path(tempfile.mkdtemp(dir=parent, prefix="mbsync-"))
    (target / "mail").mkdir()
    rc = target / "mbsyncrc"
    rc.write_text(
        ("" if fsync else "FSync no\n\n") + f"IMAPAccount bench\nHost 127.0.0.1\nPort {port}\nUser {USER}\nPass {PASSWORD}\nSSLType None\n"
        "AuthMechs LOGIN\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {target}/mail/\nInbox {target}/mail/INBOX\n\n"
        "Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\n",
        encoding="utf-8",
    )
    return target, rc


def mbsync(rc: Path) -> Measured:
    return run_measured(["mbsync", "-q", "-c", str(rc), "bench"])


def offlineimap_rc(parent: Path, port: int) -> tuple[Path, Path]:
    target = Path(tempfile.mkdtemp(dir=parent, prefix="offlineimap-"))
    (target / "mail").mkdir()
    rc = target / "offlineimaprc"
    rc.write_text(
        f"[general]\naccounts = bench\nmetadata = {target}/meta\n\n"
        "[Account bench]\nlocalrepository = local\nremoterepository = remote\n\n"
        f"[Repository local]\ntype = Maildir\nlocalfolders = {target}/mail\n\n"
        f"[Repository remote]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = {port}\n"
        f"remoteuser = {USER}\nremotepass = {PASSWORD}\nssl = no\nstarttls = no\n"
        "folderfilter = lambda folder: folder == 'INBOX'\n",
        encoding="utf-8",
    )
    return target, rc


def files_in(target: Path) -> int:
    """Messages a peer wrote (its Maildir's cur/ and new/, wherever it put INBOX)."""
    return sum(1 for folder in target.rglob("*") if folder.name in ("cur", "new") and folder.is_dir() for _ in folder.iterdir())


def offlineimap(rc: Path) -> Measured:
    return run_measured(["offlineimap", "-c", str(rc), "-o", "-u", "quiet"])


# --------------------------------------------------------------------------- server


def start_server(corpus: Path, workdir: Path):  # type: ignore[no-untyped-def]
    from tests.servers.dovecot import start_dovecot

    def fill(server) -> None:  # type: ignore[no-untyped-def]
        box = server.maildir(USER)
        for sub in ("cur", "new", "tmp"):
            (box / sub).mkdir(parents=True, exist_ok=True)
        for entry in os.scandir(corpus):
            if entry.name != ".complete":
                shutil.copyfile(entry.path, box / "cur" / entry.name)

    started = time.perf_counter()
    server = start_dovecot(workdir, users=(USER,), password=PASSWORD, prepare=fill)
    status = server.status(USER)
    # prime once: size and headers into Dovecot's cache, the files into the page cache
    server.doveadm("fetch", "-u", USER, "uid size.virtual date.received", "mailbox", "INBOX", "all")
    _read_all(server.maildir(USER) / "cur")
    print(f"Dovecot up with {status['messages']} messages, primed in {time.perf_counter() - started:.1f} s", flush=True)
    return server


def _read_all(folder: Path) -> None:
    for entry in os.scandir(folder):
        with open(entry.path, "rb") as fh:
            fh.read()


# --------------------------------------------------------------------------- main


@dataclass
class Series:
    values: list[float] = field(default_factory=list)

    def add(self, value: float | None) -> None:
        if value is not None:
            self.values.append(value)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--offlineimap", action="store_true", help="also time offlineimap (apt-get install -y offlineimap3)")
    ap.add_argument("--drive", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.drive:
        drive(Path(args.drive))
        return
    if shutil.which("mbsync") is None:
        raise SystemExit("mbsync is not installed: apt-get install -y isync")
    corpus = build_corpus(args.messages)
    size = corpus_bytes(corpus)
    print(f"corpus: {args.messages} messages, {size / 1e6:.0f} MB, in {corpus}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="inbox-bench-imap-"))
    workdir.chmod(0o755)  # Dovecot's own users must reach its directory below
    server = start_server(corpus, workdir / "dovecot")
    names = (
        "first", "first_engine", "first_batch", "first_batch_engine", "first_rss", "again", "again_engine",
        "mb_first", "mb_rss", "mb_again", "mb_nofsync", "oi_first", "oi_rss", "oi_again",
    )
    series = {name: Series() for name in names}
    try:
        scratch = workdir / "targets"
        scratch.mkdir()
        for run in range(args.runs):
            home = inbox_home(scratch, server.port)
            first, result = inbox_sync(home)
            if result["pulled"] != args.messages:
                print(f"  ! pulled {result['pulled']} of {args.messages}; problems: {result['problem_count']} {result['problems'][:3]}")
            again, result_again = inbox_sync(home)
            series["first"].add(first.wall)
            series["first_engine"].add(result["engine"])
            series["first_batch"].add(first.first_event)
            series["first_rss"].add(first.peak_rss / 1e6)
            series["again"].add(again.wall)
            series["again_engine"].add(result_again["engine"])
            shutil.rmtree(home)

            target, rc = mbsync_rc(scratch, server.port)
            mb_first = mbsync(rc)
            if (got := files_in(target)) != args.messages:
                print(f"  ! mbsync wrote {got} of {args.messages} messages")
            mb_again = mbsync(rc)
            series["mb_first"].add(mb_first.wall)
            series["mb_rss"].add(mb_first.peak_rss / 1e6)
            series["mb_again"].add(mb_again.wall)
            shutil.rmtree(target)
            target, rc = mbsync_rc(scratch, server.port, fsync=False)
            mb_nofsync = mbsync(rc)
            series["mb_nofsync"].add(mb_nofsync.wall)
            shutil.rmtree(target)
            series["first_batch_engine"].add(result["first_batch"])
            if args.offlineimap:
                target, rc = offlineimap_rc(scratch, server.port)
                oi_first = offlineimap(rc)
                if (got := files_in(rc.parent)) != args.messages:
                    print(f"  ! offlineimap wrote {got} of {args.messages} messages")
                oi_again = offlineimap(rc)
                series["oi_first"].add(oi_first.wall)
                series["oi_rss"].add(oi_first.peak_rss / 1e6)
                series["oi_again"].add(oi_again.wall)
                shutil.rmtree(target)
                print(f"  offlineimap first {oi_first.wall:.1f} s (peak {oi_first.peak_rss / 1e6:.0f} MB), again {oi_again.wall:.2f} s", flush=True)
            print(
                f"run {run + 1}: inbox first {first.wall:.1f} s (engine {result['engine']:.1f} s, first batch "
                f"{first.first_event or float('nan'):.2f} s, peak {first.peak_rss / 1e6:.0f} MB), again {again.wall:.2f} s "
                f"(engine {result_again['engine']:.3f} s) | mbsync first {mb_first.wall:.1f} s "
                f"(peak {mb_first.peak_rss / 1e6:.0f} MB), again {mb_again.wall:.2f} s, FSync no {mb_nofsync.wall:.1f} s",
                flush=True,
            )
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    m = {name: s.median for name, s in series.items()}
    print(f"\nIMAP initial sync of {args.messages} messages ({size / 1e6:.0f} MB), medians of {args.runs} runs, {os.cpu_count()} cores")
    print(f"| work | inbox-tui | mbsync (FSync yes) | ratio |")
    print(f"|---|---|---|---|")
    print(f"| first sync, whole process | {m['first']:.1f} s | {m['mb_first']:.1f} s | {m['first'] / m['mb_first']:.2f}× |")
    print(f"| first sync, inside the engine | {m['first_engine']:.1f} s | | {m['first_engine'] / m['mb_first']:.2f}× |")
    print(f"| peak memory (process + workers) | {m['first_rss']:.0f} MB | {m['mb_rss']:.0f} MB | |")
    print(f"| first batch stored (from process start / inside the engine) | {m['first_batch']:.2f} s / {m['first_batch_engine']:.2f} s | | |")
    print(f"| no-change resync, whole process | {m['again']:.2f} s | {m['mb_again']:.2f} s | {m['again'] / m['mb_again']:.1f}× |")
    print(f"| no-change resync, inside the engine | {m['again_engine'] * 1000:.0f} ms | | |")
    print(f"| (mbsync with FSync no, first sync) | | {m['mb_nofsync']:.1f} s | {m['first'] / m['mb_nofsync']:.2f}× |")
    if args.offlineimap:
        print(f"| offlineimap first sync / peak / no-change resync | {m['oi_first']:.1f} s / {m['oi_rss']:.0f} MB / {m['oi_again']:.2f} s | | "
              f"inbox-tui is {m['oi_first'] / m['first']:.1f}× faster |")


if __name__ == "__main__":
    main()
