"""Bindings built from the action catalogue.

Every ``Binding`` the UI declares takes its ``id``, description and footer visibility from
``inbox_tui.actions``; its declared key is the first key of the shipped default keymap.
The live keymap (default + named + user file) is then applied by ``App.set_keymap``, which
replaces keys by binding ID — so no key string is ever written in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from textual.binding import Binding

from inbox_tui import actions, keymap


@cache
def _shipped() -> keymap.Keymap:
    return keymap.load("default")


FOOTER_LABEL = {
    "conversation.back": "Back",
    "conversation.canned": "Canned",
    "conversation.note": "Note",
    "conversation.next": "Next",
    "compose.cancel": "Keep draft",
    "compose.editor": "$EDITOR",
    "compose.canned": "Canned",
    "compose.history": "Versions",
    "compose.cc": "Cc",
    "queue.open": "Open",
    "queue.reply": "Reply",
    "global.help": "Keys",
}
"""Footer words where the catalogue's description is too long for a footer cell; the
help screen and the palette always show the full description."""


def short(action_id: str, description: str) -> str:
    """Footer text: a short label, else the description up to its parenthesis."""
    return FOOTER_LABEL.get(action_id) or description.split(" (", 1)[0]


def bind(action_id: str, action: str, *, priority: bool = False) -> Binding:
    """A Binding for ``action_id`` that runs ``action`` (a Textual action string)."""
    entry = actions.get(action_id)
    keys = _shipped().keys_for(action_id)
    if not keys:
        raise LookupError(f"{action_id} has no key in keymaps/default.toml")
    return Binding(
        keys[0],
        action,
        short(action_id, entry.description),
        show=entry.footer,
        priority=priority,
        tooltip=entry.description,
        id=action_id,
    )


def shown(app: Any, action_id: str) -> str:
    """How the live keymap spells ``action_id``'s keys (``"Ctrl+S"``, ``"J / ]"``)."""
    live = getattr(app, "keymap", None)
    return (live if isinstance(live, keymap.Keymap) else _shipped()).display_keys(action_id)


# ---------------------------------------------------------------------- key sequences

SCREEN_CONTEXT = {
    "QueueScreen": "queue",
    "ConversationScreen": "conversation",
    "ComposeScreen": "compose",
    "CannedPicker": "picker",
    "TagScreen": "picker",
    "MacroPicker": "picker",
    "MacroPreview": "picker",
    "MacroSave": "picker",
}
"""Which keymap context a screen class plays (by name: ``ui.keys`` imports no screen)."""

TAKES_REGISTER = ("global.macro_record", "global.macro_replay")
REPEATABLE = ("queue.down", "queue.up", "queue.page_down", "queue.page_up", "conversation.scroll_down",
              "conversation.scroll_up", "conversation.next", "conversation.previous", "picker.down", "picker.up")  # fmt: skip
"""What a count (``5j``) repeats; other actions run once."""


@dataclass(frozen=True)
class Decision:
    """What the dispatcher made of a key. ``kind``:

    ``pass``: Textual handles the key as usual; ``wait``: swallowed, more keys to come;
    ``action``: run ``target`` (an action id) ``count`` times; ``macro``: run macro ``target``;
    ``register``: run ``target`` (a register action) with ``register``."""

    kind: str
    target: str = ""
    count: int = 1
    register: str = ""


PASS = Decision("pass")
WAIT = Decision("wait")


class KeySequencer:
    """Multi-key sequences (``g g``, ``ctrl+x ctrl+c``), count prefixes (``5j``) and register
    names (``qa``, ``@a``) on top of Textual's single-key bindings. Single keys without a count
    pass through untouched, so Textual's focus chain keeps its meaning."""

    def __init__(self, km: keymap.Keymap, macro_keys: dict[str, str] | None = None) -> None:
        self.keymap = km
        self.pending: list[str] = []
        self.count = ""
        self.awaiting: str | None = None
        self.set_macro_keys(macro_keys or {})

    def set_macro_keys(self, macro_keys: dict[str, str]) -> None:
        """``{"R": "refund-done", "g r": "…"}``: macro keys work in the queue and conversations."""
        self.table: dict[str, dict[tuple[str, ...], tuple[str, str]]] = {}
        for action_id in self.keymap.bindings:
            context = action_id.split(".", 1)[0]
            for key in self.keymap.keys_for(action_id):
                self.table.setdefault(context, {})[tuple(key.split())] = ("action", action_id)
        for key, name in macro_keys.items():
            for context in ("queue", "conversation"):
                self.table.setdefault(context, {}).setdefault(tuple(key.split()), ("macro", name))

    def reset(self) -> None:
        self.pending, self.count, self.awaiting = [], "", None

    def live(self, context: str | None) -> dict[tuple[str, ...], tuple[str, str]]:
        if context is None:
            return {}
        found = dict(self.table.get("global", {})) if context in ("queue", "conversation") else {}
        found.update(self.table.get(context, {}))
        return found

    def feed(self, key: str, context: str | None, *, typing: bool = False, recording: bool = False) -> Decision:
        """``typing``: a text field has focus, so only chords (ctrl/alt) can start a sequence."""
        if self.awaiting is not None:
            action, self.awaiting = self.awaiting, None
            if key == "escape":
                return WAIT
            register = "@" if key == "at" else key  # @@ replays the last register
            return Decision("register", action, register=register)
        if context is None:
            self.reset()
            return PASS
        if self.keymap.counts and not typing and not self.pending and len(key) == 1 and key.isdigit():
            if key != "0" or self.count:
                self.count += key
                return WAIT
        table = self.live(context)
        candidate = (*self.pending, key)
        if typing and not self.pending and "+" not in key:
            return PASS
        exact = table.get(candidate)
        longer = any(len(seq) > len(candidate) and seq[: len(candidate)] == candidate for seq in table)
        if longer:
            self.pending = list(candidate)
            return WAIT
        count = int(self.count or "1")
        was_pending = bool(self.pending)
        self.pending, self.count = [], ""
        if exact is None:
            if was_pending:  # "g j": drop the dangling prefix, read j afresh
                return self.feed(key, context, typing=typing, recording=recording)
            return PASS if count == 1 else Decision("repeat", key, count)
        kind, target = exact
        if kind == "macro":
            return Decision("macro", target, count)
        if target in TAKES_REGISTER and self.keymap.registers and not (recording and target == "global.macro_record"):
            self.awaiting = target
            return WAIT
        if len(candidate) == 1 and count == 1:
            return PASS  # Textual binds single keys itself
        return Decision("action", target, count if target in REPEATABLE else 1)

    def action_for(self, key: str, context: str | None) -> str | None:
        """The action a single key runs in ``context`` (to record moves)."""
        found = self.live(context).get((key,))
        return found[1] if found and found[0] == "action" else None
