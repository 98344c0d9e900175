"""Hostile strings for the untrusted-content tests: Rich/Textual markup, ANSI/OSC escape
sequences, C0/C1 controls and bidi overrides mixed with ordinary multilingual text.

``fuzz_line`` / ``fuzz_body`` are seeded (a failure names its seed), and ``store_raw``
puts them into a real cache WITHOUT the connector-side ``clean_line``/``clean_text``, so the
UI is tested as if a connector had forgotten to clean: what the widgets and the terminal
guard do alone.
"""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from rich.cells import cell_len

from inbox_tui import paths
from inbox_tui.model import Address, Attachment, Direction, Message, PullBatch
from inbox_tui.store import Store
from inbox_tui.ui.terminal_guard import strip_unsafe
from tests.ui.homes import NOW, SUPPORT

MARKUP = [
    "[bold]", "[/]", "[/bold]", "[@click=app.quit]", "[@click=app.pwned('x')]", "[@mouse.down=app.quit]",
    "[link='file:///etc/passwd']", "[link=https://evil.example]", "[b red on blue]", "[$accent]", "$accent",
    "[", "]", "[/", "\\[", "[[", "]]", "[on #ff0000]", "[type=x, v={'a[0]'}]", ":smile:", "{{customer.name}}",
    "%s", "<b>", "&amp;", "[dim]", "[reverse]",
]  # fmt: skip
ESCAPES = [
    "\x1b[2J", "\x1b[31m", "\x1b]52;c;UFdORUQ=\x1b\\", "\x1b]2;PWNTITLE\x07", "\x1b]8;;http://evil.example\x1b\\",
    "\x9b2J", "\x9d0;T\x9c", "\x07", "\x00", "\x08", "\x7f", "\x0b", "\x0c", "\u202e", "\u2066", "\x1bc", "\x1b[?1049l",
]  # fmt: skip
TEXT = ["Refund", "order #1042", "陈伟", "Ελένη", "عمر", "🙂", "x", "late", "Re:", "please"]
CLICK_ACTIONS = ("app.quit", "app.pwned", "mouse.down")


def fuzz_line(rng: random.Random, max_cells: int) -> str:
    """One line of markup, escapes and words, at most ``max_cells`` wide once the terminal
    guard has removed the (zero-width) control characters."""
    out = ""
    for _ in range(rng.randint(1, 8)):
        pool = rng.choice((MARKUP, MARKUP, ESCAPES, TEXT))
        token = rng.choice(pool)
        candidate = out + (" " if pool is TEXT and out else "") + token
        if cell_len(strip_unsafe(candidate)) > max_cells:
            break
        out = candidate
    if not visible(out):
        out += "x"
    return out


def fuzz_body(rng: random.Random) -> str:
    return "\n".join(fuzz_line(rng, 40) for _ in range(rng.randint(1, 4)))


def visible(text: str) -> str:
    """What a person should read on screen: the same characters minus controls, with
    runs of white space folded (layout may pad)."""
    return " ".join(strip_unsafe(text).split())


def store_raw(home: Path, cases: list[tuple[str, str, str]]) -> None:
    """Add one conversation per ``(subject, name, body)``, uncleaned, to ``home``'s cache."""
    paths.set_home(home)
    store = Store(paths.db_path())
    try:
        messages = []
        for n, (subject, name, body) in enumerate(cases):
            email = f"fuzz{n}@evil.example"
            messages.append(
                Message(
                    remote_id=f"INBOX/fuzz{n}",
                    direction=Direction.IN,
                    sender=Address(email, name),
                    to=(SUPPORT,),
                    date=NOW - timedelta(hours=200 + n),  # older than the home's mail: first in triage
                    subject=subject,
                    body_text=body,
                    message_id=f"fuzz{n}@evil.example",
                    folder="INBOX",
                    attachments=(Attachment(f"{name}.pdf", "application/pdf", 1234),),
                )
            )
        store.apply_batch("shop", PullBatch(messages=messages))
    finally:
        store.close()
