"""An SMTP server for tests (aiosmtpd in a thread on 127.0.0.1) that delivers into Dovecot.

``start_sink(SinkOptions(...), dovecot=server)`` accepts mail like a real submission
server and hands every accepted message to the private Dovecot over LMTP, so a reply the
connector sends shows up on the IMAP side like real mail: a recipient ``user@example.test``
whose user exists in Dovecot gets it in their INBOX, every other recipient lands in the
catch-all user's INBOX (``SinkOptions.catch_all``, default ``customer``).

* ``tls``: ``"none"``, ``"starttls"`` (offered and required before MAIL) or ``"ssl"``
  (implicit TLS), with a throw-away CA (``sink.ca_file``).
* ``users``: ``{login: password}`` turns on AUTH PLAIN/LOGIN (required; without ``users``
  and ``tokens`` no AUTH is offered, like a relay that trusts this host);
  ``tokens``: ``{token: login}`` adds XOAUTH2 (the SASL string is checked byte for byte).
* Faults, queued with :meth:`SmtpSink.fault` and taken by the next message:
  ``"451"`` (DATA refused, temporary), ``"554"`` (DATA refused, permanent),
  ``"550-rcpt"`` (recipient refused), ``"drop"`` (connection dropped after the data,
  nothing delivered), ``"drop-after"`` (delivered, then dropped without a reply),
  ``"hang-after"`` (delivered, the final reply comes only after ``hang_seconds``).

``sink.received`` lists every message that reached DATA (:class:`Received`), faulty or not.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import threading
import warnings
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.servers.dovecot import DOMAIN, Dovecot, TlsFiles, free_port, make_certificates

FAULTS = ("451", "554", "550-rcpt", "drop", "drop-after", "hang-after")


@dataclass(frozen=True)
class SinkOptions:
    tls: str = "none"
    users: dict[str, str] | None = None
    tokens: dict[str, str] | None = None
    catch_all: str = "customer"
    hang_seconds: float = 30.0


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None
    delivered: bool
    fault: str | None


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_EHLO(self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]) -> list[str]:  # noqa: N802
        """A sink without ``users``/``tokens`` is a relay that trusts this host: it offers no
        AUTH at all (aiosmtpd would advertise its built-in mechanisms and refuse every login)."""
        session.host_name = hostname
        if self.sink.options.users is None and self.sink.options.tokens is None:
            return [line for line in responses if not line[4:].upper().startswith("AUTH")]
        return responses

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]) -> str:  # noqa: N802
        if self.sink._peek_fault() == "550-rcpt":
            self.sink._take_fault()
            return "550 5.1.1 <%s>: recipient refused" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        fault = self.sink._take_fault()
        data = bytes(envelope.original_content or b"")
        auth = session.auth_data
        login = auth.login.decode(errors="replace") if isinstance(auth, LoginPassword) else None
        record = Received(str(envelope.mail_from), list(envelope.rcpt_tos), data, login, False, fault)
        self.sink.received.append(record)
        if fault == "451":
            return "451 4.3.0 try again later"
        if fault == "554":
            return "554 5.7.1 message refused"
        if fault == "drop":
            server.transport.abort()
            return "250 never seen"
        await asyncio.get_running_loop().run_in_executor(None, self.sink._deliver, record)
        if fault == "drop-after":
            server.transport.abort()
            return "250 never seen"
        if fault == "hang-after":
            await asyncio.sleep(self.sink.options.hang_seconds)
        return "250 2.0.0 OK queued"

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:  # noqa: N802
        tokens = self.sink.options.tokens or {}
        if len(args) > 1:
            blob = args[1].encode()
        else:
            answer = await server.challenge_auth("", encode_to_b64=False)
            if not isinstance(answer, bytes):
                return AuthResult(success=False)
            self.sink.xoauth2_strings.append(answer)
            return self._check_xoauth2(answer, tokens)
        try:
            decoded = base64.b64decode(blob, validate=True)
        except ValueError:
            return AuthResult(success=False, message="501 5.5.2 bad base64")
        self.sink.xoauth2_strings.append(decoded)
        return self._check_xoauth2(decoded, tokens)

    @staticmethod
    def _check_xoauth2(decoded: bytes, tokens: dict[str, str]) -> AuthResult:
        # RFC-less but fixed format: "user=<u>\x01auth=Bearer <token>\x01\x01"
        parts = decoded.split(b"\x01")
        if len(parts) != 4 or parts[2:] != [b"", b""] or not parts[0].startswith(b"user=") or not parts[1].startswith(b"auth=Bearer "):
            return AuthResult(success=False, message="535 5.7.8 malformed XOAUTH2 string")
        user = parts[0][5:].decode(errors="replace")
        token = parts[1][len(b"auth=Bearer ") :].decode(errors="replace")
        if tokens.get(token) != user:
            return AuthResult(success=False, message="535 5.7.8 token refused")
        return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))


class _Controller(Controller):
    def factory(self) -> SMTP:
        # aiosmtpd warns when AUTH is allowed without STARTTLS; here that is on purpose
        # (a plain loopback relay, or implicit TLS that aiosmtpd does not see)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
            return super().factory()


@dataclass
class SmtpSink:
    options: SinkOptions
    dovecot: Dovecot | None
    host: str = "127.0.0.1"
    port: int = 0
    ca_file: Path | None = None
    received: list[Received] = field(default_factory=list)
    xoauth2_strings: list[bytes] = field(default_factory=list)
    _faults: deque[str] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def fault(self, kind: str, times: int = 1) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULTS}")
        with self._lock:
            self._faults.extend([kind] * times)

    def _peek_fault(self) -> str | None:
        with self._lock:
            return self._faults[0] if self._faults else None

    def _take_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def _deliver(self, record: Received) -> None:
        if self.dovecot is None:
            return
        targets: list[str] = []
        for rcpt in record.rcpt_tos:
            local, _, domain = rcpt.rpartition("@")
            user = local if domain.casefold() == DOMAIN and local in self.dovecot.users else self.options.catch_all
            address = self.dovecot.address(user)
            if address not in targets:
                targets.append(address)
        self.dovecot.lmtp(targets, record.data, sender=record.mail_from)
        record.delivered = True

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def start_sink(
    options: SinkOptions = SinkOptions(),
    *,
    dovecot: Dovecot | None = None,
    tls_dir: Path | None = None,
    tls_files: TlsFiles | None = None,
) -> SmtpSink:
    """Start a sink; TLS material comes from ``tls_files`` (e.g. the Dovecot's, so one
    ``ca_file`` trusts both) or is generated under ``tls_dir``."""
    sink = SmtpSink(options, dovecot)
    if dovecot is not None and options.catch_all not in dovecot.users:
        dovecot.add_user(options.catch_all)
    kwargs: dict[str, Any] = {}
    if options.tls != "none":
        if tls_files is None and tls_dir is None:
            raise ValueError("a TLS sink needs tls_files or a tls_dir for its certificates")
        files: TlsFiles = tls_files or make_certificates(tls_dir)  # type: ignore[arg-type]
        sink.ca_file = files.ca
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(files.cert, files.key)
        if options.tls == "ssl":
            kwargs["ssl_context"] = context
        else:
            kwargs["tls_context"] = context
            kwargs["require_starttls"] = True
    if options.users is not None or options.tokens is not None:
        users = options.users or {}

        def authenticator(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
            if isinstance(data, LoginPassword) and users.get(data.login.decode(errors="replace")) == data.password.decode(errors="replace"):
                return AuthResult(success=True, auth_data=data)
            return AuthResult(success=False, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=options.tls == "starttls")
    sink.port = free_port()
    controller = _Controller(
        _Handler(sink),
        hostname="127.0.0.1",
        port=sink.port,
        server_hostname="sink.example.test",
        data_size_limit=64 * 1024 * 1024,
        decode_data=False,
        **kwargs,
    )
    controller.start()
    sink._controller = controller
    return sink
