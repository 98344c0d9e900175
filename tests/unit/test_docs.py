"""The README's key table is generated from the action catalogue and the default keymap;
this fails when someone changes one without the other."""

from __future__ import annotations

from pathlib import Path

from inbox_tui.actions import ACTIONS
from inbox_tui.docs import END, START, key_table, readme_with_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_key_table_matches_the_catalogue() -> None:
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, "README lost its key table markers"
    assert readme_with_table(text, key_table()) == text, "run: python -m inbox_tui.docs --write"


def test_every_action_is_in_the_table() -> None:
    table = key_table()
    missing = [a for a in ACTIONS if f"`{a}`" not in table]
    assert missing == []
