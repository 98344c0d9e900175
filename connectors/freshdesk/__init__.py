"""Freshdesk (API v2) connector.

Settings (``[accounts.NAME]`` in config.toml, ``connector = "freshdesk"``):

``url``           your helpdesk, e.g. ``https://acme.freshdesk.com`` (tests and the contract
                  server give ``http://127.0.0.1:PORT``); the API is ``{url}/api/v2``.
``token``         secret reference for your API key (Profile settings → View API key); sent
                  as HTTP Basic ``KEY:X``. Resolved by the caller, never read from the file.
``user_id``       optional: your agent id; replies and notes are written as this agent and
                  ``find_sent`` only accepts replies by it.
``group_id``      optional: only tickets of this group are synced. Freshdesk's list cannot
                  filter by group and ``updated_since`` at once, so other groups' tickets
                  are listed but never read or stored (a ticket moved out of the group
                  stays in the inbox as it was).
``closed_status`` optional: what "closed" writes, ``5`` (Closed, default) or ``4``
                  (Resolved).
``email``, ``name`` optional: your identity as shown in the inbox.
``timeout``       optional: seconds per HTTP request (default 30).
``per_page``, ``page_limit`` optional, for tests: tickets per page (≤ 100, default 100) and
                  the page cap the walk restarts at (default 300, Freshdesk's).

Capabilities: reply, note (private), status (open/pending/closed), tags (read-modify-write,
see ``FreshdeskConnector.set_tags``), assign (``responder_id``, by e-mail or agent id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.freshdesk.client import FreshdeskClient
from connectors.freshdesk.connector import FreshdeskConnector
from connectors.freshdesk.pull import PAGE_LIMIT
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address

__all__ = ["FreshdeskConnector", "open_connector"]


def _number(account: str, settings: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not str(value).strip().isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"accounts.{account}.{key} must be a whole number from {low} to {high}")
    return int(value)


def open_connector(
    account: str, settings: Mapping[str, Any], resolve_secret: Callable[[str], str]
) -> FreshdeskConnector:
    url = str(settings.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"accounts.{account}.url must be your helpdesk's address, e.g. https://acme.freshdesk.com")
    user_id = settings.get("user_id")
    if user_id is not None and not str(user_id).strip().isdigit():
        raise ConfigError(f"accounts.{account}.user_id must be a number (your Freshdesk agent id)")
    group_id = settings.get("group_id")
    if group_id is not None and not str(group_id).strip().isdigit():
        raise ConfigError(f"accounts.{account}.group_id must be a number (Admin → Groups: the id in the URL)")
    closed = _number(account, settings, "closed_status", 5, 4, 5)
    per_page = _number(account, settings, "per_page", 100, 1, 100)
    page_limit = _number(account, settings, "page_limit", PAGE_LIMIT, 1, PAGE_LIMIT)
    client = FreshdeskClient(url, resolve_secret("token"), timeout=float(settings.get("timeout", 30)))
    identity = Address(str(settings.get("email") or ""), str(settings.get("name") or account))
    return FreshdeskConnector(
        account,
        client,
        identity=identity,
        user_id=int(user_id) if user_id is not None else None,
        per_page=per_page,
        page_limit=page_limit,
        closed_status=closed,
        group_id=int(group_id) if group_id is not None else None,
    )
