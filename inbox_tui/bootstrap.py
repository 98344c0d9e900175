"""The composition root: config → secrets → store → connectors → service.

The only module (with ``cli``) that knows concrete connectors; it finds them through
``REGISTRY`` by the ``connector`` key of an account and imports them lazily, so starting
the TUI never pays for httpx or imapclient.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inbox_tui import config as config_mod
from inbox_tui import paths, secrets
from inbox_tui.config import AppConfig
from inbox_tui.errors import ConfigError
from inbox_tui.service import InboxService
from inbox_tui.store import Store

if TYPE_CHECKING:  # the connectors' types load with a connector: `inbox ui` starts without them
    from connectors.base import Connector

log = logging.getLogger("inbox_tui.bootstrap")


@dataclass(frozen=True)
class ConnectorKind:
    module: str
    upstream: frozenset[str]
    """What this kind of account can push upstream (the rest stays local): the
    ``Capabilities`` flags its connector declares, at most."""
    learned: frozenset[str] = frozenset()
    """Flags the connector only settles when it connects (IMAP tags need keyword support,
    RT tags a ``Tags`` custom field). Until the first sync they count as present; after
    it, what the connector declared is remembered (:func:`upstream_of`)."""
    rotates: bool = False
    """Its client hands out new OAuth tokens (``client.on_tokens``) that are kept in the
    keyring and preferred over the configured ones (:func:`token_keeper`)."""


CAPABILITY_FLAGS = ("reply", "note", "status", "tags", "assign", "snooze", "read")
_HELPDESK = frozenset({"reply", "note", "status", "tags", "assign"})
REGISTRY: dict[str, ConnectorKind] = {
    "maildir": ConnectorKind("connectors.mail.maildir", frozenset({"reply", "read"})),
    "imap": ConnectorKind("connectors.mail.imap", frozenset({"reply", "read", "tags"}), frozenset({"tags"})),
    "rt": ConnectorKind("connectors.rt", _HELPDESK, frozenset({"tags"})),
    "zendesk": ConnectorKind("connectors.zendesk", _HELPDESK, rotates=True),
    "helpscout": ConnectorKind("connectors.helpscout", _HELPDESK, rotates=True),
    "freshdesk": ConnectorKind("connectors.freshdesk", _HELPDESK),
}


def use_home(home: str | Path | None) -> None:
    paths.set_home(home)


def load_config() -> AppConfig:
    return config_mod.load(paths.config_file())


def open_store() -> Store:
    return Store(paths.db_path(), on_upgrade=_say_upgrading)


def _say_upgrading() -> None:
    print(f"inbox: upgrading the cache {paths.db_path()} (once; a large cache takes a few seconds)…", file=sys.stderr, flush=True)


def build_service(home: str | Path | None = None, *, config: AppConfig | None = None) -> InboxService:
    if home is not None:
        use_home(home)
    config = config or load_config()
    return InboxService(open_store(), config, upstream_of(config))


def declared(capabilities: Any) -> frozenset[str]:
    """The operation kinds a connector's ``Capabilities`` says it can push."""
    return frozenset(flag for flag in CAPABILITY_FLAGS if getattr(capabilities, flag, False))


def upstream_of(config: AppConfig) -> dict[str, frozenset[str]]:
    """Per account, what its connector can push, so the UI offers nothing that would stay
    local by surprise: the kind's flags, minus what the settings rule out (a Maildir
    without a send command cannot reply), minus what the connector declared missing when
    it last connected."""
    seen = _load_learned()
    result: dict[str, frozenset[str]] = {}
    for name, acct in config.accounts.items():
        kind = REGISTRY[acct.connector]
        can = kind.upstream
        if acct.connector == "maildir" and not acct.settings.get("send_command"):
            can = can - {"reply"}
        if kind.learned and name in seen:
            can = can - (kind.learned - seen[name])
        result[name] = can
    return result


def _learned_file() -> Path:
    return paths.data_dir() / "capabilities.json"


def _load_learned() -> dict[str, frozenset[str]]:
    try:
        data = json.loads(_learned_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): frozenset(str(f) for f in v) for k, v in data.items() if isinstance(v, list)}


def _remember_capabilities(account: str, connector: Connector) -> None:
    """Keep what the connector declared (atomically; a failure only costs accuracy)."""
    flags = declared(getattr(connector, "capabilities", None))
    learned = _load_learned()
    if learned.get(account) == flags:
        return
    learned[account] = flags
    target = _learned_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}")
        tmp.write_text(json.dumps({k: sorted(v) for k, v in learned.items()}, indent=1), encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        log.warning("could not remember the capabilities of %s: %s", account, exc)


def connector_opener(config: AppConfig) -> Callable[[str], Connector]:
    """``open(account)`` → a live connector with its secrets resolved just now."""

    def open_account(name: str) -> Connector:
        acct = config.accounts.get(name)
        if acct is None:
            raise ConfigError(f"no account named {name!r}", path=str(config.path))
        module = importlib.import_module(REGISTRY[acct.connector].module)

        rotates = REGISTRY[acct.connector].rotates

        def resolve_secret(key: str) -> str:
            if rotates and key in ROTATED_SECRETS:
                rotated = _rotated_secret(name, key, acct.settings.get(key))
                if rotated:
                    return rotated
            if key not in acct.settings:
                raise ConfigError(f"accounts.{name}.{key} is not set", path=str(config.path))
            return secrets.resolve(acct.settings[key], label=f"{config.path}: accounts.{name}.{key}")

        connector: Connector = module.open_connector(name, acct.settings, resolve_secret)
        client = getattr(connector, "client", None)
        if rotates and client is not None and hasattr(client, "on_tokens"):
            client.on_tokens = token_keeper(name, acct.settings)
        if REGISTRY[acct.connector].learned:
            _remember_capabilities(name, connector)
        return connector

    return open_account


# ---------------------------------------------------------------------- refreshed OAuth tokens

ROTATED_SECRETS = ("token", "refresh_token")
"""Secrets an OAuth connector replaces while it runs (Zendesk rotates the refresh token
with every access token: the old one is dead once used)."""


def _rotated_secret(account: str, key: str, ref: Any) -> str:
    """A token saved after a refresh (under ``inbox-tui/ACCOUNT/KEY``), which beats what a
    command prints: that may be the refresh token Zendesk already retired. Empty when
    there is none, or when the config points at that very keyring entry anyway."""
    home = secrets.keyring_ref(account, key)
    if isinstance(ref, Mapping) and ref.get("keyring") == home:
        return ""
    try:
        return secrets.resolve({"keyring": home}, label=f"accounts.{account}.{key}")
    except ConfigError:
        return ""


def token_keeper(account: str, settings: Mapping[str, Any]) -> Callable[[str, str], None]:
    """``client.on_tokens`` for an OAuth connector: new access and refresh tokens go to the
    OS keyring under ``inbox-tui/ACCOUNT/token`` and ``…/refresh_token`` (never the config
    file, never the log). When the keyring cannot take them the sync goes on with the
    tokens in memory and says what to do."""

    def keep(access: str, refresh: str) -> None:
        wanted = [("token", access)]
        if "refresh_token" in settings:
            wanted.append(("refresh_token", refresh))
        for key, value in wanted:
            if not value:
                continue
            try:
                secrets.store_in_keyring(account, key, value)
            except ConfigError as exc:
                log.warning("%s: the refreshed %s was not saved: %s", account, key.replace("_", " "), exc)

    return keep
