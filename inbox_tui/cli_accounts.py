"""``inbox account add|list``: write account tables, secrets only as references."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from inbox_tui import config as config_mod
from inbox_tui import paths, secrets
from inbox_tui.errors import ConfigError

HELPDESKS = ("rt", "zendesk", "helpscout", "freshdesk")


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    account = sub.add_parser("account", help="add or list accounts")
    asub = account.add_subparsers(dest="account_command", required=True)
    asub.add_parser("list", help="list configured accounts")
    add = asub.add_parser("add", help="add an account")
    kinds = add.add_subparsers(dest="kind", required=True)

    md = kinds.add_parser("maildir", help="a local Maildir (as written by mbsync/offlineimap)")
    md.add_argument("name")
    md.add_argument("--path", required=True, help="root of the Maildir tree")
    md.add_argument("--from", dest="from_", required=True, help='your address, e.g. "Support <help@example.com>"')
    md.add_argument("--send-command", help='sendmail-compatible command reading the message on stdin, e.g. "msmtp -t"')
    md.add_argument("--folders", default="INBOX,Sent", help="comma-separated folders to read")
    md.add_argument("--no-save-sent", action="store_true", help="the send command already files sent mail")

    im = kinds.add_parser("imap", help="an IMAP mailbox with SMTP for replies")
    im.add_argument("name")
    im.add_argument("--host", required=True)
    im.add_argument("--port", type=int)
    im.add_argument("--tls", choices=("ssl", "starttls", "none"), default="ssl")
    im.add_argument("--user", required=True)
    im.add_argument("--password-command", help="command printing the password (e.g. pass show mail)")
    im.add_argument("--token-command", help="command printing an OAuth2 access token (XOAUTH2)")
    im.add_argument("--smtp-host", required=True)
    im.add_argument("--smtp-port", type=int)
    im.add_argument("--smtp-tls", choices=("ssl", "starttls", "none"), default="ssl")
    im.add_argument("--from", dest="from_", required=True)
    im.add_argument("--folders", default="INBOX")
    im.add_argument("--ca-file", help="PEM file of certificates to trust for this account")
    im.add_argument("--no-save-sent", action="store_true", help="the server files sent mail itself (Gmail)")

    for kind in HELPDESKS:
        hd = kinds.add_parser(kind, help=f"a {kind} helpdesk")
        hd.add_argument("name")
        hd.add_argument("--url", required=True, help="base URL of the helpdesk")
        hd.add_argument("--token-command", help="command printing the API token / key")
        hd.add_argument("--email", help="agent email (Zendesk API-token auth)")
        hd.add_argument("--client-id", help="OAuth client id (Help Scout)")
        hd.add_argument("--queue", action="append", help="queue to sync (RT; repeatable)")
        hd.add_argument("--mailbox", help="mailbox id (Help Scout)")
        if kind == "zendesk":
            hd.add_argument("--auth", choices=("oauth", "token"), help="OAuth bearer (default) or the legacy API token")
            hd.add_argument("--refresh-token-command", help="command printing the OAuth refresh token")
            hd.add_argument("--client-secret-command", help="command printing the OAuth client secret")


def run(args: argparse.Namespace) -> int:
    path = paths.config_file()
    if args.account_command == "list":
        cfg = config_mod.load(path)
        if not cfg.accounts:
            print(f"No accounts yet. Add one with `inbox account add …` (config: {path}).")
        for name, acct in cfg.accounts.items():
            where = acct.settings.get("path") or acct.settings.get("host") or acct.settings.get("url") or ""
            print(f"{name:<16} {acct.connector:<10} {where}")
        return 0
    settings = _settings(args)
    config_mod.add_account(path, args.name, args.kind, settings)
    print(f"Added account {args.name!r} ({args.kind}) to {path}. Run `inbox sync {args.name}`.")
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    kind = args.kind
    if kind == "maildir":
        root = Path(args.path).expanduser().resolve()
        if not root.is_dir():
            raise ConfigError(f"--path {args.path}: no such directory")
        return {
            "path": str(root),
            "from": args.from_,
            "folders": [f.strip() for f in args.folders.split(",") if f.strip()],
            "send_command": args.send_command,
            "save_sent": not args.no_save_sent,
        }
    if kind == "imap":
        settings: dict[str, Any] = {
            "host": args.host,
            "port": args.port,
            "tls": args.tls,
            "user": args.user,
            "smtp_host": args.smtp_host,
            "smtp_port": args.smtp_port,
            "smtp_tls": args.smtp_tls,
            "from": args.from_,
            "folders": [f.strip() for f in args.folders.split(",") if f.strip()],
            "ca_file": args.ca_file,
            "save_sent": not args.no_save_sent,
        }
        if args.token_command:
            settings["auth"] = "xoauth2"
            settings["token"] = {"command": args.token_command}
        elif args.password_command:
            settings["password"] = {"command": args.password_command}
        else:
            settings["password"] = _prompt_into_keyring(args.name, "password")
        return settings
    settings = {"url": args.url, "email": args.email, "client_id": args.client_id, "mailbox": args.mailbox}
    if args.queue:
        settings["queues"] = args.queue
    if kind == "zendesk":
        settings["auth"] = args.auth
        # refreshed tokens go to the keyring (inbox_tui.bootstrap.token_keeper), not here
        for key in ("refresh_token", "client_secret"):
            command = getattr(args, f"{key}_command")
            if command:
                settings[key] = {"command": command}
    key = "client_secret" if kind == "helpscout" else "token"
    settings[key] = {"command": args.token_command} if args.token_command else _prompt_into_keyring(args.name, key)
    return settings


def _prompt_into_keyring(account: str, key: str) -> dict[str, str]:
    if not sys.stdin.isatty():
        raise ConfigError(f"no terminal to ask for the {key}: pass --{'password' if key == 'password' else 'token'}-command")
    value = getpass.getpass(f"{key.replace('_', ' ').capitalize()} for {account} (stored in the OS keyring): ")
    if not value:
        raise ConfigError(f"no {key} given")
    return secrets.store_in_keyring(account, key, value)
