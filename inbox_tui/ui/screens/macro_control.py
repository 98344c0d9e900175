"""The app's macro desk: macros from ``macros.toml``, recording into registers, marks on
the queue, and running a macro — always through its dry run — on the open conversation or
on the marked rows (one undo group per conversation).

Service calls run in thread workers; results come back with ``call_from_thread``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inbox_tui import macros
from inbox_tui.errors import ConfigError, InboxError
from inbox_tui.macro_record import DEFAULT_REGISTER, Recorder
from inbox_tui.macro_steps import Step
from inbox_tui.macros import Macro, Plan
from inbox_tui.ui.keys import shown
from inbox_tui.ui.messages import DataChanged

MOVES = {"conversation.next": "next", "conversation.previous": "previous", "conversation.close": "next"}
"""Keys whose move a recording notes (closing a conversation moves on to the next one)."""


class MacroControl:
    def __init__(self, app: Any, recorder: Recorder) -> None:
        self.app = app
        self.recorder = recorder
        self.macros: list[Macro] = []
        self.marked: dict[int, str] = {}
        self.runs = 0
        """Finished macro runs (tests wait on it)."""

    # ------------------------------------------------------------------ definitions
    def load(self) -> str | None:
        """(Re)read macros.toml; on an error keep the macros that loaded last and return it."""
        try:
            found = macros.load()
            macros.check_keys(found, self.app.keymap)
        except ConfigError as exc:
            return f"{exc} — macros from that file are not loaded"
        self.macros = found
        return None

    def macro_keys(self) -> dict[str, str]:
        return {m.key: m.name for m in self.macros if m.key}

    def named(self, name: str) -> Macro | None:
        return next((m for m in self.macros if m.name == name), None)

    # ------------------------------------------------------------------ running
    def targets(self) -> list[int]:
        from inbox_tui.ui.screens.conversation import ConversationScreen
        from inbox_tui.ui.screens.queue import QueueScreen

        screen = self.app.screen
        if isinstance(screen, ConversationScreen):
            return [screen.conversation_id]
        if isinstance(screen, QueueScreen):
            if self.marked:
                return list(self.marked)
            row = screen.queue.row(screen.queue.cursor)
            return [row.id] if row is not None else []
        return []

    def run_named(self, name: str) -> None:
        macro = self.named(name)
        if macro is None:
            self.app.notify(f"No macro named {name}", severity="warning", markup=False)
            return
        self.run(macro.steps, macro.name)

    def run(self, steps: Sequence[Step], title: str) -> None:
        ids = self.targets()
        if not ids:
            self.app.notify("Macros run on the open conversation or on the queue's rows", markup=False)
            return
        screen = self.app.screen
        service = self.app.service

        def dry_run() -> None:
            try:
                plans = [macros.plan(service, steps, cid) for cid in ids]
            except InboxError as exc:
                self.app.call_from_thread(self.app.notify, str(exc), title=exc.title, severity="error", markup=False)
                return
            self.app.call_from_thread(self._preview, title, plans, screen)

        self.app.run_worker(dry_run, thread=True, group="macro", exit_on_error=False)

    def _preview(self, title: str, plans: list[Plan], screen: Any) -> None:
        from inbox_tui.ui.screens.macro_preview import MacroPreview

        def confirmed(run: bool | None) -> None:
            if run:
                self._apply(plans, screen)

        self.app.push_screen(MacroPreview(title, plans), confirmed)

    def _apply(self, plans: list[Plan], screen: Any) -> None:
        service = self.app.service

        def work() -> None:
            done, problems = [], []
            for p in plans:
                if p.problem:
                    problems.append(f"#{p.conversation_id}: {p.problem}")
                    continue
                try:
                    done.append(macros.apply(service, p))
                except InboxError as exc:
                    problems.append(f"#{p.conversation_id}: {exc}")
            self.app.call_from_thread(self._finished, done, problems, plans, screen)

        self.app.run_worker(work, thread=True, group="macro", exit_on_error=False)

    def _finished(self, done: list[str], problems: list[str], plans: list[Plan], screen: Any) -> None:
        from inbox_tui.ui.screens.conversation import ConversationScreen
        from inbox_tui.ui.screens.queue import QueueScreen

        undo = shown(self.app, "global.undo")
        if done:
            more = f" (+{len(done) - 1} more)" if len(done) > 1 else ""
            self.app.notify(f"Macro: {done[0]}{more} — {undo} undoes the last one", markup=False)
        for problem in problems[:3]:
            self.app.notify(f"Not run: {problem}", severity="warning", markup=False)
        self.marked.clear()
        for queue_screen in self.app.screen_stack:
            if isinstance(queue_screen, QueueScreen):
                queue_screen.queue.set_marked(())
        self.app.post_message(DataChanged(origin="sync"))
        if isinstance(screen, ConversationScreen) and screen is self.app.screen:
            move = plans[0].move if plans else 0
            if move and done:
                screen.action_walk(move)
        self.runs += 1

    # ------------------------------------------------------------------ recording
    def toggle_record(self, register: str | None = None) -> None:
        if self.recorder.recording:
            name = self.recorder.register
            steps = self.recorder.stop()
            save = shown(self.app, "global.macro_save")
            what = ", ".join(s.text.splitlines()[0] for s in steps) or "nothing"
            self.app.notify(f"Recorded @{name}: {what} — {save} saves it", markup=False)
            self.app.sub_title = ""
            return
        self.recorder.start(register or DEFAULT_REGISTER)
        stop = shown(self.app, "global.macro_record").split(" / ")[0]
        self.app.notify(f"Recording into @{self.recorder.register} — {stop} stops", markup=False)
        self.app.sub_title = f"recording @{self.recorder.register}"

    def replay(self, register: str | None = None) -> None:
        name = self.recorder.last if register in (None, "@") else register
        steps = self.recorder.steps(name)
        if not steps:
            record = shown(self.app, "global.macro_record")
            self.app.notify(f"Register @{name or DEFAULT_REGISTER} is empty — {record} records one", markup=False)
            return
        self.recorder.last = name
        self.run(steps, f"@{name}")

    def save_dialog(self) -> None:
        from inbox_tui.ui.screens.macro_save import MacroSave

        steps = self.recorder.steps()
        if not steps:
            self.app.notify("Nothing recorded yet", markup=False)
            return
        self.app.push_screen(MacroSave(steps, lambda name, key: self.save(name, key, steps)))

    def save(self, name: str, key: str, steps: Sequence[Step]) -> str | None:
        key = " ".join(key.split())
        try:
            if key:
                macros.check_keys([Macro(name, tuple(steps), key, path=str(macros.macros_file()))], self.app.keymap)
                if key in self.macro_keys():
                    raise ConfigError(f"key {key!r} already runs macro {self.macro_keys()[key]}")
            macros.save(name, steps, key=key)
        except ConfigError as exc:
            return str(exc)
        self.load()
        self.app.macros_changed()
        self.app.notify(f"Saved macro {name} to {macros.macros_file()}", markup=False)
        return None

    # ------------------------------------------------------------------ marks
    def mark(self) -> bool:
        """Toggle the queue row under the cursor; False outside the queue (the key is not ours)."""
        from inbox_tui.ui.screens.queue import QueueScreen

        screen = self.app.screen
        if not isinstance(screen, QueueScreen):
            return False
        row = screen.queue.row(screen.queue.cursor)
        if row is None:
            return True
        if self.marked.pop(row.id, None) is None:
            self.marked[row.id] = row.subject
        screen.queue.set_marked(self.marked)
        run = shown(self.app, "global.macro_run")
        n = len(self.marked)
        self.app.notify(f"{n} marked — {run} runs a macro on them" if n else "No conversation marked", markup=False)
        screen.queue.action_cursor_down()
        return True
