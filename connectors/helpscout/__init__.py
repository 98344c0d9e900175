"""Help Scout (Mailbox API 2.0) connector.

Settings (``[accounts.NAME]`` in config.toml, ``connector = "helpscout"``):

``url``            API base, default ``https://api.helpscout.net`` (tests and the contract
                   server give ``http://127.0.0.1:PORT``).
``mailbox``        the mailbox id whose conversations are synced (Manage → Mailboxes: the
                   number in the URL).
``client_id``      the OAuth2 app id (Your Profile → My Apps → Create My App).
``client_secret``  secret reference for the app secret; resolved by the caller, never read
                   from the file.
``user_id``        optional: your Help Scout user id; replies and notes are written as
                   this user and ``find_sent`` only accepts replies by it.
``email``, ``name`` optional: your identity as shown in the inbox.
``timeout``        optional: seconds per HTTP request (default 30).

Secrets: ``client_secret``; and optionally ``token``, an access token kept from an earlier
run (the composition root keeps each new one in the keyring through ``client.on_tokens``),
so a sync does not ask for a new token every time. Without it, or when it has expired, the
connector takes one with the client credentials.

Capabilities: reply, note, status (active/pending/closed), tags (read-modify-write, see
``HelpScoutConnector.set_tags``), assign (by e-mail or user id). Snooze is not pushed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.helpscout.client import HelpScoutClient
from connectors.helpscout.connector import HelpScoutConnector
from inbox_tui.errors import ConfigError
from inbox_tui.model import Address

__all__ = ["HelpScoutConnector", "open_connector"]

DEFAULT_URL = "https://api.helpscout.net"


def _kept_token(resolve_secret: Callable[[str], str]) -> str:
    try:
        return resolve_secret("token") or ""
    except (KeyError, LookupError, ConfigError):
        return ""


def open_connector(
    account: str, settings: Mapping[str, Any], resolve_secret: Callable[[str], str]
) -> HelpScoutConnector:
    url = str(settings.get("url") or DEFAULT_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"accounts.{account}.url must be an http(s) address, e.g. {DEFAULT_URL}")
    mailbox = str(settings.get("mailbox") or "").strip()
    if not mailbox.replace(",", "").isdigit():
        raise ConfigError(f"accounts.{account}.mailbox must be the Help Scout mailbox id, e.g. mailbox = 12345")
    client_id = str(settings.get("client_id") or "").strip()
    if not client_id:
        raise ConfigError(f"accounts.{account}.client_id is missing (the OAuth2 app id from Your Profile → My Apps)")
    user_id = settings.get("user_id")
    if user_id is not None and not str(user_id).strip().isdigit():
        raise ConfigError(f"accounts.{account}.user_id must be a number (your Help Scout user id)")
    client = HelpScoutClient(
        url,
        client_id,
        resolve_secret("client_secret"),
        timeout=float(settings.get("timeout", 30)),
        access_token=_kept_token(resolve_secret),
    )
    identity = Address(str(settings.get("email") or ""), str(settings.get("name") or account))
    return HelpScoutConnector(
        account, client, mailbox, identity=identity, user_id=int(user_id) if user_id is not None else None
    )
