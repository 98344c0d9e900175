"""kill -9 at random points of ``inbox sync``, many times, against each upstream.

    ./run bench bench/kill9.py [--iterations 200] [--targets maildir,imap,zendesk] [--seed 1]

Per target: seed ``iterations × 2`` customer conversations upstream, pull them, then
``iterations`` times: queue two replies, start ``inbox sync`` as a child and SIGKILL it —
at a random moment of its expected run (40 %) or a few milliseconds after it marks an
operation ``sending`` (60 %). Then plain syncs until nothing is in flight, and count what
the world received (the customer's INBOX on Dovecot, the Maildir the send command files
into, the ticket's comments on the Zendesk contract server):

    sent · unconfirmed (waiting for the agent; how many of those did arrive) ·
    duplicated · lost · stuck · integrity_check failures

Exit status 1 if anything was duplicated, lost, stuck or corrupt. ``--json`` prints one
JSON object per target (for bench/README.md "Faults").
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.faults import kill9  # noqa: E402
from tests.faults.targets import TARGETS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--targets", default="maildir,imap,zendesk")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    ok = True
    for name in args.targets.split(","):
        with tempfile.TemporaryDirectory(prefix=f"kill9-{name}-") as tmp:
            report = kill9.run(
                TARGETS[name](), args.iterations, seed=args.seed, workdir=Path(tmp), log=lambda s: print(s, file=sys.stderr)
            )
        print(report.as_json() if args.json else report.line(), flush=True)
        for problem in report.problems[:20]:
            print(f"  ! {problem}", flush=True)
        ok = ok and report.ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
