"""Recording macros by watching what the agent does, not which keys they press.

``RecordingService`` wraps the ``InboxService`` the UI holds: while a register is being
recorded, every upstream-visible action (reply, tags, status, note) is noted as a macro
step; the UI adds the moves (next / previous) it sees. A canned reply is recorded by its
name, never as its rendered text, so replaying it greets the next customer by their own
name. Headless: no Textual.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from inbox_tui.macro_steps import Step, normalise
from inbox_tui.model import Status

DEFAULT_REGISTER = "q"


class Recorder:
    def __init__(self) -> None:
        self.registers: dict[str, list[Step]] = {}
        self.register: str | None = None
        """The register being recorded into, or None."""
        self.last: str | None = None
        """The register recorded or replayed last (``@@``)."""
        self._steps: list[Step] = []
        self._lock = threading.Lock()

    @property
    def recording(self) -> bool:
        return self.register is not None

    def start(self, register: str = DEFAULT_REGISTER) -> None:
        with self._lock:
            self.register = register
            self._steps = []

    def stop(self) -> list[Step]:
        with self._lock:
            register, steps = self.register, normalise(self._steps)
            self.register, self._steps = None, []
        if register is not None:
            self.registers[register] = steps
            self.last = register
        return steps

    def add(self, step: Step) -> None:
        with self._lock:
            if self.register is not None:
                self._steps.append(step)

    def steps(self, register: str | None = None) -> list[Step]:
        name = register or self.last or DEFAULT_REGISTER
        return list(self.registers.get(name, []))


class RecordingService:
    """The service, with the agent's actions noted while a recording runs."""

    def __init__(self, service: Any, recorder: Recorder) -> None:
        self._service = service
        self.recorder = recorder
        self._templates: dict[int, tuple[str, str]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    @property
    def wrapped(self) -> Any:
        return self._service

    def render(self, conversation_id: int, template: str) -> str:
        rendered = self._service.render(conversation_id, template)
        if self.recorder.recording:
            self._templates[conversation_id] = (template, rendered)
        return rendered

    def reply(self, conversation_id: int, body: str, *, canned: str | None = None, **kw: Any) -> Any:
        result = self._service.reply(conversation_id, body, canned=canned, **kw)
        if canned:
            self.recorder.add(Step("canned", canned))
        else:  # keep the {{placeholders}} the agent typed, not this customer's values
            template, rendered = self._templates.pop(conversation_id, (body, body))
            self.recorder.add(Step("reply", template if rendered == body else body))
        return result

    def set_tags(self, conversation_id: int, add: Sequence[str] = (), remove: Sequence[str] = ()) -> Any:
        result = self._service.set_tags(conversation_id, add, remove)
        words = [f"+{t}" for t in add if t.strip()] + [f"-{t}" for t in remove if t.strip()]
        if words:
            self.recorder.add(Step("tag", " ".join(words)))
        return result

    def set_status(self, conversation_id: int, status: Status) -> Any:
        result = self._service.set_status(conversation_id, status)
        self.recorder.add(Step("status", str(status)))
        return result

    def add_note(self, conversation_id: int, text: str) -> Any:
        result = self._service.add_note(conversation_id, text)
        self.recorder.add(Step("note", text.strip()))
        return result
