"""Opening the inbox parses with the small parser (global options and ``ui``); it must
read the command line exactly as the whole parser does, and leave everything else to it."""

from __future__ import annotations

import pytest

from inbox_tui.cli import build_parser, opens_the_inbox, read_opening

OPENING = [
    [],
    ["ui"],
    ["ui", "--no-sync"],
    ["ui", "--keymap", "vim"],
    ["ui", "--keymap", "emacs", "--no-sync"],
    ["--home", "/tmp/x"],
    ["--home", "/tmp/x", "ui", "--no-sync"],
    ["--home=/tmp/x", "ui"],
    ["ui", "--keymap", "vim", "--keymap", "emacs"],
    ["ui", "--no-sync", "--no-sync", "--keymap", "vim"],
]
LEFT_TO_THE_PARSER = [  # opening, or an error, that argparse reads (and explains)
    ["--home"],
    ["--home", "--no-sync"],
    ["--home="],
    ["ui", "--keymap"],
    ["ui", "--keymap", "--no-sync"],
    ["ui", "extra"],
    ["--home", "/tmp/x", "extra"],
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


@pytest.mark.parametrize("argv", OPENING, ids=" ".join)
def test_an_opening_is_read_without_argparse_exactly_as_the_whole_parser_reads_it(argv: list[str]) -> None:
    opening = read_opening(argv)
    assert opening is not None
    assert vars(opening) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", NOT_OPENING + LEFT_TO_THE_PARSER, ids=" ".join)
def test_anything_unusual_is_left_to_the_parser(argv: list[str]) -> None:
    assert read_opening(argv) is None
