"""``python -m inbox_tui`` and the ``inbox`` console script."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    # Start-up makes many long-lived objects and little garbage: collecting while the
    # modules load cost ~10 ms. `inbox ui` turns collection back on after its first
    # paint (ui/warmup.py), every other command as soon as it is parsed (cli.main).
    gc.disable()
    from inbox_tui.cli import main as cli_main

    sys.exit(cli_main())


if __name__ == "__main__":
    main()
