"""Drive a real terminal program in a private tmux server, as a person would.

Polls ``capture-pane`` for expected text instead of sleeping; every wait has a deadline and
a failure shows the screen it last saw.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path


def _without_fixed_size(environ: Mapping[str, str]) -> dict[str, str]:
    """pytest exports COLUMNS/LINES (80×24); the tmux server would hand them to the pane and
    Textual obeys them over the real pane size."""
    return {k: v for k, v in environ.items() if k not in ("COLUMNS", "LINES")}


class TmuxError(AssertionError):
    pass


class Tmux:
    def __init__(self, workdir: Path, *, width: int = 120, height: int = 40) -> None:
        if shutil.which("tmux") is None:
            raise TmuxError("tmux is not installed (./run test installs it)")
        self.socket = str(workdir / f"tmux-{uuid.uuid4().hex[:8]}.sock")
        self.session = "e2e"
        self.width, self.height = width, height
        self.status_file = workdir / f"exit-{uuid.uuid4().hex[:8]}"

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-S", self.socket, "-f", "/dev/null", *args],
            capture_output=True, text=True, check=check, timeout=20, env=_without_fixed_size(os.environ),
        )  # fmt: skip

    def start(self, argv: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        environment = {**_without_fixed_size(os.environ), **(env or {}), "TERM": "xterm-256color"}
        # tmux sometimes loses a dead pane's status (the pty's EOF wins the race against the
        # child's exit): the shell around the program writes it down
        program = " ".join(shlex.quote(a) for a in argv)
        command = f"{program}; echo $? > {shlex.quote(str(self.status_file))}"
        # keep the pane after the program exits, so a crash stays readable
        self._tmux(
            "new-session", "-d", "-s", self.session, "-x", str(self.width), "-y", str(self.height),
            "-c", str(cwd or os.getcwd()),
            *[x for k, v in environment.items() if k.isidentifier() for x in ("-e", f"{k}={v}")],
            command,
        )  # fmt: skip
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session).stdout

    def raw_screen(self) -> str:
        """With escape sequences, to check what reached the terminal."""
        return self._tmux("capture-pane", "-p", "-e", "-t", self.session).stdout

    def send(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", self.session, key)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, predicate: str | Callable[[str], bool], timeout: float = 15.0) -> str:
        check = predicate if callable(predicate) else (lambda screen: predicate in screen)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if check(screen):
                return screen
            time.sleep(0.05)
        what = predicate if isinstance(predicate, str) else getattr(predicate, "__name__", "condition")
        raise TmuxError(f"timed out after {timeout}s waiting for {what!r}; screen was:\n{screen}")

    def pane_dead(self) -> bool:
        """The program has ended (the pane stays, with its last screen)."""
        out = self._tmux("display-message", "-p", "-t", self.session, "#{pane_dead} #{pane_dead_status}", check=False)
        return out.stdout.strip().startswith("1")

    def exit_status(self, timeout: float = 5.0) -> int | None:
        """The dead pane's exit status (tmux fills it in a moment after the pane dies)."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.status_file.read_text().strip() if self.status_file.exists() else ""
            if value.isdigit() or time.monotonic() > deadline:
                return int(value) if value.isdigit() else None
            time.sleep(0.05)

    def kill(self) -> None:
        self._tmux("kill-server", check=False)
        Path(self.socket).unlink(missing_ok=True)
        self.status_file.unlink(missing_ok=True)
