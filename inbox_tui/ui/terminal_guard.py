"""The last line of defence between customer text and the terminal.

Connectors strip control characters at the model boundary (``model.clean_text``), and the
widgets build ``Content`` (never markup). But Textual writes segment text to the terminal
as it is: one ESC that slipped past a connector — a new connector, an old cache, a field
nobody thought of — could set the clipboard (OSC 52), retitle the window or clear the
screen (textual-risks.md §2). This line filter removes every C0/C1 control character and
bidi override from each painted segment. They are zero cells wide, so layout is unchanged;
the filtered strips are cached by Textual, so the cost is one regex search per new line.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 (ESC, BEL, CR, LF, TAB …), DEL, C1 (8-bit CSI/OSC) and bidi overrides/isolates."""


def strip_unsafe(text: str) -> str:
    return UNSAFE.sub("", text)


class TerminalGuard(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        search = UNSAFE.search
        if not any(search(text) for text, _, control in segments if not control):
            return segments
        return [
            Segment(UNSAFE.sub("", text), style, control) if not control and search(text) else Segment(text, style, control)
            for text, style, control in segments
        ]


def install(app: object) -> None:
    """Add the guard to an app's line filters (Textual has no public API for it; the
    untrusted-content tests fail if this stops working)."""
    filters = getattr(app, "_filters")
    if not any(isinstance(f, TerminalGuard) for f in filters):
        filters.append(TerminalGuard())
