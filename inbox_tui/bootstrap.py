"""The composition root: config → secrets → store → connectors → service.

The only module (with ``cli``) that knows concrete connectors; it finds them through
``REGISTRY`` by the ``connector`` key of an account and imports them lazily, so starting
the TUI never pays for httpx or imapclient.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from connectors.base import Connector
from inbox_tui import config as config_mod
from inbox_tui import paths, secrets
from inbox_tui.config import AppConfig
from inbox_tui.errors import ConfigError
from inbox_tui.service import InboxService
from inbox_tui.store import Store


@dataclass(frozen=True)
class ConnectorKind:
    module: str
    upstream: frozenset[str]
    """What this kind of account can push upstream (the rest stays local)."""


_HELPDESK = frozenset({"reply", "note", "status", "tags", "assign"})
REGISTRY: dict[str, ConnectorKind] = {
    "maildir": ConnectorKind("connectors.mail.maildir", frozenset({"reply", "read"})),
    "imap": ConnectorKind("connectors.mail.imap", frozenset({"reply", "read", "tags"})),
    "rt": ConnectorKind("connectors.rt", _HELPDESK),
    "zendesk": ConnectorKind("connectors.zendesk", _HELPDESK),
    "helpscout": ConnectorKind("connectors.helpscout", _HELPDESK),
    "freshdesk": ConnectorKind("connectors.freshdesk", _HELPDESK),
}


def use_home(home: str | Path | None) -> None:
    paths.set_home(home)


def load_config() -> AppConfig:
    return config_mod.load(paths.config_file())


def open_store() -> Store:
    return Store(paths.db_path())


def build_service(home: str | Path | None = None, *, config: AppConfig | None = None) -> InboxService:
    if home is not None:
        use_home(home)
    config = config or load_config()
    upstream = {name: REGISTRY[acct.connector].upstream for name, acct in config.accounts.items()}
    return InboxService(open_store(), config, upstream)


def connector_opener(config: AppConfig) -> Callable[[str], Connector]:
    """``open(account)`` → a live connector with its secrets resolved just now."""

    def open_account(name: str) -> Connector:
        acct = config.accounts.get(name)
        if acct is None:
            raise ConfigError(f"no account named {name!r}", path=str(config.path))
        module = importlib.import_module(REGISTRY[acct.connector].module)

        def resolve_secret(key: str) -> str:
            if key not in acct.settings:
                raise ConfigError(f"accounts.{name}.{key} is not set", path=str(config.path))
            return secrets.resolve(acct.settings[key], label=f"{config.path}: accounts.{name}.{key}")

        connector: Connector = module.open_connector(name, acct.settings, resolve_secret)
        return connector

    return open_account
