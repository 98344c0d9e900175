"""The catalogue of user actions. Stdlib only.

One entry feeds the key binding (its ``id``), the footer, the ``?`` help screen, the
command palette and the README key table. Keys themselves live in ``keymaps/*.toml``;
an ID here without a key in ``keymaps/default.toml`` is an error caught by the tests.

IDs are ``<context>.<verb>``. Contexts are the UI places a key works in:
``global`` (everywhere), ``queue``, ``conversation``, ``compose``, ``picker``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    id: str
    description: str
    footer: bool = False
    """Shown in the footer (keep it to the handful that teach the screen)."""

    @property
    def context(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def verb(self) -> str:
        return self.id.split(".", 1)[1]


CONTEXTS = ("global", "queue", "conversation", "compose", "picker")

_ACTIONS = (
    # global
    Action("global.quit", "Quit", footer=True),
    Action("global.help", "Show keys", footer=True),
    Action("global.sync", "Sync now (flush outbox, pull new mail)", footer=True),
    Action("global.palette", "Command palette"),
    Action("global.undo", "Undo the last action while it is still in the outbox"),
    Action("global.outbox", "Show the outbox (pending operations)"),
    Action("global.macro_run", "Run a macro (preview first)"),
    Action("global.macro_record", "Start / stop recording a macro"),
    Action("global.macro_replay", "Replay the recorded macro (preview first)"),
    Action("global.macro_save", "Save the recorded macro to macros.toml"),
    # queue
    Action("queue.down", "Next row"),
    Action("queue.up", "Previous row"),
    Action("queue.page_down", "Page down"),
    Action("queue.page_up", "Page up"),
    Action("queue.first", "First row"),
    Action("queue.last", "Last row"),
    Action("queue.open", "Open conversation", footer=True),
    Action("queue.next_view", "Next view", footer=True),
    Action("queue.previous_view", "Previous view"),
    Action("queue.search", "Search", footer=True),
    Action("queue.clear_search", "Clear search"),
    Action("queue.reply", "Reply to the highlighted conversation (opens it with the reply box)", footer=True),
    Action("queue.canned", "Reply with a canned reply to the highlighted conversation"),
    Action("queue.close", "Close conversation"),
    Action("queue.pending", "Mark pending (waiting on customer)"),
    Action("queue.reopen", "Reopen conversation"),
    Action("queue.toggle_read", "Toggle read / unread"),
    Action("queue.mark", "Mark / unmark for a macro run on several conversations"),
    Action("queue.unmark_all", "Clear every mark (the rows marked for a macro run)"),
    Action("queue.why", "Why here: the priority terms and their weights"),
    Action("queue.snooze", "Snooze (later today, tomorrow, next business day, Monday, custom, until reply)"),
    Action("queue.resnooze", "Snooze again until the same time (after the customer only said thanks)"),
    # conversation
    Action("conversation.back", "Back to the queue", footer=True),
    Action("conversation.reply", "Reply", footer=True),
    Action("conversation.canned", "Reply with a canned reply", footer=True),
    Action("conversation.note", "Add internal note", footer=True),
    Action("conversation.close", "Close", footer=True),
    Action("conversation.pending", "Mark pending (waiting on customer)"),
    Action("conversation.reopen", "Reopen"),
    Action("conversation.tag", "Add or remove tags"),
    Action("conversation.assign", "Assign to me or to another agent"),
    Action("conversation.next", "Next conversation", footer=True),
    Action("conversation.previous", "Previous conversation"),
    Action("conversation.scroll_down", "Scroll thread down"),
    Action("conversation.scroll_up", "Scroll thread up"),
    Action("conversation.focus_notes", "Focus the notes pane"),
    Action("conversation.why", "Why here: the priority terms and their weights"),
    Action("conversation.snooze", "Snooze (later today, tomorrow, next business day, Monday, custom, until reply)"),
    Action("conversation.resnooze", "Snooze again until the same time (after the customer only said thanks)"),
    # compose
    Action("compose.send", "Send reply", footer=True),
    Action("compose.cancel", "Cancel (keep draft)", footer=True),
    Action("compose.editor", "Edit in $EDITOR", footer=True),
    Action("compose.canned", "Insert canned reply", footer=True),
    Action("compose.history", "Earlier versions of this draft", footer=True),
    Action("compose.cc", "Edit the copies (cc) of this reply", footer=True),
    Action("compose.expand", "Expand the ;shortcut before the cursor into its canned reply"),
    # picker (canned replies, tags)
    Action("picker.select", "Choose", footer=True),
    Action("picker.cancel", "Cancel", footer=True),
    Action("picker.down", "Next choice"),
    Action("picker.up", "Previous choice"),
)

ACTIONS: dict[str, Action] = {a.id: a for a in _ACTIONS}


def actions_in(context: str) -> list[Action]:
    return [a for a in _ACTIONS if a.context == context]


def get(action_id: str) -> Action:
    return ACTIONS[action_id]
