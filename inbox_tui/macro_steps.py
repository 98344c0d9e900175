"""Macro steps: one action of the catalogue with its arguments, written as a short line.

```
canned refund-issued      conversation.canned   (reply with a canned reply: its tags/status too)
reply Thanks, fixed!      conversation.reply    (reply with this text; placeholders allowed)
tag +refund -waiting      conversation.tag
status closed             conversation.close    (also: close, pending, reopen)
note Refund approved      conversation.note     (internal)
next / previous           conversation.next / conversation.previous
```
A catalogue ID works as the verb too (``conversation.tag +refund``). Stdlib only.
"""

from __future__ import annotations

from dataclasses import dataclass

from inbox_tui.actions import ACTIONS

STATUS_ACTION = {"closed": "conversation.close", "pending": "conversation.pending", "open": "conversation.reopen"}
_ALIASES = {"close": ("status", "closed"), "pending": ("status", "pending"), "reopen": ("status", "open")}
_BY_ACTION = {
    "conversation.canned": "canned",
    "conversation.reply": "reply",
    "conversation.tag": "tag",
    "conversation.note": "note",
    "conversation.next": "next",
    "conversation.previous": "previous",
    "conversation.close": "close",
    "conversation.pending": "pending",
    "conversation.reopen": "reopen",
}
VERBS = ("canned", "reply", "tag", "status", "close", "pending", "reopen", "note", "next", "previous")
NAVIGATION = ("next", "previous")


@dataclass(frozen=True)
class Step:
    verb: str
    """``canned`` | ``reply`` | ``tag`` | ``status`` | ``note`` | ``next`` | ``previous``."""
    arg: str = ""

    @property
    def action_id(self) -> str:
        if self.verb == "status":
            return STATUS_ACTION[self.arg]
        return f"conversation.{self.verb}"

    @property
    def text(self) -> str:
        return f"{self.verb} {self.arg}".strip()

    def tag_changes(self) -> tuple[list[str], list[str]]:
        words = self.arg.split()
        return [w[1:] for w in words if w.startswith("+")], [w[1:] for w in words if w.startswith("-")]


class StepError(ValueError):
    """A step line that does not parse; the message is one line for the agent."""


def parse(line: str) -> Step:
    text = line.strip()
    verb, _, arg = text.partition(" ")
    arg = arg.strip()
    if verb in _BY_ACTION:
        verb = _BY_ACTION[verb]
    elif "." in verb:
        known = "unknown action" if verb not in ACTIONS else "not a macro step"
        raise StepError(f"{verb!r} is {known} (steps: {', '.join(VERBS)})")
    if verb in _ALIASES:
        if arg:
            raise StepError(f"{verb!r} takes no argument")
        verb, arg = _ALIASES[verb]
    if verb not in VERBS:
        raise StepError(f"unknown step {verb!r} (steps: {', '.join(VERBS)})")
    if verb == "status" and arg not in STATUS_ACTION:
        raise StepError(f"status must be one of {', '.join(STATUS_ACTION)} (got {arg!r})")
    if verb in ("canned", "reply", "note") and not arg:
        raise StepError(f"{verb!r} needs an argument")
    if verb == "tag":
        words = arg.split()
        if not words or any(w[:1] not in "+-" or len(w) < 2 for w in words):
            raise StepError(f"tag changes look like +tag or -tag (got {arg!r})")
    if verb in NAVIGATION and arg:
        raise StepError(f"{verb!r} takes no argument")
    return Step(verb, arg)


def normalise(steps: list[Step]) -> list[Step]:
    """Recorded steps in macro order: the actions as done, then at most one move
    (a macro acts on one conversation, then may land on the next one)."""
    actions = [s for s in steps if s.verb not in NAVIGATION]
    moves = [s for s in steps if s.verb in NAVIGATION]
    return actions + moves[-1:]
