"""Fixtures for the IMAP/SMTP connector: private Dovecot instances and SMTP sinks.

Every server is started here and stopped by PID at the end (session-scoped Dovecots, one
per variant; each test gets its own fresh mailbox user, so tests never see each other's
mail). A missing Dovecot FAILS the tests with the install hint: CI installs it.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.connectors.imap.helpers import PASSWORD, Mailbox, MemoryStore
from tests.servers.dovecot import Dovecot, DovecotMissing, DovecotOptions, TokenInfo, start_dovecot
from tests.servers.smtp_sink import SinkOptions, SmtpSink, start_sink

_users = itertools.count(1)
USER_POOL = [f"{prefix}{n}" for prefix in ("agent", "cust") for n in range(1, 301)]
"""Users known from the start: Dovecot re-reads passwd-file at most once a second."""


def _start(tmp_path_factory: pytest.TempPathFactory, name: str, options: DovecotOptions) -> Iterator[Dovecot]:
    # not under tmp_path: pytest's base dir is 0700 and Dovecot's own users must get in
    workdir = Path(tempfile.mkdtemp(prefix=f"inbox-{name}-"))
    try:
        server = start_dovecot(workdir, options, users=USER_POOL, password=PASSWORD)
    except DovecotMissing as exc:
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """Plain IMAP (``ssl = no``, no STARTTLS), Sent marked ``\\Sent`` (SPECIAL-USE)."""
    yield from _start(tmp_path_factory, "dovecot", DovecotOptions())


@pytest.fixture(scope="session")
def dovecot_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """STARTTLS on the plain port, implicit TLS on ``tls_port``; a Sent folder named
    "Sent Items" without SPECIAL-USE (found by name)."""
    yield from _start(tmp_path_factory, "dovecot-tls", DovecotOptions(tls=True, sent="Sent Items", special_use_sent=False))


@pytest.fixture(scope="session")
def token_info() -> Iterator[TokenInfo]:
    info = TokenInfo()
    yield info
    info.stop()


@pytest.fixture(scope="session")
def dovecot_oauth(tmp_path_factory: pytest.TempPathFactory, token_info: TokenInfo) -> Iterator[Dovecot]:
    """XOAUTH2/OAUTHBEARER checked by Dovecot's oauth2 passdb against ``token_info``."""
    yield from _start(tmp_path_factory, "dovecot-oauth", DovecotOptions(oauth2_tokeninfo=token_info.url))


@pytest.fixture(scope="session")
def dovecot_no_keywords(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    """ACL without the ``w`` right: PERMANENTFLAGS lacks ``\\*`` (and the other flags)."""
    yield from _start(tmp_path_factory, "dovecot-nokw", DovecotOptions(readonly_keywords=True))


def _mailbox(server: Dovecot, prefix: str) -> Iterator[Mailbox]:
    user = server.add_user(f"{prefix}{next(_users)}", PASSWORD)
    box = Mailbox(server, user)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[Mailbox]:
    yield from _mailbox(dovecot, "agent")


@pytest.fixture
def customer(dovecot: Dovecot) -> Iterator[Mailbox]:
    """The customer's own mailbox on the same Dovecot: the sink delivers replies there."""
    yield from _mailbox(dovecot, "cust")


@pytest.fixture
def tls_box(dovecot_tls: Dovecot) -> Iterator[Mailbox]:
    """A mailbox on the TLS Dovecot (STARTTLS and implicit TLS; "Sent Items" by name)."""
    yield from _mailbox(dovecot_tls, "agent")


@pytest.fixture
def oauth_box(dovecot_oauth: Dovecot) -> Iterator[Mailbox]:
    yield from _mailbox(dovecot_oauth, "agent")


@pytest.fixture
def sink(dovecot: Dovecot, customer: Mailbox) -> Iterator[SmtpSink]:
    server = start_sink(SinkOptions(catch_all=customer.user), dovecot=dovecot)
    yield server
    server.stop()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
