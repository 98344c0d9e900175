"""The command palette (Ctrl+P) lists every action of the catalogue with its live keys.

Choosing one runs the binding with that ID on the screen the palette was opened from; an
action of another screen (e.g. "Reply" from the queue) says where it works instead.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from inbox_tui import actions
from inbox_tui.ui.keys import shown

WHERE = {"queue": "the queue", "conversation": "a conversation", "compose": "the reply editor", "picker": "a picker"}


def label(action: actions.Action) -> str:
    return f"{action.context.capitalize()}: {action.description}"


class ActionCommands(Provider):
    async def discover(self) -> Hits:
        for action in actions.ACTIONS.values():
            yield DiscoveryHit(self._display(action), partial(self._run, action.id), text=label(action), help=self._help(action))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for action in actions.ACTIONS.values():
            text = label(action)
            score = matcher.match(f"{text} {action.id}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), partial(self._run, action.id), text=text, help=self._help(action))

    def _display(self, action: actions.Action) -> Content:
        return Content(label(action))

    def _help(self, action: actions.Action) -> str:
        keys = shown(self.app, action.id)
        return f"{keys}  ·  {action.id}" if keys else action.id

    async def _run(self, action_id: str) -> None:
        for active in self.screen.active_bindings.values():
            if active.binding.id == action_id:
                await self.app.run_action(active.binding.action, active.node)
                return
        where = WHERE.get(action_id.split(".", 1)[0], "another screen")
        self.app.notify(f"“{actions.get(action_id).description}” works in {where}", markup=False)
