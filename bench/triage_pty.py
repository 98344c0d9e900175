"""Play the terminal for a Textual app on a pseudo-terminal, to time what a person sees.

The app runs as its own process on a pty (``pty.fork``) exactly as in a terminal
emulator. We answer Textual's synchronized-output query (DECRQM 2026), so every frame
arrives between ``ESC[?2026h`` and ``ESC[?2026l``: "painted" is the moment the end of the
frame that shows the expected text has been read from the pty. Keys are written as the
bytes a terminal sends.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping

SYNC_END = b"\x1b[?2026l"
_SYNC_QUERY = b"\x1b[?2026$p"
_SYNC_REPLY = b"\x1b[?2026;2$y"  # supported, currently reset

KEYS = {
    "down": b"\x1b[B", "up": b"\x1b[A", "pagedown": b"\x1b[6~", "pageup": b"\x1b[5~",
    "home": b"\x1b[H", "end": b"\x1b[F", "tab": b"\t", "shift+tab": b"\x1b[Z",
    "enter": b"\r", "escape": b"\x1b", "slash": b"/",
}  # fmt: skip


class PtyApp:
    def __init__(self, argv: list[str], env: Mapping[str, str], *, cols: int = 120, rows: int = 40) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: a terminal of the given size, then the program
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.execvpe(argv[0], argv, {**env, "TERM": "xterm-256color", "COLORTERM": "truecolor"})
        self.pid, self.fd = pid, fd
        self.output = bytearray()
        self.frame_ends: list[tuple[float, int]] = []
        """(time read, offset in ``output``) of each frame end."""
        self.last_read = self.started

    def _pump(self, timeout: float) -> bool:
        """Read what is there (waiting up to ``timeout``); False when nothing came."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            raise RuntimeError("the app exited:\n" + self.output[-2000:].decode("utf-8", "replace")) from None
        now = time.perf_counter()
        if not chunk:
            raise RuntimeError("the app closed its terminal")
        start = len(self.output)
        self.output += chunk
        if _SYNC_QUERY in chunk:
            os.write(self.fd, _SYNC_REPLY)
        search_from = max(0, start - len(SYNC_END))
        while (at := self.output.find(SYNC_END, search_from)) != -1:
            self.frame_ends.append((now, at))
            search_from = at + 1
        self.last_read = now
        return True

    def wait_painted(self, shows: Callable[[bytes], bool], since: int = 0, timeout: float = 60.0) -> float:
        """perf_counter time of the end of the first frame after ``since`` whose output
        (from ``since``) satisfies ``shows``."""
        deadline = time.perf_counter() + timeout
        checked = len(self.frame_ends)
        while True:
            for when, offset in self.frame_ends[checked:]:
                if offset >= since and shows(bytes(self.output[since:offset])):
                    return when
            checked = len(self.frame_ends)
            if time.perf_counter() > deadline:
                tail = self.output[-3000:].decode("utf-8", "replace")
                raise TimeoutError(f"not painted within {timeout}s; last output:\n{tail}")
            self._pump(0.05)

    def quiet(self, quiet: float = 0.2, cap: float = 5.0) -> float:
        """Read until nothing comes for ``quiet`` s; the time of the last frame end."""
        deadline = time.perf_counter() + cap
        while time.perf_counter() < deadline and self._pump(quiet):
            pass
        return self.frame_ends[-1][0] if self.frame_ends else self.last_read

    def press(self, key: str, *, quiet: float = 0.4) -> tuple[float, float]:
        """Seconds from writing ``key`` to the end of the first frame it caused and to the
        end of the last one (nothing more for ``quiet`` s); NaN when nothing repainted."""
        self.quiet(0.1)
        mark = len(self.frame_ends)
        sent = time.perf_counter()
        os.write(self.fd, KEYS.get(key, key.encode()))
        deadline = sent + 10
        while len(self.frame_ends) == mark and time.perf_counter() < deadline:
            self._pump(0.5)
        if len(self.frame_ends) == mark:
            return float("nan"), float("nan")
        first = self.frame_ends[mark][0] - sent
        return first, self.quiet(quiet) - sent

    def press_until(self, key: str, shows: Callable[[bytes], bool], timeout: float = 10.0, *, settle: bool = True) -> float:
        """Seconds from writing ``key`` to the first frame showing what ``shows`` wants."""
        if settle:
            self.quiet(0.1)
        since = len(self.output)
        sent = time.perf_counter()
        os.write(self.fd, KEYS.get(key, key.encode()))
        return self.wait_painted(shows, since, timeout) - sent

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def cpu_s(self) -> float:
        """User + system CPU seconds the app has used so far: all its threads, and the
        children it has waited for (``inbox ui`` forks one to read the first view's ids
        while it imports Textual: its CPU counts as the app's)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)
