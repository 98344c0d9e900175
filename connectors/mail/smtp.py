"""Sending one message over SMTP (smtplib), with an exact answer to "did it go out?".

Implicit TLS (465), STARTTLS (587; refused when the server does not offer it) or plain
to a loopback relay; certificates verified. AUTH when the server offers it: the password
(smtplib picks PLAIN/LOGIN/CRAM-MD5), or XOAUTH2 / OAUTHBEARER with an access token.

The outcome is one of:

* returns — the server answered 2xx to the end of DATA: sent;
* ``AuthError`` — credentials refused; nothing sent;
* ``TransportError`` — connection/TLS failure or a 4xx before the message was complete;
  nothing sent, try again later;
* ``ConnectorError`` — a permanent 5xx refusal (sender, recipient, content); nothing sent;
* ``AmbiguousSend`` — the whole message left (final ``.`` written) but no answer came
  (connection lost, timeout): the server may have queued it.
"""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from connectors.mail.tls import CONNECT_FAILURES, Endpoint, client_context, connect_failure
from inbox_tui.errors import AmbiguousSend, AuthError, ConnectorError, TransportError
from inbox_tui.model import clean_line

_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")
_BARE_LINE_ENDS = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class SmtpAccount:
    endpoint: Endpoint
    user: str
    auth: str
    """``password``, ``xoauth2`` or ``oauthbearer``."""
    timeout: float = 30.0


def xoauth2_string(user: str, token: str) -> str:
    """The XOAUTH2 initial response (Google/Microsoft): ``user=U^Aauth=Bearer T^A^A``."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def oauthbearer_string(user: str, token: str, host: str = "", port: int = 0) -> str:
    """The OAUTHBEARER initial response (RFC 7628 §3.1)."""
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    parts = [f"n,a={authzid},"]
    if host:
        parts.append(f"host={host}")
    if port:
        parts.append(f"port={port}")
    parts.append(f"auth=Bearer {token}")
    return "\x01".join(parts) + "\x01\x01"


def send(account: SmtpAccount, secret: Callable[[], str], sender: str, recipients: Sequence[str], message: bytes) -> str:
    """Send ``message`` to ``recipients``; returns the server's final answer text."""
    ep = account.endpoint
    where = f"SMTP server {ep.where}"
    if not recipients:
        raise ConnectorError("the reply has no recipient")
    client = _connect(account, where)
    try:
        _authenticate(client, account, secret, where)
        _envelope(client, sender, recipients, where)
        return _data(client, message, where)
    finally:
        try:
            client.quit()
        except Exception:  # noqa: BLE001 - the answer is known already
            client.close()


def _connect(account: SmtpAccount, where: str) -> smtplib.SMTP:
    ep = account.endpoint
    context = client_context(ep.ca_file) if ep.mode != "none" else None
    try:
        if ep.mode == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(ep.host, ep.port, timeout=account.timeout, context=context)
        else:
            client = smtplib.SMTP(ep.host, ep.port, timeout=account.timeout)
        client.ehlo()
        if ep.mode == "starttls":
            if not client.has_extn("starttls"):
                client.close()
                raise TransportError(f"{where} does not offer STARTTLS; refusing to send without TLS")
            client.starttls(context=context)
            client.ehlo()
        return client
    except ConnectorError:
        raise
    except CONNECT_FAILURES as exc:
        raise connect_failure(exc, where) from None
    except (TimeoutError, socket.timeout):
        raise TransportError(f"{where} did not answer in time") from None
    except smtplib.SMTPResponseException as exc:
        raise TransportError(f"{where} refused the session: {exc.smtp_code} {_text(exc.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"connection to {where} failed ({clean_line(str(exc) or type(exc).__name__, 200)})") from None


def _authenticate(client: smtplib.SMTP, account: SmtpAccount, secret: Callable[[], str], where: str) -> None:
    if not client.has_extn("auth"):
        return  # a relay that trusts this host (or a local bridge)
    token = secret()
    try:
        if account.auth == "password":
            client.login(account.user, token)
        elif account.auth == "xoauth2":
            initial = xoauth2_string(account.user, token)
            client.auth("XOAUTH2", _once(initial), initial_response_ok=True)
        else:
            initial = oauthbearer_string(account.user, token, account.endpoint.host, account.endpoint.port)
            client.auth("OAUTHBEARER", _once(initial), initial_response_ok=True)
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthError(f"{where} refused the login of {account.user} ({exc.smtp_code} {_text(exc.smtp_error, token)})") from None
    except smtplib.SMTPNotSupportedError:
        raise AuthError(f"{where} offers no authentication method this account can use ({account.auth})") from None
    except smtplib.SMTPException as exc:
        raise AuthError(f"{where} refused the login of {account.user} ({_text(str(exc).encode(), token)})") from None
    except OSError as exc:
        raise TransportError(f"connection to {where} failed while logging in ({type(exc).__name__})") from None


def _once(initial: str) -> Callable[..., str]:
    """smtplib calls the auth object again with the server's error challenge; answer it
    with an empty line so the server finishes with its error code."""
    calls = 0

    def answer(challenge: bytes | None = None) -> str:
        nonlocal calls
        calls += 1
        return initial if calls == 1 else ""

    return answer


def _envelope(client: smtplib.SMTP, sender: str, recipients: Sequence[str], where: str) -> None:
    try:
        code, reply = client.mail(sender)
        if code != 250:
            client.rset()
            _refused(code, reply, f"{where} refused the sender {sender}")
        for rcpt in recipients:
            code, reply = client.rcpt(rcpt)
            if code not in (250, 251):
                client.rset()
                _refused(code, reply, f"{where} refused the recipient {rcpt}")
    except ConnectorError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"connection to {where} failed before the message was sent ({type(exc).__name__})") from None


def _data(client: smtplib.SMTP, message: bytes, where: str) -> str:
    try:
        code, reply = client.docmd("DATA")
        if code != 354:
            client.rset()
            _refused(code, reply, f"{where} refused the message")
        payload = _DOT_AT_LINE_START.sub(b"..", _BARE_LINE_ENDS.sub(b"\r\n", message))
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        client.send(payload + b".\r\n")
    except ConnectorError:
        raise
    except (smtplib.SMTPException, OSError) as exc:
        # the final dot did not leave: the server cannot have accepted the message
        raise TransportError(f"connection to {where} failed while sending the message ({type(exc).__name__})") from None
    try:
        code, reply = client.getreply()
    except (smtplib.SMTPException, OSError) as exc:
        raise AmbiguousSend(
            f"{where} got the whole message but did not confirm it ({type(exc).__name__}); it may have been sent"
        ) from None
    if code // 100 != 2:
        _refused(code, reply, f"{where} refused the message")
    return _text(reply)


def _refused(code: int, reply: bytes, what: str) -> None:
    text = f"{what}: {code} {_text(reply)}"
    if 400 <= code < 500:
        raise TransportError(text + " (temporary; will try again)")
    raise ConnectorError(text)


def _text(reply: bytes | str, secret: str = "") -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    if secret:
        text = text.replace(secret, "…")
    return clean_line(text, 300)
