"""TLS for the mail connectors: one verifying context, one rule for plain text, one
translation of certificate failures.

Modes (the ``tls`` / ``smtp_tls`` setting):

* ``ssl``: implicit TLS from the first byte (IMAP 993, SMTP 465) — the default;
* ``starttls``: plain connect, then STARTTLS before anything else (IMAP 143, SMTP 587); a
  server that does not offer STARTTLS is refused, never silently used in clear;
* ``none``: no TLS at all, allowed only to a loopback address (a local bridge/relay).

Certificates are always verified (hostname included) against the system store, or the
PEM file in ``ca_file`` when the account sets one.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass

from inbox_tui.errors import ConfigError, TransportError

TLS_MODES = ("ssl", "starttls", "none")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class Endpoint:
    """Where to connect and how: ``host``, ``port``, TLS ``mode`` and an optional CA file."""

    host: str
    port: int
    mode: str
    ca_file: str | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def endpoint(account: str, key: str, host: object, port: object, mode: object, ca_file: object, default_ports: dict[str, int]) -> Endpoint:
    """Validate one ``host``/``port``/``tls`` triple from the account settings.

    ``key`` is the settings prefix for messages (``""`` for IMAP, ``"smtp_"`` for SMTP).
    Raises ``ConfigError`` for an unknown mode or plain text to a non-loopback host.
    """
    name = f"accounts.{account}.{key}"
    if not isinstance(host, str) or not host.strip():
        raise ConfigError(f"{name}host is required (the server's name)")
    mode = (mode or "ssl") if isinstance(mode, str) or mode is None else mode
    if mode not in TLS_MODES:
        raise ConfigError(f"{name}tls must be one of {', '.join(TLS_MODES)} (got {mode!r})")
    if mode == "none" and not is_loopback(host):
        raise ConfigError(
            f"{name}tls = \"none\" is only allowed for a server on this machine (127.0.0.1); "
            f"use \"ssl\" or \"starttls\" for {host}"
        )
    if port in (None, ""):
        port = default_ports[mode]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(f"{name}port must be a port number (got {port!r})")
    if ca_file is not None and not isinstance(ca_file, str):
        raise ConfigError(f"accounts.{account}.ca_file must be a path to a PEM file")
    return Endpoint(host.strip(), port, mode, ca_file or None)


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").casefold()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context (TLS 1.2+, hostname checked); ``ca_file`` replaces the
    system store when given. Raises ``TransportError`` when the CA file is unusable."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise TransportError(f"cannot read the CA file {ca_file}: {exc.strerror or exc}") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


CONNECT_FAILURES = (ssl.SSLError, ssl.CertificateError, socket.gaierror, ConnectionRefusedError)
"""What can go wrong reaching a mail server before it says a word (IMAP and SMTP alike)."""


def connect_failure(exc: BaseException, where: str) -> TransportError:
    """The one-line error for one of :data:`CONNECT_FAILURES`."""
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return TransportError(describe_tls_failure(exc, where) or f"TLS with {where} failed")
    if isinstance(exc, socket.gaierror):
        return TransportError(f"cannot resolve {where} ({exc.strerror or exc})")
    return TransportError(f"{where} refused the connection (is the server running, is the port right?)")


def describe_tls_failure(exc: BaseException, where: str) -> str | None:
    """A one-line reason when ``exc`` is a TLS failure (``None`` otherwise)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or exc.reason or "verification failed"
        return (
            f"the certificate of {where} could not be verified ({reason}); "
            "set ca_file to the server's CA if it uses a private one"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed ({exc.reason or type(exc).__name__})"
    return None
