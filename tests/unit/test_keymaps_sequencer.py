"""The key-sequence dispatcher alone: what each key becomes, for each keymap."""

from __future__ import annotations

from inbox_tui import keymap
from inbox_tui.ui.keys import PASS, WAIT, Decision, KeySequencer


def feed(seq: KeySequencer, keys: list[str], context: str = "queue", **kw: bool) -> list[Decision]:
    return [seq.feed(k, context, **kw) for k in keys]


def test_vim_sequences_counts_and_registers() -> None:
    seq = KeySequencer(keymap.load("vim"), {"R": "refund-done"})
    assert feed(seq, ["g", "g"]) == [WAIT, Decision("action", "queue.first")]
    assert feed(seq, ["j"]) == [PASS]  # single keys stay Textual's
    assert feed(seq, ["1", "2", "j"]) == [WAIT, WAIT, Decision("action", "queue.down", 12)]
    assert feed(seq, ["0"]) == [PASS]  # a leading 0 is no count
    assert feed(seq, ["3", "g", "g"])[-1] == Decision("action", "queue.first", 1)  # not repeatable
    assert feed(seq, ["q", "a"]) == [WAIT, Decision("register", "global.macro_record", register="a")]
    assert feed(seq, ["q"], recording=True) == [PASS]  # q stops a recording
    assert feed(seq, ["at", "at"]) == [WAIT, Decision("register", "global.macro_replay", register="@")]
    assert feed(seq, ["R"], "conversation") == [Decision("macro", "refund-done")]
    assert feed(seq, ["g", "x"]) == [WAIT, PASS]  # a dangling prefix is dropped
    assert feed(seq, ["g", "j"], typing=True) == [PASS, PASS]  # typing in a field


def test_emacs_chords_work_while_typing() -> None:
    seq = KeySequencer(keymap.load("emacs"))
    assert feed(seq, ["ctrl+x", "ctrl+c"]) == [WAIT, Decision("action", "global.quit")]
    assert feed(seq, ["ctrl+c", "ctrl+c"], "compose", typing=True) == [WAIT, Decision("action", "compose.send")]
    assert feed(seq, ["5", "ctrl+n"]) == [PASS, PASS]  # no counts in emacs
    assert feed(seq, ["ctrl+x", "left_parenthesis"]) == [WAIT, Decision("action", "global.macro_record")]
    assert feed(seq, ["ctrl+x", "ctrl+c"], None) == [PASS, PASS]  # screens without a context
    assert seq.action_for("alt+n", "conversation") == "conversation.next"
