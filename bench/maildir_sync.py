"""First sync and no-change resync of a local Maildir, against `notmuch new` on the same tree.

    ./run bench bench/maildir_sync.py [--conversations 5000] [--runs 3]

The Maildir is the demo generator's output at scale (multilingual, HTML parts,
attachments, the hostile samples), written once into bench/out/. Each run alternates:
  1. `inbox sync` into a fresh home (parse every message, thread, FTS index, triage rules)
  2. `inbox sync` again with nothing changed
  3. `notmuch new` into a fresh notmuch database (parse + Xapian index)
and prints medians, messages per second and the ratio to notmuch measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox_tui.demo import corpus  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
INBOX = [sys.executable, "-m", "inbox_tui"]


def build_maildir(conversations: int) -> tuple[Path, int]:
    root = OUT / f"maildir-{conversations}"
    done = root / ".complete"
    if not done.exists():
        shutil.rmtree(root, ignore_errors=True)
        built = corpus.build(conversations, 11, datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
        for folder in (root, root / ".Sent"):
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
        for item in built.files:
            folder = root if item.folder == "INBOX" else root / f".{item.folder}"
            (folder / item.subdir / item.name).write_bytes(item.data)
        done.write_text(str(len(built.files)))
    return root, int(done.read_text())


def home_for(maildir: Path, parent: Path) -> Path:
    home = Path(tempfile.mkdtemp(dir=parent))
    (home / "config.toml").write_text(
        f'[app]\nagent_name = "Bench"\n\n[accounts.bench]\nconnector = "maildir"\npath = "{maildir}"\n'
        f'from = "Marlow & Lane Support <support@marlowlane.example>"\nfolders = ["INBOX", "Sent"]\n',
        encoding="utf-8",
    )
    return home


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.strip()}")
    return elapsed


def notmuch_new(maildir: Path, parent: Path) -> float:
    db = Path(tempfile.mkdtemp(dir=parent))
    config = db / "notmuch-config"
    config.write_text(f"[database]\npath={db}\nmail_root={maildir}\n[new]\ntags=inbox;\n[maildir]\nsynchronize_flags=false\n")
    env = {**os.environ, "NOTMUCH_CONFIG": str(config)}
    try:
        return timed(["notmuch", "new", "--quiet"], env)
    finally:
        shutil.rmtree(db, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    maildir, messages = build_maildir(args.conversations)
    have_notmuch = shutil.which("notmuch") is not None
    first, again, peer = [], [], []
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        for run in range(args.runs):
            home = home_for(maildir, Path(scratch))
            first.append(timed([*INBOX, "--home", str(home), "sync"]))
            again.append(timed([*INBOX, "--home", str(home), "sync"]))
            if have_notmuch:
                peer.append(notmuch_new(maildir, Path(scratch)))
            shutil.rmtree(home)
            print(f"run {run + 1}: first {first[-1]:.2f}s  again {again[-1]:.3f}s" + (f"  notmuch {peer[-1]:.2f}s" if peer else ""))
    f, a = statistics.median(first), statistics.median(again)
    print(f"\nMaildir with {messages} messages ({args.conversations} conversations), medians of {args.runs} runs")
    print(f"  inbox sync, first (parse + thread + FTS + rules): {f:6.2f} s  {messages / f:7.0f} msg/s")
    print(f"  inbox sync, nothing changed:                     {a:6.3f} s")
    if peer:
        p = statistics.median(peer)
        print(f"  notmuch new (fresh database):                    {p:6.2f} s  {messages / p:7.0f} msg/s")
        print(f"  ratio inbox/notmuch (first sync):                {f / p:6.2f}")
    else:
        print("  notmuch not installed (apt-get install notmuch): no peer measured")


if __name__ == "__main__":
    main()
