"""Logins, TLS and the servers being away: each failure is the right error with a clear text."""

from __future__ import annotations

import socket
import uuid

import pytest

from connectors.mail.imap import ImapConnector
from connectors.mail.imap_conn import MailSettings, Secrets
from connectors.mail.smtp import SmtpAccount, oauthbearer_string, send, xoauth2_string
from connectors.mail.tls import Endpoint
from inbox_tui.errors import AuthError, ConfigError, TransportError
from tests.connectors.imap.helpers import PASSWORD, Mailbox, MemoryStore, mail
from tests.connectors.imap.test_reply import parent_in, reply_to, sent_copies
from tests.servers.dovecot import Dovecot, TokenInfo, free_port
from tests.servers.smtp_sink import SinkOptions, SmtpSink, start_sink


def tls_settings(box: Mailbox, **more: object) -> dict[str, object]:
    assert box.server.tls_port and box.server.ca_file
    return {"port": box.server.tls_port, "tls": "ssl", "ca_file": str(box.server.ca_file), **more}


# --------------------------------------------------------------------------- logins


def test_wrong_password_is_an_auth_error_without_the_password(mailbox: Mailbox) -> None:
    with pytest.raises(AuthError) as caught:
        mailbox.connector(_secrets=mailbox.secrets(password="hunter2-wrong"))
    text = f"{caught.value} {caught.value.title} {caught.value!r}"
    assert "hunter2-wrong" not in text and PASSWORD not in text
    assert mailbox.user in str(caught.value)


def test_wrong_password_surfaces_from_pull_on_a_lazy_connector(mailbox: Mailbox) -> None:
    settings = MailSettings.from_mapping("lazy", mailbox.settings())
    connector = ImapConnector(settings, Secrets(mailbox.secrets(password="nope-nope")))
    with pytest.raises(AuthError):
        list(connector.pull(None, lambda ids: {}, lambda: False))


def test_server_down_is_a_transport_error(mailbox: Mailbox) -> None:
    with pytest.raises(TransportError, match="refused the connection"):
        mailbox.connector(port=free_port())


def test_server_that_never_greets_times_out(mailbox: Mailbox) -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        with pytest.raises(TransportError, match="did not answer in time"):
            mailbox.connector(port=silent.getsockname()[1], timeout=0.5)


def test_plain_text_is_only_allowed_to_this_machine(mailbox: Mailbox) -> None:
    with pytest.raises(ConfigError, match="only allowed for a server on this machine"):
        mailbox.connector(host="mail.example.com")
    with pytest.raises(ConfigError, match="smtp_tls"):
        MailSettings.from_mapping("x", mailbox.settings(smtp_host="smtp.example.com", smtp_tls="none"))


def test_bad_settings_name_the_key(mailbox: Mailbox) -> None:
    with pytest.raises(ConfigError, match="accounts.x.tls"):
        MailSettings.from_mapping("x", mailbox.settings(tls="maybe"))
    with pytest.raises(ConfigError, match="accounts.x.auth"):
        MailSettings.from_mapping("x", mailbox.settings(auth="kerberos"))
    with pytest.raises(ConfigError, match="accounts.x.from"):
        MailSettings.from_mapping("x", mailbox.settings(**{"from": "nobody"}))


# --------------------------------------------------------------------------- TLS


def test_implicit_tls_with_the_account_ca(tls_box: Mailbox, store: MemoryStore) -> None:
    tls_box.deliver(mail("Over TLS"))
    store.sync(tls_box.connector(**tls_settings(tls_box)))
    assert store.by_subject("Over TLS")


def test_unverified_certificate_is_refused_and_says_certificate(tls_box: Mailbox) -> None:
    settings = tls_settings(tls_box)
    del settings["ca_file"]  # the system store does not know our test CA
    with pytest.raises(TransportError, match="certificate") as caught:
        tls_box.connector(**settings)
    assert PASSWORD not in str(caught.value)


def test_certificate_for_another_name_is_refused(tls_box: Mailbox) -> None:
    # "localhost" reaches the same Dovecot on 127.0.0.1, but the certificate holds only
    # 127.0.0.1 and imap.example.test: a valid chain for the wrong name must be refused
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    settings = tls_settings(tls_box, host="localhost")
    with pytest.raises(TransportError, match="certificate") as caught:
        tls_box.connector(**settings)
    assert "mismatch" in str(caught.value).lower()


def test_implicit_tls_against_a_plain_port_fails_cleanly(mailbox: Mailbox) -> None:
    with pytest.raises(TransportError):
        mailbox.connector(tls="ssl", timeout=3)


def test_starttls_upgrades_and_finds_sent_by_name(tls_box: Mailbox, customer: Mailbox, dovecot: Dovecot) -> None:
    """The TLS Dovecot has "Sent Items" without SPECIAL-USE: found by name."""
    files = tls_box.server.tls_files
    assert files is not None
    sink = start_sink(
        SinkOptions(tls="starttls", catch_all=customer.user, users={tls_box.user: PASSWORD}), dovecot=dovecot, tls_files=files
    )
    try:
        tls_box.deliver(mail("Upgrade me", sender=f"Jane <{customer.address}>"))
        store = MemoryStore()
        connector = tls_box.connector(
            tls="starttls", ca_file=str(files.ca), smtp_port=sink.port, smtp_tls="starttls"
        )
        store.sync(connector)
        parent = store.by_subject("Upgrade me")
        reply = reply_to(parent, "Over STARTTLS both ways.")
        connector.send_reply(reply)
        assert sent_copies(tls_box, reply, folder="Sent Items") == [{"\\Seen"}]
        assert sink.received[-1].data.count(b"Over STARTTLS both ways.") == 1
        assert sink.received[-1].login == tls_box.user, "logged in, after STARTTLS (the sink requires it)"
    finally:
        sink.stop()


def test_starttls_required_but_not_offered_is_refused_before_login(mailbox: Mailbox) -> None:
    with pytest.raises(TransportError, match="does not offer STARTTLS"):
        mailbox.connector(tls="starttls")
    assert f"user=<{mailbox.user}>" not in mailbox.server.log.read_text(errors="replace"), "no login was attempted"


def test_smtp_starttls_required_but_not_offered(mailbox: Mailbox, customer: Mailbox, sink: SmtpSink) -> None:
    parent = parent_in(mailbox, customer, "No STARTTLS on SMTP")
    connector = mailbox.connector(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="starttls")
    reply = reply_to(parent, "Never in clear.")
    with pytest.raises(TransportError, match="does not offer STARTTLS"):
        connector.send_reply(reply)
    assert not sink.received and sent_copies(mailbox, reply) == []


def test_smtp_implicit_tls_needs_a_verified_certificate(mailbox: Mailbox, customer: Mailbox, dovecot: Dovecot, tmp_path) -> None:
    sink = start_sink(SinkOptions(tls="ssl", catch_all=customer.user), dovecot=dovecot, tls_dir=tmp_path / "tls")
    try:
        parent = parent_in(mailbox, customer, "SMTPS")
        unverified = mailbox.connector(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="ssl")
        with pytest.raises(TransportError, match="certificate"):
            unverified.send_reply(reply_to(parent, "Unverified."))
        assert not sink.received
        verified = mailbox.connector(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="ssl", ca_file=str(sink.ca_file))
        verified.send_reply(reply_to(parent, "Verified."))
        assert b"Verified." in sink.received[-1].data
    finally:
        sink.stop()


# --------------------------------------------------------------------------- OAuth2


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_oauth2_login_against_dovecots_oauth2_passdb(oauth_box: Mailbox, token_info: TokenInfo, mechanism: str) -> None:
    oauth_box.deliver(mail("Token login"))
    token = f"ya29.{uuid.uuid4().hex}"
    token_info.grant(token, oauth_box.user)
    store = MemoryStore()
    store.sync(oauth_box.connector(auth=mechanism, _secrets=oauth_box.secrets(token=token)))
    assert store.by_subject("Token login")
    assert token in token_info.requests, "Dovecot checked the token with the token-info endpoint"

    expired = f"ya29.{uuid.uuid4().hex}"
    with pytest.raises(AuthError) as caught:
        oauth_box.connector(auth=mechanism, _secrets=oauth_box.secrets(token=expired))
    assert expired not in f"{caught.value} {caught.value!r}"


def test_smtp_xoauth2_string_is_exact_and_accepted(mailbox: Mailbox, customer: Mailbox, dovecot: Dovecot) -> None:
    sink = start_sink(SinkOptions(catch_all=customer.user, tokens={"tok-123": "relay@example.test"}), dovecot=dovecot)
    try:
        account = SmtpAccount(Endpoint("127.0.0.1", sink.port, "none"), "relay@example.test", "xoauth2", 5)
        send(account, lambda: "tok-123", mailbox.address, [customer.address], mail("XOAUTH2 send"))
        assert sink.xoauth2_strings == [xoauth2_string("relay@example.test", "tok-123").encode()]
        assert sink.received[-1].login == "relay@example.test"
        with pytest.raises(AuthError) as caught:
            send(account, lambda: "tok-expired", mailbox.address, [customer.address], mail("refused"))
        assert "tok-expired" not in str(caught.value)
    finally:
        sink.stop()


def test_oauthbearer_string_follows_rfc7628() -> None:
    assert oauthbearer_string("a,b=c@x", "T", "smtp.x", 587) == "n,a=a=2Cb=3Dc@x,\x01host=smtp.x\x01port=587\x01auth=Bearer T\x01\x01"
