"""Account settings of an IMAP account, and opening an authenticated IMAP connection.

Every failure leaves here as the error tree: a refused login is ``AuthError`` (the text
names the user and server, never the secret), a refused connection / DNS failure /
timeout / TLS failure is ``TransportError`` (a certificate problem says "certificate").
"""

from __future__ import annotations

import imaplib
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import LoginError, ProtocolError

from connectors.mail.tls import CONNECT_FAILURES, Endpoint, client_context, connect_failure, endpoint
from inbox_tui.errors import AuthError, ConfigError, ConnectorError, TransportError
from inbox_tui.model import Address, clean_line

AUTH_MODES = ("password", "xoauth2", "oauthbearer")
IMAP_PORTS = {"ssl": 993, "starttls": 143, "none": 143}
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "INBOX.Sent", "INBOX/Sent", "Sent Mail")

ResolveSecret = Callable[[str], str]


class CommandRefused(TransportError):
    """The server answered NO/BAD to one command; the connection itself is fine."""


@dataclass(frozen=True)
class MailSettings:
    """The account's table from config.toml, checked once (see ``connectors.mail.imap``)."""

    account: str
    imap: Endpoint
    user: str
    auth: str
    identity: Address
    folders: tuple[str, ...] = ("INBOX",)
    sent_folder: str | None = None
    save_sent: bool = True
    smtp: Endpoint | None = None
    smtp_user: str = ""
    smtp_auth: str = "password"
    send_command: str | None = None
    timeout: float = 30.0
    quote: str = "below"
    html: bool = False
    aliases: tuple[str, ...] = field(default=())

    @classmethod
    def from_mapping(cls, account: str, settings: Mapping[str, Any]) -> MailSettings:
        def text(key: str, default: str | None = None) -> str | None:
            value = settings.get(key, default)
            if value is None:
                return None
            if not isinstance(value, str):
                raise ConfigError(f"accounts.{account}.{key} must be text (got {value!r})")
            return value.strip()

        ca_file = settings.get("ca_file")
        imap = endpoint(account, "", settings.get("host"), settings.get("port"), settings.get("tls"), ca_file, IMAP_PORTS)
        user = text("user")
        if not user:
            raise ConfigError(f"accounts.{account}.user is required (the IMAP login)")
        auth = text("auth", "password") or "password"
        if auth not in AUTH_MODES:
            raise ConfigError(f"accounts.{account}.auth must be one of {', '.join(AUTH_MODES)} (got {auth!r})")
        sender = text("from") or (user if "@" in user else "")
        name, email = parseaddr(sender or "")
        if not email or "@" not in email:
            raise ConfigError(f'accounts.{account}.from must be your address, e.g. "Support <help@example.com>"')
        folders = settings.get("folders", ["INBOX"])
        if isinstance(folders, str):
            folders = [f.strip() for f in folders.split(",")]
        if not isinstance(folders, (list, tuple)) or not all(isinstance(f, str) and f for f in folders):
            raise ConfigError(f'accounts.{account}.folders must be a list of folder names, e.g. ["INBOX"]')
        send_command = text("send_command") or None
        smtp = None
        if not send_command:
            smtp = endpoint(
                account,
                "smtp_",
                settings.get("smtp_host"),
                settings.get("smtp_port"),
                settings.get("smtp_tls"),
                ca_file,
                SMTP_PORTS,
            )
        timeout = settings.get("timeout", 30)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigError(f"accounts.{account}.timeout must be a number of seconds")
        quote = text("quote", "below") or "below"
        aliases = settings.get("aliases", ())
        if not isinstance(aliases, (list, tuple)) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"accounts.{account}.aliases must be a list of addresses")
        return cls(
            account=account,
            imap=imap,
            user=user,
            auth=auth,
            identity=Address(email.strip(), clean_line(name)),
            folders=tuple(dict.fromkeys(folders)),
            sent_folder=text("sent_folder") or None,
            save_sent=bool(settings.get("save_sent", True)),
            smtp=smtp,
            smtp_user=text("smtp_user") or user,
            smtp_auth=text("smtp_auth", auth) or auth,
            send_command=send_command,
            timeout=float(timeout),
            quote=quote,
            html=bool(settings.get("html", False)),
            aliases=tuple(a.strip().casefold() for a in aliases if a.strip()),
        )

    @property
    def addresses(self) -> frozenset[str]:
        """Every address that means "the agent" (direction OUT when it is the sender)."""
        found = {self.identity.email.casefold(), *self.aliases}
        if "@" in self.user:
            found.add(self.user.casefold())
        return frozenset(found)


class Secrets:
    """Resolves the password or token once per connector (a token command runs once)."""

    def __init__(self, resolve: ResolveSecret) -> None:
        self._resolve = resolve
        self._cache: dict[str, str] = {}

    def get(self, auth: str, *, smtp: bool = False) -> str:
        key = "password" if auth == "password" else "token"
        if smtp and auth == "password":
            key = "smtp_password" if self._has("smtp_password") else "password"
        if key not in self._cache:
            self._cache[key] = self._resolve(key)
        return self._cache[key]

    def _has(self, key: str) -> bool:
        if key in self._cache:
            return True
        try:
            self._cache[key] = self._resolve(key)
        except ConfigError:
            return False
        return True


# --------------------------------------------------------------------------- errors


@contextmanager
def imap_errors(where: str, doing: str) -> Iterator[None]:
    """Translate imaplib/imapclient/socket failures into the error tree."""
    try:
        yield
    except ConnectorError:
        raise
    except LoginError as exc:
        raise AuthError(f"{where} refused the login ({clean_line(str(exc), 200)})") from None
    except CONNECT_FAILURES as exc:
        raise connect_failure(exc, where) from None
    except (TimeoutError, socket.timeout):
        raise TransportError(f"{where} did not answer in time while {doing}") from None
    except imaplib.IMAP4.abort as exc:
        raise TransportError(f"{where} closed the connection while {doing} ({clean_line(str(exc), 200)})") from None
    except ProtocolError as exc:
        raise TransportError(f"{where} broke the protocol while {doing} ({clean_line(str(exc), 200)})") from None
    except imaplib.IMAP4.error as exc:
        raise CommandRefused(f"{where} refused {doing}: {clean_line(str(exc), 300)}") from None
    except (EOFError, OSError) as exc:
        raise TransportError(f"connection to {where} failed while {doing} ({clean_line(str(exc) or type(exc).__name__, 200)})") from None


# --------------------------------------------------------------------------- connect


def connect(settings: MailSettings, secrets: Secrets) -> IMAPClient:
    """An authenticated IMAPClient (TLS as configured, never downgraded)."""
    ep = settings.imap
    where = f"IMAP server {ep.where}"
    context = client_context(ep.ca_file) if ep.mode != "none" else None
    with imap_errors(where, "connecting"):
        client = IMAPClient(ep.host, ep.port, ssl=ep.mode == "ssl", ssl_context=context, timeout=settings.timeout)
    try:
        with imap_errors(where, "starting TLS"):
            if ep.mode == "starttls":
                if not client.has_capability("STARTTLS"):
                    raise TransportError(
                        f"{where} does not offer STARTTLS; refusing to log in without TLS "
                        "(use tls = \"ssl\" if it speaks implicit TLS)"
                    )
                client.starttls(context)
        with imap_errors(where, "logging in"):
            _login(client, settings, secrets)
    except BaseException:
        _drop(client)
        raise
    return client


def _login(client: IMAPClient, settings: MailSettings, secrets: Secrets) -> None:
    where = f"IMAP server {settings.imap.where}"
    secret = secrets.get(settings.auth)
    try:
        if settings.auth == "password":
            client.login(settings.user, secret)
        elif settings.auth == "xoauth2":
            client.oauth2_login(settings.user, secret, mech="XOAUTH2")
        else:
            client.oauthbearer_login(settings.user, secret)
    except LoginError as exc:
        reason = clean_line(str(exc).replace(secret, "…") if secret else str(exc), 200)
        raise AuthError(f"{where} refused the login of {settings.user} ({reason})") from None


def _drop(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # noqa: BLE001 - already failing
        pass


def close(client: IMAPClient | None) -> None:
    """Log out politely; a dead connection is just dropped."""
    if client is None:
        return
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - closing is best effort
        _drop(client)
