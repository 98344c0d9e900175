"""Canned replies: files in ``<config>/replies/*.md`` with TOML front matter.

```
+++
name = "Late delivery"
shortcut = "late"
tags = ["shipping"]
status = "pending"
language = "en"
+++
Hi {{customer.first_name | there}}, …
```

Rendering is strict: an unknown placeholder, or an empty one without a ``| fallback``,
refuses the reply and names the placeholder — "Hi ," never reaches a customer.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from inbox_tui.errors import ConfigError, PlaceholderError, toml_problem
from inbox_tui.model import Status

PLACEHOLDERS = (
    "customer.first_name",
    "customer.name",
    "customer.email",
    "conversation.subject",
    "conversation.id",
    "agent.name",
    "agent.email",
    "business.next_open",
    "reply.expected_by",
)
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}|]*?)\s*(?:\|\s*([^{}]*?)\s*)?\}\}")
_FRONT = "+++"


@dataclass(frozen=True)
class CannedReply:
    slug: str
    name: str
    shortcut: str
    body: str
    tags: tuple[str, ...] = ()
    status: Status | None = None
    language: str = ""
    path: str = ""


def load_dir(folder: Path) -> list[CannedReply]:
    if not folder.is_dir():
        return []
    replies = [load_file(p) for p in sorted(folder.glob("*.md"))]
    seen: dict[str, str] = {}
    for reply in replies:
        if reply.shortcut and reply.shortcut in seen:
            raise ConfigError(f"shortcut {reply.shortcut!r} is also used by {seen[reply.shortcut]}", path=reply.path, line=2)
        if reply.shortcut:
            seen[reply.shortcut] = Path(reply.path).name
    return sorted(replies, key=lambda r: r.name.casefold())


def load_file(path: Path) -> CannedReply:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read canned reply ({exc})", path=where) from None
    meta: dict[str, object] = {}
    body = text
    body_line = 1
    lines = text.splitlines()
    if lines and lines[0].strip() == _FRONT:
        try:
            end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FRONT)
        except StopIteration:
            raise ConfigError("front matter opened with +++ is never closed", path=where, line=1) from None
        try:
            meta = tomllib.loads("\n".join(lines[1:end]))
        except tomllib.TOMLDecodeError as exc:
            reason, line = toml_problem(exc, line_offset=1)
            raise ConfigError(f"invalid front matter: {reason}", path=where, line=line) from None
        body = "\n".join(lines[end + 1 :]).strip("\n") + "\n"
        body_line = end + 2
    _check_placeholders(body, where, body_line)
    status = meta.get("status")
    if status is not None and status not in {s.value for s in Status}:
        raise ConfigError(f"status must be one of open, pending, closed (got {status!r})", path=where, line=_meta_line(lines, "status"))
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ConfigError("tags must be a list of strings", path=where, line=_meta_line(lines, "tags"))
    return CannedReply(
        slug=path.stem,
        name=str(meta.get("name") or path.stem.replace("-", " ").capitalize()),
        shortcut=str(meta.get("shortcut", "")),
        body=body,
        tags=tuple(tags),
        status=Status(status) if isinstance(status, str) else None,
        language=str(meta.get("language", "")),
        path=where,
    )


def _meta_line(lines: list[str], key: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if line.strip().startswith(f"{key}"):
            return number
    return None


def _check_placeholders(body: str, where: str, first_line: int) -> None:
    for offset, line in enumerate(body.splitlines()):
        for m in _PLACEHOLDER.finditer(line):
            if m.group(1) not in PLACEHOLDERS:
                raise ConfigError(
                    f"unknown placeholder {{{{{m.group(1)}}}}} (known: {', '.join(PLACEHOLDERS)})",
                    path=where,
                    line=first_line + offset,
                )
        rest = _PLACEHOLDER.sub("", line)
        if "{{" in rest or "}}" in rest:
            raise ConfigError("unbalanced {{ }} in template", path=where, line=first_line + offset)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill placeholders from ``values``; PlaceholderError for the first that cannot be."""

    def fill(m: re.Match[str]) -> str:
        name, fallback = m.group(1), m.group(2)
        if name not in values:
            raise PlaceholderError(name, "is unknown")
        value = (values.get(name) or "").strip()
        if value:
            return value
        if fallback:
            return fallback
        raise PlaceholderError(name, "is empty for this conversation (add a fallback: {{" + name + " | …}})")

    rendered = _PLACEHOLDER.sub(fill, template)
    leftover = re.search(r"\{\{(.*?)\}\}", rendered)
    if leftover:
        raise PlaceholderError(leftover.group(1).strip() or "?", "is not a valid placeholder")
    return rendered


def unresolved(text: str) -> str | None:
    """The first ``{{…}}`` left in ``text`` (a reply must have none)."""
    m = re.search(r"\{\{\s*(.*?)\s*\}\}", text)
    return m.group(1) if m else None
