"""Keymaps as data: load ``keymaps/<name>.toml`` (+ the user's ``keymap.toml``), validate,
and flatten to ``{action_id: "key,key"}`` — Textual's ``Keymap`` mapping.

A value lists alternatives separated by commas; one alternative may be a *sequence* of keys
separated by spaces (``first = "g g,home"``, ``quit = "ctrl+x ctrl+c"``). Textual binds single
keys only, so sequences are played by the key-sequence dispatcher in ``inbox_tui.ui.keys``.
Top-level switches: ``counts = true`` (vim-style ``5j``) and ``registers = true`` (the macro
record/replay keys read a register name next, as vim's ``qa`` … ``q`` and ``@a``).

Textual silently ignores unknown binding IDs, so validation is ours: an unknown context or
action, an unknown key name, or two actions on one key (or one sequence a prefix of another)
inside a context, or a context key shadowing a global one, is a ``ConfigError`` naming the
file and line.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
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
    """``{"queue.open": "enter", "queue.first": "g g,home", …}``."""
    counts: bool = False
    """Digits before a key repeat it (``5j``)."""
    registers: bool = False
    """Macro record/replay keys take a register name next (``qa``, ``@a``)."""

    def keys_for(self, action_id: str) -> list[str]:
        value = self.bindings.get(action_id, "")
        return [k for k in value.split(",") if k]

    def single_keys(self) -> dict[str, str]:
        """What Textual can bind: the single keys of each action. An action reachable only
        through sequences gets ``NO_KEY`` so its shipped default key stops working."""
        out: dict[str, str] = {}
        for action_id in self.bindings:
            singles = [k for k in self.keys_for(action_id) if " " not in k]
            out[action_id] = ",".join(singles) or NO_KEY
        return out

    def sequences(self) -> dict[tuple[str, ...], str]:
        """``{("g", "g"): "queue.first", …}``: every multi-key alternative."""
        return {tuple(k.split()): aid for aid in self.bindings for k in self.keys_for(aid) if " " in k}

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "bindings": self.bindings, "counts": self.counts, "registers": self.registers})

    @classmethod
    def from_json(cls, text: str) -> Keymap:
        data = json.loads(text)
        bindings = {str(k): str(v) for k, v in dict(data["bindings"]).items() if k in ACTIONS}
        return cls(str(data["name"]), bindings, bool(data.get("counts")), bool(data.get("registers")))

    def display_keys(self, action_id: str) -> str:
        return " / ".join(pretty_key(k) for k in self.keys_for(action_id))


NO_KEY = "f24"
"""A key no keyboard sends in practice: how a sequence-only action hides its default key."""



_PRETTY = {
    "question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter", "tab": "Tab",
    "left_square_bracket": "[", "right_square_bracket": "]", "pagedown": "PgDn",
    "pageup": "PgUp", "home": "Home", "end": "End", "up": "↑", "down": "↓", "left": "←",
    "right": "→", "space": "Space", "colon": ":", "at": "@", "semicolon": ";",
    "left_parenthesis": "(", "right_parenthesis": ")", "less_than_sign": "<", "greater_than_sign": ">",
}  # fmt: skip


def pretty_key(key: str) -> str:
    if " " in key:
        return " ".join(pretty_key(k) for k in key.split())
    *mods, base = key.split("+")
    if base in _PRETTY:
        shown = _PRETTY[base]
    elif (base.startswith("f") and base[1:].isdigit()) or (mods and len(base) == 1):
        shown = base.upper()  # F1, Ctrl+R
    else:
        shown = base
    return "+".join([m.capitalize() for m in mods] + [shown])


def builtin_dir() -> Path:
    """``keymaps/`` inside the wheel, or at the repository root in a source checkout
    (looked for beside this file first: importlib.resources costs ~4 ms of imports
    before the first paint, and is only needed for a package that is not in folders)."""
    package = Path(__file__).resolve().parent
    for folder in (package / "keymaps", package.parent / "keymaps"):
        if folder.is_dir():
            return folder
    from importlib import resources

    packaged = resources.files("inbox_tui") / "keymaps"
    if packaged.is_dir():
        return Path(str(packaged))
    return package.parent / "keymaps"


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
    options: dict[str, bool] = {}
    for rank, path in enumerate(files):
        read, switches = _read(path)
        options.update(switches)
        for action_id, (keys, line) in read.items():
            bindings[action_id] = keys
            origin[action_id] = (rank, str(path), line)
    _check_clashes(bindings, origin)
    return Keymap(name, bindings, counts=options.get("counts", False), registers=options.get("registers", False))


def load_safe(name: str, user_file: Path | None, last_good: Path | None) -> tuple[Keymap, str | None]:
    """Load like ``load``; on a ConfigError fall back to the last keymap that loaded (kept in
    ``last_good``), else to the shipped default. Returns the keymap and the one-line error."""
    try:
        km = load(name, user_file)
    except ConfigError as exc:
        fallback, what = _last_good(last_good)
        return fallback, f"{exc} — using {what}"
    if last_good is not None:
        try:
            text = km.to_json()
            # rewritten only when it changed: a rewrite on every start stalled `inbox ui`
            # for up to 0.3 s while the disk was busy
            if not last_good.is_file() or last_good.read_text(encoding="utf-8") != text:
                last_good.parent.mkdir(parents=True, exist_ok=True)
                last_good.write_text(text, encoding="utf-8")
        except OSError:
            pass  # remembering is a convenience; the keymap itself loaded
    return km, None


def _last_good(path: Path | None) -> tuple[Keymap, str]:
    if path is not None and path.is_file():
        try:
            km = Keymap.from_json(path.read_text(encoding="utf-8"))
            return km, f"the last keymap that loaded ({km.name})"
        except (OSError, ValueError, KeyError, TypeError):
            pass
    return load("default"), "the default keymap"


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


_SWITCHES = ("counts", "registers")


def _read(path: Path) -> tuple[dict[str, tuple[str, int | None]], dict[str, bool]]:
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
    switches: dict[str, bool] = {}
    for section, table in data.items():
        if section in ("name", "extends", "description"):
            continue
        if section in _SWITCHES:
            if not isinstance(table, bool):
                raise ConfigError(f"{section} must be true or false", path=str(path), line=_top_line(text, section))
            switches[section] = table
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
            keys = [" ".join(k.split()) for k in value.split(",") if k.strip()]
            for key in keys:
                for part in key.split():
                    if not valid_key(part):
                        raise ConfigError(f"{action_id}: unknown key name {part!r}", path=str(path), line=line)
            out[action_id] = (",".join(keys), line)
    return out, switches


def _top_line(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{key}\s*=", line):
            return number
    return None


def _check_clashes(bindings: dict[str, str], origin: dict[str, tuple[int, str, int | None]]) -> None:
    """Two actions clash when one key sequence equals, or starts, the other inside a context
    (a context also sees the global keys, except compose and pickers, which own the keyboard)."""
    per_context: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for action_id, value in bindings.items():
        context = action_id.split(".", 1)[0]
        for key in filter(None, value.split(",")):
            per_context.setdefault(context, []).append((tuple(key.split()), action_id))
    for context, entries in per_context.items():
        live = entries + (per_context.get("global", []) if context not in ("global", "compose", "picker") else [])
        for i, (seq, action_id) in enumerate(entries):
            for other_seq, other in live[i + 1 :]:
                if other == action_id:
                    continue
                short, long = sorted((seq, other_seq), key=len)
                if long[: len(short)] == short:
                    def merged(a: str) -> tuple[int, int]:
                        return origin[a][0], origin[a][2] or 0

                    first, blame = sorted((other, action_id), key=merged)
                    _, path, line = origin[blame]
                    shown = " ".join(short)
                    verb = "bound to both" if len(short) == len(long) else "a prefix shared by"
                    raise ConfigError(f"key {shown!r} is {verb} {first} and {blame}", path=path, line=line)
