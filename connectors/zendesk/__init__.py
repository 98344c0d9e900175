"""Zendesk Support connector.

Settings (``[accounts.NAME]`` in config.toml, ``connector = "zendesk"``):

``url``          your Zendesk, e.g. ``https://acme.zendesk.com`` (tests and the contract
                 server give ``http://127.0.0.1:PORT``); the API is ``{url}/api/v2``.
``auth``         ``"oauth"`` (default: ``Authorization: Bearer``) or ``"token"`` (the legacy
                 API token, which Zendesk retires in 2026–27).
``email``        your agent e-mail: the user name of an API token, and your identity.
``name``         optional: your name as shown in the inbox.
``agent_id``     optional: your Zendesk user id (otherwise read once from ``/users/me``);
                 replies and notes are written as this user, ``find_sent`` matches it.
``group_id``     optional: only tickets of this group are synced (a ticket moved out of the
                 group stops being updated).
``history_days`` optional: how far back the first sync reaches (default: everything).
``timeout``      optional: seconds per HTTP request (default 30).
``export_page``  optional, for tests and benches: tickets per export page (≤ 1000).

Secrets, resolved by the caller through ``resolve_secret`` (keyring or a command — never the
config file): ``token`` (the OAuth access token, or the API token with ``auth = "token"``);
for OAuth refresh also ``refresh_token`` and ``client_secret`` (optional: without them an
expired access token is an ``AuthError``). ``client_id`` (the OAuth client's identifier)
may be a plain string in the settings or a secret reference. A refresh hands the new pair
to ``client.on_tokens(access, refresh)``; the composition root keeps them in the keyring.

Capabilities: reply, note (private comment), status (open/pending/closed → ``solved``),
tags (``additional_tags``/``remove_tags``), assign (agent e-mail, id or ``me``).
Statuses: new/open → open, pending/hold → pending, solved/closed/deleted → closed; the raw
value is kept, an unknown one reads as open with a problem noted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from connectors.zendesk.client import ZendeskClient
from connectors.zendesk.connector import ZendeskConnector
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address

__all__ = ["ZendeskConnector", "open_connector"]


def _optional_secret(resolve_secret: Callable[[str], str], key: str) -> str:
    try:
        return resolve_secret(key) or ""
    except (KeyError, LookupError, ConfigError):
        return ""


def _client_id(settings: Mapping[str, Any], resolve_secret: Callable[[str], str]) -> str:
    plain = settings.get("client_id")
    if isinstance(plain, str):
        return plain.strip()
    return _optional_secret(resolve_secret, "client_id")


def _optional_int(account: str, settings: Mapping[str, Any], key: str, low: int = 1, high: int = 10**15) -> int | None:
    value = settings.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"accounts.{account}.{key} must be a whole number from {low} to {high}")
    return int(value)


def open_connector(account: str, settings: Mapping[str, Any], resolve_secret: Callable[[str], str]) -> ZendeskConnector:
    url = str(settings.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"accounts.{account}.url must be your Zendesk address, e.g. https://acme.zendesk.com")
    auth = str(settings.get("auth") or "oauth")
    if auth not in ("oauth", "token"):
        raise ConfigError(f'accounts.{account}.auth must be "oauth" or "token"')
    email = str(settings.get("email") or "").strip()
    if auth == "token" and not email:
        raise ConfigError(f"accounts.{account}.email is needed with an API token (Zendesk logs in as email/token)")
    history_days = _optional_int(account, settings, "history_days", 1, 100_000)
    refresh_token = _optional_secret(resolve_secret, "refresh_token") if auth == "oauth" else ""
    client = ZendeskClient(
        url,
        token=resolve_secret("token"),
        auth=auth,
        email=email,
        refresh_token=refresh_token,
        client_id=_client_id(settings, resolve_secret) if refresh_token else "",
        client_secret=_optional_secret(resolve_secret, "client_secret") if refresh_token else "",
        timeout=float(settings.get("timeout", 30)),
    )
    return ZendeskConnector(
        account,
        client,
        identity=Address(email, str(settings.get("name") or account)),
        agent_id=_optional_int(account, settings, "agent_id"),
        group_id=_optional_int(account, settings, "group_id"),
        start_time=int(time.time()) - history_days * 86400 if history_days else 0,
        export_page=_optional_int(account, settings, "export_page", 1, 1000) or 1000,
    )
