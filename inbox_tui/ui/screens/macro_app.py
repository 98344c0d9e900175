"""The keyboard layer of the app: the key-sequence dispatcher in front of Textual's bindings
(``g g``, ``5j``, ``qa``/``@a``, ``C-x C-c``), the macro actions, and the palette entries for
macros. ``InboxApp`` mixes ``KeyboardMacros`` in; screens stay unaware of it.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

from textual import events
from textual.actions import SkipAction
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.widgets import Input

from inbox_tui.keymap import Keymap, pretty_key
from inbox_tui.macro_record import Recorder, RecordingService
from inbox_tui.macro_steps import Step
from inbox_tui.ui.keys import SCREEN_CONTEXT, Decision, KeySequencer, bind
from inbox_tui.ui.screens.macro_control import MOVES, MacroControl

MACRO_BINDINGS = [
    bind("global.macro_run", "macro_run"),
    bind("global.macro_record", "macro_record"),
    bind("global.macro_replay", "macro_replay"),
    bind("global.macro_save", "macro_save"),
    bind("queue.mark", "mark"),
]


def _typing_into(widget: object) -> bool:
    """A text box has the focus: keys are text, not sequences. ``TextArea`` (≈10 ms to
    import) is looked up only once a screen that uses it has imported it."""
    if isinstance(widget, Input):
        return True
    text_area = sys.modules.get("textual.widgets._text_area")
    return text_area is not None and isinstance(widget, text_area.TextArea)

class KeyboardMacros:
    """Mixin for the App (``self`` is an ``App``)."""

    service: Any
    keymap: Keymap

    def init_keyboard(self, service: Any) -> Any:
        """Wrap the service for recording; returns what the app should hold as its service."""
        self.recorder = Recorder()
        self.macro_desk = MacroControl(self, self.recorder)
        self.macro_error = self.macro_desk.load()
        self.sequencer = KeySequencer(self.keymap, self.macro_desk.macro_keys())
        return RecordingService(service, self.recorder)

    def macros_changed(self) -> None:
        self.sequencer.set_macro_keys(self.macro_desk.macro_keys())

    # ------------------------------------------------------------------ keys
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and await self._sequence(event.key):
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _sequence(self, key: str) -> bool:
        app: Any = self
        # by the screen's class or the one it extends (the app's first queue is a QueueScreen's subclass)
        context = next((SCREEN_CONTEXT[c.__name__] for c in type(app.screen).__mro__ if c.__name__ in SCREEN_CONTEXT), None)
        typing = _typing_into(app.focused)
        decision = self.sequencer.feed(key, context, typing=typing, recording=self.recorder.recording)
        if decision.kind == "pass":
            if self.recorder.recording and not typing:
                self._note_move(self.sequencer.action_for(key, context))
            return False
        if decision.kind == "wait":
            return True
        await self._decided(decision)
        return True

    async def _decided(self, decision: Decision) -> None:
        app: Any = self
        if decision.kind == "macro":
            self.macro_desk.run_named(decision.target)
        elif decision.kind == "register":
            if decision.target == "global.macro_record":
                self.macro_desk.toggle_record(decision.register)
            else:
                self.macro_desk.replay(decision.register)
        elif decision.kind == "repeat":
            active = app.screen.active_bindings.get(decision.target)
            for _ in range(decision.count if active else 0):
                self._note_move(active.binding.id)
                await app.run_action(active.binding.action, active.node)
        elif decision.kind == "action":
            for _ in range(decision.count):
                if not await self.run_bound(decision.target):
                    break

    async def run_bound(self, action_id: str) -> bool:
        """Run the live binding with this catalogue id on the current screen."""
        app: Any = self
        for active in app.screen.active_bindings.values():
            if active.binding.id == action_id:
                self._note_move(action_id)
                await app.run_action(active.binding.action, active.node)
                return True
        return False

    def _note_move(self, action_id: str | None) -> None:
        if self.recorder.recording and action_id in MOVES:
            self.recorder.add(Step(MOVES[action_id]))

    # ------------------------------------------------------------------ actions
    def action_macro_run(self) -> None:
        from inbox_tui.ui.screens.macro_picker import MacroPicker

        app: Any = self
        if self.macro_error:
            app.notify(self.macro_error, title="Macros not loaded", severity="error", markup=False)
        if not self.macro_desk.macros:
            app.notify("No macros yet: record one, or add them to macros.toml", markup=False)
            return
        if not self.macro_desk.targets():
            app.notify("Macros run on the open conversation or on the queue's rows", markup=False)
            return
        app.push_screen(MacroPicker(self.macro_desk.macros), lambda name: name and self.macro_desk.run_named(name))

    def action_macro_record(self) -> None:
        self.macro_desk.toggle_record()

    def action_macro_replay(self) -> None:
        self.macro_desk.replay()

    def action_macro_save(self) -> None:
        self.macro_desk.save_dialog()

    def action_mark(self) -> None:
        if not self.macro_desk.mark():
            raise SkipAction()  # Space keeps its meaning outside the queue


class MacroCommands(Provider):
    """Palette entries: every macro (runs after its dry run) and every recorded register."""

    def _entries(self) -> list[tuple[str, str, Any]]:
        app: Any = self.app
        desk: MacroControl | None = getattr(app, "macro_desk", None)
        if desk is None:
            return []
        found = []
        for macro in desk.macros:
            key = f"{pretty_key(macro.key)}  ·  " if macro.key else ""
            found.append((f"Macro: {macro.name}", f"{key}{macro.summary}", partial(desk.run_named, macro.name)))
        for register, steps in sorted(desk.recorder.registers.items()):
            summary = ", ".join(s.text.splitlines()[0] for s in steps)
            found.append((f"Macro: replay @{register}", summary, partial(desk.replay, register)))
        return found

    async def discover(self) -> Hits:
        for text, help_text, run in self._entries():
            yield DiscoveryHit(Content(text), run, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, help_text, run in self._entries():
            score = matcher.match(f"{text} {help_text}")
            if score > 0:
                yield Hit(score, matcher.highlight(text), run, text=text, help=help_text)
