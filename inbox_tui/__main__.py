"""``python -m inbox_tui`` and the ``inbox`` console script."""

from __future__ import annotations

import sys


def main() -> None:
    from inbox_tui.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
