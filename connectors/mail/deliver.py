"""``python -m connectors.mail.deliver MAILDIR_FOLDER [--seen]``: a one-message "mail server".

Reads a message on stdin and delivers it atomically into the Maildir folder (``tmp/`` then
rename into ``new/``, or ``cur/`` flagged seen with ``--seen``), creating ``cur/new/tmp`` as
needed. Exit status 0 means the message is on disk, as with ``sendmail``.

The demo and the tests use it as a Maildir account's ``send_command``: it plays the mail
server that accepts the reply and files it. Extra arguments after the folder (recipients,
``-t``, ``-oi``) are accepted and ignored, so it drops in where a sendmail command goes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from connectors.mail._maildir_io import deliver


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    seen = "--seen" in args
    positional = [a for a in args if not a.startswith("-")]
    if not positional:
        print("usage: python -m connectors.mail.deliver MAILDIR_FOLDER [--seen]", file=sys.stderr)
        return 64  # EX_USAGE
    data = sys.stdin.buffer.read()
    if not data.strip():
        print("deliver: empty message on stdin", file=sys.stderr)
        return 65  # EX_DATAERR
    try:
        _key, path = deliver(Path(positional[0]).expanduser(), data, seen=seen)
    except OSError as exc:
        print(f"deliver: cannot write into {positional[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 74  # EX_IOERR
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
