"""Keymaps as data: load ``keymaps/<name>.toml`` (+ the user's ``keymap.toml``), validate,
and flatten to ``{action_id: "key,key"}`` — exactly Textual's ``Keymap`` mapping.

Textual silently ignores unknown binding IDs, so validation is ours: an unknown context or
action, an unknown key name, or two actions on one key inside a context (or a context key
shadowing a global one) is a ``ConfigError`` naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from inbox_tui.actions import ACTIONS, CONTEXTS
from inbox_tui.errors import ConfigError, toml_problem

_NAMED_KEYS = {
    "escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
    "question_mark", "slash", "backslash", "left_square_bracket", "right_square_bracket",
    "left_curly_bracket", "right_curly_bracket", "less_than_sign", "greater_than_sign",
    "colon", "semicolon", "comma", "full_stop", "minus", "plus", "equals_sign", "at",
    "number_sign", "dollar_sign", "percent_sign", "circumflex_accent", "ampersand",
    "asterisk", "left_parenthesis", "right_parenthesis", "exclamation_mark",
    "quotation_mark", "apostrophe", "grave_accent", "tilde", "vertical_line", "underscore",
}  # fmt: skip
_NAMED_KEYS |= {f"f{n}" for n in range(1, 25)}
_MODIFIERS = ("ctrl", "alt", "shift", "meta", "super")


def valid_key(key: str) -> bool:
    """True for a Textual key name: ``a``, ``G``, ``5``, ``ctrl+s``, ``shift+tab``, ``f1``."""
    *mods, base = key.split("+")
    if any(m not in _MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return False
    if len(base) == 1:
        return base.isalnum() and base.isascii()
    return base in _NAMED_KEYS


@dataclass
class Keymap:
    name: str
    bindings: dict[str, str] = field(default_factory=dict)
    """``{"queue.open": "enter", …}``."""

    def keys_for(self, action_id: str) -> list[str]:
        value = self.bindings.get(action_id, "")
        return [k for k in value.split(",") if k]

    def display_keys(self, action_id: str) -> str:
        return " / ".join(pretty_key(k) for k in self.keys_for(action_id))


_PRETTY = {
    "question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter", "tab": "Tab",
    "left_square_bracket": "[", "right_square_bracket": "]", "pagedown": "PgDn",
    "pageup": "PgUp", "home": "Home", "end": "End", "up": "↑", "down": "↓", "left": "←",
    "right": "→", "space": "Space", "colon": ":", "at": "@", "semicolon": ";",
}  # fmt: skip


def pretty_key(key: str) -> str:
    *mods, base = key.split("+")
    if base in _PRETTY:
        shown = _PRETTY[base]
    elif (base.startswith("f") and base[1:].isdigit()) or (mods and len(base) == 1):
        shown = base.upper()  # F1, Ctrl+R
    else:
        shown = base
    return "+".join([m.capitalize() for m in mods] + [shown])


def builtin_dir() -> Path:
    """``keymaps/`` inside the wheel, or at the repository root in a source checkout."""
    packaged = resources.files("inbox_tui") / "keymaps"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "keymaps"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def load(name: str = "default", user_file: Path | None = None) -> Keymap:
    """Load a named keymap over ``default`` and merge ``user_file`` last.

    Raises ConfigError (file and line) on any problem; a clash is reported at the binding
    merged last, i.e. in the file that introduced it.
    """
    files = [builtin_dir() / "default.toml"]
    if name != "default":
        path = builtin_dir() / f"{name}.toml"
        if not path.is_file():
            choices = ", ".join(builtin_names())
            raise ConfigError(f"unknown keymap {name!r} (choose one of: {choices})")
        files.append(path)
    if user_file is not None and user_file.is_file():
        files.append(user_file)
    bindings: dict[str, str] = {}
    origin: dict[str, tuple[int, str, int | None]] = {}
    for rank, path in enumerate(files):
        for action_id, (keys, line) in _read(path).items():
            bindings[action_id] = keys
            origin[action_id] = (rank, str(path), line)
    _check_clashes(bindings, origin)
    return Keymap(name, bindings)


_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEYLINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _line_index(text: str) -> dict[str, int]:
    """``{"queue.open": line_number}`` from a light scan (tomllib keeps no positions)."""
    where: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _SECTION.match(line):
            section = m.group(1)
            where.setdefault(section, number)
        elif (m := _KEYLINE.match(line)) and section:
            where[f"{section}.{m.group(1)}"] = number
    return where


def _read(path: Path) -> dict[str, tuple[str, int | None]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read keymap: {exc.strerror}", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_problem(exc)
        raise ConfigError(f"invalid TOML: {reason}", path=str(path), line=line) from None
    lines = _line_index(text)
    out: dict[str, tuple[str, int | None]] = {}
    for section, table in data.items():
        if section in ("name", "extends", "description"):
            continue
        if section not in CONTEXTS or not isinstance(table, dict):
            raise ConfigError(
                f"unknown section [{section}] (sections are: {', '.join(CONTEXTS)})",
                path=str(path),
                line=lines.get(section),
            )
        for verb, value in table.items():
            action_id = f"{section}.{verb}"
            line = lines.get(action_id)
            if action_id not in ACTIONS:
                raise ConfigError(f"unknown action {action_id!r}", path=str(path), line=line)
            if not isinstance(value, str):
                raise ConfigError(f"{action_id}: keys must be a string like \"j,down\"", path=str(path), line=line)
            keys = [k.strip() for k in value.split(",") if k.strip()]
            for key in keys:
                if not valid_key(key):
                    raise ConfigError(f"{action_id}: unknown key name {key!r}", path=str(path), line=line)
            out[action_id] = (",".join(keys), line)
    return out


def _check_clashes(bindings: dict[str, str], origin: dict[str, tuple[int, str, int | None]]) -> None:
    seen: dict[tuple[str, str], str] = {}
    global_keys = {k: aid for aid, v in bindings.items() if aid.startswith("global.") for k in v.split(",") if k}
    for action_id, value in bindings.items():
        context = action_id.split(".", 1)[0]
        for key in filter(None, value.split(",")):
            other = seen.get((context, key))
            if other is None and context not in ("global", "compose", "picker"):
                # a context key may not hide a global one in screens where both are live
                other = global_keys.get(key)
            if other is not None and other != action_id:
                blame = max((action_id, other), key=lambda a: origin[a][0])
                _, path, line = origin[blame]
                raise ConfigError(f"key {key!r} is bound to both {other} and {action_id}", path=path, line=line)
            seen[(context, key)] = action_id
