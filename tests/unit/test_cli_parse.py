"""Opening the inbox parses with the small parser (global options and ``ui``); it must
read the command line exactly as the whole parser does, and leave everything else to it."""

from __future__ import annotations

import pytest

from inbox_tui.cli import build_parser, opens_the_inbox

OPENING = [
    [],
    ["ui"],
    ["ui", "--no-sync"],
    ["ui", "--keymap", "vim"],
    ["ui", "--keymap", "emacs", "--no-sync"],
    ["--home", "/tmp/x"],
    ["--home", "/tmp/x", "ui", "--no-sync"],
    ["--home=/tmp/x", "ui"],
]
NOT_OPENING = [
    ["--help"],
    ["ui", "--help"],
    ["--version"],
    ["list"],
    ["--home", "/tmp/x", "list", "--json"],
    ["demo"],
    ["sync", "shop"],
    ["ui", "--keymap=vim"],  # left to the whole parser: the same answer, only slower
]


@pytest.mark.parametrize("argv", OPENING, ids=" ".join)
def test_the_small_parser_reads_an_opening_like_the_whole_one(argv: list[str]) -> None:
    assert opens_the_inbox(argv)
    assert build_parser(only_ui=True).parse_args(argv) == build_parser().parse_args(argv)


@pytest.mark.parametrize("argv", NOT_OPENING, ids=" ".join)
def test_everything_else_goes_to_the_whole_parser(argv: list[str]) -> None:
    assert not opens_the_inbox(argv)
