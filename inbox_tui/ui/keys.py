"""Bindings built from the action catalogue.

Every ``Binding`` the UI declares takes its ``id``, description and footer visibility from
``inbox_tui.actions``; its declared key is the first key of the shipped default keymap.
The live keymap (default + named + user file) is then applied by ``App.set_keymap``, which
replaces keys by binding ID — so no key string is ever written in Python.
"""

from __future__ import annotations

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
    "queue.open": "Open",
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
