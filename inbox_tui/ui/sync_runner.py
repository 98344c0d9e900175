"""Follow ``inbox sync --progress-json`` running as a subprocess.

The sync parses MIME and writes SQLite: run in-process it would fight the UI for the GIL,
and ``multiprocessing`` cannot start inside Textual (textual-risks.md §3). So the app
starts the CLI as a child with its own stdin/stdout/stderr and reads its JSON lines here,
in a worker thread, turning each into a callback.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]


@dataclass
class SyncOutcome:
    summary: Event = field(default_factory=dict)
    error: str = ""
    busy: bool = False
    offline: list[str] = field(default_factory=list)


class SyncProcess:
    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.proc: subprocess.Popen[str] | None = None
        self._stopped = False

    def run(self, on_event: Callable[[Event], None], should_stop: Callable[[], bool]) -> SyncOutcome:
        """Blocking: start the child, report each event, wait for it to end."""
        outcome = SyncOutcome()
        try:
            self.proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,  # never shares the terminal or its signals with the app
            )
        except OSError as exc:
            outcome.error = f"could not start the sync: {exc.strerror or exc}"
            return outcome
        proc = self.proc
        assert proc.stdout is not None and proc.stderr is not None
        stderr: list[str] = []
        drain = threading.Thread(target=lambda: stderr.extend(proc.stderr), name="sync-stderr", daemon=True)  # type: ignore[arg-type]
        drain.start()
        for line in proc.stdout:
            if should_stop() or self._stopped:
                self.stop()
                break
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            kind = event.get("event")
            if kind == "done":
                outcome.summary = event
            elif kind == "busy":
                outcome.busy = True
            elif kind == "offline":
                outcome.offline.append(str(event.get("account", "")))
            on_event(event)
        code = proc.wait()
        drain.join(timeout=2)
        proc.stdout.close()  # else a ResourceWarning (an error under pytest) when it is collected
        proc.stderr.close()
        if code != 0 and not outcome.summary and not self._stopped:
            last = next((s.strip() for s in reversed(stderr) if s.strip()), "")
            outcome.error = last or f"the sync ended with exit code {code}"
        return outcome

    def stop(self) -> None:
        """Terminate our own child (by its Popen handle), if it still runs."""
        self._stopped = True
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Backoff:
    """Seconds until the next automatic flush: ``base`` while syncs succeed, doubling up to
    ``cap`` while an account stays unreachable (30 s, 1, 2, 4, 8 min, then every 10 min)."""

    base: float = 30.0
    cap: float = 600.0
    delay: float = 30.0

    def succeeded(self) -> float:
        self.delay = self.base
        return self.delay

    def failed(self) -> float:
        wait = self.delay
        self.delay = min(self.delay * 2, self.cap)
        return wait


class AutoFlush:
    """Keeps one timer armed while there is something to flush or an account is offline;
    when it fires and no sync runs, it starts one (``start``). The sync key works as ever:
    its outcome resets or extends the back-off the same way."""

    def __init__(
        self,
        set_timer: Callable[[float, Callable[[], None]], Any],
        due: Callable[[], bool],
        start: Callable[[], None],
        backoff: Backoff | None = None,
    ) -> None:
        self.set_timer = set_timer
        self.due = due
        self.start = start
        self.backoff = backoff or Backoff()
        self.timer: Any = None
        self.next_in: float | None = None
        """Seconds the armed timer was set for (shown/tested)."""

    def arm(self, delay: float | None = None) -> None:
        if self.timer is not None:
            self.timer.stop()
        self.next_in = self.backoff.delay if delay is None else delay
        self.timer = self.set_timer(self.next_in, self._fire)

    def _fire(self) -> None:
        self.timer = None
        try:
            due = self.due()
        except Exception:  # noqa: BLE001 - a busy cache must not stop the schedule
            due = True
        if due:
            self.start()
        else:
            self.arm()

    def sync_finished(self, *, offline: bool) -> None:
        self.arm(self.backoff.failed() if offline else self.backoff.succeeded())
