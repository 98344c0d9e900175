"""Send a message by piping it to a sendmail-compatible command (``msmtp -t``,
``sendmail -t -oi``, ``python -m connectors.mail.deliver DIR``).

The command reads the message on stdin and takes the recipients from its headers (``-t``).
Two placeholders are expanded in the argument list when present: ``{recipients}`` (one
argument per address) and ``{from}`` (the envelope sender). The message is given with
local (LF) line ends, the sendmail convention.

Outcomes map onto the error tree:

* the command cannot start, or exits non-zero → ``TransportError`` (nothing was accepted),
  naming the program and the first line of its stderr, with any command-line argument
  that might be a secret blanked out;
* it runs past ``timeout`` or dies from a signal → ``AmbiguousSend``: the bytes went in
  and the message may be on its way, so the caller looks for it before any retry.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from collections.abc import Sequence
from pathlib import PurePath

from inbox_tui.errors import AmbiguousSend, ConfigError, TransportError
from inbox_tui.model import clean_line

__all__ = ["DEFAULT_TIMEOUT", "command_argv", "send_with_command"]

DEFAULT_TIMEOUT = 60.0


def command_argv(command: str | Sequence[str], recipients: Sequence[str] = (), sender: str = "") -> list[str]:
    """The argument vector: a string is split like a shell would (no shell runs)."""
    try:
        words = shlex.split(command) if isinstance(command, str) else [str(w) for w in command]
    except ValueError as exc:
        raise ConfigError(f"send_command cannot be split into words: {exc}") from None
    if not words:
        raise ConfigError("send_command is empty")
    argv: list[str] = []
    for word in words:
        if word == "{recipients}":
            argv.extend(recipients)
        else:
            argv.append(word.replace("{from}", sender))
    return argv


def send_with_command(
    command: str | Sequence[str],
    raw: bytes,
    recipients: Sequence[str] = (),
    *,
    sender: str = "",
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """Pipe ``raw`` (CRLF or LF) to ``command``; return when it exits 0. See the module
    docstring for the errors."""
    argv = command_argv(command, recipients, sender)
    program = PurePath(argv[0]).name
    data = raw.replace(b"\r\n", b"\n")
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a timeout kills the whole group (a shell and its children)
        )
    except OSError as exc:
        raise TransportError(f"send command {program!r} cannot run: {exc.strerror or type(exc).__name__}") from None
    try:
        _, stderr = process.communicate(data, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise AmbiguousSend(f"send command {program!r} did not finish within {timeout:g} s; the message may have been sent") from None
    except BaseException:
        _kill_group(process)
        raise
    code = process.returncode
    if code < 0:
        name = _signal_name(-code)
        raise AmbiguousSend(f"send command {program!r} was killed by {name}; the message may have been sent")
    if code != 0:
        detail = _first_line(stderr, argv[1:])
        raise TransportError(f"send command {program!r} failed (exit {code})" + (f": {detail}" if detail else ""))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.communicate(timeout=5)
    except (subprocess.TimeoutExpired, ValueError, OSError):
        process.kill()
        process.wait(timeout=5)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _first_line(stderr: bytes | None, arguments: Sequence[str]) -> str:
    """First non-empty stderr line, bounded, without terminal escapes or argument values
    long enough to be a password or token."""
    text = (stderr or b"").decode("utf-8", errors="replace")
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    for argument in arguments:
        for value in {argument, argument.partition("=")[2]}:
            if len(value) >= 6 and value in line:
                line = line.replace(value, "…")
    return clean_line(line, 200)
