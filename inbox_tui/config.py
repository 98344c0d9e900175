"""``config.toml``: typed, validated, with errors that name the file and line.

```toml
[app]
agent_name = "Sam Rivera"      # signs replies ({{agent.name}}) and notes
agent_email = ""               # {{agent.email}}; defaults to the account's address
keymap = "default"             # default | vim | emacs (keymaps/*.toml)

[accounts.support]
connector = "maildir"          # maildir | imap | rt | zendesk | helpscout | freshdesk
path = "~/Mail/support"
from = "Support <support@example.com>"
send_command = "msmtp -t"
password = { command = "pass show mail/support" }   # secrets: keyring or command only
```
Triage tables — ``[business_hours]``, ``[sla]`` + ``[[sla.policies]]``, ``[[views]]``,
``[snooze]`` — are documented and checked in ``inbox_tui.triage.settings``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inbox_tui.errors import ConfigError, toml_problem
from inbox_tui.triage import settings as triage_settings
from inbox_tui.triage import tomllines
from inbox_tui.triage.settings import TriageSettings

CONNECTOR_KINDS = ("maildir", "imap", "rt", "zendesk", "helpscout", "freshdesk")
SECRET_KEYS = ("password", "token", "api_key", "client_secret", "refresh_token", "access_token")
APP_KEYS = {"agent_name", "agent_email", "keymap"}


@dataclass
class AccountConfig:
    name: str
    connector: str
    """Which connector speaks to this account (one of ``CONNECTOR_KINDS``)."""
    settings: dict[str, Any]
    """The whole ``[accounts.<name>]`` table; each connector documents its keys."""


@dataclass
class AppConfig:
    path: Path
    agent_name: str = ""
    """Your name, used in replies' signatures and on notes."""
    agent_email: str = ""
    keymap: str = "default"
    """Built-in keymap to start from; ``keymap.toml`` beside the config overrides keys."""
    accounts: dict[str, AccountConfig] = field(default_factory=dict)
    triage: TriageSettings = field(default_factory=TriageSettings)
    """Business hours, SLA policies, views and snooze presets (defaults when absent)."""


def load(path: Path) -> AppConfig:
    """Read ``path``; a missing file is an empty configuration (no accounts yet)."""
    if not path.exists():
        return AppConfig(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason, line = toml_problem(exc)
        raise ConfigError(f"invalid TOML: {reason}", path=str(path), line=line) from None
    lines = _line_index(text)
    config = AppConfig(path=path)
    app = data.get("app", {})
    if not isinstance(app, dict):
        raise ConfigError("[app] must be a table", path=str(path), line=lines.get("app"))
    for key, value in app.items():
        if key not in APP_KEYS:
            raise ConfigError(f"unknown setting app.{key}", path=str(path), line=lines.get(f"app.{key}"))
        if not isinstance(value, str):
            raise ConfigError(f"app.{key} must be a string", path=str(path), line=lines.get(f"app.{key}"))
        setattr(config, key, value)
    for section in data:
        if section not in ("app", "accounts", *triage_settings.SECTIONS):
            raise ConfigError(f"unknown section [{section}]", path=str(path), line=lines.get(section))
    config.triage = triage_settings.parse(data, tomllines.index(text), str(path))
    accounts = data.get("accounts", {})
    for name, table in accounts.items():
        where = lines.get(f"accounts.{name}")
        if not isinstance(table, dict):
            raise ConfigError(f"accounts.{name} must be a table", path=str(path), line=where)
        kind = table.get("connector")
        if kind not in CONNECTOR_KINDS:
            raise ConfigError(
                f"accounts.{name}.connector must be one of {', '.join(CONNECTOR_KINDS)} (got {kind!r})",
                path=str(path),
                line=lines.get(f"accounts.{name}.connector", where),
            )
        for key in SECRET_KEYS:
            if key in table and not _is_secret_ref(table[key]):
                raise ConfigError(
                    f"accounts.{name}.{key}: secrets are never written in the config; use "
                    f'{key} = {{ keyring = "inbox-tui/{name}/{key}" }} or {key} = {{ command = "pass show …" }}',
                    path=str(path),
                    line=lines.get(f"accounts.{name}.{key}", where),
                )
        config.accounts[name] = AccountConfig(name=name, connector=kind, settings=dict(table))
    return config


def _is_secret_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) in ({"keyring"}, {"command"}) and all(
        isinstance(v, str) and v for v in value.values()
    )


_SECTION = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"-]+)\s*=")


def _line_index(text: str) -> dict[str, int]:
    where: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if m := _SECTION.match(line):
            section = m.group(1).replace('"', "")
            where.setdefault(section, number)
        elif m := _KEY.match(line):
            key = m.group(1).strip('"')
            where[f"{section}.{key}" if section else key] = number
    return where


# ---------------------------------------------------------------------- writing


def add_account(path: Path, name: str, connector: str, settings: dict[str, Any]) -> None:
    """Append ``[accounts.<name>]`` to the config (creating it), refusing a duplicate."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
        raise ConfigError(f"account name {name!r}: use letters, digits, '-' and '_' only")
    existing = load(path)
    if name in existing.accounts:
        raise ConfigError(f"account {name!r} already exists", path=str(path))
    lines = [f"\n[accounts.{name}]", f"connector = {_toml_value(connector)}"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in settings.items() if value is not None]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    load(path)  # what we wrote must read back


def write_app(path: Path, **values: str) -> None:
    """Create a config with an ``[app]`` table (used by ``inbox demo`` and first runs)."""
    body = "[app]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")
