"""Time from start to a painted queue, in a real terminal (tmux), against a peer.

    ./run bench bench/startup.py [--runs 7]

Measures, alternating within one run (the machines are shared and noisy):
  1. `inbox demo` on a fresh demo home (prepare + first sync + first painted queue)
  2. `inbox` on that warm demo home (first painted queue)
  3. neomutt opening the same demo Maildir to a painted index (warm header cache off)
and prints medians and the inbox/neomutt ratio. neomutt is installed with apt if missing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.tmux import Tmux  # noqa: E402

INBOX = str(Path(sys.executable).with_name("inbox"))


def queue_painted(screen: str) -> bool:
    """The queue with its data: the view counts and the preview of the highlighted row
    (both are set by the same first load, after the rows are on screen)."""
    return re.search(r"All open \d+", screen) is not None and re.search(r"#\d+  ·  \w+  ·  \d+ message", screen) is not None


def painted(tmp: Path, argv: list[str], marker: str | Callable[[str], bool], env: dict[str, str] | None = None) -> float:
    tmux = Tmux(tmp, width=120, height=40)
    started = time.perf_counter()
    tmux.start(argv, env=env)
    try:
        tmux.wait_for(marker, timeout=60)
        return time.perf_counter() - started
    finally:
        tmux.kill()


def ensure_neomutt() -> bool:
    if shutil.which("neomutt"):
        return True
    done = subprocess.run(["apt-get", "install", "-y", "-qq", "neomutt"], capture_output=True)
    return done.returncode == 0 and shutil.which("neomutt") is not None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    have_neomutt = ensure_neomutt()
    cold, warm, peer = [], [], []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        warm_home = tmp / "warm"
        subprocess.run([INBOX, "--home", str(warm_home), "demo", "--no-ui"], check=True, capture_output=True)
        muttrc = tmp / "muttrc"
        mail = warm_home / "mail"
        muttrc.write_text(
            f"set header_cache=''\nset sort=date\nset mbox_type=Maildir\nset folder='{mail}'\n"
            f"set spoolfile='{mail}'\nset record=''\nset postponed='{mail}/.Drafts'\n"
        )
        for i in range(args.runs):
            home = tmp / f"cold{i}"
            cold.append(painted(tmp, [INBOX, "--home", str(home), "demo"], queue_painted))
            warm.append(painted(tmp, [INBOX, "--home", str(warm_home), "ui", "--no-sync"], queue_painted))
            if have_neomutt:
                peer.append(
                    painted(tmp, ["neomutt", "-n", "-F", str(muttrc), "-f", str(warm_home / "mail")], "q:Quit")
                )
    def show(name: str, xs: list[float]) -> None:
        print(f"{name:<38} median {statistics.median(xs) * 1000:7.0f} ms  (min {min(xs) * 1000:.0f}, max {max(xs) * 1000:.0f}, n={len(xs)})")

    show("inbox demo, fresh home → painted queue", cold)
    show("inbox, warm home → painted queue", warm)
    if peer:
        show("neomutt, same Maildir → painted index", peer)
        print(f"ratio inbox(warm)/neomutt: {statistics.median(warm) / statistics.median(peer):.2f}")
    else:
        print("neomutt not available: no peer ratio")


if __name__ == "__main__":
    main()
