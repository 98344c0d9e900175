"""Line numbers for TOML keys, so a bad value in ``[[views]]`` or ``rules.toml`` is
reported as ``file:line`` (``tomllib`` keeps no positions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_ARRAY = re.compile(r"^\s*\[\[\s*([^\]]+?)\s*\]\]\s*(?:#.*)?$")
_TABLE = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"-]+)\s*=")


@dataclass
class Lines:
    tables: dict[str, int] = field(default_factory=dict)
    """``"sla"`` → line of ``[sla]``; ``"sla.due_soon"`` → line of that key."""
    arrays: dict[str, list[dict[str, int]]] = field(default_factory=dict)
    """``"views"`` → per element: ``{"": header line, "title": line, …}``."""

    def of(self, name: str, index: int | None = None, key: str = "") -> int | None:
        if index is None:
            return self.tables.get(f"{name}.{key}" if key else name, self.tables.get(name))
        elements = self.arrays.get(name, [])
        if index >= len(elements):
            return None
        return elements[index].get(key, elements[index].get(""))


def index(text: str) -> Lines:
    lines = Lines()
    current: dict[str, int] | None = None
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _ARRAY.match(line):
            section = m.group(1).replace('"', "")
            current = {"": number}
            lines.arrays.setdefault(section, []).append(current)
        elif m := _TABLE.match(line):
            section = m.group(1).replace('"', "")
            current = None
            lines.tables.setdefault(section, number)
        elif m := _KEY.match(line):
            key = m.group(1).strip('"')
            if current is not None:
                current.setdefault(key, number)
            else:
                lines.tables.setdefault(f"{section}.{key}" if section else key, number)
    return lines
