"""Request Tracker (RT 5, REST 2.0) connector.

Settings (``[accounts.NAME]`` in config.toml, ``connector = "rt"``):

``url``       RT's base URL, as in the browser: ``https://rt.example.com`` or
              ``http://127.0.0.1:8080/rt``. The API is ``{url}/REST/2.0``.
``queues``    list of queue names whose tickets are synced, e.g. ``["Support"]``.
``token``     secret reference for an RT auth token (Preferences → Auth Tokens), sent as
              ``Authorization: token …``. Preferred.
``user``      login name for basic auth, used when no ``token`` is set; the password is
              the secret ``password``.
``agent``     optional: your RT user name; the owner that means "mine" and the name
              shown for you. Defaults to ``user``.
``email``     optional: your address, shown as your identity.
``timeout``   optional: seconds per HTTP request (default 30).

Tags are the values of a multi-value ticket custom field named ``Tags``; when the synced
queues have no such field the connector has no ``set_tags`` (``capabilities.tags = False``)
and tags stay local. ``open_connector`` asks RT about the queues once (one request each).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.rt.client import RTClient
from connectors.rt.connector import RTConnector, TaggingRTConnector, connect
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address

__all__ = ["RTConnector", "TaggingRTConnector", "open_connector"]


def open_connector(account: str, settings: Mapping[str, Any], resolve_secret: Callable[[str], str]) -> RTConnector:
    url = str(settings.get("url") or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"accounts.{account}.url must be RT's http(s) address, e.g. https://rt.example.com")
    queues = settings.get("queues") or []
    if isinstance(queues, str):
        queues = [queues]
    if not queues or not all(isinstance(q, str) and q.strip() for q in queues):
        raise ConfigError(f'accounts.{account}.queues must list RT queue names, e.g. queues = ["General"]')
    user = str(settings.get("user") or "")
    if "token" in settings:
        client = RTClient(url, token=resolve_secret("token"), timeout=float(settings.get("timeout", 30)))
    elif user:
        client = RTClient(url, user=user, password=resolve_secret("password"), timeout=float(settings.get("timeout", 30)))
    else:
        raise ConfigError(f"accounts.{account} needs a token (preferred) or a user with a password")
    agent = str(settings.get("agent") or user)
    identity = Address(str(settings.get("email") or ""), agent)
    return connect(account, client, [q.strip() for q in queues], identity=identity, agent=agent)
